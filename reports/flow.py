"""The document flow ("văn bản đi, văn bản đến") of a period: how many were registered, ordinary and classified
apart, and whether their handling deadlines ("hạn giải quyết") were met (PL6 II.3, III.6.a; the thesis's tables 2.4
and 2.5 count the same way).

The documents are those registered in the period, counted by the day they were registered (local days). A unit's
documents are those sent to it and those filed in one of its dossiers (as ``erms.permissions.document_units`` says).
The deadline figures follow the register's handling report (``filing.registers.handling_report``): met = handled on
or before the deadline the registry recorded, late = handled after it, overdue = not handled and the deadline before
today, ahead = not handled and the deadline today or later. Each table is one GROUP BY query with conditional sums;
the months are one CASE over their first moments, computed here, so both databases group alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from erms.errors import N_, InvalidMetadata, Problem
from erms.models import Document, DossierDocument, RegisterEntry
from erms.models.dossier import Dossier
from erms.models.register import RegisterKind, RegisterSeries
from reports import charts
from reports.charts import Chart
from reports.figures import TEXT, Cell, Column, Report, Table, add, counts
from reports.scope import NONE, Scope, local_midnight, units_of

NAME = "flow"
# A longer period is a history, not a report: its months would not fit a chart.
LONGEST_MONTHS = 60
# The drill-down's "sent to" filter for the documents sent to any unit of the scope.
SCOPE = "scope"
KIND_WORDS = {RegisterKind.INCOMING: N_("Incoming documents"), RegisterKind.OUTGOING: N_("Outgoing documents")}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    today: date

    def months(self) -> list[date]:
        """Return the first day of each month the period touches."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = next_month(first)
        return months


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def check(start: date, end: date) -> None:
    """Refuse a reversed period, or one of more than LONGEST_MONTHS months."""
    if end < start:
        raise InvalidMetadata([Problem("end", N_("The end date is before the start date."))])
    if (end.year - start.year) * 12 + end.month - start.month >= LONGEST_MONTHS:
        raise InvalidMetadata(
            [Problem("end", N_("Choose a period of at most %(months)s months."), {"months": LONGEST_MONTHS})]
        )


FIGURES = {
    "registered": lambda today: true(),
    "ordinary": lambda today: RegisterEntry.series == RegisterSeries.REGULAR,
    "classified": lambda today: RegisterEntry.series == RegisterSeries.CLASSIFIED,
    "with_deadline": lambda today: Document.due_date.is_not(None),
    "met": lambda today: and_(RegisterEntry.handled_on.is_not(None), RegisterEntry.handled_on <= Document.due_date),
    "late": lambda today: and_(RegisterEntry.handled_on.is_not(None), RegisterEntry.handled_on > Document.due_date),
    "overdue": lambda today: and_(RegisterEntry.handled_on.is_(None), Document.due_date < today),
    "ahead": lambda today: and_(RegisterEntry.handled_on.is_(None), Document.due_date >= today),
}
COLUMNS = (
    Column("registered", N_("Registered")),
    Column("ordinary", N_("Ordinary")),
    Column("classified", N_("Classified (state secrets)")),
    Column("with_deadline", N_("With a handling deadline")),
    Column("met", N_("Handled by the deadline")),
    Column("late", N_("Handled after the deadline")),
    Column("overdue", N_("Overdue, not handled")),
    Column("ahead", N_("Not yet due, not handled")),
)
MONTH_COLUMNS = (
    ("incoming", "registered", N_("Incoming documents")),
    ("incoming", "classified", N_("of which classified")),
    ("outgoing", "registered", N_("Outgoing documents")),
    ("outgoing", "classified", N_("of which classified")),
)
CHARTS = (
    Chart(
        "line",
        "months",
        "month",
        ("incoming_registered", "outgoing_registered"),
        N_("Incoming and outgoing documents per month"),
    ),
    Chart(
        "bar",
        "units",
        "code",
        ("met", "late", "overdue"),
        N_("Handling deadlines of incoming documents, per unit"),
        charts.DEADLINES,
    ),
)
NOTE = N_(
    "Documents registered in the period, by the day they were registered; a unit's documents are those sent to it "
    "and those filed in its dossiers. Handled by the deadline: the handling day the registry recorded is on or before "
    "the deadline; overdue: no handling day and the deadline is before today."
)


