"""Access statistics counted from the audit log: views and downloads per dossier and per document, log-ins per person,
over a period, for one unit or all, never another organisation's (issue 21, item 5; PL6 II.3, III.6.a, III.6.b)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from administration import access_statistics
from administration.access_statistics import Query
from classification import dossier_list as dossier_lists
from erms import accounts
from erms.errors import InvalidMetadata, NotFound
from erms.models import AuditEvent
from filing import dossiers
from tests.factories import another_agency

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


def counts(session, actor, kind: str, unit_id=None, period=JUNE) -> dict:
    lines = access_statistics.statistics(session, actor, Query(kind, *period, unit_id))
    return {line.code: (line.title, line.unit, line.views, line.downloads) for line in lines}


@pytest.fixture
def used(session, world, store, now, make_dossier):
    """Unit A's closed dossier seen twice and its index downloaded, its document seen once and downloaded once; unit
    B's dossier seen once; the other agency's dossier seen by its own officer."""
    dossier = make_dossier("closed")
    officer = world.actor("officer1")
    for _ in range(2):
        access_statistics.dossier_viewed(session, officer, dossier.id, now=now)
    document = dossier.links[0].document
    access_statistics.document_viewed(session, officer, dossier.id, document.id, now=now)
    dossiers.open_version(session, officer, dossier.id, document.versions[0].id, store=store, now=now)
    dossiers.open_index(session, world.actor("archivist"), dossier.id, store=store, now=now)
    listed = world.approved_list(year=2025, entries=1)
    entry = dossiers_of_unit_b(session, world, listed, now)
    access_statistics.dossier_viewed(session, world.actor("officer2"), entry.id, now=now)
    theirs = another_agency(session, world, store, now)
    access_statistics.dossier_viewed(session, theirs.actors["officer3"], theirs.dossier.id, now=now)
    return dossier, document, entry, theirs


def dossiers_of_unit_b(session, world, listed, now):
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer2"),
        listed.id,
        title="Hồ sơ ngân sách",
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    return dossiers.open_dossier(session, world.actor("officer2"), entry.id, {"start_date": "2025-02-01"}, now=now)


def test_views_and_downloads_are_counted_per_dossier_and_per_document(session, world, used):
    dossier, document, unit_b, theirs = used
    admin = world.actor("admin")
    assert counts(session, admin, "dossiers") == {
        dossier.file_code: (dossier.title, "Văn phòng HĐND và UBND", 2, 1),
        unit_b.file_code: (unit_b.title, "Phòng Tài chính - Kế hoạch", 1, 0),
    }
    assert counts(session, admin, "documents") == {"100/QĐ-UBND": (document.subject, "", 1, 1)}
    # The other agency counts its own dossier only.
    assert list(counts(session, theirs.actors["admin2"], "dossiers").values()) == [
        (theirs.dossier.title, "Văn phòng quận Ba Đình", 1, 0)
    ]


def test_a_unit_and_a_period_narrow_the_counts(session, world, now, used):
    dossier, _, unit_b, theirs = used
    head = world.actor("head")
    assert list(counts(session, head, "dossiers", world.unit_b.id)) == [unit_b.file_code]
    assert counts(session, head, "documents", world.unit_b.id) == {}
    assert counts(session, head, "dossiers", period=(date(2026, 6, 16), date(2026, 6, 30))) == {}
    with pytest.raises(InvalidMetadata) as refused:  # another organisation's unit is no unit of ours
        access_statistics.statistics(session, head, Query("ledger", date(2026, 6, 2), date(2026, 6, 1), theirs.unit.id))
    assert {problem.field for problem in refused.value.problems} == {"kind", "end", "unit"}


def test_log_ins_are_counted_per_person(session, world, now):
    for name in ("officer1", "officer2"):
        world.users[name].password_hash = accounts.hash_password("mật-khẩu")
    session.flush()
    for day in range(3):
        accounts.log_in(session, "officer1", "mật-khẩu", now=now + timedelta(days=day))
    accounts.log_in(session, "officer2", "mật-khẩu", now=now)
    accounts.log_in(session, "officer2", "sai", now=now)  # a failure is no log-in
    archivist = world.actor("archivist")
    assert counts(session, archivist, "logins") == {
        "officer1": ("Nguyễn Văn officer1", "", 3, 0),
        "officer2": ("Nguyễn Văn officer2", "", 1, 0),
    }
    assert list(counts(session, archivist, "logins", world.unit_a.id)) == ["officer1"]


def test_a_top_secret_summary_is_withheld_from_all_but_the_authorised(session, world, used):
    _, document, _, _ = used
    document.marking = "tuyet_mat"
    session.flush()
    assert counts(session, world.actor("admin"), "documents")["100/QĐ-UBND"][0] is None
    assert counts(session, world.actor("head"), "documents")["100/QĐ-UBND"][0] == document.subject


def test_the_export_holds_every_line_formula_safe(session, world, used, monkeypatch):
    dossier, _, _, _ = used
    dossier.title = '=HYPERLINK("http://x","bấm vào")'
    session.flush()
    monkeypatch.setattr(access_statistics, "LIMIT", 1)  # the page's limit: the export is not cut
    headings = ["Mã hồ sơ", "Tiêu đề", "Đơn vị", "Xem", "Tải", "Lần cuối"]
    content = access_statistics.export(session, world.actor("admin"), Query("dossiers", *JUNE), headings, withheld="?")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(headings) and len(rows) == 3
    assert rows[1][:5] == (dossier.file_code, "'" + dossier.title, "Văn phòng HĐND và UBND", 2, 1)
    assert rows[1][5].hour == 10  # 03:00 UTC, written in the agency's time


def test_a_view_is_recorded_only_for_a_record_the_person_may_read(session, world, now, make_dossier):
    dossier = make_dossier("open")
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(NotFound):
        access_statistics.dossier_viewed(session, world.actor("officer2"), dossier.id, now=now)
    with pytest.raises(NotFound):
        access_statistics.document_viewed(session, world.actor("officer1"), dossier.id, 10**6, now=now)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
