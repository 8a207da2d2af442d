"""The holdings ("tài liệu lưu trữ"): what the organisation keeps, what falls due, what left it (PL6 II.3, III.6.a).

In custody are the closed dossiers not yet gone: kept by their unit (closed), waiting at the agency archive
(submitted) or in it (archived). Their extent, which each dossier keeps from its closing, is added up once per
(unit, year, state, retention period) in one query over the dossiers; the per-unit and the per-year tables add
those groups up. What falls due is counted by the rules the due list and the hand-over page use
(``retention.appraisal.due_query``, ``reports.rules.due_at_historical_archive``); what left, per destruction decision
("quyết định hủy") and per receipt of the historical archive ("biên bản giao nhận"), in ``reports.disposal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from erms.errors import N_
from erms.models.dossier import Dossier, DossierState
from reports import disposal, paper, rules
from reports.charts import Chart
from reports.figures import BYTES, TEXT, Cell, Column, Drill, Report, Table, add, counts
from reports.scope import Scope, units_of
from retention import appraisal, clock

NAME = "holdings"
CUSTODY = (DossierState.CLOSED, DossierState.SUBMITTED, DossierState.ARCHIVED)
STATE_WORDS = {  # the msgids of erms.web.common.STATE_LABELS
    DossierState.CLOSED: N_("Closed"),
    DossierState.SUBMITTED: N_("Submitted, awaiting acceptance"),
    DossierState.ARCHIVED: N_("In the agency archive"),
}
# A retention period as a drill-down's filter: "permanent", "<years>", or "<years>|<condition>" ("|…" without years).
PERMANENT = "permanent"
KEYS = ("unit", "year", "state", "permanent", "years", "condition")


@dataclass(frozen=True)
class Period:
    year: int | None  # the dossiers' year (None: every year)
    today: date
    handover_years: int


def custody(scope: Scope, period: Period) -> Select:
    """Return the dossiers in custody within the scope (of the year, when one is chosen)."""
    return select(Dossier).where(
        Dossier.organisation_id == scope.organisation.id, Dossier.state.in_(CUSTODY), *_narrow(scope, period)
    )


def _narrow(scope: Scope, period: Period) -> list[ColumnElement[bool]]:
    return [*scope.narrow(Dossier.unit_id), *([Dossier.year == period.year] if period.year is not None else [])]


def _group() -> list[ColumnElement]:
    condition = func.coalesce(Dossier.retention_condition, "")
    return [
        Dossier.unit_id.label("unit"),
        Dossier.year.label("year"),
        Dossier.state.label("state"),
        Dossier.retention_permanent.label("permanent"),
        Dossier.retention_years.label("years"),
        condition.label("condition"),
    ]


def _extent(session: Session, scope: Scope, period: Period) -> dict[tuple, dict[str, int]]:
    """Return {group: dossiers, documents, pages, bytes} in one query over the dossiers alone.

    Each dossier in custody holds the extent measured when it closed (``Dossier.extent_*``, by ``erms.lifecycle``):
    a document filed in two dossiers is in the extent of each, as each dossier's index lists it, and every version's
    file counts. Adding those up per group reads no link, document, version or file.
    """
    group = _group()
    query = (
        custody(scope, period)
        .with_only_columns(*group)
        .add_columns(
            func.count().label("dossiers"),
            func.coalesce(func.sum(Dossier.extent_documents), 0).label("documents"),
            func.coalesce(func.sum(Dossier.extent_pages), 0).label("pages"),
            func.coalesce(func.sum(Dossier.extent_bytes), 0).label("bytes"),
        )
        .group_by(*group)
    )
    return {tuple(row[key] for key in KEYS): dict(row) for row in session.execute(query).mappings()}


def _due(session: Session, scope: Scope, period: Period) -> dict[int, dict[str, int]]:
    """Return per unit the dossiers due for appraisal by the end of this year, and during the next."""
    this_year, next_year = date(period.today.year, 12, 31), date(period.today.year + 1, 12, 31)
    due = appraisal.due_query(scope.organisation.id, next_year).order_by(None).where(*_narrow(scope, period))
    within = due.with_only_columns(Dossier.unit_id).add_columns(
        func.sum(case((Dossier.appraisal_due_on <= this_year, 1), else_=0)).label("due_this_year"),
        func.sum(case((Dossier.appraisal_due_on > this_year, 1), else_=0)).label("due_next_year"),
    )
    historical = (
        select(Dossier.unit_id, func.count().label("due_historical"))
        .where(Dossier.organisation_id == scope.organisation.id, *_narrow(scope, period))
        .where(rules.due_at_historical_archive(period.today, period.handover_years))
    )
    found: dict[int, dict[str, int]] = {}
    for query in (within.group_by(Dossier.unit_id), historical.group_by(Dossier.unit_id)):
        for row in session.execute(query).mappings():
            found.setdefault(row["unit_id"], {}).update(row)
    return found


EXTENT = (
    Column("dossiers", N_("Dossiers")),
    Column("documents", N_("Documents")),
    Column("pages", N_("Pages")),
    Column("bytes", N_("Size"), BYTES),
)
DUE = (
    Column("due_this_year", N_("Due for appraisal by the end of this year")),
    Column("due_next_year", N_("Due for appraisal next year")),
    Column("due_historical", N_("Permanent, due at the historical archive")),
)
CHARTS = (
    Chart(
        "bar",
        "units",
        "code",
        ("dossiers", "due_this_year", "due_next_year"),
        N_("Dossiers in custody and due for appraisal, per unit"),
    ),
)
NOTE = N_(
    "In custody: closed dossiers kept by their unit, submitted ones and those in the agency archive. A document filed "
    "in several dossiers counts in each. Due for appraisal: as the due list counts (1 January of the year after the "
    "work ended plus the period), not yet on a destruction list; by the end of this year includes those already "
    "due. Permanent dossiers are due at the historical archive within the years the deployment sets after they "
    "entered the agency archive."
)


def report(session: Session, scope: Scope, year: int | None, today: date, handover_years: int) -> Report:
    """Return the holdings: per unit, per year, retention and state, and what left by decision or receipt."""
    period = Period(year, today, handover_years)
    groups = _extent(session, scope, period)
    due = _due(session, scope, period)
    filters = (("year", str(year)),) if year is not None else ()
    tables = (
        _units_table(session, scope, groups, due, filters),
        _years_table(groups, filters, scope),
        paper.table(session, scope, custody(scope, period)),
        disposal.table(session, scope, year),
    )
    return Report(NAME, N_("Holdings"), tables, {**dict(filters), **dict(scope.filters())}, scope.about())


def _extent_cells(found: dict[str, int], filters) -> tuple[Cell, ...]:
    # The documents are listed by the dossiers holding them; pages and bytes measure, they list nothing.
    drill = Drill(NAME, "custody", tuple(filters))
    return (
        Cell(int(found.get("dossiers") or 0), drill),
        Cell(int(found.get("documents") or 0), drill),
        Cell(int(found.get("pages") or 0)),
        Cell(int(found.get("bytes") or 0)),
    )


def _units_table(session: Session, scope: Scope, groups: dict, due: dict, filters) -> Table:
    measures, rows = [column.key for column in EXTENT], []
    for unit in units_of(session, scope):
        found = add((values for key, values in groups.items() if key[0] == unit.id), measures)
        unit_filters = (*filters, ("unit", str(unit.id)))
        figures = counts((column.key for column in DUE), due.get(unit.id, {}), NAME, unit_filters)
        rows.append((Cell(unit.code), Cell(unit.name), *_extent_cells(found, unit_filters), *figures))
    all_filters = (*filters, *scope.filters())
    total_due = counts((column.key for column in DUE), add(due.values(), [c.key for c in DUE]), NAME, all_filters)
    total = (Cell(""), Cell(N_("Total"), label=True), *_extent_cells(add(groups.values(), measures), all_filters))
    columns = (Column("code", N_("Code"), TEXT), Column("unit", N_("Unit"), TEXT), *EXTENT, *DUE)
    return Table("units", N_("In custody, per unit"), columns, tuple(rows), (*total, *total_due), NOTE)


def _years_table(groups: dict, filters, scope: Scope) -> Table:
    measures = [column.key for column in EXTENT]
    by_line: dict[tuple, list[dict]] = {}
    for (_unit, year, state, permanent, years, condition), values in groups.items():
        by_line.setdefault((year, DossierState(state), permanent, years, condition), []).append(values)
    rows = []
    for year, state, permanent, years, condition in sorted(by_line, key=_line_order):
        period = clock.Period(bool(permanent), years, condition)
        line = (("year", str(year)), ("state", state.value), ("retention", retention_key(period)))
        line_filters = (*dict((*filters, *scope.filters(), *line)).items(),)
        found = add(by_line[(year, state, permanent, years, condition)], measures)
        label = (Cell(year), Cell(period.label()), Cell(STATE_WORDS[state], label=True))
        rows.append((*label, *_extent_cells(found, line_filters)))
    columns = (
        Column("year", N_("Year"), TEXT),
        Column("retention", N_("Retention period"), TEXT),
        Column("state", N_("State"), TEXT),
        *EXTENT,
    )
    return Table("years", N_("In custody, per year, retention period and state"), columns, tuple(rows))


def _line_order(line: tuple) -> tuple:
    year, state, permanent, years, condition = line
    return (year, not permanent, years or 0, condition, CUSTODY.index(state))


def retention_key(period: clock.Period) -> str:
    """Return the drill-down filter naming a retention period (see PERMANENT)."""
    if period.permanent:
        return PERMANENT
    years = "" if period.years is None else str(period.years)
    return f"{years}|{period.condition}" if period.condition else years


def retention_condition(key: str) -> ColumnElement[bool] | None:
    """Return the condition on dossiers of a retention filter, or None if the filter names no period."""
    if key == PERMANENT:
        return Dossier.retention_permanent.is_(True)
    years, bar, condition = key.partition("|")
    if years and not (years.isascii() and years.isdigit() and len(years) <= 4):
        return None
    if not bar and not years:
        return None
    named = Dossier.retention_years == int(years) if years else Dossier.retention_years.is_(None)
    return (
        Dossier.retention_permanent.is_(False)
        & named
        & (func.coalesce(Dossier.retention_condition, "") == (condition if bar else ""))
    )


def drill_query(figure: str, scope: Scope, period: Period, state: str, retention: str) -> Select:
    """Return the dossiers a holdings figure counts: the same conditions as the count, narrowed by the line's
    state and retention period (``state`` a custody state's value, ``retention`` a ``retention_key``; checked)."""
    if figure == "custody":
        query = custody(scope, period)
        if state:
            query = query.where(Dossier.state == DossierState(state))
        condition = retention_condition(retention) if retention else None
        return query.where(condition) if condition is not None else query
    this_year, next_year = date(period.today.year, 12, 31), date(period.today.year + 1, 12, 31)
    if figure == "due_historical":
        return select(Dossier).where(
            Dossier.organisation_id == scope.organisation.id,
            *_narrow(scope, period),
            rules.due_at_historical_archive(period.today, period.handover_years),
        )
    due = appraisal.due_query(scope.organisation.id, next_year).order_by(None).where(*_narrow(scope, period))
    if figure == "due_this_year":
        return due.where(Dossier.appraisal_due_on <= this_year)
    return due.where(Dossier.appraisal_due_on > this_year)


DRILLS = ("custody", "due_this_year", "due_next_year", "due_historical")
