"""Filling a required document field of the organisation's (PL6 III.7.c) for every document of a dossier that leaves it
empty, at once (``filing.blank_fields``): only where it is empty, as each document's own edit would, and nowhere the
edit could not go."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from erms import metadata, search, supplementary  # noqa: F401  search: its session events queue what commits change
from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, FieldType, SearchQueueItem
from filing import blank_fields, dossiers
from filing import supplementary as supplementary_values
from tests.erms.test_document_rights import register, send_to
from tests.factories import TODAY, another_agency, supplementary_field

PAPER_PAGES = "supplementary.so_trang_giay"


def add_paper_pages(session, world):
    """The organisation's "Số trang bản giấy", a number every document needs before its dossier closes."""
    label = "Số trang bản giấy"
    return supplementary_field(session, world.org.id, "document", "so_trang_giay", label, "number", required=True)


@pytest.fixture
def paper_pages(session, world):
    return add_paper_pages(session, world)


@pytest.fixture
def dossier(session, world, store, now, make_dossier, paper_pages):
    """An open dossier of three documents, the second one's paper pages already typed (7), and a tuyệt mật one."""
    dossier = make_dossier("open", documents=3)
    second = dossier.links[1].document_id
    dossiers.update_document(session, world.actor("officer1"), dossier.id, second, {PAPER_PAGES: "7"}, now=now)
    secret = register(session, world, store, now, marking="tuyet_mat", code_number="7", subject="Kế hoạch bảo vệ")
    send_to(session, world, now, secret, world.unit_a)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, secret.document_id, now=now)
    session.flush()
    return dossier


def values(dossier) -> list[dict[str, str]]:
    """Each document's supplementary values, in the dossier's order (the tuyệt mật one last)."""
    return [supplementary.values_of(link.document) for link in sorted(dossier.links, key=lambda link: link.ordinal)]


def filled_events(session) -> list[tuple[int, dict]]:
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.updated").order_by(AuditEvent.id)
    ).all()
    return [(event.subject_id, json.loads(event.details)) for event in events]


def test_the_closing_page_is_offered_the_field_with_the_documents_left_empty(session, dossier, paper_pages):
    (offered,) = blank_fields.missing(session, dossier)
    assert (offered.field.id, offered.ordinals) == (paper_pages.id, [1, 3])  # not no. 2 (typed), nor the tuyệt mật


def test_only_the_empty_documents_are_filled_each_audited_and_queued_for_search_and_the_dossier_then_closes(
    session, world, store, now, dossier
):
    officer = world.actor("officer1")
    before = len(filled_events(session))
    session.execute(delete(SearchQueueItem))
    filled = blank_fields.fill_missing(session, officer, dossier.id, "so_trang_giay", " 12,5 ", now=now)
    session.commit()
    assert (filled.field.label, filled.count) == ("Số trang bản giấy", 2)
    assert values(dossier) == [{"so_trang_giay": "12.5"}, {"so_trang_giay": "7"}, {"so_trang_giay": "12.5"}, {}]
    first, third = dossier.links[0].document_id, dossier.links[2].document_id
    assert [(record, details["supplementary"]) for record, details in filled_events(session)[before:]] == [
        (first, {PAPER_PAGES: [None, "12.5"]}),
        (third, {PAPER_PAGES: [None, "12.5"]}),
    ]
    assert {f"document:{first}", f"document:{third}"} <= set(session.scalars(select(SearchQueueItem.key)))
    assert blank_fields.missing(session, dossier) == [] and dossiers.closing_problems(dossier, today=TODAY) == []
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    assert dossier.state.value == "closed"


