"""Print the lending slip ("phiếu mượn tài liệu") of the paper dossiers an approved request takes out of the archive.

The slip is signed on paper by the reader and the archivist when the boxes leave the repository, and kept by the
archive until every dossier is back. Callers pass plain values; nothing here touches the database or Flask.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import organisation_block

# In mm: they add up to the A4 portrait text width (210 less the 20 and 15 mm margins).
COLUMNS = (("STT", 12), ("Mã hồ sơ", 58), ("Tiêu đề hồ sơ", 65), ("Nơi lưu (hộp, số)", 40))
LINE = 6


@dataclass(frozen=True)
class LentDossier:
    """One paper dossier on the slip: its code, title and where it goes back to."""

    file_code: str
    title: str
    place: str  # "Kho K1, giá 2, ngăn 3, hộp 12, số 4" or "" when it has no box yet


@dataclass(frozen=True)
class LendingSlip:
    """Everything printed on one slip."""

    parent_organisation: str
    organisation: str
    reference: str  # the request's "12/2026"
    reader: str
    reader_identity: str
    purpose: str
    approved_by: str
    due_on: datetime.date
    dossiers: tuple[LentDossier, ...]
    printed_at: datetime.datetime


def render(slip: LendingSlip, font: str = "") -> bytes:
    """Return the slip as an A4 portrait PDF; ``font`` is the PDF_FONT setting."""
    pdf = ProductPDF(slip.printed_at, f"Phiếu mượn tài liệu {slip.reference}", font=font)
    pdf.add_page()
    organisation_block(pdf, slip.parent_organisation, slip.organisation, width=90)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, "PHIẾU MƯỢN TÀI LIỆU", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.cell(0, LINE, f"Theo phiếu yêu cầu khai thác số {slip.reference}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    for line in (
        f"Người mượn: {slip.reader}"
        + (f" (giấy tờ tùy thân số {slip.reader_identity})" if slip.reader_identity else ""),
        f"Mục đích: {slip.purpose}",
        f"Người duyệt: {slip.approved_by}",
        f"Hạn trả: {slip.due_on:%d/%m/%Y}",
    ):
        pdf.multi_cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    rows = [[str(n), d.file_code, d.title, d.place] for n, d in enumerate(slip.dossiers, start=1)]
    table(pdf, [name for name, _ in COLUMNS], [width for _, width in COLUMNS], rows)
    pdf.ln(LINE)
    signatures_y = pdf.get_y()
    for x, role in ((pdf.l_margin, "NGƯỜI MƯỢN"), (pdf.l_margin + 90, "CÁN BỘ LƯU TRỮ")):
        pdf.set_xy(x, signatures_y)
        pdf.set_font(style="B")
        pdf.cell(85, LINE, role, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(x, signatures_y + LINE)
        pdf.set_font(style="")
        pdf.cell(85, LINE, "(Ký, ghi rõ họ tên)", align="C")
    return bytes(pdf.output())
