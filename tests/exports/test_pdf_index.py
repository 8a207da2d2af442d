"""The document index PDF ("Mục lục văn bản trong hồ sơ", NĐ 30/2020 Phụ lục V, PL6 V.5) and its font lookup."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from exports import pdf
from exports.pdf import pdf_index
from exports.pdf.pdf_index import DocumentIndex, IndexRow
from tests.factories import require

PRINTED_AT = datetime(2026, 6, 15, 10, 30)
TITLE = "Hồ sơ xây dựng quy chế làm việc của Ủy ban nhân dân quận năm 2026"


def make_index(count: int) -> DocumentIndex:
    rows = tuple(
        IndexRow(
            ordinal=number,
            number_notation=f"{number}/QĐ-UBND",
            issued_date=date(2026, 1, 1 + number % 28),
            type_and_subject=f"Quyết định về việc giao nhiệm vụ số {number}",
            author="UBND quận Đống Đa",
            pages=str(number),
            note="",
        )
        for number in range(1, count + 1)
    )
    return DocumentIndex(
        parent_organisation="UBND thành phố Hà Nội",
        organisation="UBND quận Đống Đa",
        file_notation="01.VP",
        file_code="000.00.00.H26.2026.01.VP",
        year=2026,
        title=TITLE,
        rows=rows,
        printed_at=PRINTED_AT,
    )


def extract(document: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(document))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_index_prints_the_heading_the_dossier_and_every_document_in_order():
    document = pdf_index.render(make_index(3))
    assert document.startswith(b"%PDF")
    _, text = extract(document)
    for expected in ("MỤC LỤC VĂN BẢN, TÀI LIỆU", "Số, ký hiệu hồ sơ: 01.VP", "Mã hồ sơ: 000.00.00.H26.2026.01.VP"):
        assert expected in text
    assert TITLE in " ".join(text.split())
    positions = [text.index(f"{number}/QĐ-UBND") for number in (1, 2, 3)]
    assert positions == sorted(positions)
    subjects = [text.index(f"Quyết định về việc giao nhiệm vụ số {number}") for number in (1, 2, 3)]
    assert subjects == sorted(subjects)
    assert "In từ Hệ thống ERMS — 15/06/2026 10:30" in text
    assert "Mục lục này gồm 3 văn bản." in text


def test_pdftotext_reads_the_vietnamese_heading(tmp_path: Path):
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext)")
    path = tmp_path / "index.pdf"
    path.write_bytes(pdf_index.render(make_index(1)))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "MỤC LỤC VĂN BẢN" in text


def test_a_long_index_flows_onto_several_pages_numbered_to_the_last():
    reader, text = extract(pdf_index.render(make_index(120)))
    pages = len(reader.pages)
    assert pages > 2
    last = reader.pages[-1].extract_text()
    assert f"Trang {pages}/{pages}" in last
    assert "Mục lục này gồm 120 văn bản." in last
    assert "120/QĐ-UBND" in last
    # The table heading repeats on every page, so each page reads on its own.
    assert all("Tên loại và trích yếu nội dung văn bản" in page.extract_text() for page in reader.pages)
    assert len(re.findall(r"In từ Hệ thống ERMS", text)) == pages


def test_an_empty_index_says_it_lists_no_document():
    reader, text = extract(pdf_index.render(make_index(0)))
    assert len(reader.pages) == 1
    assert "Mục lục này gồm 0 văn bản." in text


def test_a_missing_configured_font_falls_back_to_dejavu(tmp_path: Path):
    regular, bold = pdf.find_font(str(tmp_path / "missing.ttf"))
    assert (regular.name, bold.name) == ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def test_a_configured_font_brings_its_bold_sibling(tmp_path: Path):
    source = pdf.DEFAULT_FONT_DIR
    shutil.copy(source / "DejaVuSans.ttf", tmp_path / "Body-Regular.ttf")
    shutil.copy(source / "DejaVuSans-Bold.ttf", tmp_path / "Body-Bold.ttf")
    assert pdf.find_font(str(tmp_path / "Body-Regular.ttf")) == (
        tmp_path / "Body-Regular.ttf",
        tmp_path / "Body-Bold.ttf",
    )


def test_no_font_at_all_names_the_package_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(pdf, "DEFAULT_FONT_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        pdf.find_font(str(tmp_path / "missing.ttf"))


def test_lines_and_boxes_printed_together_make_the_same_file_as_printed_one_by_one():
    # Parentheses, a backslash and codes whose UTF-16 bytes need escaping; a CJK character DejaVu
    # lacks (left out either way); bold and regular faces.
    texts = ["Hồ sơ (thử) \\ nghiệm", "Đống Đa — ĐỐNG ĐA", "漢 không có trong phông", "mục lục\rhồ sơ", ""]
    lines = [(20 + number, 30 + 6 * number, text) for number, text in enumerate(texts)]
    together, one_by_one = (pdf.ProductPDF(PRINTED_AT, "Bảng") for _ in range(2))
    for document in (together, one_by_one):
        document.add_page()
    for style in ("", "B", "B"):  # the second bold time, the page has the font already
        together.set_font(style=style)
        together.print_lines(lines)
        one_by_one.set_font(style=style)
        for x, y, text in lines:
            one_by_one.text(x, y, text)
    boxes = [(15.5, 40.25, 30.125, 12.0), (45.625, 40.25, 100, 0.5)]
    together.draw_boxes(boxes)
    for box in boxes:
        one_by_one.rect(*box)
    printed = bytes(together.output())
    assert printed == bytes(one_by_one.output())
    _, text = extract(printed)
    assert "Hồ sơ (thử) \\ nghiệm" in text and "ĐỐNG ĐA" in text


def test_a_time_in_utc_is_printed_in_the_agencys_local_time():
    """A hand-over package's time is UTC; its PDFs print 11:37 in Hà Nội, never 04:37."""
    utc = datetime(2026, 6, 15, 4, 37, tzinfo=UTC)
    _, text = extract(pdf_index.render(replace(make_index(1), printed_at=utc)))
    assert "In từ Hệ thống ERMS — 15/06/2026 11:37" in text
