"""Print the catalogue of dossiers an arrangement made ("mục lục hồ sơ"), box by box, in the layout archives use for
the result of chỉnh lý: box, dossier number in the box, notation, title, the records' dates, retention, sheets, note.
Callers pass plain values; nothing here touches the database or Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import organisation_block

LINE = 6
# In mm: they add up to the A4 landscape text width.
COLUMNS = (
    ("Hộp số", 16),
    ("Hồ sơ số", 16),
    ("Số và ký hiệu hồ sơ", 30),
    ("Tiêu đề hồ sơ", 98),
    ("Thời gian tài liệu", 36),
    ("Thời hạn bảo quản", 24),
    ("Số tờ", 14),
    ("Ghi chú", 28),
)


@dataclass(frozen=True)
class CatalogueRow:
    """One dossier of the catalogue."""

    box: int
    file_number: int
    notation: str
    title: str
    dates: str
    retention: str
    sheets: int | None
    note: str


@dataclass(frozen=True)
class Catalogue:
    """What the catalogue prints: the fonds, the arrangement it comes from, and its dossiers in box order."""

    parent_name: str
    organisation_name: str
    heading: str  # "Chỉnh lý: <the inventory>", the source of the rows
    rows: tuple[CatalogueRow, ...]
    printed_at: datetime


def render(catalogue: Catalogue, font: str = "") -> bytes:
    """Return the catalogue as an A4 landscape PDF; ``font`` is the PDF_FONT setting."""
    pdf = ProductPDF(catalogue.printed_at, "Mục lục hồ sơ", landscape=True, font=font)
    pdf.add_page()
    organisation_block(pdf, catalogue.parent_name, catalogue.organisation_name)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, "MỤC LỤC HỒ SƠ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.multi_cell(0, LINE, catalogue.heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=10)
    pdf.ln(LINE / 2)
    rows = [
        [
            str(row.box),
            str(row.file_number),
            row.notation,
            row.title,
            row.dates,
            row.retention,
            "" if row.sheets is None else str(row.sheets),
            row.note,
        ]
        for row in catalogue.rows
    ]
    table(pdf, [name for name, _ in COLUMNS], [width for _, width in COLUMNS], rows)
    pdf.ln(LINE / 2)
    boxes = len({row.box for row in catalogue.rows})
    sheets = sum(row.sheets or 0 for row in catalogue.rows)
    summary = f"Mục lục này gồm {len(catalogue.rows)} hồ sơ (đơn vị bảo quản) trong {boxes} hộp, {sheets} tờ."
    pdf.cell(0, LINE, summary, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
