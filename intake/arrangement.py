"""Arrangement of a paper backlog (chỉnh lý tài liệu tồn đọng): the archive's inventory of the dossiers it formed out
of loose records of past years, made in bulk as paper dossiers of the agency archive and put in their boxes.

One row of the inventory (CSV or XLSX, ``schemas/arrangement-v1.json``) is one paper dossier: its year, notation,
title, unit, retention, dates, sheets and pages, and its box ("Hộp số") with its number in the box. Every row is
checked before anything is written — against the schema, the organisation's units and retention periods, the
dossiers that exist, the boxes of the fonds and the other rows — and every problem is reported with its line and
column. A box the fonds does not have yet is added to the repository the archivist chose, on the shelf the row
gives. The plan is then made by :mod:`intake.past` like any other intake, one dossier per transaction, so the same
inventory run again takes up what was left.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import spreadsheet
from erms import metadata, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import (
    Dossier,
    DossierPlacement,
    IntakeDossier,
    IntakeRun,
    Organisation,
    StorageBox,
    Unit,
)
from erms.permissions import Actor
from exports.pdf import catalogue_pdf
from holdings import storage
from intake import legacy, past, runs
from intake.legacy import at_line
from intake.past import PastDossier, Shelving
from intake.runs import Plan

KIND = "inventory"
HEADERS = spreadsheet.headers_of("arrangement")
# An inventory is text: a few thousand rows fit in far less.
MAX_BYTES = 2 * 1024 * 1024

TOO_BIG = N_("The inventory is larger than 2 MB: split it into several files.")
NO_ROWS = N_("The inventory has no rows under its header line.")
NO_REPOSITORY = N_("Choose the repository where new boxes stand.")
FUTURE_YEAR = N_("The year %(year)s has not come yet: only past records are arranged.")
TWICE = N_("Dossier %(notation)s of %(year)s is already on line %(line)s.")
PLACE_TWICE = N_("Box %(box)s, file no. %(number)s is already given on line %(line)s.")
PLACE_TAKEN = N_("File no. %(number)s of box no. %(box)s is already dossier %(code)s.")
NEW_BOX_SHELF = N_("Box %(box)s is not in the fonds yet: give the shelf unit (giá) it stands on.")


@dataclass
class _Row:
    line: int
    values: dict[str, str]


def plan(
    session: Session,
    actor: Actor,
    organisation_id: int,
    repository_id: int | None,
    name: str,
    data: bytes,
    *,
    now: datetime,
) -> Plan:
    """Check the inventory ``data`` (a CSV or XLSX named ``name``); return the plan, or raise InvalidMetadata
    listing every problem ("line:column"), or RuleViolation when this inventory was made already."""
    permissions.require(actor, "records.import", organisation_id)
    storage.require_manager(actor, organisation_id)
    if len(data) > MAX_BYTES:
        raise InvalidMetadata([Problem("file", TOO_BIG)])
    repository = _repository(session, organisation_id, repository_id)
    digest = hashlib.sha256(data).hexdigest()
    earlier = runs.earlier(session, organisation_id, KIND, digest)
    read = spreadsheet.read_rows(name, io.BytesIO(data), HEADERS)
    if not read:
        raise InvalidMetadata([Problem("file", NO_ROWS)])
    checker = _Checker(session, organisation_id, now, earlier.done)
    made = [checker.row(_Row(line, values), repository) for line, values in read.items()]
    problems = checker.problems + checker.places(made)
    if problems:
        raise InvalidMetadata(sorted(problems, key=lambda problem: int(problem.field.partition(":")[0] or 0)))
    return Plan(
        organisation_id=organisation_id,
        kind=KIND,
        source=name[:500],
        digest=digest,
        dossiers=tuple(dossier for dossier in made if dossier is not None),
        run_id=earlier.run_id,
        done=earlier.done,
    )


def _repository(session: Session, organisation_id: int, repository_id: int | None) -> int:
    """Return the chosen repository, one of the organisation's own: its new boxes join that organisation's fonds.

    Another organisation's, even one the same person also manages, is refused as an id that names no repository:
    on the form's field, before anything is queued (the worker's boxes would refuse it one dossier at a time).
    """
    if repository_id is None:
        raise InvalidMetadata([Problem("repository_id", NO_REPOSITORY)])
    repository = storage.own_repository(session, organisation_id, repository_id)
    if repository is None:
        raise InvalidMetadata([Problem("repository_id", storage.NOT_OURS)])
    return repository.id


NUMBERS = ("year", "sheets", "pages", "box", "file_number")
BOX_NUMBERS = ("box", "file_number")
NOT_A_NUMBER = N_("Write a whole number, in figures.")


def _said(line: int, problem: Problem) -> Problem:
    """Place a schema problem on its line, a number column's pattern failure said as what it is (the schema's
    pattern message says "required")."""
    if problem.field in NUMBERS and problem.template == metadata.MESSAGES["pattern"]:
        return at_line(line, problem.field, NOT_A_NUMBER)
    return at_line(line, problem.field, problem.template, **problem.params)


def _box_numbers(row: _Row) -> list[Problem]:
    """Return a problem for a box or file number no box can have: the schema's pattern lets "0" through, which the
    worker's boxes would refuse one dossier at a time, after the check said every row is right."""
    return [
        at_line(row.line, field, storage.NUMBER, limit=storage.LARGEST_NUMBER)
        for field in BOX_NUMBERS
        if row.values.get(field) and not 1 <= int(row.values[field]) <= storage.LARGEST_NUMBER
    ]


