"""An organisation's retention tables ("Bảng thời hạn bảo quản hồ sơ, tài liệu") from the web: read a JSON or XLSX
file, preview every row with its problems, import all rows or none.

One table is active per organisation: importing a new version labels the earlier ones superseded, keeps them (the
dossiers that took a period from them keep it) and row codes resolve to the active one
(``classification.spreadsheet.row_of_code``).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import spreadsheet
from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import RetentionSchedule
from erms.permissions import Actor
from retention import schedule

# A spreadsheet's column headings (Vietnamese, as agencies type them, or the JSON keys) -> the row's key.
XLSX_HEADINGS = {
    "mã": "code",
    "code": "code",
    "nhóm": "group",
    "group": "group",
    "tên nhóm hồ sơ, tài liệu": "title_vi",
    "tên hồ sơ, tài liệu": "title_vi",
    "title_vi": "title_vi",
    "thời hạn bảo quản": "retention",
    "retention": "retention",
    "ghi chú": "note",
    "note": "note",
    "nguồn": "source",
    "source": "source",
}
# TT 10/2022's common table has under a thousand rows; a file of more is no retention table (and would only
# make the preview page huge).
MAX_ROWS = 5_000
YEARS = re.compile(r"([0-9]{1,3})(\s*năm)?", re.IGNORECASE)
ROW_PATH = re.compile(r"rows\[(\d+)\]\.(\w+)")
SCHEMA = "urn:erms:schema:retention-table-v1"
PREVIEW_LOST = N_("Choose the file again: the preview was lost.")


@dataclass
class PreviewRow:
    """A row of the file as it will be imported, with what is wrong with it."""

    number: int  # 1-based, in the file's order
    values: dict
    problems: list[Problem] = field(default_factory=list)  # each on its column (Problem.field)


@dataclass
class Preview:
    rows: list[PreviewRow]
    problems: list[Problem]  # of the whole file (unreadable, empty, unknown headings)
    payload: str  # the rows as JSON, carried to the import that validates them again

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.problems and not any(row.problems for row in self.rows)


def read_file(filename: str, content: bytes) -> list:
    """Return the rows of a .json or .xlsx retention table, or raise InvalidMetadata on ``file``."""
    name = filename.lower()
    if name.endswith(".json"):
        rows = schedule.read_table(content)
        if not isinstance(rows, list):
            raise InvalidMetadata([Problem("file", N_("The JSON file must hold a list of rows."))])
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        raise InvalidMetadata([Problem("file", N_("Choose a .json or .xlsx file."))])
    if len(rows) > MAX_ROWS:
        raise InvalidMetadata(
            [Problem("file", N_("A retention table has at most %(limit)s rows."), {"limit": MAX_ROWS})]
        )
    return rows


def _xlsx_rows(content: bytes) -> list[dict]:
    """Rows of the first sheet under its heading line; the retention cell is read as the JSON form's fields."""
    lines = spreadsheet.sheet_lines("table.xlsx", io.BytesIO(content))
    if not lines:
        raise InvalidMetadata([Problem("file", N_("The file is empty."))])
    header_line, header = next(iter(lines.items()))
    keys = [XLSX_HEADINGS.get(heading.strip().casefold(), "") for heading in header]
    missing = {"code", "title_vi", "retention"} - set(keys)
    if missing:
        raise InvalidMetadata(
            [
                Problem(
                    "file",
                    N_("Line %(line)s must name the columns Mã, Tên nhóm hồ sơ, tài liệu and Thời hạn bảo quản."),
                    {"line": header_line},
                )
            ]
        )
    return [
        _from_cells({key: cell for key, cell in zip(keys, cells, strict=False) if key and cell})
        for cells in list(lines.values())[1:]
    ]


def _from_cells(values: dict[str, str]) -> dict:
    """Turn "Vĩnh viễn", "10 năm" or an event ("Đến khi hết hiệu lực") into permanent / period_years / note."""
    retention = values.pop("retention", "")
    years = YEARS.fullmatch(retention.strip())
    row: dict = {**values, "permanent": retention.strip().casefold() == spreadsheet.PERMANENT, "period_years": None}
    if years:
        row["period_years"] = int(years.group(1))
    elif not row["permanent"] and retention:
        row.setdefault("note", retention)
    return row


