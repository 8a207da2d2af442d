"""Every report to XLSX and CSV, formula-safe; the yearly records-work report as a PDF; the charts as SVG without
JavaScript (issue 25 items 4 and 5)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from xml.etree import ElementTree

from openpyxl import load_workbook
from pypdf import PdfReader

from reports import charts, service
from tests.factories import NOW
from tests.reports.dataset import grid

VP, TCKH = "Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"
HYPERLINK = '=HYPERLINK("http://evil.example/","Bấm vào đây")'


def same(text: str) -> str:
    return text


def compliance(agency, year=2026):
    world = agency.world
    return service.compliance_report(agency.session, world.actor("head"), world.org.id, None, year, now=NOW)


def sheet_values(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_every_cell_of_the_compliance_workbook(agency):
    found = compliance(agency)
    book = load_workbook(io.BytesIO(service.export(found, "xlsx", same)))
    assert book.sheetnames == ["Per unit", "Per person"]
    headings = [column.heading for column in found.table("units").columns]
    assert sheet_values(book["Per unit"]) == [
        headings,
        ["TCKH", TCKH, 3, 0, 3, 3, 2, 1, 0, 0, 2, 2],
        ["VP", VP, 6, 2, 4, 2, 1, 1, 1, 1, 2, 1],
        [None, "Sent to no unit", 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
        [None, "Total", 9, 2, 7, 5, 3, 2, 1, 1, 5, 4],
    ]
    assert sheet_values(book["Per person"]) == [
        ["Unit", "Person", *headings[2:]],
        [TCKH, "Nguyễn Văn officer2", 3, 0, 3, 3, 2, 1, 0, 0, 1, 1],
        [TCKH, "Nobody named", 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
        [VP, "Nguyễn Văn officer1", 4, 1, 3, 1, 1, 1, 1, 0, 1, 0],
        [VP, "Nguyễn Văn unithead", 1, 0, 1, 1, 0, 0, 0, 1, 0, 0],
        [VP, "Nobody named", 1, 1, 0, 0, 0, 0, 0, 0, 1, 1],
    ]


def test_every_cell_of_the_holdings_and_flow_workbooks_equals_their_tables(agency):
    world, session = agency.world, agency.session
    head = world.actor("head")
    reports = (
        service.holdings_report(session, head, world.org.id, None, None, now=NOW, handover_years=5),
        service.flow_report(session, head, world.org.id, None, date(2026, 1, 1), date(2026, 6, 30), now=NOW),
    )
    for found in reports:
        book = load_workbook(io.BytesIO(service.export(found, "xlsx", same)))
        assert book.sheetnames == [table.title[:31] for table in found.tables]
        for table in found.tables:
            written = sheet_values(book[table.title[:31]])
            assert written[0] == [column.heading for column in table.columns]
            # Empty text is an empty cell; a day is written as a date (openpyxl reads it back as midnight).
            expected = [[None if value == "" else value for value in row] for row in grid(table)]
            assert [[value.date() if hasattr(value, "date") else value for value in row] for row in written[1:]] == (
                expected
            )
    disposal = load_workbook(io.BytesIO(service.export(reports[0], "xlsx", same)))["Destroyed and handed over"]
    assert sheet_values(disposal)[1][:3] == [2026, "Handed over", "25/BB-LTLS"]


def test_every_line_of_the_csv(agency):
    text = service.export(compliance(agency), "csv", same).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    headings = [column.heading for column in compliance(agency).table("units").columns]
    assert lines == [
        ["Filing compliance"],
        [],
        ["Per unit"],
        headings,
        ["TCKH", TCKH, "3", "0", "3", "3", "2", "1", "0", "0", "2", "2"],
        ["VP", VP, "6", "2", "4", "2", "1", "1", "1", "1", "2", "1"],
        ["", "Sent to no unit", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1"],
        ["", "Total", "9", "2", "7", "5", "3", "2", "1", "1", "5", "4"],
        [],
        ["Per person"],
        ["Unit", "Person", *headings[2:]],
        [TCKH, "Nguyễn Văn officer2", "3", "0", "3", "3", "2", "1", "0", "0", "1", "1"],
        [TCKH, "Nobody named", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1"],
        [VP, "Nguyễn Văn officer1", "4", "1", "3", "1", "1", "1", "1", "0", "1", "0"],
        [VP, "Nguyễn Văn unithead", "1", "0", "1", "1", "0", "0", "0", "1", "0", "0"],
        [VP, "Nobody named", "1", "1", "0", "0", "0", "0", "0", "0", "1", "1"],
    ]


def test_names_people_typed_open_as_text_never_as_formulas(agency):
    world, session = agency.world, agency.session
    with session.begin_nested() as savepoint:
        world.unit_a.name = HYPERLINK
        world.users["officer1"].full_name = "@SUM(1+1)"
        session.flush()
        found = compliance(agency)
        book = load_workbook(io.BytesIO(service.export(found, "xlsx", same)))
        assert book["Per unit"]["B3"].value == "'" + HYPERLINK
        assert book["Per person"]["A4"].value == "'" + HYPERLINK
        assert book["Per person"]["B4"].value == "'@SUM(1+1)"
        assert book["Per unit"]["C3"].value == 6  # numbers stay numbers
        text = service.export(found, "csv", same).decode("utf-8-sig")
        assert f'"\'{HYPERLINK.replace(chr(34), chr(34) * 2)}"' in text and "'@SUM(1+1)" in text
        assert not re.search(r"(^|,)[=@+]", text, re.M)
        savepoint.rollback()


def test_the_yearly_report_prints_the_thesis_headings_and_every_figure(agency):
    world = agency.world
    pdf = service.yearly_report(
        agency.session, world.actor("head"), world.org.id, None, 2026, now=NOW, handover_years=5
    )
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    for printed in (
        "UBND QUẬN ĐỐNG ĐA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO Kết quả thực hiện công tác văn thư, lưu trữ năm 2026",
        # Bảng 2.4 of the thesis
        "Bảng 1. Thống kê tổng số văn bản đi, văn bản đến tính từ ngày 01/01/2026 đến ngày 31/12/2026",
        "Đơn vị tính: văn bản",
        "Tổng số văn bản đến 4",
        "Trong đó: + Văn bản thông thường 3",
        "+ Văn bản mang bí mật nhà nước đến 1",
        "Tổng số văn bản đi 1",
        "+ Văn bản mang bí mật nhà nước đi 0",
        # Bảng 2.5 of the thesis
        "Bảng 2. Thống kê biến động văn bản đi, văn bản đến của UBND quận Đống Đa năm 2025 và năm 2026",
        "Nội dung Năm 2025 Năm 2026",
        "Tổng số văn bản đi 1 văn bản 1 văn bản",
        "Trong đó văn bản mật đi 1 văn bản 0 văn bản",
        "Tổng số văn bản đến 1 văn bản 4 văn bản",
        "Trong đó văn bản mật đến 0 văn bản 1 văn bản",
        "Bảng 3. Tình hình giải quyết văn bản đến, văn bản đi năm 2026",
        "Có hạn giải quyết 4 0",
        "Giải quyết đúng hạn 1 0",
        "Giải quyết sau hạn 1 0",
        "Quá hạn, chưa giải quyết 1 0",
        "Bảng 4. Tình hình lập hồ sơ năm 2026 của các đơn vị",
        "3 0 3 3 2 1 0 2",
        "6 2 4 2 1 1 1 1",
        "Chưa giao đơn vị 0 0 0 0 0 0 0 1",
        "Tổng số 9 2 7 5 3 2 1 4",
        "Bảng 5. Hồ sơ, tài liệu đang bảo quản tính đến ngày 15/06/2026",
        "Tổng số 9 9 62 0,00 1 1",
        "Bảng 6. Hồ sơ, tài liệu đã tiêu hủy, đã nộp lưu vào Lưu trữ lịch sử năm 2026",
        "Nộp lưu vào Lưu trữ lịch sử 25/BB-LTLS 15/06/2026 1 1 12",
        "Tiêu hủy 45/QĐ-UBND 15/06/2026 1 1 2",
        "NGƯỜI ĐỨNG ĐẦU CƠ QUAN",
        "In từ Hệ thống ERMS",
    ):
        assert printed in text, printed
    # A unit head's yearly report is their unit's.
    unit = service.yearly_report(
        agency.session, world.actor("unithead"), world.org.id, None, 2026, now=NOW, handover_years=5
    )
    unit_text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(unit)).pages).split())
    assert f"Đơn vị: {VP}" in unit_text and "Tổng số văn bản đến 2" in unit_text and TCKH not in unit_text


def test_charts_are_svg_without_script_holding_the_tables_numbers(agency):
    world, session = agency.world, agency.session
    head = world.actor("head")
    reports = (
        compliance(agency),
        service.holdings_report(session, head, world.org.id, None, None, now=NOW, handover_years=5),
        service.flow_report(session, head, world.org.id, None, date(2026, 1, 1), date(2026, 6, 30), now=NOW),
    )
    for found in reports:
        for chart in service.CHARTS[found.name]:
            table = found.table(chart.table)
            svg = charts.render(chart, table, same)
            root = ElementTree.fromstring(svg)  # well-formed XML
            assert root.tag == "{http://www.w3.org/2000/svg}svg" and "viewBox" in root.attrib
            assert "<script" not in svg and "javascript" not in svg.lower()
            labelled = [row for row in table.rows if row[table.index(chart.labels)].value not in ("", None)]
            values = [int(row[table.index(key)].value) for key in chart.series for row in labelled]
            assert re.findall(r'<desc class="value">([^<]*)</desc>', svg) == [str(value) for value in values]
            for key in chart.series:
                assert table.columns[table.index(key)].heading in svg
    bars = charts.render(service.CHARTS["compliance"][0], reports[0].table("units"), same)
    assert re.findall(r'<desc class="x_label">([^<]*)</desc>', bars)[:2] == ["TCKH", "VP"]  # "Sent to no unit" left out
