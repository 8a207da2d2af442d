"""The page furniture of the reports' PDFs: the heading of an administrative report, sections, table captions that
keep with their tables, the closing with recipients and signature, and numbers as Vietnamese print writes them."""

from __future__ import annotations

from datetime import date, datetime

from erms.config import LOCAL_TZ
from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import LINE, organisation_block

# What a caption needs below it on its page: itself, the heading row and a few rows (mm).
CAPTION_ROOM = 50


class Numbering:
    """Number the tables in the order they are printed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def heading(pdf: ProductPDF, parent: str, organisation: str, today: date, title: str, lines: list[str]) -> None:
    """Print the organisation and the national motto side by side, the place and day, the title and ``lines``."""
    top = pdf.get_y()
    organisation_block(pdf, parent, organisation, width=80)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + 80, top)
    pdf.set_font(style="B")
    pdf.multi_cell(95, LINE, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(95, LINE, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(style="")
    middle = pdf.l_margin + 80 + 95 / 2
    pdf.line(middle - 25, pdf.get_y() + 1, middle + 25, pdf.get_y() + 1)
    pdf.set_y(max(left_bottom, pdf.get_y() + LINE))
    pdf.cell(0, LINE, f"…, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}", align="R")
    pdf.ln(LINE * 1.5)
    pdf.set_font(style="B", size=13)
    pdf.cell(0, LINE + 1, "BÁO CÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, LINE + 1, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    for line in lines:
        pdf.multi_cell(0, LINE, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)


def section(pdf: ProductPDF, title: str) -> None:
    """Print a numbered section's title in bold, on a new page when its first table would not follow it."""
    if pdf.get_y() > pdf.page_break_trigger - CAPTION_ROOM - LINE * 2:
        pdf.add_page()  # a section's title stays with its first table
    pdf.set_font(style="B", size=11)
    pdf.multi_cell(0, LINE, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    pdf.ln(LINE / 3)


def caption(pdf: ProductPDF, text: str, unit_line: str = "") -> None:
    """Print a table's caption, centred and bold, and the unit of its figures under it."""
    if pdf.get_y() > pdf.page_break_trigger - CAPTION_ROOM:
        pdf.add_page()  # a caption at the foot of a page, its table on the next, reads as two things
    pdf.set_font(style="B", size=10)
    pdf.multi_cell(0, LINE, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=9)
    if unit_line:
        pdf.cell(0, LINE, unit_line, align="R", new_x="LMARGIN", new_y="NEXT")


def print_table(
    pdf: ProductPDF, headings: list[str], widths: list[float], rows: list[list[str]], size: int = 9
) -> None:
    """Print a table in the given font size, then a blank line."""
    pdf.set_font(size=size)
    table(pdf, headings, widths, rows)
    pdf.set_font(size=10)
    pdf.ln(LINE)


def closing(pdf: ProductPDF) -> None:
    """Print the recipients and the place for the head's signature."""
    top = pdf.get_y()
    pdf.set_font(style="B", size=10)
    pdf.cell(80, LINE, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=9)
    for line in ("- Sở Nội vụ (Chi cục Văn thư - Lưu trữ);", "- Lưu: VT."):
        pdf.cell(80, LINE, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + 90, top)
    pdf.set_font(style="B", size=10)
    pdf.cell(85, LINE, "NGƯỜI ĐỨNG ĐẦU CƠ QUAN", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(style="", size=9)
    pdf.cell(85, LINE, "(Ký, ghi rõ họ tên và đóng dấu)", align="C")


def number(value: int) -> str:
    """Return a count as Vietnamese print writes it: 23.258."""
    return f"{value:,}".replace(",", ".")


def day(value) -> str:
    """Return a day (or a moment, in the agency's time) as dd/mm/yyyy; anything else as nothing."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""
