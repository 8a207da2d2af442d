"""The dossier list from a spreadsheet: import CSV or XLSX, validated row by row.

Import is all or nothing: every row is checked against ``schemas/dossier-list-import-v1.json``
and against the organisation (unit codes, user names, retention rows) before anything is written,
and every problem is reported with its spreadsheet line, so a registry officer can fix the file in
one go. Exporting the list (XLSX, PDF) is ``exports.pdf.dossier_list_pdf``'s; the quote an export puts
before a cell that would run as a formula is taken off here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import DossierList, RetentionRow, RetentionSchedule, RoleMembership, Unit, User
from erms.permissions import Actor


def headers_of(kind: str) -> dict[str, str]:
    """Return column header -> field for the row schema ``kind``: its Vietnamese titles (as templates print them,
    casefolded) and its keys."""
    titles = metadata.field_titles(kind)
    return {**{title.casefold(): key for key, title in titles.items()}, **{key: key for key in titles}}


HEADERS = headers_of("dossier-list-import")
YEARS = re.compile(r"^([0-9]{1,3})(\s*năm)?$", re.IGNORECASE)
PERMANENT = "vĩnh viễn"
RETENTION_UNREADABLE = N_('Write "Vĩnh viễn", a number of years, or a retention row code.')
UNKNOWN_HEADING = N_('Line %(line)s, column %(column)s: no column is called "%(heading)s".')
REPEATED_HEADING = N_('Line %(line)s, column %(column)s: the column "%(heading)s" appears twice.')
UNHEADED_VALUE = N_("Line %(line)s, column %(column)s: a value under no column heading.")
# OWASP's rule against formula injection: spreadsheet programs run a text cell starting with = + - @ tab or CR as
# a formula, so exports write such text behind one more quote (exports.cells) and the import takes it off again;
# leading quotes count as part of the start, so text that really begins with quotes comes back unchanged.
FORMULA_START = re.compile("'*[=+\\-@\t\r]")
FORMULA_QUOTE = "'"
# Bounds on what is read, so a crafted file cannot make the server build millions of cells: a year's list has a
# few thousand entries at most, and the import knows ten columns.
MAX_ROWS = 10_000
MAX_COLUMNS = 100
# Lines read at most, empty ones included (spreadsheet programs leave formatted empty rows below the data).
MAX_LINES = 2 * MAX_ROWS
# The largest part of a workbook unpacked (a sheet of MAX_ROWS full rows is a few megabytes); the zip's own
# record of sizes is checked again as it is read.
MAX_PART_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImportRow:
    """A checked row, ready to become an entry."""

    line: int
    values: dict
    unit_id: int
    responsible_user_id: int | None
    retention_row_id: int | None
    period: tuple[bool, int | None, str]


def unquoted(text: str) -> str:
    """Return a cell's text without the quote an export put before a formula trigger."""
    return text[len(FORMULA_QUOTE) :] if text.startswith(FORMULA_QUOTE) and FORMULA_START.match(text) else text


def read_rows(filename: str, stream: BinaryIO, headers: dict[str, str] = HEADERS) -> dict[int, dict[str, str]]:
    """Return the rows of a CSV or XLSX file as {line: {field: text}}, keyed by the header line (``headers``: the
    row schema's, a dossier list's by default).

    A file that cannot be read, a header that is unknown or repeated, or a value under no header is refused
    with InvalidMetadata on the ``file`` field, the line and column named in the message.
    """
    return rows_of(sheet_lines(filename, stream), headers)


def rows_of(lines: dict[int, list[str]], headers: dict[str, str] = HEADERS) -> dict[int, dict[str, str]]:
    """Return the rows of lines :func:`sheet_lines` read, as :func:`read_rows` does (for a reader that also needs
    the header line as the file writes it)."""
    if not lines:
        raise _refused(N_("The file is empty."))
    header_line, header = next(iter(lines.items()))
    fields = _fields(header_line, header, headers)
    rows: dict[int, dict[str, str]] = {}
    problems: list[Problem] = []
    for line, cells in islice(lines.items(), 1, None):
        problems.extend(
            Problem("file", UNHEADED_VALUE, {"line": line, "column": get_column_letter(column)})
            for column, cell in enumerate(cells, start=1)
            if cell and (column > len(fields) or not fields[column - 1])
        )
        rows[line] = {field: cell for field, cell in zip(fields, cells, strict=False) if cell}
    if problems:
        raise InvalidMetadata(problems)
    return rows


