"""What the web and the console ask of the reports: each report for a reader, its list behind a number, its exports.

Every call starts from the reader's scope (``reports.scope.scope_of``: their units, or the whole organisation;
another organisation's unit is not found, a unit beyond a unit head's is refused) and counts nothing beyond it.
``now`` is the request's moment: "today" is its Vietnamese day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from erms import metadata, permissions
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import Unit
from erms.permissions import Actor
from filing.dossiers import local_date
from holdings import use_requests
from reports import compliance, drill, flow, holdings, spreadsheet, yearly_pdf
from reports.charts import Chart
from reports.figures import Report
from reports.scope import readable_units, scope_of, units_of

# Years a report is asked for: those of the days records can name (erms.metadata.EARLIEST_DAY to LATEST_DAY).
FIRST_YEAR, LAST_YEAR = metadata.EARLIEST_DAY.year, metadata.LATEST_DAY.year
CHARTS: dict[str, tuple[Chart, ...]] = {
    "compliance": compliance.CHARTS,
    "holdings": holdings.CHARTS,
    "flow": flow.CHARTS,
}


def check_year(year: int | None, field: str = "year") -> int | None:
    """Refuse a year no record can have."""
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        if 1000 <= year <= 9999:
            raise InvalidMetadata(
                [
                    Problem(
                        field, N_("Enter a year from %(first)s to %(last)s."), {"first": FIRST_YEAR, "last": LAST_YEAR}
                    )
                ]
            )
        raise InvalidMetadata([Problem(field, N_("Enter a year of four digits."))])
    return year


def units(session: Session, actor: Actor, organisation_id: int) -> list[Unit]:
    """Return the units the reader may narrow a report to."""
    return readable_units(session, actor, organisation_id)


def compliance_report(
    session: Session, actor: Actor, organisation_id: int, unit_id: int | None, year: int, *, now: datetime
) -> Report:
    """Return the filing compliance of ``year`` for the reader's scope."""
    check_year(year)
    scope = scope_of(session, actor, organisation_id, unit_id)
    return compliance.report(session, scope, year, local_date(now))


def holdings_report(
    session: Session,
    actor: Actor,
    organisation_id: int,
    unit_id: int | None,
    year: int | None,
    *,
    now: datetime,
    handover_years: int,
) -> Report:
    """Return the holdings for the reader's scope (of one year's dossiers, or all)."""
    check_year(year)
    scope = scope_of(session, actor, organisation_id, unit_id)
    return holdings.report(session, scope, year, local_date(now), handover_years)


def flow_report(
    session: Session, actor: Actor, organisation_id: int, unit_id: int | None, start: date, end: date, *, now: datetime
) -> Report:
    """Return the document flow of ``start``–``end`` (local days, inclusive) for the reader's scope."""
    scope = scope_of(session, actor, organisation_id, unit_id)
    return flow.report(session, scope, start, end, local_date(now))


@dataclass(frozen=True)
class Dashboard:
    """This year's filing and flow at a glance, for the reader's scope."""

    year: int
    compliance: Report
    flow: Report


def dashboard(session: Session, actor: Actor, organisation_id: int, *, now: datetime) -> Dashboard:
    today = local_date(now)
    scope = scope_of(session, actor, organisation_id)
    filing = compliance.report(session, scope, today.year, today)
    documents = flow.report(session, scope, date(today.year, 1, 1), today, today)
    return Dashboard(today.year, filing, documents)


def list_behind(
    session: Session,
    actor: Actor,
    organisation_id: int,
    report: str,
    figure: str,
    params: dict[str, str],
    *,
    now: datetime,
    handover_years: int,
    page: int = 1,
) -> drill.Page:
    """Return a page of the records a figure counts (``reports.drill``)."""
    return drill.drill(
        session,
        actor,
        organisation_id,
        report,
        figure,
        params,
        today=local_date(now),
        handover_years=handover_years,
        page=page,
    )


def export(report: Report, form: str, translate: spreadsheet.Translate) -> bytes:
    """Return the report as "xlsx" or "csv"."""
    if form == "xlsx":
        return spreadsheet.xlsx_bytes(report, translate)
    return spreadsheet.csv_bytes(report, translate)


def _use(session: Session, actor: Actor, organisation_id: int, year: int, today: date) -> dict[str, int] | None:
    """The year's counts of the register of use, for a reader who keeps or reads that register (else None)."""
    if not permissions.can_org_wide(actor, "use.register", organisation_id):
        return None
    return use_requests.register(session, actor, organisation_id, year, today).counts


def yearly_report(
    session: Session,
    actor: Actor,
    organisation_id: int,
    unit_id: int | None,
    year: int,
    *,
    now: datetime,
    handover_years: int,
    font: str = "",
) -> bytes:
    """Return the yearly records-work report ("báo cáo công tác văn thư, lưu trữ năm …") as a PDF."""
    check_year(year)
    if not FIRST_YEAR < year:
        raise InvalidMetadata([Problem("year", N_("Enter a year of four digits."))])
    today = local_date(now)
    scope = scope_of(session, actor, organisation_id, unit_id)
    figures = yearly_pdf.Figures(
        scope=scope,
        units=[] if scope.whole else [unit.name for unit in units_of(session, scope)],
        year=year,
        today=today,
        flow=flow.report(session, scope, date(year, 1, 1), date(year, 12, 31), today),
        previous=flow.totals(session, scope, date(year - 1, 1, 1), date(year - 1, 12, 31)),
        compliance=compliance.report(session, scope, year, today),
        holdings=holdings.report(session, scope, None, today, handover_years),
        use=_use(session, actor, organisation_id, year, today) if scope.whole else None,
    )
    return yearly_pdf.render(figures, now, font=font)
