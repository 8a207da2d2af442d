"""Filing rules: opening, documents, closing checklist and index, reopening, submission, acceptance."""

import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from erms.errors import IllegalTransition, InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, Document, Dossier, StoredFile, TransferItem
from erms.models.dossier import DossierState
from erms.models.register import RegisterKind
from filing import dossiers, registers
from tests.factories import DOCUMENT, TODAY, upload


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ opening


def test_open_prefills_from_the_entry(session, world, now):
    dossier_list = world.approved_list()
    entry = dossier_list.entries[0]
    dossier = dossiers.open_dossier(session, world.actor("officer1"), entry.id, {}, now=now)
    assert dossier.state is DossierState.OPEN
    assert dossier.title == entry.title
    assert dossier.file_notation == "01.TH"
    assert dossier.file_code == "000.00.00.H26.2026.01.TH"
    assert dossier.retention_years == 10 and not dossier.retention_permanent
    assert dossier.start_date.isoformat() == "2026-06-15"  # Vietnam date of NOW


def test_open_only_from_an_approved_list(session, world, now):
    registry = world.actor("registry")
    draft = dossier_lists.create_list(session, registry, world.org.id, 2026, now=now)
    entry = dossier_lists.add_entry(
        session,
        registry,
        draft.id,
        title="Hồ sơ dự thảo",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    with pytest.raises(RuleViolation, match="approved dossier list"):
        dossiers.open_dossier(session, world.actor("officer1"), entry.id, {}, now=now)
    assert count(session, Dossier) == 0


def test_open_twice_refused_and_next_year_not_yet(session, world, now):
    entry = world.approved_list().entries[0]
    dossiers.open_dossier(session, world.actor("officer1"), entry.id, {}, now=now)
    with pytest.raises(RuleViolation, match="already been opened for entry 01.TH"):
        dossiers.open_dossier(session, world.actor("officer1"), entry.id, {}, now=now)
    future = world.approved_list(year=2027)
    with pytest.raises(RuleViolation, match="not in force"):
        dossiers.open_dossier(session, world.actor("officer1"), future.entries[0].id, {}, now=now)


def test_officer_of_another_unit_cannot_open_or_read(session, world, now, make_dossier):
    entry = world.approved_list().entries[0]
    with pytest.raises(PermissionDenied):
        dossiers.open_dossier(session, world.actor("officer2"), entry.id, {}, now=now)
    dossier = make_dossier("open")
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, world.actor("officer2"), dossier.id)
    assert dossier not in dossiers.visible_dossiers(session, world.actor("officer2"))
    assert dossier in dossiers.visible_dossiers(session, world.actor("archivist"))


def test_ad_hoc_entry_is_flagged(session, world, now):
    dossier_list = world.approved_list()
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        dossier_list.id,
        title="Hồ sơ phát sinh",
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    assert entry.ad_hoc and entry.number == 4 and entry.responsible_user_id == world.users["officer1"].id
    dossier = dossiers.open_dossier(session, world.actor("officer1"), entry.id, {}, now=now)
    opened = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "dossier.opened", AuditEvent.subject_id == dossier.id)
    )
    assert '"ad_hoc": true' in opened.details


def test_bad_metadata_lists_every_field_and_writes_nothing(session, world, now):
    entry = world.approved_list().entries[0]
    before = count(session, AuditEvent)
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.open_dossier(
            session,
            world.actor("officer1"),
            entry.id,
            {"title": "x" * 501, "rights": "secret", "start_date": "2026-02-30"},
            now=now,
        )
    assert [p.field for p in refused.value.problems] == ["title", "rights", "start_date"]
    assert "title: At most 500 characters." in str(refused.value)
    assert count(session, Dossier) == 0 and count(session, AuditEvent) == before


def test_start_date_outside_the_list_year(session, world, now):
    entry = world.approved_list().entries[0]
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.open_dossier(session, world.actor("officer1"), entry.id, {"start_date": "2025-12-31"}, now=now)
    assert refused.value.problems[0].field == "start_date"


# ------------------------------------------------------------------ documents


