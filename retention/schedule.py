"""Retention schedules ("Bảng thời hạn bảo quản"): importing a table and reading a row's period.

Tables are data (docs/standards.md, decision 6): each organisation loads its own, built from
TT 10/2022/TT-BNV. The 2011 table shipped in retention/data/ is superseded and is always
labelled so; it exists for demonstrations and tests.
"""

from __future__ import annotations

import json
import reprlib
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, Problem, RuleViolation
from erms.models import DossierListEntry, RetentionRow, RetentionSchedule
from erms.permissions import Actor
from retention.clock import Period

SUPERSEDED_2011 = Path(__file__).resolve().parent / "data" / "retention-table-tt09-2011.json"
# jsonschema's sentences quote the offending value; past this length they quote a shortened one.
MESSAGE_LENGTH = 200


def read_table(content: bytes) -> object:
    """Return the JSON of a retention table file, or raise InvalidMetadata on ``file`` saying why it cannot
    be read (not UTF-8, not JSON with the line and column, nested too deep)."""
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problem = Problem("file", N_("The file is not UTF-8 text."))
    except json.JSONDecodeError as error:
        problem = Problem(
            "file",
            N_("Not JSON: %(reason)s (line %(line)s, column %(column)s)."),
            {"reason": error.msg, "line": error.lineno, "column": error.colno},
        )
    # Numbers of thousands of digits and arrays nested thousands deep are refused by Python's own reader.
    except (ValueError, RecursionError):
        problem = Problem("file", N_("Not JSON that can be read: a number is too long or the nesting too deep."))
    raise InvalidMetadata([problem])


def checked_rows(payload: object) -> list[dict]:
    """Return the rows of a retention table payload, text normalised, or raise InvalidMetadata with one problem
    per wrong value, each naming its row ("rows[12].code")."""
    rows = payload
    if isinstance(payload, list):
        rows = [metadata.normalise(row) if isinstance(row, dict) else row for row in payload]
    schema = metadata.registry().contents("urn:erms:schema:retention-table-v1")
    problems = [
        Problem(_path(error), _sentence(error))
        for error in Draft202012Validator(schema, registry=metadata.registry()).iter_errors(rows)
    ]
    if isinstance(rows, list):
        problems += row_problems(rows)
    if problems:
        raise InvalidMetadata(problems)
    assert isinstance(rows, list)  # the schema's top level is an array, and the payload met it
    return rows


def _path(error: ValidationError) -> str:
    """Return where the error is, as "rows[3].code"."""
    return "rows" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)


def _sentence(error: ValidationError) -> str:
    """Return jsonschema's sentence, or a shorter one when it would quote a long value."""
    if len(error.message) <= MESSAGE_LENGTH:
        return error.message
    return f"{reprlib.repr(error.instance)} does not satisfy {error.validator!r}"


def row_problems(rows: list) -> list[Problem]:
    """Return what the schema cannot say about the rows: control characters, codes given twice ("rows[3].code")."""
    return _text_problems(rows) + _duplicate_codes(rows)


def _text_problems(rows: list) -> list[Problem]:
    """Return a problem for each text value of a row that holds a control character."""
    return [
        Problem(f"rows[{index}].{problem.field}", problem.template)
        for index, row in enumerate(rows)
        if isinstance(row, dict)
        for problem in metadata.text_problems(row)
    ]


def _duplicate_codes(rows: list) -> list[Problem]:
    """Return a problem for each row whose code an earlier row already has."""
    problems, seen = [], set()
    for index, row in enumerate(rows):
        code = row.get("code") if isinstance(row, dict) else None
        # A code that cannot be printed is refused as such already.
        if not isinstance(code, str) or metadata.FORBIDDEN_CHARACTERS.search(code):
            continue
        if code in seen:
            problems.append(Problem(f"rows[{index}].code", N_("Duplicate code %(code)s."), {"code": code}))
        seen.add(code)
    return problems