def test_a_document_also_in_a_closed_dossier_keeps_its_sealed_metadata(session, world, now, make_dossier):
    closed = make_dossier("closed")
    dossier = make_dossier("open")
    add_paper_pages(session, world)
    officer = world.actor("officer1")
    dossiers.link_document(session, officer, dossier.id, closed.links[0].document_id, now=now)
    session.flush()
    assert [item.ordinals for item in blank_fields.missing(session, dossier)] == [[1]]
    assert blank_fields.fill_missing(session, officer, dossier.id, "so_trang_giay", "4", now=now).count == 1
    assert supplementary.values_of(closed.links[0].document) == {}
    # Nobody can give the sealed document its value any more: it does not hold the open dossier's closing up.
    assert supplementary_values.closing_problems(dossier) == []


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("officer2", NotFound), ("head", PermissionDenied)],
    ids=["another-units-officer", "a-reader-who-forms-no-dossier"],
)
def test_who_may_not_edit_the_dossiers_documents_is_refused_and_nothing_changes(
    session, world, now, dossier, who, refusal
):
    before = len(filled_events(session))
    with pytest.raises(refusal):
        blank_fields.fill_missing(session, world.actor(who), dossier.id, "so_trang_giay", "12", now=now)
    assert values(dossier)[0] == {} and len(filled_events(session)) == before


def test_a_closed_dossiers_documents_never_change(session, world, now, make_dossier):
    closed = make_dossier("closed")
    add_paper_pages(session, world)
    with pytest.raises(RuleViolation) as refused:
        blank_fields.fill_missing(session, world.actor("officer1"), closed.id, "so_trang_giay", "12", now=now)
    assert refused.value.template == dossiers.NOT_OPEN
    assert supplementary.values_of(closed.links[0].document) == {}


def other_fields(session, world, store, now) -> None:
    """A withdrawn document field, a dossier field, another organisation's document field, a list and a date."""
    supplementary_field(session, world.org.id, "document", "so_hop", "Số hộp", active=False)
    supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    supplementary_field(session, another_agency(session, world, store, now).org.id, "document", "rieng", "Riêng")
    supplementary_field(session, world.org.id, "document", "nguon", "Nguồn", "choice", choices="Ngân sách\nODA")
    supplementary_field(session, world.org.id, "document", "ngay_nhan", "Ngày nhận", "date")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("so_trang_giay", "12 trang", supplementary.MESSAGES[FieldType.NUMBER]),
        ("so_trang_giay", "   ", metadata.MESSAGES["required"]),
        ("ngay_nhan", "31/02/2026", supplementary.MESSAGES[FieldType.DATE]),
        ("nguon", "Vay thương mại", supplementary.MESSAGES[FieldType.CHOICE]),
        ("so_hop", "H-12", supplementary.UNKNOWN),
        ("ma_du_an", "DA-1", supplementary.UNKNOWN),
        ("rieng", "x", supplementary.UNKNOWN),
        ("khong_co", "x", supplementary.UNKNOWN),
    ],
    ids=["number", "empty", "date", "choice", "withdrawn", "a-dossier-field", "another-organisations", "unknown"],
)
def test_a_value_its_field_does_not_take_is_refused_beside_it_and_nothing_changes(
    session, world, store, now, dossier, name, text, message
):
    other_fields(session, world, store, now)
    before = len(filled_events(session))
    with pytest.raises(InvalidMetadata) as refused:
        blank_fields.fill_missing(session, world.actor("officer1"), dossier.id, name, text, now=now)
    assert [(problem.field, problem.template) for problem in refused.value.problems] == [
        (supplementary.PREFIX + name, message)
    ]
    assert values(dossier) == [{}, {"so_trang_giay": "7"}, {}, {}]
    assert len(filled_events(session)) == before


def test_a_list_and_a_date_are_stored_as_a_documents_edit_stores_them(session, world, store, now, dossier):
    other_fields(session, world, store, now)
    officer = world.actor("officer1")
    assert blank_fields.fill_missing(session, officer, dossier.id, "nguon", "ODA", now=now).count == 3
    assert blank_fields.fill_missing(session, officer, dossier.id, "ngay_nhan", "2/3/2026", now=now).count == 3
    assert values(dossier)[0] == {"nguon": "ODA", "ngay_nhan": "2026-03-02"}
