"""The tables this package exports (audit log, access statistics) as CSV and XLSX, every cell formula-safe.

People type the text these tables carry (dossier titles, usernames tried at the log-in form, paths asked for):
each cell passes through ``exports.cells.formula_safe``, so "=HYPERLINK(…)" opens as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from itertools import chain

from openpyxl import Workbook

from exports.cells import formula_safe

# An XLSX sheet's title holds at most this many characters.
SHEET_TITLE = 31


def csv_bytes(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return the table as UTF-8 CSV with a byte-order mark (without it Excel reads Vietnamese as Latin-1)."""
    text = io.StringIO()
    writer = csv.writer(text)
    for row in chain([headings], rows):
        writer.writerow([formula_safe(cell) for cell in row])
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(title: str, headings: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return the table as a one-sheet XLSX workbook, written row by row (write-only: memory stays flat)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:SHEET_TITLE])
    for row in chain([headings], rows):
        sheet.append([formula_safe(cell) for cell in row])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