def sheet_lines(filename: str, stream: BinaryIO) -> dict[int, list[str]]:
    """Return the non-empty lines of a CSV or XLSX file as {line number: [cell text]}, cells stripped and
    unquoted; raise InvalidMetadata on the ``file`` field for a file that cannot be read."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _numbered(_xlsx_cells(stream))
    if name.endswith(".csv"):
        return _numbered(_csv_cells(stream))
    raise _refused(N_("Choose a .csv or .xlsx file."))


def _numbered(lines: Iterable[Iterable[object]]) -> dict[int, list[str]]:
    """Number the lines from 1, keep those holding a value, each cell as stripped, unquoted text."""
    numbered = {}
    for line, cells in enumerate(lines, start=1):
        if line > MAX_LINES:  # empty lines count too: a sheet of millions of empty rows takes as long to walk
            raise _refused(N_("The file has more than %(limit)s lines; split it."), limit=MAX_LINES)
        texts = [unquoted("" if cell is None else str(cell).strip()) for cell in cells]
        while texts and not texts[-1]:
            texts.pop()
        if texts:
            numbered[line] = texts
        if len(numbered) > MAX_ROWS:
            raise _refused(N_("The file has more than %(limit)s lines; split it."), limit=MAX_ROWS)
    return numbered


def _xlsx_cells(stream: BinaryIO) -> Iterator[tuple]:
    """Yield the rows of the workbook's first sheet; anything openpyxl cannot read is refused."""
    _refuse_oversized_parts(stream)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        try:
            yield from book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        finally:
            book.close()
    # A damaged or foreign file fails anywhere in openpyxl or in the zip and XML readers under it, with many kinds
    # of error; each means the same to the person importing it.
    except Exception:
        raise _refused(N_("The file is not an Excel workbook (.xlsx) that can be read.")) from None


