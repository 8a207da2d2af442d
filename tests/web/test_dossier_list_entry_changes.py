"""A draft dossier list's entries are corrected or taken out by who prepares the list (found by an officer's first
week: an entry added by mistake stayed for good); an approved list's stay as issued."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms.models import AuditEvent, DossierList, DossierListEntry


@pytest.fixture
def draft(session, world, now) -> DossierList:
    """A draft list of 2027 with three entries under heading TH, the second with a notation given by hand."""
    registry = world.actor("registry")
    draft = dossier_lists.create_list(session, registry, world.org.id, 2027, now=now)
    heading = dossier_lists.add_heading(session, registry, draft.id, "I", "Tổng hợp", abbreviation="TH", now=now)
    for number, notation in ((1, ""), (2, "HS-RIENG"), (3, ""), (4, "")):
        dossier_lists.add_entry(
            session, registry, draft.id, title=f"Hồ sơ số {number}", unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id, heading_id=heading.id, file_notation=notation, now=now,
        )  # fmt: skip
    session.commit()
    return draft


def entries(session, draft) -> list[tuple[int, str, str]]:
    session.expire_all()
    found = select(DossierListEntry).where(DossierListEntry.dossier_list_id == draft.id)
    return [(e.number, e.file_notation, e.title) for e in sorted(session.scalars(found), key=lambda e: e.number)]


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_registry_corrects_an_entrys_title_retention_and_note(browsers, session, draft):
    registry = browsers("registry")
    entry = draft.entries[0]
    shown = page(registry.get(f"/dossier-lists/{draft.id}"))
    assert f'action="/dossier-lists/entries/{entry.id}/change"' in shown and "Sửa hoặc bỏ khỏi danh mục" in shown
    changed = registry.post(
        f"/dossier-lists/entries/{entry.id}/change",
        {"title": "Hồ sơ hội nghị tổng kết năm 2027", "retention": "Vĩnh viễn", "note": "Bản chính",
         "revision": entry.revision},
        follow_redirects=True,
    )  # fmt: skip
    assert "Đã sửa hồ sơ trong danh mục." in page(changed)
    session.expire_all()
    saved = session.get(DossierListEntry, entry.id)
    assert (saved.title, saved.retention_permanent, saved.retention_row_id, saved.note) == (
        "Hồ sơ hội nghị tổng kết năm 2027",
        True,
        None,
        "Bản chính",
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier_list.entry_changed"))
    changes = json.loads(event.details)["changed"]
    assert changes["title"] == ["Hồ sơ số 1", "Hồ sơ hội nghị tổng kết năm 2027"]
    assert changes["retention"] == [[False, 10, ""], [True, None, ""]]


def test_an_entry_taken_out_moves_the_later_ones_up_keeping_notations_given_by_hand(browsers, session, world, draft):
    registry = browsers("registry")
    first = draft.entries[0]
    unit_id, heading_id = first.unit_id, first.heading_id
    taken = registry.post(
        f"/dossier-lists/entries/{first.id}/remove", {"revision": first.revision}, follow_redirects=True
    )
    assert "Đã bỏ hồ sơ khỏi danh mục" in page(taken)
    assert entries(session, draft) == [
        (1, "HS-RIENG", "Hồ sơ số 2"),
        (2, "02.TH", "Hồ sơ số 3"),
        (3, "03.TH", "Hồ sơ số 4"),
    ]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier_list.entry_removed"))
    assert json.loads(event.details) == {"file_notation": "01.TH", "title": "Hồ sơ số 1"}
    added = dossier_lists.add_entry(
        session, world.actor("registry"), draft.id, title="Hồ sơ mới", unit_id=unit_id,
        retention_row_id=None, period=(True, None, ""), heading_id=heading_id, now=event.occurred_at,
    )  # fmt: skip
    assert (added.number, added.file_notation) == (4, "04.TH")  # numbered after the last, no gap, no clash


def test_an_approved_lists_entries_stay_as_issued_and_an_officer_changes_none(browsers, session, world, draft):
    officer = browsers("officer1")
    entry = draft.entries[1]
    refused = officer.post(f"/dossier-lists/entries/{entry.id}/remove", {"revision": entry.revision})
    assert refused.status_code == 403
    approved = world.approved_list(2026, entries=1).entries[0]
    registry = browsers("registry")
    shown = page(registry.get(f"/dossier-lists/{approved.dossier_list_id}"))
    assert f"/dossier-lists/entries/{approved.id}/change" not in shown
    kept = registry.post(
        f"/dossier-lists/entries/{approved.id}/remove", {"revision": approved.revision}, follow_redirects=True
    )
    assert "Danh mục hồ sơ đã được phê duyệt thì không được sửa đổi." in page(kept)
    session.expire_all()
    assert session.get(DossierListEntry, approved.id) is not None
    assert len(entries(session, draft)) == 4


def test_a_change_from_a_page_read_before_another_save_is_refused(browsers, session, draft):
    registry = browsers("registry")
    entry = draft.entries[2]
    seen = entry.revision
    form = {"title": "Hồ sơ số 3 (sửa)", "retention": "10 năm", "note": "", "revision": seen}
    assert registry.post(f"/dossier-lists/entries/{entry.id}/change", form).status_code == 302
    late = registry.post(f"/dossier-lists/entries/{entry.id}/remove", {"revision": seen}, follow_redirects=True)
    assert "đã lưu bản ghi này lúc" in page(late)
    assert len(entries(session, draft)) == 4
