"""Box labels ("nhãn hộp") for the agency archive's paper holdings (issue 28), and the words that say where a
paper dossier is kept.

The label is laid out as Vietnamese archives print it on the spine of a box: the agency's name, the fonds ("Phông"),
"HỘP SỐ" with the number large, "Từ hồ sơ số … đến hồ sơ số …" (the numbers and notations of the first and last
dossier in the box) and the year(s) of the records. Four labels fit an A4 page (two by two), each framed to be cut
out; the place on the shelf is printed small under the frame's last line for the person who shelves the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exports.pdf import ProductPDF

# A label: 85 × 125 mm, two across and two down on an A4 page inside the product's margins.
WIDTH, HEIGHT = 85.0, 125.0
GAP = 5.0
PER_ROW, PER_PAGE = 2, 4
LINE = 6


@dataclass(frozen=True)
class BoxLabel:
    """What one box's label prints."""

    parent_name: str  # the governing body ("cơ quan chủ quản"), may be empty
    agency_name: str
    fonds: str  # "Phông": the fonds' name or code
    box_number: int
    first: str  # the number and notation of the first dossier in the box ("" for an empty box)
    last: str
    years: str  # "2025", or "2023 - 2025"
    place: str  # where the box stands, in words (place_line)
    heading: str  # what the box holds beyond the dossier numbers, as the archivist wrote it


def place_line(repository: str, shelf_unit: str, shelf: str, box_number: int, file_number: int | None = None) -> str:
    """Return where a box (or a dossier in it, with ``file_number``) is kept, in the words of the archive's lists."""
    parts = [f"Kho {repository}", f"giá {shelf_unit}"]
    if shelf:
        parts.append(f"khoang/ngăn {shelf}")
    parts.append(f"hộp số {box_number:02d}")
    if file_number is not None:
        parts.append(f"hồ sơ số {file_number:02d} trong hộp")
    return ", ".join(parts)


def years_of(years: list[int]) -> str:
    """Return the years of a box's records as a label prints them: one year, or the first and last."""
    if not years:
        return ""
    first, last = min(years), max(years)
    return str(first) if first == last else f"{first} - {last}"


def render(labels: list[BoxLabel], printed_at: datetime, font: str = "") -> bytes:
    """Return the labels as an A4 PDF, four to a page, in the order given."""
    pdf = ProductPDF(printed_at, "Nhãn hộp", font=font)
    pdf.set_auto_page_break(auto=False)
    for number, label in enumerate(labels):
        if number % PER_PAGE == 0:
            pdf.add_page()
        slot = number % PER_PAGE
        x = pdf.l_margin + (slot % PER_ROW) * (WIDTH + GAP)
        y = pdf.t_margin + (slot // PER_ROW) * (HEIGHT + GAP)
        _label(pdf, label, x, y)
    if not labels:
        pdf.add_page()
    return bytes(pdf.output())


def _label(pdf: ProductPDF, label: BoxLabel, x: float, y: float) -> None:
    pdf.rect(x, y, WIDTH, HEIGHT)
    inner = WIDTH - 6

    def lines(text: str, *, size: float = 10, bold: bool = False, height: float = LINE) -> None:
        pdf.set_font(style="B" if bold else "", size=size)
        pdf.set_x(x + 3)
        pdf.multi_cell(inner, height, text, align="C", new_x="LEFT", new_y="NEXT")

    pdf.set_xy(x + 3, y + 4)
    if label.parent_name:
        lines(label.parent_name.upper(), size=9)
    lines(label.agency_name.upper(), bold=True)
    pdf.ln(2)
    lines(f"Phông: {label.fonds}")
    if label.heading:
        lines(label.heading, size=9, height=5)
    pdf.ln(4)
    lines("HỘP SỐ", size=14, bold=True)
    lines(f"{label.box_number:02d}", size=40, bold=True, height=18)
    pdf.ln(4)
    if label.first:
        lines(f"Từ hồ sơ số: {label.first}")
        lines(f"Đến hồ sơ số: {label.last}")
    else:
        lines("(Hộp chưa có hồ sơ)")
    if label.years:
        lines(f"Năm: {label.years}")
    pdf.set_xy(x + 3, y + HEIGHT - 10)
    pdf.set_font(style="", size=7)
    pdf.multi_cell(inner, 3.5, label.place, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(style="", size=10)
