"""Print the "Mục lục văn bản trong hồ sơ" (NĐ 30/2020 PL6 V.5) generated when a dossier closes.

This module owns the document index PDF only: the Phụ lục V layout ("MỤC LỤC VĂN BẢN, TÀI LIỆU",
the organisation block, the seven-column table and its closing line). Callers load the dossier
and pass plain values; nothing here touches the database or Flask.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from exports.pdf import ProductPDF, table

# The seven columns of the Phụ lục V template, in mm; they add up to the A4 landscape text width.
COLUMNS = (
    ("STT", 12),
    ("Số, ký hiệu văn bản", 36),
    ("Ngày tháng năm văn bản", 26),
    ("Tên loại và trích yếu nội dung văn bản", 100),
    ("Tác giả văn bản", 44),
    ("Tờ số/Trang số", 22),
    ("Ghi chú", 22),
)
ORGANISATION_WIDTH = 110
LINE = 6


@dataclass(frozen=True)
class IndexRow:
    """One document of the dossier, as its index line shows it."""

    ordinal: int
    number_notation: str
    issued_date: datetime.date | None
    type_and_subject: str
    author: str
    pages: str
    note: str


@dataclass(frozen=True)
class DocumentIndex:
    """Everything printed on the index of one dossier."""

    parent_organisation: str
    organisation: str
    file_notation: str
    file_code: str
    year: int
    title: str
    rows: tuple[IndexRow, ...]
    printed_at: datetime.datetime


def render(index: DocumentIndex, font: str = "") -> bytes:
    """Return the document index as an A4 landscape PDF; ``font`` is the PDF_FONT setting."""
    printed = [index.parent_organisation, index.organisation, index.file_notation, index.file_code, index.title]
    printed += [cell for row in index.rows for cell in _cells(row)]
    pdf = ProductPDF(
        index.printed_at, f"Mục lục văn bản — {index.title}", landscape=True, font=font, text="".join(printed)
    )
    pdf.add_page()
    _organisation(pdf, index)
    _heading(pdf, index)
    # Template column numbers under each heading so the printed index matches Phụ lục V.
    headings = [f"{name}\n({number})" for number, (name, _) in enumerate(COLUMNS, start=1)]
    table(pdf, headings, [width for _, width in COLUMNS], [_cells(row) for row in index.rows])
    pdf.ln(LINE / 2)
    pdf.cell(0, LINE, f"Mục lục này gồm {len(index.rows)} văn bản.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _organisation(pdf: ProductPDF, index: DocumentIndex) -> None:
    organisation_block(pdf, index.parent_organisation, index.organisation)


def organisation_block(pdf: ProductPDF, parent: str, name: str, width: float = ORGANISATION_WIDTH) -> None:
    """Print the parent organisation and the organisation, upper case, top left, underlined."""
    pdf.multi_cell(width, LINE, parent.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="B")
    pdf.multi_cell(width, LINE, name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="")
    middle = pdf.l_margin + width / 2
    pdf.line(middle - 15, pdf.get_y() + 1, middle + 15, pdf.get_y() + 1)
    pdf.ln(LINE)


def _heading(pdf: ProductPDF, index: DocumentIndex) -> None:
    """Print the title block: the index heading, the dossier's notation, code, year and title."""
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, "MỤC LỤC VĂN BẢN, TÀI LIỆU", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    lines = [f"Số, ký hiệu hồ sơ: {index.file_notation}"]
    if index.file_code:
        lines.append(f"Mã hồ sơ: {index.file_code}")
    lines.append(f"Năm {index.year}")
    for line in lines:
        pdf.cell(0, LINE, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="B")
    pdf.multi_cell(0, LINE, index.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    pdf.ln(LINE / 2)


def _cells(row: IndexRow) -> list[str]:
    """Return the seven cells of one index line, the date as dd/mm/yyyy."""
    issued = row.issued_date.strftime("%d/%m/%Y") if row.issued_date else ""
    return [str(row.ordinal), row.number_notation, issued, row.type_and_subject, row.author, row.pages, row.note]