def registered(scope: Scope, period: Period, *, documents: bool = True) -> Select:
    """Return the register lines of the period within the scope, with their documents (for their deadlines)."""
    in_period = and_(
        RegisterEntry.registered_at >= local_midnight(period.start),
        RegisterEntry.registered_at < local_midnight(period.end + timedelta(days=1)),
    )
    query = select(RegisterEntry).where(RegisterEntry.organisation_id == scope.organisation.id, in_period)
    if documents:
        query = query.join(Document, Document.id == RegisterEntry.document_id)
    if scope.units is None:
        return query
    filed = select(DossierDocument.document_id).join(Dossier).where(Dossier.unit_id.in_(sorted(scope.units)))
    return query.where(
        or_(RegisterEntry.assigned_unit_id.in_(sorted(scope.units)), RegisterEntry.document_id.in_(filed))
    )


def _sums(period: Period, figures) -> list:
    return [func.sum(case((FIGURES[name](period.today), 1), else_=0)).label(name) for name in figures]


def _month(period: Period) -> ColumnElement:
    """Return the number of the month (0 = the period's first) a register line was registered in."""
    bounds = [
        (RegisterEntry.registered_at < local_midnight(next_month(first)), number)
        for number, first in enumerate(period.months())
    ]
    return case(*bounds, else_=len(bounds))


def report(session: Session, scope: Scope, start: date, end: date, today: date) -> Report:
    """Return the flow of ``start``–``end``: per register, per month, and the incoming per unit they were sent to.

    One query reads the period's register lines once, grouped by (register, month, unit sent to) with a sum per
    figure; the three tables add those few groups up (a scan per table took three times as long).
    """
    check(start, end)
    period = Period(start, end, today)
    base = (("start", start.isoformat()), ("end", end.isoformat()), *scope.filters())
    month = _month(period)
    keys = (RegisterEntry.kind.label("kind"), month.label("month"), RegisterEntry.assigned_unit_id.label("to"))
    query = registered(scope, period).with_only_columns(*keys).add_columns(*_sums(period, FIGURES))
    groups = [dict(row) for row in session.execute(query.group_by(*keys)).mappings()]
    for group in groups:
        group["kind"] = RegisterKind(group["kind"])
    tables = (
        _registers_table(groups, base),
        _months_table(groups, period, base),
        _units_table(session, scope, groups, base),
    )
    return Report(NAME, N_("Document flow"), tables, dict(base), scope.about())


def totals(session: Session, scope: Scope, start: date, end: date) -> dict[RegisterKind, dict[str, int]]:
    """Return how many documents of each register the period has, and how many of them are classified.

    The yearly report's year before needs no more: counted from the register lines alone (no deadlines, so no
    document read), it costs a third of a whole report.
    """
    check(start, end)
    query = registered(scope, Period(start, end, end), documents=False).with_only_columns(
        RegisterEntry.kind, *_sums(Period(start, end, end), ("registered", "classified"))
    )
    found = {RegisterKind(kind): {"registered": 0, "classified": 0} for kind in RegisterKind}
    for kind, registered_, classified in session.execute(query.group_by(RegisterEntry.kind)):
        found[RegisterKind(kind)] = {"registered": registered_ or 0, "classified": classified or 0}
    return found


