"""Set up every PDF the product prints: Vietnamese fonts, the printed-from-system mark, tables.

Each generated PDF (document index, dossier list, transfer list, destruction record) starts from
:class:`ProductPDF` so that all of them carry the mark NĐ 30/2020 Phụ lục VI III.6.k requires on
anything printed from the system, and all of them can print Vietnamese with full diacritics.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

log = logging.getLogger(__name__)

# Debian's fonts-dejavu-core; DejaVu Sans covers every Vietnamese precomposed letter.
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "body"
BODY_SIZE = 10
FOOTER_SIZE = 8


def find_font(configured: str = "") -> tuple[Path, Path]:
    """Return the regular and bold TrueType files to print Vietnamese with.

    ``configured`` is the PDF_FONT setting. Its bold face is the sibling ``<name>-Bold.ttf``
    (``-Regular`` dropped) when present, otherwise the regular file serves for both.
    """
    if configured:
        regular = Path(configured).expanduser()
        if regular.is_file():
            stem = regular.stem.removesuffix("-Regular")
            bold = regular.with_name(f"{stem}-Bold{regular.suffix}")
            return regular, bold if bold.is_file() else regular
        # An administrator set this on purpose: say why their font is not used.
        log.warning("PDF font %s not found, falling back to DejaVu Sans", regular)
    regular = DEFAULT_FONT_DIR / "DejaVuSans.ttf"
    bold = DEFAULT_FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    raise FileNotFoundError(
        f"No TrueType font with Vietnamese glyphs: {regular} is missing. "
        "Install the Debian package fonts-dejavu-core or set ERMS_PDF_FONT to a .ttf file."
    )


class ProductPDF(FPDF):
    """An A4 page set with the "body" font family and the printed-from-system footer."""

    def __init__(self, printed_at: datetime, title: str, *, landscape: bool = False, font: str = "") -> None:
        """Prepare an empty document; ``font`` is the PDF_FONT setting.

        ``printed_at`` is printed as given, so pass the agency's local time (TIMEZONE); a naive
        value is taken as the server's local time for the file's creation date.
        """
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.printed_at = printed_at
        regular, bold = find_font(font)
        self.add_font(FAMILY, "", regular)
        self.add_font(FAMILY, "B", bold)
        self.set_font(FAMILY, size=BODY_SIZE)
        self.set_margins(left=20, top=15, right=15)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("ERMS")
        # The print time, not the wall clock, so the same input gives the same file.
        self.set_creation_date(printed_at)

    def normalize_text(self, text: str) -> str:
        """Compose diacritics (NFC): decomposed input would print detached marks and extract badly."""
        return super().normalize_text(unicodedata.normalize("NFC", text))

    def footer(self) -> None:
        """Print the mark saying the page was printed from the system, with the page count."""
        self.set_y(-12)
        self.set_font(FAMILY, size=FOOTER_SIZE)
        printed = self.printed_at.strftime("%d/%m/%Y %H:%M")
        # {nb} is fpdf2's alias for the total, filled in when the document is closed.
        self.cell(0, 5, f"In từ Hệ thống ERMS — {printed} — Trang {self.page_no()}/{{nb}}", align="C")


def table(pdf: FPDF, headings: list[str], widths: list[float], rows: list[list[str]]) -> None:
    """Print a bordered table, ``widths`` in mm, whose heading row repeats on every page it spans."""
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        headings_style=FontFace(emphasis="BOLD"),
        text_align="LEFT",
        v_align="TOP",
        line_height=pdf.font_size * 1.4,
        # Without padding the text touches the cell borders.
        padding=(0.5, 1),
        repeat_headings=1,
    ) as grid:
        heading = grid.row()
        for text in headings:
            heading.cell(text, align="CENTER", v_align="MIDDLE")
        for cells in rows:
            row = grid.row()
            for text in cells:
                row.cell(text)