class _Checker:
    """Checks rows one by one, remembering what the rows together must not repeat."""

    def __init__(self, session: Session, organisation_id: int, now: datetime, done: frozenset[str]) -> None:
        self.session, self.organisation_id, self.done = session, organisation_id, done
        self.organisation = session.get_one(Organisation, organisation_id)
        self.this_year = now.astimezone(LOCAL_TZ).year
        self.units = {
            unit.code: unit.id for unit in session.scalars(select(Unit).where(Unit.organisation_id == organisation_id))
        }
        self.boxes = {
            box.number: box
            for box in session.scalars(select(StorageBox).where(StorageBox.organisation_id == organisation_id))
        }
        self.keys: dict[str, int] = {}
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []

    def row(self, row: _Row, repository_id: int) -> PastDossier | None:
        """Check one row; return its dossier, or None with its problems kept."""
        values = row.values = metadata.normalise(row.values)
        found = [_said(row.line, problem) for problem in metadata.validate("arrangement", values)]
        if found:
            self.problems += found
            return None
        year, notation = int(values["year"]), values["file_notation"]
        key = f"{year}/{notation}"
        self.lines.setdefault(key, row.line)
        found += self._codes(row, year) + _box_numbers(row)
        if key in self.keys:
            found.append(at_line(row.line, "file_notation", TWICE, notation=notation, year=year, line=self.keys[key]))
        elif key not in self.done:
            unit_id = self.units.get(values["unit"], 0)
            found += [
                at_line(row.line, field, template, **params)
                for field, template, params in past.obstacles(self.session, self.organisation, year, notation, unit_id)
            ]
        self.keys.setdefault(key, row.line)
        box = int(values["box"])
        if box not in self.boxes and not values.get("shelf_unit"):
            found.append(at_line(row.line, "shelf_unit", NEW_BOX_SHELF, box=box))
        described = self._described(row)
        if isinstance(described, list):
            found += described
        self.problems += found
        if found or isinstance(described, list):
            return None
        row_id, period = spreadsheet.period_of_text(self.session, values["retention"], self.organisation_id)
        assert period is not None  # checked in _codes
        number = values.get("file_number")
        return PastDossier(
            key=key,
            year=year,
            file_notation=notation,
            unit_id=self.units[values["unit"]],
            values=described,
            period=period,
            retention_row_id=row_id,
            archived=True,
            documents=(),
            shelving=Shelving(
                repository_id,
                box,
                values.get("shelf_unit", ""),
                values.get("shelf", ""),
                int(number) if number else None,
            ),
        )

    def _codes(self, row: _Row, year: int) -> list[Problem]:
        values, found = row.values, []
        if values["unit"] not in self.units:
            found.append(at_line(row.line, "unit", legacy.UNKNOWN_UNIT, code=values["unit"]))
        if year > self.this_year:
            found.append(at_line(row.line, "year", FUTURE_YEAR, year=year))
        if spreadsheet.period_of_text(self.session, values["retention"], self.organisation_id)[1] is None:
            found.append(at_line(row.line, "retention", spreadsheet.RETENTION_UNREADABLE))
        return found

    def _described(self, row: _Row) -> dict | list[Problem]:
        """Return the dossier's checked metadata (schemas/dossier-v1.json), or its problems by column."""
        values = row.values
        given = {
            "title": values["dossier_title"],
            "rights": values.get("rights") or "public",
            "language": "Tiếng Việt",
            "start_date": values["start_date"],
            "end_date": values.get("end_date", ""),
            "medium": "paper",
            "sheet_total": values["sheets"],
            "page_total": values.get("pages", ""),
            "description": values.get("description", ""),
        }
        dossier = metadata.coerce("dossier", {key: value for key, value in given.items() if value != ""})
        found = [
            at_line(row.line, COLUMNS.get(problem.field, problem.field), problem.template, **problem.params)
            for problem in metadata.validate("dossier", dossier)
        ]
        if not found and "end_date" in dossier and dossier["end_date"] < dossier["start_date"]:
            found.append(at_line(row.line, "end_date", N_("The end date is before the start date.")))
        return found or dossier

    def places(self, made: list[PastDossier | None]) -> list[Problem]:
        """Return a problem for each box place two rows give, or a row gives that another dossier holds."""
        found: list[Problem] = []
        given: dict[tuple[int, int], int] = {}
        for dossier in made:
            if dossier is None or dossier.shelving is None or dossier.shelving.file_number is None:
                continue
            line = self.lines[dossier.key]
            place = (dossier.shelving.box, dossier.shelving.file_number)
            if place in given:
                twice = at_line(line, "file_number", PLACE_TWICE, box=place[0], number=place[1], line=given[place])
                found.append(twice)
            elif dossier.key not in self.done and (holder := self._holder(*place)) is not None:
                found.append(at_line(line, "file_number", PLACE_TAKEN, box=place[0], number=place[1], code=holder))
            given.setdefault(place, line)
        return found

    def _holder(self, box_number: int, file_number: int) -> str | None:
        box = self.boxes.get(box_number)
        if box is None:
            return None
        placement = self.session.scalar(
            select(DossierPlacement).where(
                DossierPlacement.box_id == box.id, DossierPlacement.file_number == file_number
            )
        )
        return None if placement is None else placement.dossier.file_code


