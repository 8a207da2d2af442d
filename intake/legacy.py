"""Legacy import (nhập hồ sơ, tài liệu tồn đọng): a folder of past years' scans with a CSV or XLSX of their metadata.

One row of the mapping file is one file (a document's content) with its document's metadata and the dossier it
belongs to; rows with the same year and dossier notation (số và ký hiệu hồ sơ) form one dossier. Everything is
checked before anything is written — every row against ``schemas/legacy-import-v1.json``, every file in the folder,
every unit, retention period and dossier against the organisation — and every problem is reported with its line and
column, so the archivist fixes the file in one go. Columns headed by the organisation's supplementary fields carry
their values (:mod:`intake.legacy_columns`). A plan that passes is what :mod:`intake.past` then makes,
dossier by dossier; the same mapping file run again takes up its unfinished run and skips what was made.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import spreadsheet
from erms import metadata, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, Problem, RuleViolation
from erms.models import Organisation, RecordKind, Unit
from erms.permissions import Actor
from filing import scans
from intake import past, runs
from intake.legacy_columns import Columns
from intake.past import PastDocument, PastDossier, PastFile
from intake.runs import Plan

KIND = "legacy"
HEADERS = spreadsheet.headers_of("legacy-import")
STATES = {
    "closed": False,
    "kết thúc": False,
    "đã kết thúc": False,
    "archived": True,
    "lưu trữ": True,
    "lưu trữ cơ quan": True,
    "đã lưu trữ": True,
    "đã nộp lưu": True,
}
DIRECTIONS = {
    "incoming": "incoming",
    "đến": "incoming",
    "văn bản đến": "incoming",
    "outgoing": "outgoing",
    "đi": "outgoing",
    "văn bản đi": "outgoing",
    "internal": "internal",
    "nội bộ": "internal",
}
# The columns that describe the dossier, not the document: every row of one dossier must give the same.
DOSSIER_COLUMNS = ("dossier_title", "unit", "retention", "state", "start_date", "end_date", "rights")
# The document's columns taken as they are: those the mapping file shares with the document's schema (its direction
# is read from words, below).
DOCUMENT_COLUMNS = tuple(
    key
    for key in metadata.field_titles("legacy-import")
    if key in metadata.field_titles("document") and key != "direction"
)

NO_FILE = N_("There is no file %(file)s in the folder.")
OUTSIDE = N_("The file must be inside the folder: write its path from there, with / between folders.")
NOT_PLAIN = N_("%(file)s is a link or not a plain file; only files are imported.")
EMPTY_FILE = N_("The file %(file)s is empty.")
TOO_LARGE = N_("The file %(file)s is larger than the limit of %(limit)s MB.")
FILE_TWICE = N_("The file %(file)s is already on line %(line)s.")
UNKNOWN_UNIT = N_("No unit has the code %(code)s.")
UNKNOWN_STATE = N_('Write "Kết thúc" (closed, with its unit) or "Lưu trữ cơ quan" (in the agency archive).')
UNKNOWN_DIRECTION = N_('Write "Đến", "Đi" or "Nội bộ".')
FUTURE_YEAR = N_("The year %(year)s has not come yet: only past records are imported.")
DIFFERS = N_("Line %(line)s gives dossier %(notation)s another value here; every row of a dossier gives the same.")
NO_ROWS = N_("The mapping file has no rows under its header line.")
NOT_A_FOLDER = N_("The folder %(folder)s does not exist.")


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    cells: dict[str, str] = field(default_factory=dict)  # the cells of the organisation's supplementary fields
    extra: dict[RecordKind, dict[str, str]] = field(default_factory=dict)  # their checked values, by kind
    file: PastFile | None = None
    document: dict | None = None
    ok: bool = False  # the row passed its own checks


def plan(
    session: Session,
    actor: Actor,
    organisation_id: int,
    folder: Path,
    mapping_name: str,
    mapping: bytes,
    *,
    now: datetime,
    max_size: int,
    accept_scans: bool = False,
) -> Plan:
    """Check the mapping file and the folder; return the plan, or raise InvalidMetadata listing every problem
    ("line:field"), or RuleViolation when the file was imported already. ``accept_scans``: the archivist accepts
    scans that miss TT 02/2019's rules, which are then kept as warnings in the plan's notes and the run's report."""
    permissions.require(actor, "records.import", organisation_id)
    if not folder.is_dir():
        raise RuleViolation(NOT_A_FOLDER, folder=str(folder))
    digest = hashlib.sha256(mapping).hexdigest()
    earlier = runs.earlier(session, organisation_id, KIND, digest)
    columns = Columns(session, organisation_id, HEADERS)
    rows = [_Row(line, *columns.split(values)) for line, values in columns.read(mapping_name, mapping).items()]
    if not rows:
        raise InvalidMetadata([Problem("file", NO_ROWS)])
    checker = _Checker(session, organisation_id, folder, max_size, now, accept_scans, columns)
    problems = [problem for row in rows for problem in checker.row(row)]
    dossiers, grouped = checker.dossiers(rows, earlier.done)
    problems += grouped
    if problems:
        # A cell with a problem of its own is not also said to disagree with the other rows.
        own = {problem.field for problem in problems if problem.template != DIFFERS}
        kept = [problem for problem in problems if problem.template != DIFFERS or problem.field not in own]
        raise InvalidMetadata(sorted(kept, key=lambda problem: int(problem.field.partition(":")[0] or 0)))
    return Plan(
        organisation_id=organisation_id,
        kind=KIND,
        source=f"{folder} — {mapping_name}"[:500],
        digest=digest,
        dossiers=tuple(dossiers),
        run_id=earlier.run_id,
        done=earlier.done,
        size=sum(checker.sizes.values()),
        notes=tuple(checker.warnings),
    )


