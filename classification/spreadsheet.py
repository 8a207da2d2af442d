"""The dossier list from a spreadsheet: import CSV or XLSX, validated row by row.

Import is all or nothing: every row is checked against ``schemas/dossier-list-import-v1.json``
and against the organisation (unit codes, user names, retention rows) before anything is written,
and every problem is reported with its spreadsheet line, so a registry officer can fix the file in
one go. Exporting the list (XLSX, PDF) is ``exports.dossier_list_pdf``'s.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import DossierList, RetentionRow, Unit, User
from erms.permissions import Actor

# Column header (Vietnamese, as the exported template prints it, or the schema's key) -> field.
HEADERS = {title.casefold(): key for key, title in metadata.field_titles("dossier-list-import").items()}
HEADERS.update({key: key for key in metadata.field_titles("dossier-list-import")})
YEARS = re.compile(r"^(\d{1,3})(\s*năm)?$", re.IGNORECASE)
PERMANENT = "vĩnh viễn"
RETENTION_UNREADABLE = N_("Write \"Vĩnh viễn\", a number of years, or a retention row code.")
# The first data line of a spreadsheet: line 1 holds the headers.
FIRST_LINE = 2


@dataclass(frozen=True)
class ImportRow:
    """A checked row, ready to become an entry."""

    line: int
    values: dict
    unit_id: int
    responsible_user_id: int | None
    retention_row_id: int | None
    period: tuple[bool, int | None, str]


def read_rows(filename: str, stream: BinaryIO) -> list[dict]:
    """Return the rows of a CSV or XLSX file as {field: text}, keyed by the header line."""
    if filename.lower().endswith(".xlsx"):
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
        lines = [["" if cell is None else str(cell).strip() for cell in row] for row in sheet.iter_rows(values_only=True)]
    elif filename.lower().endswith(".csv"):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        lines = [[cell.strip() for cell in row] for row in csv.reader(text)]
    else:
        raise InvalidMetadata([Problem("file", N_("Choose a .csv or .xlsx file."))])
    if not lines:
        raise InvalidMetadata([Problem("file", N_("The file is empty."))])
    fields = [HEADERS.get(header.casefold(), header) for header in lines[0]]
    return [{field: cell for field, cell in zip(fields, line) if cell} for line in lines[1:] if any(line)]


def import_entries(session: Session, actor: Actor, list_id: int, filename: str, stream: BinaryIO, *,
                   now: datetime) -> int:
    """Add every row of the spreadsheet to a draft list, or nothing if any row is wrong; return the count."""
    dossier_list = dossier_lists.draft_list(session, actor, list_id)
    rows = read_rows(filename, stream)
    if not rows:
        raise InvalidMetadata([Problem("file", N_("The file has no rows under its header line."))])
    checked = check_rows(session, dossier_list, rows)
    headings: dict[str, int] = {heading.label: heading.id for heading in dossier_list.headings}
    for row in checked:
        heading_id = _heading(session, actor, dossier_list, row.values, headings, now)
        dossier_lists.add_entry(session, actor, dossier_list.id, title=row.values["title"], unit_id=row.unit_id,
                                retention_row_id=row.retention_row_id, heading_id=heading_id,
                                file_notation=row.values.get("file_notation", ""),
                                responsible_user_id=row.responsible_user_id, note=row.values.get("note", ""),
                                now=now, period=row.period)
    audit.record(session, actor, "dossier_list.imported", "dossier_list", dossier_list.id, now=now,
                 filename=filename, entries=len(checked))
    return len(checked)


def check_rows(session: Session, dossier_list: DossierList, rows: list[dict]) -> list[ImportRow]:
    """Check every row; raise InvalidMetadata naming each wrong row's line and field, else return them."""
    units = {unit.code: unit.id for unit in session.scalars(
        select(Unit).where(Unit.organisation_id == dossier_list.organisation_id))}
    problems, checked = [], []
    for offset, raw in enumerate(rows):
        line = FIRST_LINE + offset
        values = metadata.normalise(raw)
        found = metadata.validate("dossier-list-import", values)
        if not found:
            row, found = _resolve(session, units, values, line)
            checked.append(row)
        # "line:field", so the form can say which line and which column of the file is wrong.
        problems.extend(Problem(f"{line}:{problem.field}", problem.template, problem.params)
                        for problem in found)
    if problems:
        raise InvalidMetadata(problems)
    return checked


def _resolve(session: Session, units: dict, values: dict, line: int) -> tuple[ImportRow, list[Problem]]:
    """Look the row's unit, person and retention up; return the row and what could not be found."""
    problems = []
    unit_id = units.get(values["unit"])
    if unit_id is None:
        problems.append(Problem("unit", N_("No unit with code %(code)s."), {"code": values["unit"]}))
    user_id = None
    if values.get("responsible"):
        user_id = session.scalar(select(User.id).where(User.username == values["responsible"]))
        if user_id is None:
            problems.append(Problem("responsible", N_("No user %(name)s."), {"name": values["responsible"]}))
    row_id, period = period_of_text(session, values["retention"])
    if period is None:
        problems.append(Problem("retention", RETENTION_UNREADABLE))
    return ImportRow(line, values, unit_id or 0, user_id, row_id, period or (False, None, "")), problems


def period_of_text(session: Session, text: str) -> tuple[int | None, tuple[bool, int | None, str] | None]:
    """Read a retention cell: "Vĩnh viễn", "10 năm"/"10", or a retention row code (its period is used)."""
    if text.casefold() == PERMANENT:
        return None, (True, None, "")
    years = YEARS.match(text)
    if years:
        return None, (False, int(years.group(1)), "")
    row = session.scalar(select(RetentionRow).where(RetentionRow.code == text).limit(1))
    if row is None:
        return None, None
    return row.id, (row.permanent, row.period_years, row.condition)


def _heading(session: Session, actor: Actor, dossier_list: DossierList, values: dict, headings: dict[str, int],
             now: datetime) -> int | None:
    """Return the id of the row's heading, adding it to the list the first time it appears."""
    label = values.get("heading_label", "")
    if not label:
        return None
    if label not in headings:
        heading = dossier_lists.add_heading(session, actor, dossier_list.id, label,
                                            values.get("heading_title", label),
                                            abbreviation=values.get("heading_abbreviation", ""), now=now)
        headings[label] = heading.id
    return headings[label]