def _refuse_oversized_parts(stream: BinaryIO) -> None:
    """Refuse a workbook whose parts unpack past MAX_PART_BYTES before openpyxl reads it: a sheet of millions of
    empty rows (a few kilobytes zipped) would otherwise keep a worker busy for minutes measuring it."""
    try:
        sizes = [item.file_size for item in zipfile.ZipFile(stream).infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refused(N_("The file is not an Excel workbook (.xlsx) that can be read.")) from None
    finally:
        stream.seek(0)
    if any(size > MAX_PART_BYTES for size in sizes):
        raise _refused(N_("The workbook is too large: save it again with only the rows to import."))


def _csv_cells(stream: BinaryIO) -> Iterator[list[str]]:
    """Yield the rows of a UTF-8 CSV file; another encoding or broken quoting is refused naming the line."""
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    try:
        yield from reader
    except UnicodeDecodeError:
        raise _refused(N_('The file is not UTF-8 text: save it as "CSV UTF-8".')) from None
    except csv.Error:
        raise _refused(N_("Line %(line)s is not valid CSV."), line=reader.line_num) from None


def _fields(line: int, header: list[str], headers: dict[str, str]) -> list[str]:
    """Return the field of each column of the header line ("" for an empty header); raise InvalidMetadata naming
    every header that is unknown or repeated."""
    fields: list[str] = []
    problems: list[Problem] = []
    for column, heading in enumerate(header, start=1):
        field = headers.get(heading_key(heading)) if heading else ""
        where = {"line": line, "column": get_column_letter(column), "heading": heading[:60]}
        if field is None:
            problems.append(Problem("file", UNKNOWN_HEADING, where))
            continue  # the file is refused below, so the columns after this one need not line up
        if field and field in fields:
            problems.append(Problem("file", REPEATED_HEADING, where))
        fields.append(field)
    if problems:
        raise InvalidMetadata(problems)
    return fields


def heading_key(heading: str) -> str:
    """Return a column header as the headers of :func:`headers_of` are matched: NFC, casefolded."""
    return unicodedata.normalize("NFC", heading).casefold()


def _refused(template: str, **params) -> InvalidMetadata:
    """Return the refusal of the whole file, its reason on the ``file`` field."""
    return InvalidMetadata([Problem("file", template, params)])


def import_entries(
    session: Session, actor: Actor, list_id: int, filename: str, stream: BinaryIO, *, now: datetime
) -> int:
    """Add every row of the spreadsheet to a draft list, or nothing if any row is wrong; return the count."""
    dossier_list = dossier_lists.draft_list(session, actor, list_id)
    rows = read_rows(filename, stream)
    if not rows:
        raise _refused(N_("The file has no rows under its header line."))
    checked = check_rows(session, dossier_list, rows)
    headings: dict[str, int] = {heading.label: heading.id for heading in dossier_list.headings}
    for row in checked:
        heading_id = _heading(session, actor, dossier_list, row.values, headings, now)
        dossier_lists.add_entry(
            session,
            actor,
            dossier_list.id,
            title=row.values["title"],
            unit_id=row.unit_id,
            retention_row_id=row.retention_row_id,
            heading_id=heading_id,
            file_notation=row.values.get("file_notation", ""),
            responsible_user_id=row.responsible_user_id,
            note=row.values.get("note", ""),
            now=now,
            period=row.period,
        )
    audit.record(
        session,
        actor,
        "dossier_list.imported",
        "dossier_list",
        dossier_list.id,
        now=now,
        filename=filename,
        entries=len(checked),
    )
    return len(checked)


def check_rows(session: Session, dossier_list: DossierList, rows: dict[int, dict]) -> list[ImportRow]:
    """Check every row; raise InvalidMetadata naming each wrong row's line and field, else return them."""
    units = {
        unit.code: unit.id
        for unit in session.scalars(select(Unit).where(Unit.organisation_id == dossier_list.organisation_id))
    }
    notations = {entry.file_notation for entry in dossier_list.entries}
    problems: list[Problem] = []
    checked: list[ImportRow] = []
    for line, raw in rows.items():
        values = metadata.normalise(raw)
        found = metadata.validate("dossier-list-import", values)
        if not found:
            row, found = _resolve(session, dossier_list.organisation_id, units, values, line)
            checked.append(row)
            found += _notation_problems(values, notations)
        # "line:field", so the form can say which line and which column of the file is wrong.
        problems.extend(Problem(f"{line}:{problem.field}", problem.template, problem.params) for problem in found)
    if problems:
        raise InvalidMetadata(problems)
    return checked


def _notation_problems(values: dict, notations: set[str]) -> list[Problem]:
    """Return a problem if the row's own file notation is already used by the list or an earlier row, and
    remember it; a notation is unique in its list."""
    notation = values.get("file_notation")
    if not notation:
        return []
    if notation in notations:
        return [Problem("file_notation", dossier_lists.NOTATION_TAKEN, {"notation": notation})]
    notations.add(notation)
    return []


def _resolve(
    session: Session, organisation_id: int, units: dict, values: dict, line: int
) -> tuple[ImportRow, list[Problem]]:
    """Look the row's unit, person and retention up; return the row and what could not be found."""
    problems = []
    unit_id = units.get(values["unit"])
    if unit_id is None:
        problems.append(Problem("unit", N_("No unit with code %(code)s."), {"code": values["unit"]}))
    user_id = None
    if values.get("responsible"):
        # Only a person of the organisation can form its dossiers; anyone else is "no user", whoever exists.
        user_id = session.scalar(
            select(User.id)
            .join(User.memberships)
            .where(
                User.username == values["responsible"],
                User.active.is_(True),
                RoleMembership.organisation_id == organisation_id,
            )
            .limit(1)
        )
        if user_id is None:
            problems.append(Problem("responsible", N_("No user %(name)s."), {"name": values["responsible"]}))
    row_id, period = period_of_text(session, values["retention"], organisation_id)
    if period is None:
        problems.append(Problem("retention", RETENTION_UNREADABLE))
    return ImportRow(line, values, unit_id or 0, user_id, row_id, period or (False, None, "")), problems


def period_of_text(
    session: Session, text: str, organisation_id: int
) -> tuple[int | None, tuple[bool, int | None, str] | None]:
    """Read a retention cell: "Vĩnh viễn", "10 năm"/"10", or a retention row code (its period is used).

    Return (row id, (permanent, years, condition)), or (None, None) when the text says none of these.
    """
    text = unicodedata.normalize("NFC", text).strip()
    if metadata.FORBIDDEN_CHARACTERS.search(text):
        return None, None
    if text.casefold() == PERMANENT:
        return None, (True, None, "")
    years = YEARS.match(text)
    if years and int(years.group(1)) > 0:
        return None, (False, int(years.group(1)), "")
    row = row_of_code(session, text, organisation_id)
    if row is None:
        return None, None
    return row.id, (row.permanent, row.period_years, row.condition)


def row_of_code(session: Session, code: str, organisation_id: int) -> RetentionRow | None:
    """Return the retention row ``code`` names for the organisation: only its own tables and the common ones count,
    a current table before a superseded one, its own before a common one, the newest first (tables share codes)."""
    return session.scalar(
        select(RetentionRow)
        .join(RetentionRow.schedule)
        .where(
            RetentionRow.code == code,
            or_(RetentionSchedule.organisation_id == organisation_id, RetentionSchedule.organisation_id.is_(None)),
        )
        .order_by(
            RetentionSchedule.superseded,
            RetentionSchedule.organisation_id.is_(None),
            RetentionSchedule.imported_at.desc(),
            RetentionSchedule.id.desc(),
        )
        .limit(1)
    )


def _heading(
    session: Session, actor: Actor, dossier_list: DossierList, values: dict, headings: dict[str, int], now: datetime
) -> int | None:
    """Return the id of the row's heading, adding it to the list the first time it appears."""
    label = values.get("heading_label", "")
    if not label:
        return None
    if label not in headings:
        heading = dossier_lists.add_heading(
            session,
            actor,
            dossier_list.id,
            label,
            values.get("heading_title", label),
            abbreviation=values.get("heading_abbreviation", ""),
            now=now,
        )
        headings[label] = heading.id
    return headings[label]