# The dossier schema's field -> the inventory's column, to name the column a problem is in.
COLUMNS = {"title": "dossier_title", "sheet_total": "sheets", "page_total": "pages"}


def catalogue(session: Session, actor: Actor, run_id: int, *, now: datetime) -> catalogue_pdf.Catalogue:
    """Return the catalogue (mục lục hồ sơ) of the dossiers an arrangement made, box by box."""
    run = session.get(IntakeRun, run_id)
    if run is None or run.kind != KIND or run.organisation_id not in actor.organisation_ids():
        raise NotFound()
    permissions.require(actor, "records.import", run.organisation_id)
    organisation = session.get_one(Organisation, run.organisation_id)
    placed = session.execute(
        select(Dossier, DossierPlacement.file_number, StorageBox.number)
        .join(IntakeDossier, IntakeDossier.dossier_id == Dossier.id)
        .join(DossierPlacement, DossierPlacement.dossier_id == Dossier.id)
        .join(StorageBox, StorageBox.id == DossierPlacement.box_id)
        .where(IntakeDossier.run_id == run.id)
        .order_by(StorageBox.number, DossierPlacement.file_number)
    )
    rows = tuple(
        catalogue_pdf.CatalogueRow(
            box=box,
            file_number=number,
            notation=dossier.file_notation,
            title=dossier.title,
            dates=_dates(dossier),
            retention="Vĩnh viễn" if dossier.retention_permanent else f"{dossier.retention_years} năm",
            sheets=dossier.sheet_total,
            note=dossier.description,
        )
        for dossier, number, box in placed
    )
    heading = f"Chỉnh lý: {run.source}"
    return catalogue_pdf.Catalogue(organisation.parent_name, organisation.name, heading, rows, now)


def _dates(dossier: Dossier) -> str:
    start = f"{dossier.start_date:%d/%m/%Y}"
    return start if dossier.end_date in (None, dossier.start_date) else f"{start} - {dossier.end_date:%d/%m/%Y}"
