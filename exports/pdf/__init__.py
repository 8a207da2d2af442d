"""Set up every PDF the product prints: Vietnamese fonts, the printed-from-system mark, tables.

Each generated PDF (document index, dossier list, transfer list, destruction record) starts from
:class:`ProductPDF` so that all of them carry the mark NĐ 30/2020 Phụ lục VI III.6.k requires on
anything printed from the system, and all of them can print Vietnamese with full diacritics.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

from erms.config import LOCAL_TZ
from exports.pdf import faces

log = logging.getLogger(__name__)

# Debian's fonts-dejavu-core; DejaVu Sans covers every Vietnamese precomposed letter.
# print_lines and draw_boxes write with fpdf2's private ``_out`` and read ``_record_text_quad_points``: the
# version they were checked against (pinned in pyproject.toml; tests/exports/test_pdf_internals.py).
FPDF2_VERSION = "2.8.9"
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

    def __init__(
        self, printed_at: datetime, title: str, *, landscape: bool = False, font: str = "", text: str | None = None
    ) -> None:
        """Prepare an empty document; ``font`` is the PDF_FONT setting; ``text``, when the caller knows it, all it
        will print besides its own Vietnamese words (a face cut to Vietnamese alone then serves when it covers it).

        ``printed_at`` is printed in the agency's local time (TIMEZONE) whatever zone it comes in (a package's
        UTC time printed as such read seven hours early); a naive value is printed as given.
        """
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.printed_at = printed_at.astimezone(LOCAL_TZ) if printed_at.tzinfo else printed_at
        regular, bold = find_font(font)
        if not font:  # the default DejaVu faces, cut to the scripts agencies print (exports/pdf/faces.py)
            blocks = faces.VIETNAMESE_BLOCKS if text is not None and faces.vietnamese_only(text) else faces.KEPT_BLOCKS
            regular, bold = faces.cut_face(regular, blocks), faces.cut_face(bold, blocks)
        self.add_font(FAMILY, "", regular)
        self.add_font(FAMILY, "B", bold)
        self.set_font(FAMILY, size=BODY_SIZE)
        self.set_margins(left=20, top=15, right=15)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("ERMS")
        # The print time, not the wall clock, so the same input gives the same file.
        self.set_creation_date(printed_at)
        self._codes: dict[str, _Codes] = {}

    def print_lines(self, lines: list[tuple[float, float, str]]) -> None:
        """Print each (x, baseline y, NFC text) in the current font, as ``text`` would, in one write.

        A large transfer list prints tens of thousands of lines, and ``text`` asks the font subset
        for each character's code with a Python call. The subset gives a code point one code per
        document, so here the codes are kept in a table (``str.translate``) and the operators
        written are those ``text`` writes.
        """
        if not lines:
            return
        if (
            self.underline
            or self.strikethrough
            or self.text_mode != TextMode.FILL
            or self.fill_color != self.text_color
            or self._record_text_quad_points
        ):
            for x, y, text in lines:  # decorations or annotations: fpdf2's own path makes them
                self.text(x, y, text)
            return
        if not self.current_font_is_set_on_page:
            (x, y, text), *lines = lines
            self.text(x, y, text)  # selects the font on the page
        font = self.current_font
        assert isinstance(font, TTFFont)  # __init__ sets TrueType fonts only: the codes come from their subsets
        codes = self._codes.get(font.fontkey)
        if codes is None:
            codes = self._codes[font.fontkey] = _Codes(font)
        k, height = self.k, self.h
        if lines:
            self._out(
                "\n".join(
                    f"BT {x * k:.2f} {(height - y) * k:.2f} Td ({text.translate(codes)}) Tj ET" for x, y, text in lines
                )
            )

    def draw_boxes(self, boxes: list[tuple[float, float, float, float]]) -> None:
        """Draw the border of each (x, y, width, height) rectangle, as ``rect`` does, in one write.

        A table's cells are tens of thousands of rectangles; ``rect`` costs a few microseconds
        each in checks and style lookups that are the same for every one of them.
        """
        if boxes:
            k, height = self.k, self.h
            self._out(
                "\n".join(f"{x * k:.2f} {(height - y) * k:.2f} {w * k:.2f} {-h * k:.2f} re S" for x, y, w, h in boxes)
            )

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


class _Codes(dict):
    """What a TrueType font's text operator holds for each code point: its code in the document's
    subset, escaped; asked of the font once per code point."""

    def __init__(self, font: TTFFont) -> None:
        super().__init__()
        self._font = font

    def __missing__(self, code_point: int) -> str | None:
        code = self._font.subset.pick(code_point)
        # None: a character the font lacks is left out, as fpdf2's own encoding does. Escaping
        # a code alone gives what escaping the whole text gives: each code is one UTF-16 unit.
        found = self[code_point] = None if code is None else self._font.escape_text(chr(code))
        return found


# Widths of words kept per font and size (each ~150 bytes): a table's distinct words fit many times over.
MEASURES_KEPT = 50_000
# Cell padding in mm, as fpdf2's table had it: without it the text touches the borders.
PAD_X = 1
PAD_Y = 0.5


def table(pdf: ProductPDF, headings: list[str], widths: list[float], rows: list[list[str]]) -> None:
    """Print a bordered table, ``widths`` in mm, whose heading row repeats on every page it spans.

    The table is centred on the page. A row moves whole to the next page when it does not fit,
    except one taller than a page: that one is cut between two lines and continues under the
    heading on the next page. Drawn here rather than with fpdf2's ``FPDF.table()``, whose line
    breaking took 13 s for a 2,000-dossier transfer list.
    """
    grid = _Grid(pdf, headings, widths)
    for cells in rows:
        lines = grid.wrap(cells)
        while lines:
            lines = grid.place(lines)
    if not grid.headed:
        # No rows: still print the heading, so the reader sees an empty table rather than nothing.
        grid.print_heading()
    pdf.set_x(pdf.l_margin)


class _Grid:
    """Lays a table out row by row, printing the heading above the first row of each page."""

    def __init__(self, pdf: ProductPDF, headings: list[str], widths: list[float]) -> None:
        self.pdf = pdf
        self.widths = widths
        self._measures: dict[tuple, Callable[[str], float]] = {}
        self.left = (pdf.w - sum(widths)) / 2
        self.line_height = pdf.font_size * 1.4
        self.body_style = pdf.font_style
        pdf.set_font(style="B")
        self.heading = self.wrap(headings)
        pdf.set_font(style=self.body_style)
        # What a row may take on a page of its own, under the heading.
        self.page_room = pdf.page_break_trigger - pdf.t_margin - self.height(self.heading)
        self.headed = False  # the heading is printed on the current page
        self.fresh = False  # nothing is printed on the current page yet

    def wrap(self, cells: list[str]) -> list[list[str]]:
        """Return each cell's lines in the current font; NFC first, so the widths measured are the printed ones."""
        measure = self._measure()
        return [
            _wrap(unicodedata.normalize("NFC", text), width - 2 * PAD_X, measure)
            for text, width in zip(cells, self.widths, strict=False)
        ]

    def _measure(self) -> Callable[[str], float]:
        """Return a function giving the width in mm of a text in the current font.

        FPDF.get_string_width copies the font state on every call, which dominated the table's
        time. Widths are kept per font and size: a table repeats its words (Vietnamese syllables,
        codes, dates) thousands of times. TrueType fonts only (ProductPDF's): widths keyed by code point.
        """
        pdf = self.pdf
        font = pdf.current_font
        assert isinstance(font, TTFFont)  # ProductPDF sets TrueType fonts only, whose widths are keyed by code point
        key = (font.fontkey, pdf.font_size_pt)
        if key not in self._measures:
            widths, scale = font.cw, pdf.font_size_pt * 0.001 / pdf.k
            known: dict[str, float] = {}

            def measure(text: str) -> float:
                size = known.get(text)
                if size is None:
                    size = sum(map(widths.__getitem__, map(ord, text))) * scale
                    if len(known) < MEASURES_KEPT:
                        known[text] = size
                return size

            self._measures[key] = measure
        return self._measures[key]

    def height(self, lines: list[list[str]]) -> float:
        """Return the height of a row whose cells have these lines."""
        return max(len(cell) for cell in lines) * self.line_height + 2 * PAD_Y

    def place(self, lines: list[list[str]]) -> list[list[str]]:
        """Print as much of a row as belongs on this page; return what is left for the next one."""
        room = self.pdf.page_break_trigger - self.pdf.y - (0 if self.headed else self.height(self.heading))
        if self.height(lines) <= room:
            self.print_row(lines)
            return []
        if self.height(lines) > self.page_room:
            # Taller than a page: cut it; at least a line goes on a fresh page, so the table ends.
            fitting = max(int((room - 2 * PAD_Y) // self.line_height), int(self.fresh))
            if fitting > 0:
                self.print_row([cell[:fitting] for cell in lines])
                lines = [cell[fitting:] for cell in lines]
        self.pdf.add_page()
        self.headed, self.fresh = False, True
        return lines

    def print_row(self, lines: list[list[str]]) -> None:
        """Print a body row at the current position, under the heading if the page has none yet."""
        if not self.headed:
            self.print_heading()
        self._print(lines, centred=False)
        self.fresh = False

    def print_heading(self) -> None:
        """Print the heading row in bold, centred in its cells."""
        self.pdf.set_font(style="B")
        self._print(self.heading, centred=True)
        self.pdf.set_font(style=self.body_style)
        self.headed = True

    def _print(self, lines: list[list[str]], centred: bool) -> None:
        """Print one row of bordered cells at the current y and move below it."""
        pdf = self.pdf
        measure = self._measure()
        height = self.height(lines)
        x, y = self.left, pdf.y
        placed, boxes = [], []
        for width, cell in zip(self.widths, lines, strict=False):
            boxes.append((x, y, width, height))
            top = y + PAD_Y + ((height - self.height([cell])) / 2 if centred else 0)
            for number, line in enumerate(cell):
                indent = (width - measure(line)) / 2 if centred else PAD_X
                # The baseline, one font size below the top of a line as fpdf2's cells have it.
                placed.append((x + indent, top + number * self.line_height + pdf.font_size, line))
            x += width
        pdf.draw_boxes(boxes)
        pdf.print_lines(placed)
        pdf.y = y + height


def _wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Split ``text`` into lines at most ``width`` wide: at spaces and newlines, inside too long a word."""
    lines = []
    space = measure(" ")
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in paragraph.split():
            size = measure(word)
            if words and used + space + size <= width:
                words.append(word)
                used += space + size
                continue
            if words:
                lines.append(" ".join(words))
            if size > width:
                *whole, word = _break_word(word, width, measure)
                lines.extend(whole)
                size = measure(word)
            words, used = [word], size
        lines.append(" ".join(words))
    return lines


def _break_word(word: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Cut a word wider than a line (file codes like 000.00.12.H26.2026.TN.00001) into pieces that fit."""
    pieces = []
    start, used = 0, 0.0
    for end, char in enumerate(word):
        size = measure(char)
        if used + size > width and end > start:
            pieces.append(word[start:end])
            start, used = end, 0.0
        used += size
    pieces.append(word[start:])
    return pieces
