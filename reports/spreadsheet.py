"""A report as an XLSX workbook (a sheet per table) and as CSV (the tables one after another), formula-safe.

Unit names, people's names and decision numbers are typed by people: every cell passes through
``exports.cells.formula_safe``, so a unit called "=HYPERLINK(…)" opens as text, never as a formula. Counts and
sizes stay numbers (bytes, not "1,2 MB": a spreadsheet adds them up); days are written as dates. ``translate`` turns
the report's msgids (titles, headings, row labels) into the reader's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator

from openpyxl import Workbook

from exports.cells import formula_safe
from reports.figures import Cell, Report, Table

Translate = Callable[[str], str]
# An XLSX sheet's title: at most 31 characters, none of these.
SHEET_TITLE = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


def value(cell: Cell, translate: Translate) -> object:
    """Return what a cell holds in a spreadsheet: a number, a date, or text (translated if it is a label)."""
    if cell.value is None:
        return ""
    if cell.label and isinstance(cell.value, str):
        return formula_safe(translate(cell.value))
    return formula_safe(cell.value)


def lines(table: Table, translate: Translate) -> Iterator[list[object]]:
    """Yield the heading row, then every row, then the total row of a table."""
    yield [formula_safe(translate(column.heading)) for column in table.columns]
    for row in table.rows:
        yield [value(cell, translate) for cell in row]
    if table.total is not None:
        yield [value(cell, translate) for cell in table.total]


def xlsx_bytes(report: Report, translate: Translate) -> bytes:
    """Return the report as a workbook: one sheet per table, its headings in the first row."""
    book = Workbook(write_only=True)
    book.properties.title = translate(report.title)
    used: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(translate(table.title), used))
        for row in lines(table, translate):
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    """Return a sheet title XLSX accepts, different from the ones already used."""
    base = SHEET_FORBIDDEN.sub(" ", title)[:SHEET_TITLE].strip() or "Sheet"
    name, number = base, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name, number = base[: SHEET_TITLE - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def csv_bytes(report: Report, translate: Translate) -> bytes:
    """Return the report as UTF-8 CSV with a byte-order mark (Excel reads Vietnamese then): each table's title on a
    line of its own, its headings, its rows and total, then an empty line."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([formula_safe(translate(report.title))])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([formula_safe(translate(table.title))])
        writer.writerows(lines(table, translate))
    return text.getvalue().encode("utf-8-sig")