def preview(filename: str, content: bytes) -> Preview:
    """Read the file and check every row as the import will, each problem in the reader's language and on its row;
    never raises for a bad file or row."""
    try:
        rows = read_file(filename, content)
    except InvalidMetadata as refused:
        return Preview([], list(refused.problems), "")
    shown = [PreviewRow(number, row if isinstance(row, dict) else {}) for number, row in enumerate(rows, start=1)]
    problems: list[Problem] = []
    normalised = [metadata.normalise(row) if isinstance(row, dict) else row for row in rows]
    validator = Draft202012Validator(metadata.registry().contents(SCHEMA), registry=metadata.registry())
    for error in validator.iter_errors(normalised):
        if error.absolute_path:
            shown[int(error.absolute_path[0])].problems.append(metadata.problem_of(error, depth=1))
        else:
            problems.append(Problem("file", N_("The file holds no row.")))  # the only rule on the list itself
    for problem in schedule.row_problems(normalised):
        found = ROW_PATH.match(problem.field or "")
        if found:
            shown[int(found.group(1))].problems.append(Problem(found.group(2), problem.template, problem.params))
    return Preview(shown, problems, json.dumps(rows, ensure_ascii=False))


def import_table(
    session: Session,
    actor: Actor,
    organisation_id: int,
    payload: str,
    labels: dict[str, str],
    *,
    now: datetime,
) -> RetentionSchedule:
    """Import the previewed rows as the organisation's active table (all or none); earlier ones become superseded."""
    permissions.require_administer(actor, organisation_id)
    if problems := label_problems(session, labels):
        raise InvalidMetadata(problems)
    try:
        rows = json.loads(payload)
    except (ValueError, RecursionError):  # not what the preview wrote: a forged or damaged form
        raise InvalidMetadata([Problem("file", PREVIEW_LOST)]) from None
    earlier = tables_of(session, organisation_id)
    try:
        table = _import(session, actor, organisation_id, rows, labels, now=now)
    except InvalidMetadata as refused:
        if any(problem.field.startswith("rows") for problem in refused.problems):
            raise InvalidMetadata([Problem("file", PREVIEW_LOST)]) from None  # rows other than those previewed
        raise
    for replaced in earlier:
        if not replaced.superseded:
            replaced.superseded = True
            audit.record(
                session,
                actor,
                "retention_schedule.superseded",
                "retention_schedule",
                replaced.id,
                now=now,
                by=table.code,
            )
    return table


def label_problems(session: Session, labels: dict[str, str]) -> list[Problem]:
    """What is wrong with the code and title of a new table version (checked at the preview too, so a preview that
    offers the import is one that can be imported)."""
    problems = [
        Problem(name, metadata.MESSAGES["required"]) for name in ("code", "title") if not labels.get(name, "").strip()
    ]
    code = labels.get("code", "").strip()
    try:
        schedule.checked_labels(code, labels.get("title", ""), labels.get("legal_basis", ""))
    except InvalidMetadata as refused:
        problems += [problem for problem in refused.problems if problem.field not in {p.field for p in problems}]
    if code and session.scalar(select(RetentionSchedule.id).where(RetentionSchedule.code == code)):
        problems.append(Problem("code", N_("This code is used by another table: choose another.")))
    return problems


def _import(session: Session, actor: Actor, organisation_id: int, rows, labels: dict, *, now: datetime):
    return schedule.import_schedule(
        session,
        actor,
        rows,
        code=labels.get("code", "").strip(),
        title=labels.get("title", ""),
        legal_basis=labels.get("legal_basis", ""),
        superseded=False,
        now=now,
        organisation_id=organisation_id,
    )


def tables_of(session: Session, organisation_id: int) -> list[RetentionSchedule]:
    """Return the organisation's own tables, the active one first, then the earlier ones newest first."""
    return list(
        session.scalars(
            select(RetentionSchedule)
            .where(RetentionSchedule.organisation_id == organisation_id)
            .order_by(RetentionSchedule.superseded, RetentionSchedule.imported_at.desc(), RetentionSchedule.id.desc())
        )
    )
