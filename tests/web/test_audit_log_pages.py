"""The audit log and access statistics pages: views of dossiers and documents are audited, the log is listed,
filtered, paged and exported for its readers only, never another organisation's, and the chain is verified on a
button press, not on a page load (issue 21, items 5 and 6)."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from erms import audit
from erms.models import AuditEvent
from tests.factories import another_agency


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


def last_event(session) -> AuditEvent:
    return session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def test_opening_a_dossier_or_a_documents_page_is_audited(client, session, make_dossier):
    dossier = make_dossier("open")
    document = dossier.links[0].document
    client.login("officer1")
    page(client, f"/dossiers/{dossier.id}")
    viewed = last_event(session)
    assert (viewed.action, viewed.actor_name, viewed.subject_type, viewed.subject_id) == (
        "dossier.viewed",
        "officer1",
        "dossier",
        dossier.id,
    )
    page(client, f"/dossiers/{dossier.id}/documents/{document.id}/edit")
    viewed = last_event(session)
    assert (viewed.action, viewed.subject_id, json.loads(viewed.details)) == (
        "document.viewed",
        document.id,
        {"dossier_id": dossier.id},
    )
    client.logout()
    client.login("officer2")  # another unit's dossier: not found, and no view recorded
    page(client, f"/dossiers/{dossier.id}", 404)
    assert session.scalars(select(AuditEvent.actor_name).where(AuditEvent.action == "dossier.viewed")).all() == [
        "officer1"
    ]
    assert audit.verify(session).ok


def test_the_log_is_listed_for_its_readers_only(client, session, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    page(client, f"/dossiers/{dossier.id}")
    assert "/audit/" not in page(client, "/")
    page(client, "/audit/", 403)
    page(client, "/audit/statistics", 403)
    for reader in ("admin", "archivist", "head"):
        client.logout()
        client.login(reader)
        assert 'href="/audit/"' in page(client, "/")
        listed = page(client, f"/audit/?user=officer1&action=dossier&subject_type=dossier&subject_id={dossier.id}")
        assert "dossier.viewed" in listed and "dossier.opened" in listed and "document.added" not in listed
        assert "Xem hồ sơ" in listed and "Mở hồ sơ" in listed  # each action in words beside its code
        assert "Nhật ký hệ thống" in listed


def test_another_organisations_events_never_show(client, session, world, store, now, password_hash, make_dossier):
    ours = make_dossier("open")  # first: the factory files into the first list of the year it finds
    theirs = another_agency(session, world, store, now, password_hash)
    client.login("officer3")
    page(client, f"/dossiers/{theirs.dossier.id}")
    client.logout()
    client.login("admin")
    listed = page(client, "/audit/")
    assert f'subject_type=dossier&subject_id={ours.id}"' in listed
    assert "officer3" not in listed and f'subject_type=dossier&subject_id={theirs.dossier.id}"' not in listed
    refused = page(client, "/audit/?user=officer3", 422)
    assert "Cơ quan không có người dùng nào có tên đăng nhập officer3" in refused
    assert "officer3" not in page(client, "/audit/statistics?kind=logins")
    assert theirs.dossier.file_code not in page(client, "/audit/statistics")
    client.logout()
    client.login("admin2")
    listed = page(client, "/audit/")
    assert "officer3" in listed and "officer1" not in listed
    assert f'subject_type=dossier&subject_id={theirs.dossier.id}"' in listed


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/audit/?start=2026-13-01", "Ngày tháng không hợp lệ (ngày/tháng/năm)."),
        ("/audit/?subject_type=dossier&subject_id=99999999999", "Nhập một số nguyên"),
        ("/audit/?subject_id=5", "Chọn loại đối tượng mà mã số này thuộc về"),
        ("/audit/?action=<script>", "Ghi thao tác đúng như nhật ký ghi"),
        ("/audit/?before=-1", "Trang nhật ký này không tồn tại"),
        ("/audit/export.csv?end=hôm-nay", "Ngày tháng không hợp lệ (ngày/tháng/năm)."),
        ("/audit/statistics?unit=x", "Chọn một đơn vị của cơ quan mình"),
        (
            "/audit/statistics?kind=ledger&start=2026-06-30&end=2026-06-01",
            "Thời gian kết thúc sớm hơn thời gian bắt đầu",
        ),
        ("/audit/statistics.xlsx?unit=99999999999", "Chọn một đơn vị của cơ quan mình"),
    ],
)
def test_bad_input_gets_a_clear_error(client, url, message):
    client.login("admin")
    assert message in page(client, url, 422)


def test_the_exports_hold_what_the_filters_match_formula_safe(client, session, world, now):
    audit.record(session, world.actor("officer1"), "search.saved", "saved_search", 1, now=now, name="=SUM(A1:A9)")
    world.users["officer1"].username = "=cmd|'/C calc'!A0"  # a name typed by an administrator, once
    session.flush()
    audit.record(session, world.actor("officer1"), "search.saved", "saved_search", 2, now=now)
    client.login("archivist")
    response = client.get("/audit/export.csv?action=search.saved")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    heading, first, second = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert heading[:4] == ["Số thứ tự", "Thời gian", "Người dùng", "Thao tác"]
    assert (first[2], json.loads(first[8])) == ("officer1", {"name": "=SUM(A1:A9)"})
    assert second[2] == "'=cmd|'/C calc'!A0"
    book = load_workbook(io.BytesIO(client.get("/audit/export.xlsx?action=search.saved").get_data()))
    cells = [row for row in book.active.iter_rows(values_only=True)]
    assert len(cells) == 3 and cells[2][2] == "'=cmd|'/C calc'!A0"


def test_the_chain_is_verified_on_a_button_press_never_on_a_page_load(client, session, make_dossier, monkeypatch):
    make_dossier("open")
    client.login("head")
    walks = []
    real_verify = audit.verify
    monkeypatch.setattr(audit, "verify", lambda *args, **kwargs: walks.append(1) or real_verify(*args, **kwargs))
    before = page(client, "/audit/")
    head = audit.head_hash(session)
    assert head in before and "Chuỗi chưa được kiểm tra lần nào từ trang này" in before and walks == []
    response = client.post("/audit/verify")
    assert response.status_code == 302 and walks == [1]
    after = page(client, "/audit/")
    assert "Chuỗi nhật ký nguyên vẹn" in after  # the flashed result
    assert "người kiểm tra head: chuỗi nguyên vẹn" in after and head in after
    assert audit.head_hash(session) in after  # the newest event now: the verification itself
    client.post("/audit/verify")  # again within the minute: refused in words, nothing walked
    assert walks == [1] and "chưa đầy một phút" in page(client, "/audit/")


def test_the_statistics_count_views_and_downloads_and_export_them(client, session, make_dossier):
    dossier = make_dossier("closed")
    client.login("officer1")
    for _ in range(2):
        page(client, f"/dossiers/{dossier.id}")
    assert client.get(f"/dossiers/{dossier.id}/index.pdf").status_code == 200
    client.logout()
    client.login("archivist")
    shown = page(client, "/audit/statistics?start=2026-06-01&end=2026-06-30")
    assert dossier.file_code in shown and '<td data-label="Lượt xem">2</td>' in shown
    logins = page(client, "/audit/statistics?kind=logins&start=2026-06-01&end=2026-06-30")
    assert "officer1" in logins and "archivist" in logins
    response = client.get("/audit/statistics.xlsx?kind=dossiers&start=2026-06-01&end=2026-06-30")
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Mã hồ sơ", "Tiêu đề hồ sơ", "Đơn vị", "Lượt xem", "Lượt tải")
    assert rows[1][:5] == (dossier.file_code, dossier.title, "Văn phòng HĐND và UBND", 2, 1)


def test_recorded_details_read_as_words_not_as_python(client, session, world, now, make_dossier):
    """Lists, nested records, flags and empty values in an event's details are written for a reader: no brackets,
    quotes or True/None as Python prints them."""
    details = {"dossiers": ["01.VP", "02.VP"], "refused": [], "files": [{"name": "tờ trình.pdf", "size": 3}]}
    dossier = make_dossier("open")
    audit.record(
        session, world.actor("officer1"), "use.requested", "dossier", dossier.id, now=now, urgent=True, **details
    )
    session.commit()
    client.login("admin")
    listed = page(client, "/audit/?action=use.requested")
    assert "dossiers: 01.VP, 02.VP; files: (name: tờ trình.pdf; size: 3); refused: —; urgent: có" in listed
    assert "['" not in listed and "True" not in listed


def test_a_person_a_unit_and_a_dossier_are_named_beside_their_number(client, session, world, now, make_dossier):
    dossier = make_dossier("open")
    officer = world.actor("officer1")
    audit.record(session, None, "user.updated", "user", officer.user_id, now=now)
    audit.record(session, None, "unit.updated", "unit", world.unit_b.id, now=now)
    session.commit()
    client.login("admin")
    listed = page(client, "/audit/")
    assert f'#{officer.user_id}</a> <span class="code">officer1</span>' in listed
    assert f'#{world.unit_b.id}</a> <span class="code">Phòng Tài chính - Kế hoạch</span>' in listed
    assert f'#{dossier.id}</a> <span class="code">{dossier.file_code}</span>' in listed