def _registers_table(groups: list[dict], base) -> Table:
    figures = [column.key for column in COLUMNS]
    rows = tuple(
        (
            Cell(KIND_WORDS[kind], label=True),
            *counts(
                figures, add((g for g in groups if g["kind"] is kind), figures), NAME, (*base, ("kind", kind.value))
            ),
        )
        for kind in RegisterKind
    )
    total = (Cell(N_("Total"), label=True), *counts(figures, add(groups, figures), NAME, base))
    columns = (Column("kind", N_("Incoming or outgoing"), TEXT), *COLUMNS)
    return Table("registers", N_("Incoming and outgoing documents"), columns, rows, total, NOTE)


def _months_table(groups: list[dict], period: Period, base) -> Table:
    rows = []
    for number, first in enumerate(period.months()):
        label, month = f"{first.month:02d}/{first.year}", f"{first.year:04d}-{first.month:02d}"
        cells: list[Cell] = []
        for kind, figure, _ in MONTH_COLUMNS:
            found = add((g for g in groups if g["month"] == number and g["kind"] is RegisterKind(kind)), [figure])
            cells.extend(counts([figure], found, NAME, (*base, ("kind", kind), ("month", month))))
        rows.append((Cell(label), *cells))
    columns = (
        Column("month", N_("Month"), TEXT),
        *(Column(f"{kind}_{figure}", heading) for kind, figure, heading in MONTH_COLUMNS),
    )
    return Table("months", N_("Per month"), columns, tuple(rows))


def _units_table(session: Session, scope: Scope, groups: list[dict], base) -> Table:
    figures = ["registered", "with_deadline", "met", "late", "overdue", "ahead"]
    # Sent to a unit of the scope (within a unit's scope, a document it filed may have been sent to another).
    incoming = [
        g for g in groups if g["kind"] is RegisterKind.INCOMING and (scope.whole or g["to"] in (scope.units or ()))
    ]
    sent = (*base, ("kind", RegisterKind.INCOMING.value))
    rows = []
    for unit in units_of(session, scope):
        found = [g for g in incoming if g["to"] == unit.id]
        if unit.active or found:
            filters = (*sent, ("to", str(unit.id)))
            rows.append((Cell(unit.code), Cell(unit.name), *counts(figures, add(found, figures), NAME, filters)))
    unsent = [g for g in incoming if g["to"] is None]
    if unsent:
        filters = (*sent, ("to", NONE))
        rows.append(
            (Cell(""), Cell(N_("Sent to no unit"), label=True), *counts(figures, add(unsent, figures), NAME, filters))
        )
    # Within a unit's scope the total is what was sent to its units ("scope"), not every document of the unit.
    everything = sent if scope.whole else (*sent, ("to", SCOPE))
    total = (Cell(""), Cell(N_("Total"), label=True), *counts(figures, add(incoming, figures), NAME, everything))
    columns = (
        Column("code", N_("Code"), TEXT),
        Column("unit", N_("Unit"), TEXT),
        *(column for column in COLUMNS if column.key in figures),
    )
    return Table("units", N_("Incoming documents per unit they were sent to"), columns, tuple(rows), total)


def drill_query(figure: str, scope: Scope, period: Period, kind: str, month: str, sent_to: str) -> Select:
    """Return the register lines a flow figure counts, narrowed to a register, a month and the unit sent to."""
    query = registered(scope, period).where(FIGURES[figure](period.today))
    if kind:
        query = query.where(RegisterEntry.kind == RegisterKind(kind))
    if month:
        first = date(int(month[:4]), int(month[5:7]), 1)
        query = query.where(
            RegisterEntry.registered_at >= local_midnight(first),
            RegisterEntry.registered_at < local_midnight(next_month(first)),
        )
    if sent_to == NONE:
        query = query.where(RegisterEntry.assigned_unit_id.is_(None))
    elif sent_to == SCOPE:
        query = query.where(RegisterEntry.kind == RegisterKind.INCOMING, *scope.narrow(RegisterEntry.assigned_unit_id))
    elif sent_to:
        query = query.where(RegisterEntry.assigned_unit_id == int(sent_to))
    return query