def test_documents_are_numbered_and_deduplicated_in_the_store(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    for number in ("7", "8"):
        dossiers.add_document(
            session, officer, dossier.id, dict(DOCUMENT, code_number=number), upload(b"same"), store=store, now=now
        )
    assert [link.ordinal for link in dossier.links] == [1, 2]
    assert count(session, StoredFile) == 1


def test_classified_file_refused_with_the_legal_reason(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    with pytest.raises(RuleViolation, match="Protection of State Secrets"):
        dossiers.add_document(
            session, world.actor("officer1"), dossier.id, dict(DOCUMENT, marking="mat"), upload(), store=store, now=now
        )
    assert count(session, Document) == 0


def test_document_metadata_problems(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    bad = dict(DOCUMENT, subject=" ", issued_date="02/03/2026", urgency="rat_khan")
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.add_document(session, world.actor("officer1"), dossier.id, bad, upload(), store=store, now=now)
    assert {p.field for p in refused.value.problems} == {"subject", "issued_date", "urgency"}
    assert count(session, Document) == 0


def test_draft_versions_are_kept(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    document = dossiers.add_document(
        session,
        officer,
        dossier.id,
        dict(DOCUMENT, status="draft"),
        upload(b"draft 1", "dự thảo.docx"),
        store=store,
        now=now,
    )
    dossiers.add_version(
        session, officer, dossier.id, document.id, upload(b"draft 2", "dự thảo lần 2.docx"), store=store, now=now
    )
    assert [v.number for v in document.versions] == [1, 2]
    assert [v.filename for v in document.versions] == ["dự thảo.docx", "dự thảo lần 2.docx"]
    dossiers.finalise_document(session, officer, dossier.id, document.id, now=now)
    with pytest.raises(RuleViolation):
        dossiers.add_version(session, officer, dossier.id, document.id, upload(b"3"), store=store, now=now)


def audit_events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def changes(event):
    return json.loads(event.details)["changes"]


def test_document_metadata_is_corrected_and_each_change_audited(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    shared = {
        key: DOCUMENT[key]
        for key in ("direction", "status", "type_name", "issued_date", "organ_name", "language", "urgency", "marking")
    }
    (document,) = dossiers.add_documents(
        session, officer, dossier.id, shared, [upload(b"a", "to_trinh_01.pdf")], store=store, now=now
    )
    assert document.subject == "to trinh 01" and document.page_amount is None
    corrected = {
        **dossiers.document_values(document),
        "subject": "Tờ trình về kế hoạch cải cách hành chính",
        "code_number": "27",
        "page_amount": 4,
        "status": "draft",
    }
    dossiers.update_document(session, officer, dossier.id, document.id, corrected, now=now)
    assert document.subject == "Tờ trình về kế hoạch cải cách hành chính"
    assert (document.code_number, document.page_amount, document.status.value) == ("27", 4, "final")
    (event,) = audit_events(session, "document.updated")
    assert event.actor_id == officer.user_id and changes(event) == {
        "subject": ["to trinh 01", "Tờ trình về kế hoạch cải cách hành chính"],
        "code_number": [None, "27"],
        "page_amount": [None, 4],
    }
    cleared = {key: value for key, value in corrected.items() if key not in ("code_number", "page_amount")}
    dossiers.update_document(session, officer, dossier.id, document.id, cleared, now=now, fields=corrected)
    assert (document.code_number, document.page_amount) == ("", None)
    assert changes(audit_events(session, "document.updated")[-1]) == {
        "code_number": ["27", None],
        "page_amount": [4, None],
    }
    dossiers.update_document(session, officer, dossier.id, document.id, cleared, now=now, fields=corrected)
    assert len(audit_events(session, "document.updated")) == 2


def test_document_corrections_refused_in_words_change_nothing(session, world, store, now, make_dossier):
    closed = make_dossier("closed")
    filed = closed.links[0].document
    dossier = make_dossier("open", documents=1)
    document = dossier.links[0].document
    officer = world.actor("officer1")
    values = dossiers.document_values(document)
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.update_document(
            session, officer, dossier.id, document.id, {**values, "subject": " ", "issued_date": "2/3/2026"}, now=now
        )
    assert {p.field for p in refused.value.problems} == {"subject", "issued_date"}
    with pytest.raises(InvalidMetadata, match="changed only by the head"):  # never a side effect of an edit
        dossiers.update_document(session, officer, dossier.id, document.id, {**values, "marking": "mat"}, now=now)
    with pytest.raises(NotFound):  # another unit's officer does not even see the dossier
        dossiers.update_document(session, world.actor("officer2"), dossier.id, document.id, values, now=now)
    with pytest.raises(RuleViolation, match="Only an open dossier"):
        dossiers.update_document(session, officer, closed.id, filed.id, dossiers.document_values(filed), now=now)
    dossiers.link_document(session, officer, dossier.id, filed.id, now=now)
    with pytest.raises(RuleViolation, match=f"also in dossier {closed.file_code}, which is no longer open"):
        dossiers.update_document(
            session,
            officer,
            dossier.id,
            filed.id,
            {**dossiers.document_values(filed), "subject": "Sửa sau khi đóng"},
            now=now,
        )
    assert (document.subject, document.marking, filed.subject) == (DOCUMENT["subject"], "none", DOCUMENT["subject"])
    assert audit_events(session, "document.updated") == []


def test_a_withheld_summary_is_kept_and_not_written_to_the_audit_log(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    entry = registers.register_document(
        session,
        world.actor("registry"),
        world.org.id,
        RegisterKind.INCOMING,
        {**DOCUMENT, "marking": "tuyet_mat"},
        None,
        store=store,
        now=now,
    )
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, entry.year, entry.series, entry.number, world.unit_a.id, now=now
    )
    dossiers.link_document(session, officer, dossier.id, entry.document_id, now=now)
    secret = entry.document
    form = {key: value for key, value in dossiers.document_values(secret).items() if key != "subject"}
    dossiers.update_document(
        session, officer, dossier.id, secret.id, {**form, "code_number": "3", "subject": "Lộ nội dung"}, now=now
    )
    assert (secret.subject, secret.code_number) == (DOCUMENT["subject"], "3")
    (event,) = audit_events(session, "document.updated")
    assert changes(event) == {"code_number": ["15", "3"]}
    assert DOCUMENT["subject"] not in event.details


# ------------------------------------------------------------------ closing


def test_checklist_in_words(session, world, store, now, make_dossier):
    empty = make_dossier("open", documents=0)
    assert [p.template for p in dossiers.closing_problems(empty, today=TODAY)] == ["The dossier has no document."]
    with pytest.raises(InvalidMetadata):
        dossiers.close_dossier(session, world.actor("officer1"), empty.id, store=store, now=now)
    officer = world.actor("officer1")
    dossiers.add_document(
        session, officer, empty.id, dict(DOCUMENT, status="draft"), upload(b"a"), store=store, now=now
    )
    dossiers.update_dossier(session, officer, empty.id, {"end_date": "2026-02-01"}, now=now)
    dossiers.add_document(
        session, officer, empty.id, dict(DOCUMENT, issued_date="2026-03-02"), upload(b"b"), store=store, now=now
    )
    messages = [p.template % p.params for p in dossiers.closing_problems(empty, today=TODAY)]
    assert "Document no. 1 (15/QĐ-UBND) is still a draft." in messages
    assert "Document no. 1 (15/QĐ-UBND) is dated after the dossier ends." in messages
    assert "Document no. 2 (15/QĐ-UBND) duplicates document no. 1." in messages
    assert empty.state is DossierState.OPEN


def test_a_document_dated_after_today_stops_the_closing_and_says_its_date(session, world, store, now, make_dossier):
    """A year typed wrong (2027 for 2026) would carry the dossier's end, appraisal and hand-over dates a year on:
    a draft may carry the day it is meant for, but closing names it, whatever the dossier's end date."""
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    planned = dict(DOCUMENT, status="draft", issued_date=(TODAY + timedelta(days=40)).isoformat())
    dossiers.add_document(session, officer, dossier.id, planned, upload(b"a"), store=store, now=now)
    day = f"{TODAY + timedelta(days=40):%d/%m/%Y}"
    messages = [p.template % p.params for p in dossiers.closing_problems(dossier, today=TODAY)]
    assert f"Document no. 1 (15/QĐ-UBND) is dated {day}, after today: check its year." in messages
    assert (
        "Document no. 1 (15/QĐ-UBND) is dated after the dossier ends." not in messages
    )  # one problem of its date, not two
    with pytest.raises(InvalidMetadata):
        dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    final = dict(DOCUMENT, issued_date=(date.today() + timedelta(days=400)).isoformat())
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.add_document(session, officer, dossier.id, final, upload(b"b"), store=store, now=now)
    assert [(p.field, p.template) for p in refused.value.problems] == [
        ("issued_date", "The document's date cannot be after today (%(day)s): check the year.")
    ]
    assert len(dossier.links) == 1


def test_close_numbers_chronologically_and_makes_the_index(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    for number, day in (("30", "2026-04-20"), ("31", "2026-02-10")):
        dossiers.add_document(
            session,
            officer,
            dossier.id,
            dict(DOCUMENT, code_number=number, issued_date=day, subject=f"Công văn số {number}"),
            upload(number.encode()),
            store=store,
            now=now,
        )
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    assert dossier.state is DossierState.CLOSED
    assert [link.document.code_number for link in dossier.links] == ["31", "30"]
    assert dossier.end_date.isoformat() == "2026-04-20"
    assert dossier.start_date.isoformat() == "2026-01-05"  # kept: earlier than every document
    assert dossier.appraisal_due_on.isoformat() == "2037-01-01"  # 2026 + 10 + 1
    text = index_text(store, dossier)
    assert "MỤC LỤC VĂN BẢN" in text
    assert text.index("Công văn số 31") < text.index("Công văn số 30")
    with pytest.raises(RuleViolation, match="Only an open dossier"):
        dossiers.add_document(session, officer, dossier.id, DOCUMENT, upload(b"late"), store=store, now=now)


def index_text(store, dossier) -> str:
    return "".join(page.extract_text() for page in PdfReader(store.open(dossier.index_file.sha256)).pages)


def test_close_takes_the_index_made_beforehand_only_if_nothing_changed(session, world, store, now, make_dossier):
    officer = world.actor("officer1")
    unchanged, changed = make_dossier("open"), make_dossier("open")
    prepared = dossiers.prepare_close(session, officer, unchanged.id, now=now)
    dossiers.close_dossier(session, officer, unchanged.id, store=store, now=now, prepared=prepared)
    assert store.open(unchanged.index_file.sha256).read() == prepared.pdf
    prepared = dossiers.prepare_close(session, officer, changed.id, now=now)
    # Filed by a colleague between the index being made and the close: the index is made again.
    dossiers.add_document(
        session, officer, changed.id, dict(DOCUMENT, subject="Văn bản nộp sau cùng"), upload(b"x"), store=store, now=now
    )
    dossiers.close_dossier(session, officer, changed.id, store=store, now=now, prepared=prepared)
    assert "Văn bản nộp sau cùng" in index_text(store, changed)
    assert changed.state is DossierState.CLOSED and len(changed.links) == 2


def test_a_dossier_that_cannot_be_closed_gets_no_index_made(session, world, now, make_dossier):
    empty = make_dossier("open", documents=0)
    with pytest.raises(InvalidMetadata):
        dossiers.prepare_close(session, world.actor("officer1"), empty.id, now=now)
    with pytest.raises(RuleViolation, match="Only an open dossier"):
        dossiers.prepare_close(session, world.actor("officer1"), make_dossier("closed").id, now=now)


def test_close_widens_the_start_to_the_earliest_document(session, world, store, now):
    entry = world.approved_list().entries[0]
    officer = world.actor("officer1")
    dossier = dossiers.open_dossier(session, officer, entry.id, {}, now=now)  # starts today, 15/06/2026
    dossiers.add_document(
        session, officer, dossier.id, dict(DOCUMENT, issued_date="2026-03-02"), upload(), store=store, now=now
    )
    assert dossiers.closing_problems(dossier, today=TODAY) == []
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    assert (dossier.start_date.isoformat(), dossier.end_date.isoformat()) == ("2026-03-02", "2026-03-02")


def test_reopen_needs_a_reason(session, world, now, make_dossier):
    dossier = make_dossier("closed")
    with pytest.raises(InvalidMetadata):
        dossiers.reopen_dossier(session, world.actor("officer1"), dossier.id, "  ", now=now)
    dossiers.reopen_dossier(session, world.actor("officer1"), dossier.id, "Bổ sung văn bản còn thiếu", now=now)
    assert dossier.state is DossierState.OPEN and dossier.appraisal_due_on is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.reopened"))
    assert "Bổ sung văn bản còn thiếu" in event.details


# ------------------------------------------------------------------ submission and acceptance


def test_submit_only_closed_and_never_twice(session, world, now, make_dossier):
    open_one = make_dossier("open")
    with pytest.raises(IllegalTransition):
        dossiers.submit(session, world.actor("officer1"), [open_one.id], now=now)
    closed = make_dossier("closed")
    with pytest.raises(RuleViolation, match="twice"):
        dossiers.submit(session, world.actor("officer1"), [closed.id, closed.id], now=now)
    dossiers.submit(session, world.actor("officer1"), [closed.id], now=now)
    with pytest.raises(IllegalTransition):
        dossiers.submit(session, world.actor("officer1"), [closed.id], now=now)
    assert count(session, TransferItem) == 1


def test_short_retention_stays_with_the_unit(session, world, now, make_dossier):
    dossier = make_dossier("closed", row="2y")
    with pytest.raises(RuleViolation, match="under 5 years"):
        dossiers.submit(session, world.actor("officer1"), [dossier.id], now=now)


def test_archivist_rejects_with_reason_then_accepts(session, world, store, now, make_dossier):
    dossier = make_dossier("submitted")
    item = dossier_item(session, dossier)
    archivist = world.actor("archivist")
    with pytest.raises(PermissionDenied):
        dossiers.accept(session, world.actor("officer1"), item.id, store=store, now=now)
    with pytest.raises(InvalidMetadata):
        dossiers.reject(session, archivist, item.id, "", now=now)
    dossiers.reject(session, archivist, item.id, "Thiếu văn bản số 15", now=now)
    assert dossier.state is DossierState.CLOSED and item.transfer.state.value == "completed"
    second = dossiers.submit(session, world.actor("officer1"), [dossier.id], now=now)
    dossiers.accept(session, archivist, second.items[0].id, store=store, now=now)
    assert dossier.state is DossierState.ARCHIVED and dossier.archived_at == now
    with pytest.raises(RuleViolation, match="already been accepted"):
        dossiers.accept(session, archivist, second.items[0].id, store=store, now=now)


def test_corrupted_file_is_not_accepted(session, world, store, now, make_dossier):
    dossier = make_dossier("submitted")
    version = dossier.links[0].document.versions[0]
    store.path_for(version.file.sha256).write_bytes(b"bit rot")
    with pytest.raises(RuleViolation, match=version.filename):
        dossiers.accept(session, world.actor("archivist"), dossier_item(session, dossier).id, store=store, now=now)
    assert dossier.state is DossierState.SUBMITTED


def dossier_item(session, dossier):
    return session.scalar(
        select(TransferItem).where(TransferItem.dossier_id == dossier.id).order_by(TransferItem.id.desc())
    )


def test_download_is_audited_and_guarded(session, world, store, now, make_dossier):
    dossier = make_dossier("closed")
    version = dossier.links[0].document.versions[0]
    with pytest.raises(NotFound):
        dossiers.open_version(session, world.actor("officer2"), dossier.id, version.id, store=store, now=now)
    stream, found = dossiers.open_version(
        session, world.actor("officer1"), dossier.id, version.id, store=store, now=now
    )
    assert stream.read() == store.open(version.file.sha256).read() and found is version
    assert session.scalar(select(func.count()).where(AuditEvent.action == "document.downloaded")) == 1
    index = dossiers.open_index(session, world.actor("archivist"), dossier.id, store=store, now=now)
    assert index.read(5) == b"%PDF-"


def test_a_reason_with_a_control_character_is_refused_in_words(session, world, store, now, make_dossier):
    submitted, closed = make_dossier("submitted"), make_dossier("closed")
    item = session.scalar(select(TransferItem).where(TransferItem.dossier_id == submitted.id))
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.reject(session, world.actor("archivist"), item.id, "Thiếu\x00văn bản", now=now)
    assert [(problem.field, problem.template) for problem in refused.value.problems] == [
        ("reason", "Contains a control character that is not allowed.")
    ]
    with pytest.raises(InvalidMetadata):
        dossiers.reopen_dossier(session, world.actor("officer1"), closed.id, "Bổ sung\x1b", now=now)
    assert (submitted.state, closed.state) == (DossierState.SUBMITTED, DossierState.CLOSED)


def test_the_same_file_added_twice_is_named_before_closing(session, world, store, now, make_dossier):
    """A batch of files gives documents no number: the same bytes added twice is caught by the file, not the number."""
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    unnumbered = dict(DOCUMENT, code_number="", code_notation="")
    added = (("Công văn", b"same bytes"), ("Tờ trình", b"other bytes"), ("Công văn (2)", b"same bytes"))
    for subject, content in added:
        document = dict(unnumbered, subject=subject)
        dossiers.add_document(session, officer, dossier.id, document, upload(content), store=store, now=now)
    messages = [p.template % p.params for p in dossiers.closing_problems(dossier, today=TODAY)]
    assert messages == ["Document no. 3 (Công văn (2)) holds the same file as document no. 1."]
