"""The yearly dossier list as the registry works it: copy forward, spreadsheet import and export,
assignment, additions after approval, the unit head's review of ad-hoc entries, the dashboard."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from classification import spreadsheet
from erms import notices
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import DossierListEntry
from exports.pdf import dossier_list_pdf
from filing import dossiers

HEADER = "Đề mục,Tên đề mục,Ký hiệu đề mục,Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị,Người lập hồ sơ,Ghi chú\n"
GOOD = HEADER + (
    "I,Tổng hợp,TH,Hồ sơ hội nghị tổng kết năm 2027,Vĩnh viễn,VP,officer1,\n"
    "I,Tổng hợp,TH,Tập thông báo ý kiến kết luận cuộc họp,10 năm,VP,,\n"
    "II,Tài chính,TC,Hồ sơ dự toán ngân sách năm 2027,10y,TCKH,officer2,Lập quý I\n"
)


def draft(session, world, now, year=2027):
    return dossier_lists.create_list(session, world.actor("registry"), world.org.id, year, now=now)


def entries_of(dossier_list):
    return [
        (entry.file_notation, entry.title, entry.unit.code, entry.retention_permanent, entry.retention_years)
        for entry in dossier_list.entries
    ]


def test_copy_forward_renumbers_last_years_plan(session, world, now):
    last = world.approved_list(2026, entries=3)
    officer = world.actor("officer1")
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session, officer, last.id, title="Hồ sơ phát sinh bị từ chối", retention_row_id=world.rows["2y"].id, now=now
    )
    dossier_lists.review_entry(session, world.actor("unithead"), ad_hoc.id, False, "Trùng hồ sơ 02.TH", now=now)
    copied = dossier_lists.copy_forward(session, world.actor("registry"), world.org.id, 2027, now=now)
    assert copied.year == 2027 and copied.state.value == "draft"
    assert [heading.abbreviation for heading in copied.headings] == ["TH"]
    assert [row[0] for row in entries_of(copied)] == ["01.TH", "02.TH", "03.TH"]
    assert all(entry.retention_years == 10 and entry.unit_id == world.unit_a.id for entry in copied.entries)
    assert copied.entries[0].title == "Hồ sơ kế hoạch công tác số 1 năm 2027"
    with pytest.raises(RuleViolation):
        dossier_lists.copy_forward(session, world.actor("registry"), world.org.id, 2027, now=now)


def test_copy_forward_needs_last_year(session, world, now):
    with pytest.raises(RuleViolation) as refused:
        dossier_lists.copy_forward(session, world.actor("registry"), world.org.id, 2030, now=now)
    assert "2029" in str(refused.value)


def test_import_good_csv(session, world, now):
    target = draft(session, world, now)
    count = spreadsheet.import_entries(
        session, world.actor("registry"), target.id, "dmhs.csv", io.BytesIO(GOOD.encode("utf-8-sig")), now=now
    )
    assert count == 3
    assert entries_of(target) == [
        ("01.TH", "Hồ sơ hội nghị tổng kết năm 2027", "VP", True, None),
        ("02.TH", "Tập thông báo ý kiến kết luận cuộc họp", "VP", False, 10),
        ("03.TC", "Hồ sơ dự toán ngân sách năm 2027", "TCKH", False, 10),
    ]
    assert target.entries[2].responsible_user.username == "officer2"
    assert target.entries[2].note == "Lập quý I"


def test_import_good_xlsx(session, world, now):
    book = Workbook()
    for line in GOOD.splitlines():
        book.active.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    target = draft(session, world, now)
    data.seek(0)
    assert spreadsheet.import_entries(session, world.actor("registry"), target.id, "DMHS 2027.XLSX", data, now=now) == 3


def test_import_with_three_bad_rows_reports_each_line_and_writes_nothing(session, world, now):
    bad = GOOD + (
        "I,Tổng hợp,TH,,10 năm,VP,,\n"  # line 5: no title
        "I,Tổng hợp,TH,Hồ sơ mua sắm,mãi mãi,VP,,\n"  # line 6: retention unreadable
        "I,Tổng hợp,TH,Hồ sơ thi đua,5 năm,KHONGCO,ai.do,\n"  # line 7: unknown unit and person
    )
    target = draft(session, world, now)
    with pytest.raises(InvalidMetadata) as refused:
        spreadsheet.import_entries(
            session, world.actor("registry"), target.id, "dmhs.csv", io.BytesIO(bad.encode()), now=now
        )
    assert [problem.field for problem in refused.value.problems] == [
        "5:title",
        "6:retention",
        "7:unit",
        "7:responsible",
    ]
    assert (
        session.scalar(
            select(func.count()).select_from(DossierListEntry).where(DossierListEntry.dossier_list_id == target.id)
        )
        == 0
    )
    assert target.headings == []


def test_import_refuses_other_files_and_approved_lists(session, world, now):
    target = draft(session, world, now)
    with pytest.raises(InvalidMetadata) as refused:
        spreadsheet.import_entries(session, world.actor("registry"), target.id, "dmhs.ods", io.BytesIO(b"x"), now=now)
    assert refused.value.problems[0].field == "file"
    approved = world.approved_list(2026)
    with pytest.raises(RuleViolation):
        spreadsheet.import_entries(
            session, world.actor("registry"), approved.id, "dmhs.csv", io.BytesIO(GOOD.encode()), now=now
        )


def test_export_xlsx_and_pdf_follow_the_template(session, world, now):
    approved = world.approved_list(2026, entries=2)
    addition = dossier_lists.add_entry(
        session,
        world.actor("registry"),
        approved.id,
        title="Hồ sơ bổ sung",
        unit_id=world.unit_b.id,
        retention_row_id=world.rows["permanent"].id,
        now=now.replace(hour=4),
    )
    assert dossier_lists.is_addition(addition)
    sheet = load_workbook(io.BytesIO(dossier_list_pdf.render_xlsx(approved))).active
    lines = [[cell for cell in row if cell] for row in sheet.iter_rows(values_only=True)]
    assert ["DANH MỤC HỒ SƠ CỦA UBND QUẬN ĐỐNG ĐA NĂM 2026"] in lines
    assert ["", "I. TỔNG HỢP"][1:] == [cell for cell in lines[7] if cell]
    assert lines[8][:3] == ["01.TH", "Hồ sơ kế hoạch công tác số 1 năm 2026", "10 năm"]
    assert lines[-1][0].startswith("Danh mục hồ sơ này có 3 hồ sơ, bao gồm: 1 hồ sơ bảo quản vĩnh viễn")
    assert any("(bổ sung)" in str(cell) for line in lines for cell in line)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(dossier_list_pdf.render(approved, now))).pages)
    assert "DANH MỤC HỒ SƠ" in text and "01/QĐ-UBND" in text and "In từ Hệ thống ERMS" in text


def test_assign_entry_and_review_ad_hoc(session, world, now):
    approved = world.approved_list(2026, entries=1)
    entry = approved.entries[0]
    officer2 = world.users["officer2"]
    dossier_lists.assign_entry(session, world.actor("registry"), entry.id, world.unit_b.id, officer2.id, now=now)
    assert [item.id for item in dossiers.my_entries(session, world.actor("officer2"))] == [entry.id]
    with pytest.raises(PermissionDenied):
        dossier_lists.assign_entry(session, world.actor("officer1"), entry.id, world.unit_a.id, None, now=now)
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        approved.id,
        title="Hồ sơ phát sinh",
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    head = world.actor("unithead")
    assert [item.id for item in dossier_lists.pending_reviews(session, head)] == [ad_hoc.id]
    dossier_lists.review_entry(session, head, ad_hoc.id, True, now=now)
    assert dossier_lists.pending_reviews(session, head) == []
    with pytest.raises(RuleViolation):
        dossier_lists.review_entry(session, head, ad_hoc.id, True, now=now)


def test_dashboard_counts_entries_with_a_dossier_per_unit(session, world, now, make_dossier):
    make_dossier()
    board = dossier_lists.dashboard(session, world.actor("head"), world.org.id, 2026)
    assert board.dossier_list.state.value == "approved"
    progress = {line.unit.code: (line.entries, line.with_dossier) for line in board.units}
    assert progress == {"TCKH": (0, 0), "VP": (4, 1)}
    assert dossier_lists.dashboard(session, world.actor("head"), world.org.id, 2027).dossier_list is None


def test_console_copies_forward_and_imports(session, world, now, tmp_path):
    from click.testing import CliRunner

    from erms import cli

    world.approved_list(2026, entries=1)
    context = cli.Context({"DATABASE_URL": "unused"})
    context.transaction = lambda: _joined(session)
    runner = CliRunner()
    copied = runner.invoke(cli.dossier_list_copy_forward, ["2027", "--user", "registry"], obj=context)
    assert copied.exit_code == 0 and "1 entries copied from 2026" in copied.output
    bad = tmp_path / "dmhs.csv"
    bad.write_text("Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị\nHồ sơ A,mãi mãi,VP\n", encoding="utf-8")
    refused = runner.invoke(cli.dossier_list_import, ["2027", str(bad), "--user", "registry"], obj=context)
    assert refused.exit_code == 1 and "2:retention" in refused.output


def _joined(session):
    from contextlib import nullcontext

    return nullcontext(session)


def test_an_ad_hoc_dossier_not_accepted_says_why_tells_the_officer_and_is_not_opened(session, world, now):
    approved = world.approved_list(2026, entries=1)
    officer, head = world.actor("officer1"), world.actor("unithead")
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session, officer, approved.id, title="Hồ sơ tổ chức Tết", retention_row_id=world.rows["2y"].id, now=now
    )
    assert ad_hoc.id in {entry.id for entry in dossiers.my_entries(session, officer)}
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.review_entry(session, head, ad_hoc.id, False, "  ", now=now)
    assert [problem.field for problem in refused.value.problems] == ["note"]
    assert [item.id for item in dossier_lists.pending_reviews(session, head)] == [ad_hoc.id]  # nothing recorded
    dossier_lists.review_entry(session, head, ad_hoc.id, False, "Đưa vào hồ sơ 01.TH", now=now)
    (told,) = [item for item in notices.newest(session, world.users["officer1"].id) if item.kind == "entry_reviewed"]
    assert told.template % json.loads(told.params) == (
        f'The unit head did not accept the ad-hoc dossier {ad_hoc.file_notation} "Hồ sơ tổ chức Tết": '
        "Đưa vào hồ sơ 01.TH"
    )
    assert ad_hoc.id not in {entry.id for entry in dossiers.my_entries(session, officer)}
    with pytest.raises(RuleViolation) as not_opened:
        dossiers.open_dossier(session, officer, ad_hoc.id, {}, now=now)
    assert not_opened.value.params == {"note": "Đưa vào hồ sơ 01.TH"}
