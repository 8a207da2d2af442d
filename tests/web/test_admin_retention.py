"""Retention tables from the web (issue 21): the administrator previews every row with its problems, imports all
rows or none; the new version becomes the organisation's active table, earlier ones are kept, and row codes
resolve within the organisation's active table only."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from erms_browser import Browser
from openpyxl import Workbook
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from classification.spreadsheet import row_of_code
from erms.models import Organisation, RetentionRow, RetentionSchedule

TABLE = [
    {"code": "1", "title_vi": "Hồ sơ tổng kết năm", "permanent": True, "period_years": None},
    {"code": "2", "title_vi": "Kế hoạch, báo cáo tháng", "permanent": False, "period_years": 5},
    {
        "code": "3",
        "title_vi": "Hợp đồng lao động",
        "permanent": False,
        "period_years": None,
        "note": "5 năm sau khi chấm dứt",
    },
]


@pytest.fixture
def admin(app):
    browser = Browser(app.test_client())
    browser.login("admin")
    return browser


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def upload(browser, organisation_id, name, content, code="DD-2026"):
    return browser.post(
        f"/admin/organisations/{organisation_id}/retention/preview",
        {
            "code": code,
            "title": "Bảng thời hạn bảo quản của UBND quận",
            "legal_basis": "",
            "file": (io.BytesIO(content), name),
        },
    )


def import_previewed(browser, organisation_id, preview):
    rows = re.search(r'name="rows" value="([^"]*)"', preview.get_data(as_text=True)).group(1)
    fields = dict(
        re.findall(
            r'<input type="hidden" name="(code|title|legal_basis)" value="([^"]*)"', preview.get_data(as_text=True)
        )
    )
    return browser.post(f"/admin/organisations/{organisation_id}/retention", {"rows": _unescape(rows), **fields})


def _unescape(html: str) -> str:
    return (
        html.replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def own_tables(session, organisation_id):
    return session.scalars(
        select(RetentionSchedule)
        .where(RetentionSchedule.organisation_id == organisation_id)
        .order_by(RetentionSchedule.id)
    ).all()


def test_a_table_with_wrong_rows_is_previewed_with_each_problem_and_not_imported(admin, world, session):
    wrong = [*TABLE, {"code": "2", "title_vi": "Trùng mã", "permanent": False, "period_years": None}]
    shown = upload(admin, world.org.id, "bang.json", json.dumps(wrong).encode())
    text = page_text(shown)
    assert shown.status_code == 422
    assert "4 2 Trùng mã Ghi chú: Trường này là bắt buộc. Mã: Mã 2 bị trùng." in text
    assert 'name="rows"' not in shown.get_data(as_text=True)  # no import button
    assert own_tables(session, world.org.id) == []


def test_a_new_version_becomes_active_and_the_earlier_one_is_kept(admin, world, session):
    first = upload(admin, world.org.id, "bang.json", json.dumps(TABLE).encode())
    assert first.status_code == 200 and "Kế hoạch, báo cáo tháng 5 năm" in page_text(first)
    assert import_previewed(admin, world.org.id, first).status_code == 302
    second_rows = [dict(TABLE[1], period_years=10)]
    second = upload(admin, world.org.id, "bang-2027.json", json.dumps(second_rows).encode(), code="DD-2027")
    assert import_previewed(admin, world.org.id, second).status_code == 302
    tables = own_tables(session, world.org.id)
    assert [(table.code, table.superseded, len(table.rows)) for table in tables] == [
        ("DD-2026", True, 3),
        ("DD-2027", False, 1),
    ]
    assert row_of_code(session, "2", world.org.id).period_years == 10
    listed = page_text(admin.get(f"/admin/organisations/{world.org.id}/retention"))
    assert "DD-2027" in listed and "đang áp dụng" in listed and "đã được thay thế (vẫn lưu)" in listed


def test_row_codes_resolve_within_the_organisations_own_table(admin, world, session, now):
    other = Organisation(code="000.00.00.H27", name="UBND quận Ba Đình", created_at=now)
    session.add(other)
    session.flush()
    theirs = RetentionSchedule(organisation_id=other.id, code="BD-2026", title="Bảng của Ba Đình", imported_at=now)
    theirs.rows.append(RetentionRow(code="2", title="Của cơ quan khác", permanent=False, period_years=70))
    session.add(theirs)
    session.flush()
    ours = upload(admin, world.org.id, "bang.json", json.dumps(TABLE).encode())
    import_previewed(admin, world.org.id, ours)
    assert row_of_code(session, "2", world.org.id).period_years == 5
    assert row_of_code(session, "2", other.id).period_years == 70


def test_an_excel_table_reads_permanent_years_and_events(admin, world, session):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên nhóm hồ sơ, tài liệu", "Thời hạn bảo quản"])
    sheet.append(["1", "Hồ sơ tổng kết năm", "Vĩnh viễn"])
    sheet.append(["2", "Kế hoạch, báo cáo tháng", "5 năm"])
    sheet.append(["3", "Hợp đồng lao động", "5 năm sau khi chấm dứt hợp đồng"])
    content = io.BytesIO()
    book.save(content)
    shown = upload(admin, world.org.id, "bang.xlsx", content.getvalue())
    assert shown.status_code == 200
    import_previewed(admin, world.org.id, shown)
    (table,) = own_tables(session, world.org.id)
    assert [(row.code, row.permanent, row.period_years, row.condition) for row in table.rows] == [
        ("1", True, None, ""),
        ("2", False, 5, ""),
        ("3", False, None, "5 năm sau khi chấm dứt hợp đồng"),
    ]


def test_rows_changed_after_the_preview_are_checked_again_and_nothing_is_written(admin, world, session):
    forged = admin.post(
        f"/admin/organisations/{world.org.id}/retention",
        {
            "rows": json.dumps([{"code": "9", "title_vi": "X", "permanent": "có", "period_years": None}]),
            "code": "F-1",
            "title": "Giả",
        },
    )
    assert forged.status_code == 422
    assert (
        session.scalar(select(func.count()).select_from(RetentionSchedule).where(RetentionSchedule.code == "F-1")) == 0
    )


def test_a_file_that_is_not_a_table_is_refused_in_words(admin, world):
    shown = upload(admin, world.org.id, "bang.pdf", b"%PDF-1.4")
    assert shown.status_code == 422 and "Hãy chọn tệp .json hoặc .xlsx." in page_text(shown)


def test_the_active_table_is_offered_wherever_a_period_is_chosen(admin, app, world, session, now):
    import_previewed(admin, world.org.id, upload(admin, world.org.id, "bang.json", json.dumps(TABLE).encode()))
    draft = dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2027, now=now)
    world.approved_list()  # the officer's ad-hoc form needs an approved list
    registry = Browser(app.test_client())
    registry.login("registry")
    entry_form = registry.get(f"/dossier-lists/{draft.id}").get_data(as_text=True)
    assert '<option value="2">2. Kế hoạch, báo cáo tháng · 5 năm</option>' in entry_form
    officer = Browser(app.test_client())
    officer.login("officer1")
    assert "3. Hợp đồng lao động" in page_text(officer.get("/dossiers/ad-hoc"))


def test_a_forged_preview_nested_deeper_than_json_allows_is_refused_in_words(admin, world):
    forged = admin.post(
        f"/admin/organisations/{world.org.id}/retention", {"rows": "[" * 100_000, "code": "F-2", "title": "Giả"}
    )
    assert forged.status_code == 422 and "Hãy chọn lại tệp: bản xem trước đã bị mất." in page_text(forged)


def test_a_file_too_big_for_a_table_is_refused_before_it_is_read_or_shown(admin, world):
    many = [
        {"code": str(number), "title_vi": "Hồ sơ", "permanent": True, "period_years": None} for number in range(5001)
    ]
    shown = upload(admin, world.org.id, "bang.json", json.dumps(many).encode())
    assert shown.status_code == 422 and "Một bảng thời hạn bảo quản có nhiều nhất 5000 dòng." in page_text(shown)
    assert shown.get_data(as_text=True).count("<tr") < 10  # no row was rendered
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as bomb:  # millions of empty rows, a few kilobytes zipped
        bomb.writestr(
            "xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + "<row/>" * 2_000_000 + "</sheetData></worksheet>"
        )
    refused = upload(admin, world.org.id, "bang.xlsx", book.getvalue())
    assert refused.status_code == 422 and "Tệp Excel quá lớn" in page_text(refused)


def test_a_preview_offers_no_import_that_would_be_refused(admin, world, session, now):
    session.add(RetentionSchedule(organisation_id=world.org.id, code="DD-2026", title="Bảng cũ", imported_at=now))
    session.flush()
    shown = upload(admin, world.org.id, "bang.json", json.dumps(TABLE).encode())
    assert shown.status_code == 422 and "Mã này đã được dùng cho một bảng khác" in page_text(shown)
    assert 'name="rows"' not in shown.get_data(as_text=True)
    long_code = upload(admin, world.org.id, "bang.json", json.dumps(TABLE).encode(), code="DD-" + "9" * 80)
    assert long_code.status_code == 422 and "Tối đa 60 ký tự" in page_text(long_code)
    assert 'name="rows"' not in long_code.get_data(as_text=True)  # the import would refuse it: not offered


def test_rows_forged_after_the_preview_are_refused_with_their_problems_said(admin, world):
    forged = admin.post(
        f"/admin/organisations/{world.org.id}/retention", {"rows": "[{}]", "code": "F-3", "title": "Giả"}
    )
    assert forged.status_code == 422 and "Hãy chọn lại tệp: bản xem trước đã bị mất." in page_text(forged)