def checked_labels(code: str, title: str, legal_basis: str) -> dict[str, str]:
    """Return a table's code, title and legal basis normalised, or raise InvalidMetadata naming each one too long or
    holding a character no text may."""
    return metadata.check_text(
        {"code": code, "title": title, "legal_basis": legal_basis},
        {name: metadata.column_length(RetentionSchedule, name) for name in ("code", "title", "legal_basis")},
    )


def import_schedule(
    session: Session,
    actor: Actor | None,
    payload: object,
    *,
    code: str,
    title: str,
    legal_basis: str,
    superseded: bool,
    now: datetime,
    organisation_id: int | None = None,
) -> RetentionSchedule:
    """Import a whole table or nothing: every row is validated before any is written."""
    rows = checked_rows(payload)
    labels = checked_labels(code, title, legal_basis)
    if session.scalar(select(RetentionSchedule.id).where(RetentionSchedule.code == labels["code"])):
        raise RuleViolation(N_("A retention schedule with code %(code)s already exists."), code=labels["code"])
    schedule = RetentionSchedule(organisation_id=organisation_id, superseded=superseded, imported_at=now, **labels)
    session.add(schedule)
    session.flush()
    session.add_all(
        RetentionRow(
            schedule_id=schedule.id,
            code=row["code"],
            group_title=row.get("group", ""),
            title=row["title_vi"],
            permanent=row["permanent"],
            # JSON Schema counts 5.0 as an integer; the clock adds whole years.
            period_years=None if row["period_years"] is None else int(row["period_years"]),
            condition=row.get("note", "") if row["period_years"] is None else "",
            source=row.get("source", ""),
        )
        for row in rows
    )
    session.flush()
    audit.record(
        session,
        actor,
        "retention_schedule.imported",
        "retention_schedule",
        schedule.id,
        now=now,
        code=labels["code"],
        rows=len(rows),
        superseded=superseded,
    )
    return schedule


def import_superseded_2011(session: Session, actor: Actor | None, *, now: datetime) -> RetentionSchedule:
    """Import the shipped 2011 common-records table, labelled superseded (demo and tests only)."""
    return import_schedule(
        session,
        actor,
        read_table(SUPERSEDED_2011.read_bytes()),
        code="TT09-2011",
        now=now,
        superseded=True,
        title="Bảng thời hạn bảo quản tài liệu phổ biến (TT 09/2011/TT-BNV)",
        legal_basis="Thông tư 09/2011/TT-BNV, thay thế bởi Thông tư 10/2022/TT-BNV",
    )


def period_of(row: RetentionRow) -> Period:
    """Return the period a retention row prescribes."""
    return Period(row.permanent, row.period_years, row.condition)


def schedules_used_by(session: Session, list_ids: list[int]) -> list[RetentionSchedule]:
    """Return the retention schedules the entries of these dossier lists follow, with their rows (two queries)."""
    used = (
        select(RetentionRow.schedule_id)
        .join(DossierListEntry, DossierListEntry.retention_row_id == RetentionRow.id)
        .where(DossierListEntry.dossier_list_id.in_(list_ids))
    )
    query = (
        select(RetentionSchedule)
        .where(RetentionSchedule.id.in_(used))
        .options(selectinload(RetentionSchedule.rows))
        .order_by(RetentionSchedule.id)
    )
    return list(session.scalars(query))


def active_tables(session: Session, organisation_id: int) -> list[RetentionSchedule]:
    """Return the table the organisation chooses periods from, with its rows: its own current table, or the current
    common tables when it has none of its own."""
    current = (
        select(RetentionSchedule)
        .where(RetentionSchedule.superseded.is_(False))
        .options(selectinload(RetentionSchedule.rows))
        .order_by(RetentionSchedule.imported_at.desc(), RetentionSchedule.id.desc())
    )
    own = session.scalars(current.where(RetentionSchedule.organisation_id == organisation_id).limit(1)).all()
    return list(own) or list(session.scalars(current.where(RetentionSchedule.organisation_id.is_(None))))
