"""Reports and statistics ("Báo cáo, thống kê"): the dashboard, the three reports, the lists behind their numbers,
their XLSX and CSV, and the yearly records-work report as a PDF.

Who reads which units is ``erms.permissions.report_units``'s: a unit head their unit, the head and the archivist
the organisation; everyone else gets 403 from every route here. Each view parses the filters, calls one service of
``reports.service`` and renders; a filter that cannot be read comes back on the page in words (422), a unit the
reader may not see is refused (404 for another organisation's, 403 for another unit).
"""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erms import permissions
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, PermissionDenied, Problem
from erms.web.common import (
    attachment,
    integer,
    organisation_of,
    period_from_query,
    setting,
    size_words,
    transaction,
    utcnow,
)
from erms.web.errors import on_invalid
from erms.web.retention import in_chain
from filing.dossiers import local_date
from reports import charts, paper, service, spreadsheet
from reports.figures import BYTES, COUNT, DAY, Cell, Column, Drill, Record, Report

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORTS = ("compliance", "holdings", "flow")
FORMATS = {"xlsx": spreadsheet.XLSX, "csv": spreadsheet.CSV}
FIGURE_WORDS = {  # the heading of the column a drill-down's figure is counted in
    **{column.key: column.heading for column in service.compliance.COLUMNS},
    **{column.key: column.heading for column in (*service.holdings.EXTENT, *service.holdings.DUE)},
    "custody": N_("Dossiers in custody"),
    "destroyed": N_("Destroyed"),
    "transferred": N_("Handed over"),
    **{column.key: column.heading for column in service.flow.COLUMNS},
}
TITLES = {"compliance": N_("Filing compliance"), "holdings": N_("Holdings"), "flow": N_("Document flow")}


@bp.before_request
@login_required
def _readers_only():
    if not permissions.reads_reports(current_actor()):
        raise PermissionDenied()


@bp.app_context_processor
def _header() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"reports_nav": permissions.reads_reports(current_actor())}


# ---------------------------------------------------------------- the pages


@bp.get("/")
@login_required
def index():
    """Show this year's filing and document flow at a glance, with the way to each report."""
    actor = current_actor()
    with transaction() as session:
        board = service.dashboard(session, actor, organisation_of(actor), now=utcnow())
        return render_template(
            "reports/index.html",
            board=board,
            filing=_charted(board.compliance)[0],
            flow=_charted(board.flow)[0],
            year=board.year,
            use_register=permissions.can_org_wide(actor, "use.register", organisation_of(actor)),
        )


@bp.get("/compliance")
@login_required
def compliance():
    """Show the filing compliance of a year per unit and per person (or download it)."""
    on_invalid(lambda errors: _page("compliance", None, errors, 422))
    unit_id, form = _unit(), _format()
    year = _year(default=local_date(utcnow()).year)
    assert year is not None  # a default was given
    actor = current_actor()
    with transaction() as session:
        found = service.compliance_report(session, actor, organisation_of(actor), unit_id, year, now=utcnow())
        return _answer(found, form)


@bp.get("/holdings")
@login_required
def holdings():
    """Show what is held in custody, what falls due and what left it (or download it)."""
    on_invalid(lambda errors: _page("holdings", None, errors, 422))
    unit_id, form, year = _unit(), _format(), _year(default=None)
    actor = current_actor()
    with transaction() as session:
        found = service.holdings_report(
            session,
            actor,
            organisation_of(actor),
            unit_id,
            year,
            now=utcnow(),
            handover_years=setting("HANDOVER_YEARS"),
        )
        return _answer(found, form)


@bp.get("/flow")
@login_required
def flow():
    """Show the incoming and outgoing documents of a period and their handling deadlines (or download them)."""
    on_invalid(lambda errors: _page("flow", None, errors, 422))
    unit_id, form = _unit(), _format()
    start, end = period_from_query()
    actor = current_actor()
    with transaction() as session:
        found = service.flow_report(session, actor, organisation_of(actor), unit_id, start, end, now=utcnow())
        return _answer(found, form)


@bp.get("/<report>/<figure>")
@login_required
def drill(report: str, figure: str):
    """List the records one number of a report counts, a page at a time."""
    on_invalid(lambda errors: _drill_page(report, figure, None, errors, 422))
    params = _drill_params()
    page = integer(request.args.get("page", "1")) or 0
    actor = current_actor()
    with transaction() as session:
        found = service.list_behind(
            session,
            actor,
            organisation_of(actor),
            report,
            figure,
            params,
            now=utcnow(),
            handover_years=setting("HANDOVER_YEARS"),
            page=page,
        )
        return _drill_page(report, figure, found, {}, 200)


@bp.get("/yearly.pdf")
@login_required
def yearly_pdf():
    """Download the yearly records-work report of a year as a PDF, for the reader's scope."""
    on_invalid(lambda errors: _page("yearly", None, errors, 422))
    unit_id, year = _unit(), _year(default=local_date(utcnow()).year)
    assert year is not None  # a default was given
    actor = current_actor()
    with transaction() as session:
        pdf = service.yearly_report(
            session,
            actor,
            organisation_of(actor),
            unit_id,
            year,
            now=utcnow(),
            handover_years=setting("HANDOVER_YEARS"),
            font=setting("PDF_FONT"),
        )
    return attachment(io.BytesIO(pdf), f"bao-cao-van-thu-luu-tru-{year}.pdf", "application/pdf")


