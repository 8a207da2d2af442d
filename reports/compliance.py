"""Filing compliance ("tình hình lập hồ sơ") of one year, per unit and per person (PL6 II.3, III.4.đ).

Three sources are counted, each by one GROUP BY query over (unit, person) with a conditional sum per figure:

- the entries of the year's approved dossier list ("danh mục hồ sơ"), by the unit and person they are assigned to:
  how many, and how many have no dossier yet;
- the dossiers of that year ("hồ sơ", ``Dossier.year``), by their unit and the account that opened them: opened,
  closed ("kết thúc"), submitted ("nộp lưu"), accepted into the agency archive ("tiếp nhận"), open past their
  expected end, closed and past their hand-over deadline (``reports.rules``);
- the documents registered that year ("văn bản đăng ký"), by the unit and person they were sent to: how many, and
  how many no dossier holds.

The units table sums each unit's groups, the total sums the units: a few dozen groups, never the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from erms.errors import N_
from erms.models import DossierDocument, DossierList, DossierListEntry, RegisterEntry, Unit, User
from erms.models.dossier import Dossier, DossierState
from erms.models.dossier_list import DossierListState
from reports import rules
from reports.charts import Chart
from reports.figures import TEXT, Cell, Column, Report, Table, add, counts
from reports.scope import NONE, Scope

NAME = "compliance"


@dataclass(frozen=True)
class Period:
    year: int
    today: date


@dataclass(frozen=True)
class Source:
    """Records of one kind, the columns naming their unit and person, and the figures counted over them."""

    kind: str  # "entry", "dossier", "register": how a drill-down lists them
    unit: InstrumentedAttribute
    person: InstrumentedAttribute
    base: Callable[[Scope, Period], Select]
    figures: dict[str, Callable[[Period], ColumnElement[bool]]]


def _entries(scope: Scope, period: Period) -> Select:
    # Only an approved list is a plan people are held to (NĐ 30 Điều 28): a draft's entries are not counted.
    return (
        select(DossierListEntry)
        .join(DossierList, DossierList.id == DossierListEntry.dossier_list_id)
        .outerjoin(Dossier, Dossier.entry_id == DossierListEntry.id)
        .where(
            DossierList.organisation_id == scope.organisation.id,
            DossierList.year == period.year,
            DossierList.state == DossierListState.APPROVED,
            *scope.narrow(DossierListEntry.unit_id),
        )
    )


def _dossiers(scope: Scope, period: Period) -> Select:
    return select(Dossier).where(
        Dossier.organisation_id == scope.organisation.id, Dossier.year == period.year, *scope.narrow(Dossier.unit_id)
    )


def _registered(scope: Scope, period: Period) -> Select:
    return select(RegisterEntry).where(
        RegisterEntry.organisation_id == scope.organisation.id,
        RegisterEntry.year == period.year,
        *scope.narrow(RegisterEntry.assigned_unit_id),
    )


def _unfiled() -> ColumnElement[bool]:
    return ~select(DossierDocument.id).where(DossierDocument.document_id == RegisterEntry.document_id).exists()


SOURCES = (
    Source(
        "entry",
        DossierListEntry.unit_id,
        DossierListEntry.responsible_user_id,
        _entries,
        {"entries": lambda period: true(), "unfiled_entries": lambda period: Dossier.id.is_(None)},
    ),
    Source(
        "dossier",
        Dossier.unit_id,
        Dossier.creator_id,
        _dossiers,
        {
            "opened": lambda period: true(),
            "closed": lambda period: Dossier.state != DossierState.OPEN,
            # A returned dossier is closed again; one accepted stays counted once destroyed or transferred.
            "submitted": lambda period: or_(Dossier.state == DossierState.SUBMITTED, Dossier.archived_at.is_not(None)),
            "accepted": lambda period: Dossier.archived_at.is_not(None),
            "open_late": lambda period: rules.open_past_end(period.today),
            "handover_overdue": lambda period: rules.handover_overdue(period.today),
        },
    ),
    Source(
        "register",
        RegisterEntry.assigned_unit_id,
        RegisterEntry.assigned_user_id,
        _registered,
        {"registered": lambda period: true(), "unfiled_documents": lambda period: _unfiled()},
    ),
)
FIGURES = {figure: source for source in SOURCES for figure in source.figures}
COLUMNS = (
    Column("entries", N_("List entries")),
    Column("unfiled_entries", N_("Entries with no dossier")),
    Column("opened", N_("Dossiers opened")),
    Column("closed", N_("Closed")),
    Column("submitted", N_("Submitted to the archive")),
    Column("accepted", N_("Accepted by the archive")),
    Column("open_late", N_("Open past their expected end")),
    Column("handover_overdue", N_("Past the hand-over deadline")),
    Column("registered", N_("Registered documents sent")),
    Column("unfiled_documents", N_("Registered documents never filed")),
)
CHARTS = (
    Chart("bar", "units", "code", ("entries", "opened", "closed", "accepted"), N_("The year's dossiers per unit")),
)
NOTE = N_(
    "Entries are those of the year's approved dossier list, counted for the unit and person they are assigned to; "
    "dossiers are those of the year, counted for their unit and the account that opened them; registered documents "
    "are those registered in the year, counted for the unit and person they were sent to. A dossier past its "
    "hand-over deadline is closed, kept 5 years or more, and not submitted by 31 December of the year after its work "
    "ended (three months after settlement for a construction; later when the head let its unit keep it)."
)


def query(source: Source, scope: Scope, period: Period) -> Select:
    """Return the one GROUP BY query of a source: per (unit, person), the sum of each of its figures."""
    sums = [
        func.sum(case((condition(period), 1), else_=0)).label(figure) for figure, condition in source.figures.items()
    ]
    grouped = source.base(scope, period).with_only_columns(source.unit.label("unit"), source.person.label("person"))
    return grouped.add_columns(*sums).group_by(source.unit, source.person)


def report(session: Session, scope: Scope, year: int, today: date) -> Report:
    """Return the compliance report of ``year``: per unit, per person, and the organisation's (or unit's) total."""
    period = Period(year, today)
    groups: dict[tuple[int | None, int | None], dict[str, int]] = {}
    for source in SOURCES:
        for row in session.execute(query(source, scope, period)).mappings():
            groups.setdefault((row["unit"], row["person"]), {}).update(row)
    figures = [column.key for column in COLUMNS]
    year_filter = (("year", str(year)),)
    units = _units_table(session, scope, groups, figures, year_filter)
    people = _people_table(session, scope, groups, figures, year_filter)
    filters = {"year": str(year), **dict(scope.filters())}
    return Report(NAME, N_("Filing compliance"), (units, people), filters, scope.about())


def _units_table(session, scope: Scope, groups: dict, figures: list[str], year_filter) -> Table:
    rows = []
    for unit in _units(session, scope, groups):
        found = add((values for (unit_id, _), values in groups.items() if unit_id == unit.id), figures)
        rows.append(
            (Cell(unit.code), Cell(unit.name), *counts(figures, found, NAME, (*year_filter, ("unit", str(unit.id)))))
        )
    if scope.whole:
        # Registered documents sent to no unit (the outgoing ones, incoming ones not yet sent): a line of their own.
        found = add((values for (unit_id, _), values in groups.items() if unit_id is None), figures)
        if any(found.values()):
            filters = (*year_filter, ("unit", NONE))
            rows.append((Cell(""), Cell(N_("Sent to no unit"), label=True), *counts(figures, found, NAME, filters)))
    total = add(groups.values(), figures)
    total_cells = (
        Cell(""),
        Cell(N_("Total"), label=True),
        *counts(figures, total, NAME, (*year_filter, *scope.filters())),
    )
    columns = (Column("code", N_("Code"), TEXT), Column("unit", N_("Unit"), TEXT), *COLUMNS)
    return Table("units", N_("Per unit"), columns, tuple(rows), total_cells, NOTE)


def _units(session: Session, scope: Scope, groups: dict) -> list[Unit]:
    """Return the units of the scope that are open or have a figure (a closed unit's past is still reported)."""
    counted = {unit_id for unit_id, _ in groups}
    query_units = select(Unit).where(Unit.organisation_id == scope.organisation.id, *scope.narrow(Unit.id))
    return [unit for unit in session.scalars(query_units.order_by(Unit.code)) if unit.active or unit.id in counted]


def _people_table(session, scope: Scope, groups: dict, figures: list[str], year_filter) -> Table:
    units = {
        unit.id: unit for unit in session.scalars(select(Unit).where(Unit.organisation_id == scope.organisation.id))
    }
    people_ids = {person for _, person in groups if person is not None}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(sorted(people_ids)))).all())
    rows = []
    keys = [key for key in groups if key[0] is not None]
    for unit_id, person in sorted(
        keys, key=lambda key: (units[key[0]].code, key[1] is None, names.get(key[1], ""), key[1] or 0)
    ):
        name = Cell(names[person]) if person is not None else Cell(N_("Nobody named"), label=True)
        filters = (*year_filter, ("unit", str(unit_id)), ("person", str(person) if person is not None else NONE))
        rows.append((Cell(units[unit_id].name), name, *counts(figures, groups[(unit_id, person)], NAME, filters)))
    columns = (Column("unit", N_("Unit"), TEXT), Column("person", N_("Person"), TEXT), *COLUMNS)
    note = N_("Each account's dossiers, in each unit it opened them for (PL6 III.4.đ).")
    return Table("people", N_("Per person"), columns, tuple(rows), None, note)


def drill_query(figure: str, scope: Scope, year: int, today: date, unit: str, person: str) -> tuple[str, Select]:
    """Return the kind and the query of the records ``figure`` counts (the same base and condition as the count)."""
    source = FIGURES[figure]
    period = Period(year, today)
    query_records = source.base(scope, period).where(source.figures[figure](period))
    query_records = query_records.where(*_key(source.unit, unit), *_key(source.person, person))
    return source.kind, query_records


def _key(column, value: str) -> list[ColumnElement[bool]]:
    """Return the condition of a drill-down's unit or person filter: an id, "none", or nothing."""
    if value == "":
        return []
    if value == NONE:
        return [column.is_(None)]
    return [and_(column.is_not(None), column == int(value))]
