"""Retention schedules ("Bảng thời hạn bảo quản"): importing a table and reading a row's period.

Tables are data (standards.md, decision 6): each organisation loads its own, built from
TT 10/2022/TT-BNV. The 2011 table shipped in retention/data/ is superseded and is always
labelled so; it exists for demonstrations and tests.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit
from erms.errors import N_, InvalidMetadata, Problem, RuleViolation
from erms.metadata import registry
from erms.models import RetentionRow, RetentionSchedule
from erms.permissions import Actor
from retention.clock import Period

SUPERSEDED_2011 = Path(__file__).resolve().parent / "data" / "retention-table-tt09-2011.json"


def rows_problems(rows: object) -> list[Problem]:
    """Return every problem of a retention table payload, each naming its row ("rows[12].code")."""
    schema = registry().contents("urn:erms:schema:retention-table-v1")
    validator = Draft202012Validator(schema, registry=registry())
    problems = [Problem("rows" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                                         for part in error.absolute_path), error.message)
                for error in validator.iter_errors(rows)]
    if not problems:
        seen = set()
        for index, row in enumerate(rows):
            if row["code"] in seen:
                problems.append(Problem(f"rows[{index}].code", N_("Duplicate code %(code)s."), {"code": row["code"]}))
            seen.add(row["code"])
    return problems


def import_schedule(session: Session, actor: Actor | None, rows: list[dict], *, code: str, title: str,
                    legal_basis: str, superseded: bool, now: datetime,
                    organisation_id: int | None = None) -> RetentionSchedule:
    """Import a whole table or nothing: every row is validated before any is written."""
    problems = rows_problems(rows)
    if problems:
        raise InvalidMetadata(problems)
    if session.scalar(select(RetentionSchedule.id).where(RetentionSchedule.code == code)):
        raise RuleViolation(N_("A retention schedule with code %(code)s already exists."), code=code)
    schedule = RetentionSchedule(organisation_id=organisation_id, code=code, title=title, legal_basis=legal_basis,
                                 superseded=superseded, imported_at=now)
    session.add(schedule)
    session.flush()
    session.add_all(
        RetentionRow(schedule_id=schedule.id, code=row["code"], group_title=row.get("group", ""),
                     title=row["title_vi"], permanent=row["permanent"], period_years=row["period_years"],
                     condition=row.get("note", "") if row["period_years"] is None else "",
                     source=row.get("source", ""))
        for row in rows
    )
    session.flush()
    audit.record(session, actor, "retention_schedule.imported", "retention_schedule", schedule.id, now=now,
                 code=code, rows=len(rows), superseded=superseded)
    return schedule


def import_superseded_2011(session: Session, actor: Actor | None, *, now: datetime) -> RetentionSchedule:
    """Import the shipped 2011 common-records table, labelled superseded (demo and tests only)."""
    rows = json.loads(SUPERSEDED_2011.read_text(encoding="utf-8"))
    return import_schedule(
        session, actor, rows, code="TT09-2011", now=now, superseded=True,
        title="Bảng thời hạn bảo quản tài liệu phổ biến (TT 09/2011/TT-BNV)",
        legal_basis="Thông tư 09/2011/TT-BNV, thay thế bởi Thông tư 10/2022/TT-BNV",
    )


def period_of(row: RetentionRow) -> Period:
    """Return the period a retention row prescribes."""
    return Period(row.permanent, row.period_years, row.condition)