# ---------------------------------------------------------------- rendering


def _answer(found: Report, form: str):
    """Render the report's page, or send it as the download asked for."""
    if form:
        content = service.export(found, form, _)
        name = "-".join(["bao-cao", found.name, *found.filters.values()]) + f".{form}"
        return attachment(io.BytesIO(content), name, FORMATS[form])
    return _page(found.name, found, {}, 200)


def _page(name: str, found: Report | None, errors: dict, status: int):
    actor = current_actor()
    with transaction() as session:
        units = [
            (unit.id, f"{unit.code} · {unit.name}") for unit in service.units(session, actor, organisation_of(actor))
        ]
    everything = (
        [("", _("All units"))] if permissions.can_org_wide(actor, "report.read", organisation_of(actor)) else []
    )
    values = {key: request.args.get(key, "") for key in ("year", "unit", "start", "end")}
    if found is not None:
        values.update(found.filters)
    return render_template(
        "reports/report.html",
        name=name if name in REPORTS else "yearly",
        title=TITLES.get(name, N_("Yearly records-work report")),
        report=found,
        charted=_charted(found) if found is not None else [],
        units=everything + units,
        values=values,
        errors=errors,
    ), status


def _charted(found: Report) -> list[dict]:
    """Return each chart of the report as an image (SVG in a data: URL) with the table it pictures."""
    drawn = []
    for chart in service.CHARTS[found.name]:
        table = found.table(chart.table)
        svg = charts.render(chart, table, _)
        columns = [table.index(chart.labels), *(table.index(key) for key in chart.series)]
        rows = [[row[number] for number in columns] for row in table.rows if row[columns[0]].value not in ("", None)]
        drawn.append(
            {
                "title": _(chart.title),
                # An <img> keeps the SVG's own style sheet, which the page's Content-Security-Policy refuses inline.
                "src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
                "columns": [table.columns[number] for number in columns],
                "rows": rows,
                "table": table.key,
            }
        )
    return drawn


def _drill_page(report: str, figure: str, found, errors: dict, status: int):
    return render_template(
        "reports/drill.html",
        report=report,
        title=TITLES.get(report, ""),
        figure=FIGURE_WORDS.get(figure, figure),
        page=found,
        params=_drill_params(),
        # Back to the report with the filters it was shown with.
        back={key: value for key, value in _drill_params().items() if key in ("year", "unit", "start", "end")},
        errors=errors,
    ), status


VIETNAMESE_DECIMALS = str.maketrans({",": ".", ".": ","})


@bp.app_template_global()
def report_cell(cell: Cell, column: Column) -> dict:
    """Return how a report's cell is shown: its text, and the link of its count or of the record it names."""
    value = cell.value
    if cell.label and isinstance(value, str):
        text = _(value)
    elif column.kind == BYTES and isinstance(value, int):
        text = size_words(value)
    elif column.kind == DAY and isinstance(value, date):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, float) and column.kind == paper.METRES:
        text = f"{value:,.1f}".translate(VIETNAMESE_DECIMALS)  # 1.234,5: thousands by a dot, a decimal comma
    elif isinstance(value, int) and column.kind == COUNT:
        text = f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with a dot; a year stays 2026
    else:
        text = "" if value is None else str(value)
    link = None
    if cell.drill is not None and value:
        link = drill_url(cell.drill)
    elif cell.record is not None:
        link = record_url(cell.record)
    return {"text": text, "link": link}


def drill_url(found: Drill) -> str:
    values: dict[str, Any] = {"report": found.report, "figure": found.figure, **found.params()}
    return url_for("reports.drill", **values)


def record_url(record: Record) -> str | None:
    """Return the page of a decision or receipt, for those who may open it (the chain's pages, the archivist's)."""
    actor = current_actor()
    if record.kind == "destruction_list" and in_chain(actor):
        return url_for("retention.show_list", list_id=record.id)
    if record.kind == "handover_batch" and any(
        permissions.can(actor, "handover.manage", organisation) for organisation in actor.organisation_ids()
    ):
        return url_for("handover.show", batch_id=record.id)
    return None


# ---------------------------------------------------------------- the filters


def _drill_params() -> dict[str, str]:
    """Return the drill-down's filters as the link gave them (the page number and the path's parts left out)."""
    return {key: value.strip() for key, value in request.args.items() if key not in ("page", "report", "figure")}


def _unit() -> int | None:
    raw = request.args.get("unit", "").strip()
    if not raw:
        return None
    unit_id = integer(raw)
    if unit_id is None:
        raise InvalidMetadata([Problem("unit", N_("Choose a unit from the list."))])
    return unit_id


def _year(default: int | None) -> int | None:
    raw = request.args.get("year", "").strip()
    if not raw:
        return default
    year = integer(raw)
    if year is None:
        raise InvalidMetadata([Problem("year", N_("Enter a year of four digits."))])
    return service.check_year(year)


def _format() -> str:
    form = request.args.get("format", "").strip()
    if form and form not in FORMATS:
        raise InvalidMetadata([Problem("format", N_("Choose XLSX or CSV."))])
    return form
