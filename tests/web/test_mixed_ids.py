"""Writes that name two records at once take them only together (security review: nested and mixed ids): an ad-hoc
dossier goes only on a list of the officer's own organisation, under a retention row of a table that organisation
uses; a new version of a document never stores the file of a document the head has classified since; the archivist
accepts the warning of a scan (named by its version alone) only once its dossier waits in the archive queue; and the
access of a dossier that has left the agency (destroyed, handed over) no longer changes. Each refusal is seen by the
person and leaves the records as they were."""

from __future__ import annotations

import html
import re

from erms_browser import file_field
from sqlalchemy import func, select

from classification import marking_decisions
from erms import lifecycle
from erms.models import (
    AccessChange,
    AuditEvent,
    Document,
    DocumentVersion,
    DossierListEntry,
    RetentionRow,
    RetentionSchedule,
    ScanCheck,
)
from erms.models.dossier import DossierState
from filing import access, dossiers
from tests.factories import DOCUMENT, another_agency, upload
from tests.filing.test_upload_scans import grey_low_scan


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def entries_of(session, list_id: int) -> list[tuple[int, str, int | None, bool]]:
    session.expire_all()
    return list(
        session.execute(
            select(
                DossierListEntry.id,
                DossierListEntry.title,
                DossierListEntry.retention_row_id,
                DossierListEntry.retention_permanent,
            )
            .where(DossierListEntry.dossier_list_id == list_id)
            .order_by(DossierListEntry.id)
        ).all()
    )


def own_table_row(session, organisation_id: int, now) -> RetentionRow:
    """Return a row of an organisation's own retention table (not a common one: no other agency uses it)."""
    table = RetentionSchedule(
        organisation_id=organisation_id, code="BD-2026", title="Bảng thời hạn riêng của quận Ba Đình", imported_at=now
    )
    session.add(table)
    session.flush()
    row = RetentionRow(
        schedule_id=table.id, code="BD.7", title="Hồ sơ tiếp công dân quận Ba Đình", permanent=True, period_years=None
    )
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- an ad-hoc entry: the list and the retention row


def test_an_ad_hoc_entry_takes_no_retention_row_of_another_organisations_table(browsers, session, world, store, now):
    ours = world.approved_list()
    agency = another_agency(session, world, store, now)
    theirs = own_table_row(session, agency.org.id, now)
    session.commit()
    before = entries_of(session, ours.id)
    officer = browsers("officer1")

    refused = officer.post(
        "/dossiers/ad-hoc?lang=en",
        {"list_id": str(ours.id), "title": "Hồ sơ phát sinh về tiếp công dân", "retention_row_id": str(theirs.id)},
    )
    assert refused.status_code == 422
    said = text_of(refused)
    assert "Choose one of the listed values." in said
    assert 'id="retention_row_id-error"' in refused.get_data(as_text=True)  # said on the row's own field
    assert entries_of(session, ours.id) == before  # no entry, no period copied from another agency's table

    # The rows the form offers (a common table's) are still taken.
    taken = officer.post(
        "/dossiers/ad-hoc",
        {
            "list_id": str(ours.id),
            "title": "Hồ sơ phát sinh về tiếp công dân",
            "retention_row_id": str(world.rows["10y"].id),
        },
    )
    assert taken.status_code == 302
    added = entries_of(session, ours.id)[len(before) :]
    assert [(title, row) for _id, title, row, _permanent in added] == [
        ("Hồ sơ phát sinh về tiếp công dân", world.rows["10y"].id)
    ]


def test_an_ad_hoc_entry_goes_on_no_list_of_another_organisation(browsers, session, world, store, now):
    world.approved_list()
    agency = another_agency(session, world, store, now)
    theirs = agency.dossier.entry.dossier_list
    session.commit()
    before = entries_of(session, theirs.id)

    refused = browsers("officer1").post(
        "/dossiers/ad-hoc?lang=en",
        {
            "list_id": str(theirs.id),
            "title": "Hồ sơ cài vào quận Ba Đình",
            "retention_row_id": str(world.rows["10y"].id),
        },
    )
    # Another organisation's list is as one that does not exist: neither its organisation nor its state is told.
    assert refused.status_code == 404
    said = text_of(refused)
    assert "does not belong to this organisation" not in said and "approved dossier list" not in said
    assert entries_of(session, theirs.id) == before


# ---------------------------------------------------------------- a version of a document classified since


def paper_draft(session, world, store, now, dossier_id: int, number: str, **metadata):
    """Add to the dossier, as officer1, a draft kept on paper: a description, no file yet."""
    values = dict(DOCUMENT, status="draft", medium="paper", code_number=number, **metadata)
    return dossiers.add_document(session, world.actor("officer1"), dossier_id, values, None, store=store, now=now)


