"""Digitising paper dossiers (issue 28 part 5): a scan attached to a paper dossier makes it hybrid and names its paper
original; the archive digitises the paper dossiers it holds, each scan held to TT 02/2019 unless accepted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, ScanCheck
from erms.models.dossier import Medium
from filing import digitisation, dossiers
from tests.factories import DOCUMENT, upload
from tests.intake.test_legacy_import import scan


def actions(session, subject_type: str, subject_id: int) -> list[str]:
    query = select(AuditEvent.action).where(
        AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id
    )
    return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_scan_filed_into_a_paper_dossier_makes_it_hybrid_and_names_its_original(
    world, session, store, now, make_dossier
):
    paper, electronic = make_dossier("open"), make_dossier("open")
    paper.medium = Medium.PAPER
    officer = world.actor("officer1")
    added = dossiers.add_document(
        session, officer, paper.id, dict(DOCUMENT, code_number="201"), upload(scan(1), "cv-201.pdf"),
        store=store, now=now, scan=True,
    )  # fmt: skip
    assert paper.medium is Medium.HYBRID and added.paper_original == paper.file_code
    assert "dossier.digitised" in actions(session, "dossier", paper.id)
    plain = dossiers.add_document(
        session, officer, electronic.id, dict(DOCUMENT, code_number="202"), upload(scan(2), "cv-202.pdf"),
        store=store, now=now, scan=True,
    )  # fmt: skip
    assert electronic.medium is Medium.ELECTRONIC and plain.paper_original == ""


def test_the_archive_digitises_a_paper_dossier_it_holds(world, session, store, now, make_dossier):
    held = make_dossier("archived")
    held.medium = Medium.PAPER
    archivist = world.actor("archivist")
    before = len(held.links)
    form = {"subject": "Toàn bộ hồ sơ, 12 trang", "page_amount": "12"}
    with pytest.raises(InvalidMetadata, match="dpi"):  # grey and under 200 dpi: refused unless accepted
        digitisation.digitise(
            session, archivist, held.id, form, upload(scan(3, "L", 150), "hs.pdf"), store=store, now=now
        )
    assert held.medium is Medium.PAPER and len(held.links) == before
    added = digitisation.digitise(
        session, archivist, held.id, form, upload(scan(3, "L", 150), "hs.pdf"), store=store, now=now,
        accept_warnings=True,
    )  # fmt: skip
    assert held.medium is Medium.HYBRID and len(held.links) == before + 1
    assert (added.subject, added.page_amount, added.paper_original) == ("Toàn bộ hồ sơ, 12 trang", 12, held.file_code)
    (checked,) = session.scalars(select(ScanCheck).where(ScanCheck.document_id == added.id)).all()
    assert checked.accepted_by_id == world.users["archivist"].id
    assert actions(session, "document", added.id) == ["document.digitised"]
    again = digitisation.digitise(  # a second scan of a hybrid dossier: it stays hybrid
        session, archivist, held.id, {"subject": "Phụ lục"}, upload(scan(4), "pl.pdf"), store=store, now=now
    )
    assert held.medium is Medium.HYBRID and again.paper_original == held.file_code


def test_only_the_archivist_digitises_and_only_paper_the_archive_holds(world, session, store, now, make_dossier):
    held, still_open, electronic = make_dossier("archived"), make_dossier("open"), make_dossier("archived")
    held.medium = still_open.medium = Medium.PAPER
    form, archivist = {"subject": "Bản số hóa"}, world.actor("archivist")
    with pytest.raises(PermissionDenied):  # the unit reads its archived dossier but does not digitise it
        digitisation.digitise(session, world.actor("officer1"), held.id, form, upload(scan(5)), store=store, now=now)
    with pytest.raises(NotFound):  # another unit does not even see it
        digitisation.digitise(session, world.actor("officer2"), held.id, form, upload(scan(5)), store=store, now=now)
    with pytest.raises(RuleViolation, match="electronic"):
        digitisation.digitise(session, archivist, electronic.id, form, upload(scan(5)), store=store, now=now)
    with pytest.raises(RuleViolation, match="archive holds"):
        digitisation.digitise(session, archivist, still_open.id, form, upload(scan(5)), store=store, now=now)
    with pytest.raises(InvalidMetadata, match="required"):
        digitisation.digitise(session, archivist, held.id, {"subject": ""}, upload(scan(5)), store=store, now=now)
    with pytest.raises(InvalidMetadata, match="Choose the scan"):
        digitisation.digitise(session, archivist, held.id, form, None, store=store, now=now)
    assert held.medium is Medium.PAPER


def test_a_paper_document_is_registered_without_a_file_and_a_scan_of_it_added_later(
    world, session, store, now, make_dossier
):
    paper = make_dossier("open")
    paper.medium = Medium.PAPER
    officer = world.actor("officer1")
    sheet = dossiers.add_document(
        session, officer, paper.id, dict(DOCUMENT, code_number="301", medium="paper"), None, store=store, now=now
    )
    assert (sheet.medium, sheet.versions, paper.medium) == (Medium.PAPER, [], Medium.PAPER)
    with pytest.raises(InvalidMetadata, match="Choose one of the listed values"):
        dossiers.add_document(
            session, officer, paper.id, dict(DOCUMENT, code_number="302", medium="giấy"), None, store=store, now=now
        )
    dossiers.update_document(session, officer, paper.id, sheet.id, {"medium": "hybrid"}, now=now)
    assert sheet.medium is Medium.HYBRID