def at_line(at: int, field: str, template: str, **params) -> Problem:
    """Return a problem of line ``at``'s column ``field`` (as the form and the CLI show them)."""
    return Problem(f"{at}:{field}", template, params)


class _Checker:
    """Checks rows against the schema, the folder and the organisation, remembering what dossiers need."""

    def __init__(
        self,
        session: Session,
        organisation_id: int,
        folder: Path,
        max_size: int,
        now: datetime,
        accept_scans: bool,
        columns: Columns,
    ) -> None:
        self.session, self.organisation_id, self.folder, self.max_size = session, organisation_id, folder, max_size
        self.accept_scans, self.warnings, self.columns = accept_scans, list[str](), columns
        self.root = folder.resolve()
        self.this_year = now.astimezone(LOCAL_TZ).year
        self.units = {
            unit.code: unit.id for unit in session.scalars(select(Unit).where(Unit.organisation_id == organisation_id))
        }
        self.sizes: dict[Path, int] = {}
        self.lines: dict[Path, int] = {}

    def row(self, row: _Row) -> list[Problem]:
        """Check one row alone: its cells, its file and its document's metadata."""
        row.values = metadata.normalise(row.values)
        row.extra, wrong = self.columns.check(row.cells)
        extra = [at_line(row.line, p.field, p.template, **p.params) for p in wrong]
        found = [
            at_line(row.line, p.field, p.template, **p.params) for p in metadata.validate("legacy-import", row.values)
        ]
        if found:
            return found + extra
        found += self._file(row)
        found += self._codes(row)
        found += self._document(row)
        found += extra
        row.ok = not found
        return found

    def _file(self, row: _Row) -> list[Problem]:
        name = row.values["file"].replace("\\", "/")
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            return [at_line(row.line, "file", OUTSIDE)]
        path = self.folder.joinpath(*relative.parts)
        if not path.exists() and not path.is_symlink():
            return [at_line(row.line, "file", NO_FILE, file=name)]
        resolved = path.resolve()
        if path.is_symlink() or not path.is_file() or not resolved.is_relative_to(self.root):
            return [at_line(row.line, "file", NOT_PLAIN, file=name)]
        if resolved in self.lines:
            return [at_line(row.line, "file", FILE_TWICE, file=name, line=self.lines[resolved])]
        size = path.stat().st_size
        if size == 0:
            return [at_line(row.line, "file", EMPTY_FILE, file=name)]
        if size > self.max_size:
            return [at_line(row.line, "file", TOO_LARGE, file=name, limit=self.max_size // (1024 * 1024))]
        self.lines[resolved], self.sizes[resolved] = row.line, size
        row.file = PastFile(path, unicodedata.normalize("NFC", relative.name))
        return self._scan(row, path, name)

    def _scan(self, row: _Row, path: Path, name: str) -> list[Problem]:
        """Hold the file to TT 02/2019's rules for a scan (PDF 1.4 or later, colour, 200 dpi or more): refused, or
        kept as warnings once the archivist accepts them."""
        found = scans.inspect(path).problems
        if found and self.accept_scans:
            self.warnings += [f"line {row.line}, {name}: {problem.template % problem.params}" for problem in found]
            return []
        return [at_line(row.line, "file", problem.template, **problem.params) for problem in found]

    def _codes(self, row: _Row) -> list[Problem]:
        values, found = row.values, []
        if values["unit"] not in self.units:
            found.append(at_line(row.line, "unit", UNKNOWN_UNIT, code=values["unit"]))
        if values["state"].casefold() not in STATES:
            found.append(at_line(row.line, "state", UNKNOWN_STATE))
        if int(values["year"]) > self.this_year:
            found.append(at_line(row.line, "year", FUTURE_YEAR, year=values["year"]))
        if self.retention(values["retention"])[1] is None:
            found.append(at_line(row.line, "retention", spreadsheet.RETENTION_UNREADABLE))
        if values.get("direction", "internal").casefold() not in DIRECTIONS:
            found.append(at_line(row.line, "direction", UNKNOWN_DIRECTION))
        return found

    def retention(self, text: str) -> tuple[int | None, tuple[bool, int | None, str] | None]:
        return spreadsheet.period_of_text(self.session, text, self.organisation_id)

    def _document(self, row: _Row) -> list[Problem]:
        values = row.values
        given = {key: values[key] for key in DOCUMENT_COLUMNS if key in values}
        document = metadata.coerce(
            "document",
            {
                "language": "Tiếng Việt",
                **given,
                "direction": DIRECTIONS.get(values.get("direction", "internal").casefold(), "internal"),
                "status": "final",
                "urgency": "normal",
                "marking": "none",
            },
        )
        found = metadata.validate("document", document)
        row.document = document
        return [at_line(row.line, problem.field, problem.template, **problem.params) for problem in found]

    def dossiers(self, rows: list[_Row], done: frozenset[str]) -> tuple[list[PastDossier], list[Problem]]:
        """Group the rows into dossiers, check that each dossier's rows agree and that it can be made."""
        groups: dict[tuple[int, str], list[_Row]] = defaultdict(list)
        for row in rows:
            if "year" in row.values and "file_notation" in row.values:
                groups[(int(row.values["year"]), row.values["file_notation"])].append(row)
        made: list[PastDossier] = []
        found: list[Problem] = []
        for (year, notation), group in groups.items():
            found += _disagreements(group, self.columns.dossier_columns())
            key = f"{year}/{notation}"
            if key not in done:
                found += self._makeable(group[0], year, notation)
            dossier = self._dossier(group, year, notation, key)
            if isinstance(dossier, PastDossier):
                made.append(dossier)
            else:
                found += dossier
        return made, found

    def _makeable(self, first: _Row, year: int, notation: str) -> list[Problem]:
        organisation = self.session.get_one(Organisation, self.organisation_id)
        unit_id = self.units.get(first.values.get("unit", ""), 0)
        return [
            at_line(first.line, field, template, **params)
            for field, template, params in past.obstacles(self.session, organisation, year, notation, unit_id)
        ]

    def _dossier(self, group: list[_Row], year: int, notation: str, key: str) -> PastDossier | list[Problem]:
        first = group[0]
        values = first.values
        issued = [row.document["issued_date"] for row in group if row.document and "issued_date" in row.document]
        dossier = metadata.coerce(
            "dossier",
            {
                "title": values.get("dossier_title", ""),
                "rights": values.get("rights", "public"),
                "language": "Tiếng Việt",
                "start_date": values.get("start_date") or min(issued, default=""),
                "end_date": values.get("end_date", ""),
            },
        )
        found = [
            at_line(first.line, FROM_DOSSIER.get(problem.field, problem.field), problem.template, **problem.params)
            for problem in metadata.validate("dossier", dossier)
        ]
        if not found and "end_date" in dossier and dossier["end_date"] < dossier["start_date"]:
            found.append(at_line(first.line, "end_date", N_("The end date is before the start date.")))
        if found or not all(row.ok for row in group):
            return found
        row_id, period = self.retention(values["retention"])
        assert period is not None  # checked with the row
        return PastDossier(
            key=key,
            year=year,
            file_notation=notation,
            unit_id=self.units[values["unit"]],
            values=dossier,
            period=period,
            retention_row_id=row_id,
            archived=STATES[values["state"].casefold()],
            documents=tuple(
                PastDocument(row.document or {}, (row.file,), row.extra[RecordKind.DOCUMENT])
                for row in group
                if row.file
            ),
            supplementary=first.extra[RecordKind.DOSSIER],
        )


# The dossier schema's field -> the mapping file's column, to name the column a problem is in.
FROM_DOSSIER = {"title": "dossier_title"}


def _disagreements(group: list[_Row], headed: dict[str, str]) -> list[Problem]:
    """Return a problem for each row whose dossier columns differ from what most rows of its dossier say (one
    wrong cell is one problem, wherever in the dossier it is). ``headed``: the header of each dossier field's column
    by the field's name; those values are compared in their stored forms ("12,5" is "12.5")."""
    notation = group[0].values.get("file_notation", "")
    said = [
        (row, {**row.values, **{headed[name]: value for name, value in row.extra[RecordKind.DOSSIER].items()}})
        for row in group
    ]
    found = []
    for column in (*DOSSIER_COLUMNS, *headed.values()):
        counted = Counter(values.get(column, "") for _row, values in said)
        usual = counted.most_common(1)[0][0]
        first = next(row.line for row, values in said if values.get(column, "") == usual)
        found += [
            at_line(row.line, column, DIFFERS, line=first, notation=notation)
            for row, values in said
            if values.get(column, "") != usual
        ]
    return found


MAPPING_SUFFIXES = (".csv", ".xlsx")
NOT_OFFERED = N_("Choose one of the folders offered.")


def intake_folder(session: Session, actor: Actor, organisation_id: int, root: Path) -> Path | None:
    """Return the organisation's own folder of INTAKE_DIR ``root``, ``root/<its code>``, where the administrator
    copies its legacy folders: one deployment serves several organisations, and none may see or import another's
    scans. None when the code could name another folder (a path separator, only dots): then nothing is offered."""
    permissions.require(actor, "records.import", organisation_id)
    code = session.get_one(Organisation, organisation_id).code
    if not code.strip(".") or any(character in code for character in "/\\\0"):
        return None
    return root / code


def offered(folder: Path | None) -> list[str]:
    """Return the legacy folders waiting in an organisation's ``folder`` as "folder/mapping file" names: each
    subfolder with a CSV or XLSX file at its top, sorted; a link (to the folder or in it) is never followed."""
    if folder is None or folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(
        f"{sub.name}/{mapping.name}"
        for sub in folder.iterdir()
        if sub.is_dir() and not sub.is_symlink()
        for mapping in sub.iterdir()
        if mapping.suffix.lower() in MAPPING_SUFFIXES and mapping.is_file() and not mapping.is_symlink()
    )


def plan_offered(
    session: Session,
    actor: Actor,
    organisation_id: int,
    root: Path,
    name: str,
    *,
    now: datetime,
    max_size: int,
    accept_scans: bool = False,
) -> Plan:
    """Check the folder ``name`` offered in the organisation's own folder of INTAKE_DIR ``root`` with its mapping
    file (see :func:`plan`)."""
    folder, mapping = chosen(intake_folder(session, actor, organisation_id, root), name)
    return plan(
        session,
        actor,
        organisation_id,
        folder,
        mapping.name,
        mapping.read_bytes(),
        now=now,
        max_size=max_size,
        accept_scans=accept_scans,
    )


def chosen(folder: Path | None, name: str) -> tuple[Path, Path]:
    """Return the subfolder and mapping file of a ``name`` offered in the organisation's ``folder``; anything not
    offered there is refused."""
    if folder is None or name not in offered(folder):
        raise InvalidMetadata([Problem("source", NOT_OFFERED)])
    sub, _, mapping = name.partition("/")
    return folder / sub, folder / sub / mapping