def test_a_new_version_never_stores_the_file_of_a_document_the_head_classified(
    browsers, session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    # A draft kept on paper (no file yet), which the head then classifies: only its description may stay here.
    draft = paper_draft(session, world, store, now, dossier.id, "77", subject="Phương án bảo vệ mục tiêu")
    marking_decisions.change_marking(
        session, world.actor("head"), draft.id, "mat", "Thuộc danh mục bí mật nhà nước", now=now
    )
    session.commit()
    files_before = session.scalar(select(func.count()).select_from(DocumentVersion))

    refused = browsers("officer1").post(
        f"/dossiers/{dossier.id}/documents/{draft.id}/versions?lang=en",
        {"file": file_field(b"%PDF-1.4 phuong an bao ve muc tieu", "phuong-an-mat.pdf")},
    )
    assert refused.status_code == 422
    assert "Classified documents (mật, tối mật, tuyệt mật) may not be stored as files" in text_of(refused)
    session.expire_all()
    document = session.get(Document, draft.id)
    assert (document.marking, document.versions) == ("mat", [])
    assert session.scalar(select(func.count()).select_from(DocumentVersion)) == files_before
    assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "document.version_added")).all()


def test_an_unclassified_draft_still_gets_its_new_version(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    draft = paper_draft(session, world, store, now, dossier.id, "78")
    session.commit()
    added = browsers("officer1").post(
        f"/dossiers/{dossier.id}/documents/{draft.id}/versions",
        {"file": file_field(b"%PDF-1.4 du thao lan 1", "du-thao-1.pdf")},
    )
    assert added.status_code == 302
    session.expire_all()
    assert [version.filename for version in session.get(Document, draft.id).versions] == ["du-thao-1.pdf"]


# ---------------------------------------------------------------- a scan's warning, named by its version


def test_a_scan_warning_is_accepted_only_once_its_dossier_waits_in_the_archive_queue(
    browsers, session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    scanned = dossiers.add_document(
        session,
        officer,
        dossier.id,
        dict(DOCUMENT, code_number="55"),
        upload(grey_low_scan(), "cong-van-scan.pdf"),
        store=store,
        now=now,
        scan=True,
    )
    version_id = scanned.versions[0].id
    session.commit()
    archivist = browsers("archivist")

    refused = archivist.post(f"/archive/versions/{version_id}/accept-scan?lang=en")
    assert refused.status_code == 302
    said = text_of(archivist.get("/archive/?lang=en"))
    assert "The warning on a scan is accepted once its dossier is submitted to the agency archive." in said
    assert "cong-van-scan.pdf" not in said  # the file of a dossier still with its unit is not named either
    session.expire_all()
    check = session.scalars(select(ScanCheck).where(ScanCheck.version_id == version_id)).one()
    assert (check.accepted_by_id, check.accepted_at) == (None, None)
    assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "scan_warning.accepted")).all()

    # Submitted, the dossier waits in the queue: its scan's warning is the archive's to accept.
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    dossiers.submit(session, officer, [dossier.id], now=now)
    session.commit()
    assert archivist.post(f"/archive/versions/{version_id}/accept-scan").status_code == 302
    session.expire_all()
    check = session.scalars(select(ScanCheck).where(ScanCheck.version_id == version_id)).one()
    assert check.accepted_by_id == world.users["archivist"].id


# ---------------------------------------------------------------- the access of a dossier gone from the agency


def test_the_access_of_a_destroyed_dossier_no_longer_changes(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("closed", row="2y")  # kept under 5 years: destroyed from its unit
    lifecycle.apply(session, dossier, "destroy", world.actor("archivist"), now=now)
    session.commit()
    assert dossier.state is DossierState.DESTROYED
    officer = browsers("officer1")

    refused = officer.post(
        f"/access/dossiers/{dossier.id}?lang=en",
        {"kind": "share_unit", "unit_id": str(world.unit_b.id), "reason": "Phối hợp xử lý"},
    )
    assert refused.status_code == 422
    assert f"Dossier {dossier.file_code} is no longer in the archive." in text_of(refused)
    session.expire_all()
    assert session.scalars(select(AccessChange).where(AccessChange.dossier_id == dossier.id)).all() == []


def test_a_change_proposed_before_a_dossier_left_is_not_confirmed_after(
    browsers, session, world, store, now, make_dossier
):
    dossier = make_dossier("closed", row="2y")
    change = access.propose(
        session,
        world.actor("officer1"),
        dossier.id,
        {"kind": "share_unit", "unit_id": str(world.unit_b.id), "reason": "Phối hợp xử lý"},
        now=now,
    )
    lifecycle.apply(session, dossier, "destroy", world.actor("archivist"), now=now)
    session.commit()

    head = browsers("head")
    refused = head.post(f"/access/changes/{change.id}?lang=en", {"decision": "confirm"})
    assert refused.status_code == 302
    assert f"Dossier {dossier.file_code} is no longer in the archive." in text_of(head.get("/?lang=en"))
    session.expire_all()
    kept = session.get(AccessChange, change.id)
    assert (kept.state.value, kept.decided_by_id) == ("proposed", None)
    # Rejecting it is still possible: that changes nobody's access.
    assert head.post(f"/access/changes/{change.id}", {"decision": "reject"}).status_code == 302
    session.expire_all()
    assert session.get(AccessChange, change.id).state.value == "rejected"
