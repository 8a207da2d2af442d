"""Forming a dossier no longer means reading each of its documents once a restriction follows them (security
review): a document filed in unit A's open dossier and in unit B's restricted one is neither shown for editing,
edited, filled in, taken out nor put back by unit A's officer; out of a restricted dossier, a document still in the
register or another dossier is not taken (it would be read there); a document taken out of its only, restricted
dossier keeps its summary out of the audit log; and one taken out, filed again and taken out again is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from administration import audit_log
from classification import dossier_list as dossier_lists
from erms import supplementary
from erms.errors import PermissionDenied, RuleViolation
from erms.models import DossierList, RemovedDocument
from filing import blank_fields, dossiers, registers, removals
from tests.factories import supplementary_field
from tests.web.test_leak_review import SUMMARY, registered, restrict, text_of


def unit_b_dossier(session, world, now):
    """An open dossier of unit B, opened by officer2 from an ad-hoc entry of this year's list."""
    listed = session.scalar(select(DossierList).where(DossierList.year == 2026)) or world.approved_list()
    entry = dossier_lists.add_ad_hoc_entry(
        session, world.actor("officer2"), listed.id, title="Hồ sơ nhân sự", retention_row_id=world.rows["10y"].id,
        now=now,
    )  # fmt: skip
    return dossiers.open_dossier(session, world.actor("officer2"), entry.id, {"start_date": "2026-01-05"}, now=now)


def crossed(session, world, store, now, make_dossier):
    """A registered document filed in unit A's open dossier and in unit B's; returns (line, unit A's, unit B's)."""
    line = registered(session, world, store, now, "52", world.unit_a)
    mine = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), mine.id, line.document_id, now=now)
    registers.assign_unit(session, world.actor("registry"), world.org.id, line.year, line.series, line.number,
                          world.unit_b.id, now=now, elsewhere=True)  # fmt: skip
    theirs = unit_b_dossier(session, world, now)
    dossiers.link_document(session, world.actor("officer2"), theirs.id, line.document_id, now=now)
    return line, mine, theirs


def test_unit_as_officer_neither_sees_nor_changes_a_document_restricted_by_unit_bs_dossier(
    browsers, session, world, store, now, make_dossier
):
    line, mine, theirs = crossed(session, world, store, now, make_dossier)
    restrict(session, world, "officer2", theirs.id, None, now)
    session.commit()
    officer = browsers("officer1")
    page = officer.get(f"/dossiers/{mine.id}").get_data(as_text=True)
    edit = f"/dossiers/{mine.id}/documents/{line.document_id}/edit"
    assert f'href="{edit}"' not in page and f"/documents/{line.document_id}/remove" not in page
    assert officer.get(edit).status_code == 403 and SUMMARY not in text_of(officer.get(edit))
    assert officer.post(edit, {"subject": "Đã sửa"}).status_code == 403
    assert officer.post(f"/dossiers/{mine.id}/documents/{line.document_id}/remove", {"reason": "x"}).status_code == 403
    supplementary_field(session, world.org.id, "document", "so_trang", "Số trang giấy", "number", required=True)
    filled = blank_fields.fill_missing(session, world.actor("officer1"), mine.id, "so_trang", "3", now=now)
    session.expire_all()
    assert line.document.subject == SUMMARY and filled.count == 0 and supplementary.values_of(line.document) == {}


def test_a_document_taken_out_does_not_come_back_once_restricted_to_its_officer(
    session, world, store, now, make_dossier
):
    line, mine, theirs = crossed(session, world, store, now, make_dossier)
    taken = removals.remove(session, world.actor("officer1"), mine.id, line.document_id, "Nhầm hồ sơ", now=now)
    restrict(session, world, "officer2", theirs.id, None, now)
    with pytest.raises(PermissionDenied):
        removals.put_back(session, world.actor("officer1"), mine.id, taken.id, now=now)
    assert mine.links == []


def test_out_of_a_restricted_dossier_a_document_still_registered_is_not_taken(
    browsers, session, world, store, now, make_dossier
):
    line = registered(session, world, store, now, "53", world.unit_a)
    kept_close = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), kept_close.id, line.document_id, now=now)
    restrict(session, world, "officer1", kept_close.id, None, now)
    session.commit()
    with pytest.raises(RuleViolation) as refused:
        removals.remove(session, world.actor("officer1"), kept_close.id, line.document_id, "Nhầm", now=now)
    assert refused.value.template == removals.WIDENS_ACCESS
    form = text_of(browsers("officer1").get(f"/dossiers/{kept_close.id}/documents/{line.document_id}/remove"))
    assert "Hồ sơ đang hạn chế sử dụng và văn bản này còn có trong sổ đăng ký" in form and "Lý do gỡ" not in form


def test_a_document_taken_out_of_its_only_restricted_dossier_keeps_its_summary_out_of_the_audit_log(
    session, world, now, make_dossier
):
    kept_close = make_dossier("open", documents=1)
    document_id = kept_close.links[0].document_id
    restrict(session, world, "officer1", kept_close.id, None, now)
    removals.remove(session, world.actor("officer1"), kept_close.id, document_id, "Nhầm", now=now)
    assert document_id in audit_log.unread_summaries(session, world.actor("archivist"), [document_id])
    assert document_id not in audit_log.unread_summaries(session, world.actor("officer1"), [document_id])


def test_a_document_taken_out_filed_again_and_taken_out_again_is(session, world, now, make_dossier):
    dossier, other = make_dossier("open", documents=2), make_dossier("open", documents=0)
    document_id = dossier.links[0].document_id
    officer = world.actor("officer1")
    dossiers.link_document(session, officer, other.id, document_id, now=now)  # so it is still found to file again
    removals.remove(session, officer, dossier.id, document_id, "Nhầm", now=now)
    dossiers.link_document(session, officer, dossier.id, document_id, now=now)
    again = removals.remove(session, officer, dossier.id, document_id, "Vẫn nhầm", now=now)
    assert again.reason == "Vẫn nhầm" and session.scalar(select(func.count()).select_from(RemovedDocument)) == 1
