"""The list behind a number ("danh sách chi tiết"): the records a report's figure counts, a page at a time.

A drill-down reads back a cell's ``Drill`` (report, figure, filters) as the web passes it, checks every filter (a
unit the reader may not see is refused exactly as on the report), and runs the figure's own query — the base and the
condition its count summed — selecting the records instead of counting them, so the list and the number agree.
What each line shows obeys the reader's rights on that record: a dossier's title and link only to those who read it
(``erms.permissions.readable_dossiers``), a register line's summary as the register shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from erms import metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem
from erms.models import (
    DestructionList,
    DossierList,
    DossierListEntry,
    HandoverBatch,
    RegisterEntry,
)
from erms.models.dossier import Dossier
from erms.models.register import RegisterKind
from erms.permissions import Actor
from filing.dossiers import document_counts
from filing.registers import withheld_summaries
from reports import compliance, disposal, flow, holdings
from reports.scope import NONE, Scope, scope_of

PAGE_SIZE = 50
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FIGURES = {
    "compliance": set(compliance.FIGURES),
    "holdings": {*holdings.DRILLS, "destroyed", "transferred"},
    "flow": set(flow.FIGURES),
}


@dataclass(frozen=True)
class Line:
    """One record of the list, as much of it as the reader may see."""

    kind: str  # "dossier", "entry", "register"
    id: int
    code: str  # the dossier's file code, the entry's notation, the register number
    title: str | None  # None: withheld from this reader
    unit: str
    person: str
    state: str  # a dossier's state value, a register line's register ("incoming", "outgoing"); "" for an entry
    year: int
    documents: int | None  # a dossier's documents
    link: int | None  # the id the link opens (dossier, dossier list, register line), None: no link for this reader


@dataclass(frozen=True)
class Page:
    report: str
    figure: str
    kind: str
    lines: list[Line]
    total: int
    page: int
    pages: int
    scope: Scope


def drill(
    session: Session,
    actor: Actor,
    organisation_id: int,
    report: str,
    figure: str,
    params: Mapping[str, str],
    *,
    today: date,
    handover_years: int,
    page: int = 1,
) -> Page:
    """Return a page of the records ``figure`` of ``report`` counts under ``params`` (checked first)."""
    if figure not in FIGURES.get(report, ()):
        raise NotFound()
    scope = _scope(session, actor, organisation_id, params)
    kind, query = _query(session, report, figure, scope, params, today, handover_years)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    if page < 1 or page > pages:
        raise NotFound()
    lines = LISTS[kind](session, actor, query, (page - 1) * PAGE_SIZE)
    return Page(report, figure, kind, lines, total, page, pages, scope)


def _scope(session: Session, actor: Actor, organisation_id: int, params: Mapping[str, str]) -> Scope:
    """Return the scope the filters ask for: a unit of the reader's, or everything they read."""
    unit = params.get("unit", "")
    scope = scope_of(session, actor, organisation_id, _id(unit) if unit not in ("", NONE) else None)
    if unit == NONE and not scope.whole:
        raise PermissionDenied()  # what no unit holds is counted for the whole organisation only
    sent_to = params.get("to", "")  # the flow's unit a document was sent to, checked as the unit is
    if sent_to not in ("", NONE, flow.SCOPE):
        scope_of(session, actor, organisation_id, _id(sent_to))
    if sent_to == NONE and not scope.whole:
        raise PermissionDenied()
    return scope


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise NotFound()
    return int(text)


def _year(params: Mapping[str, str], required: bool) -> int | None:
    text = params.get("year", "")
    if not text and not required:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise InvalidMetadata([Problem("year", N_("Enter a year of four digits."))])
    return int(text)


def _query(session, report, figure, scope, params, today, handover_years) -> tuple[str, Select]:
    if report == "compliance":
        year = _year(params, required=True)
        assert year is not None  # required
        person = params.get("person", "")
        if person not in ("", NONE):
            _id(person)
        return compliance.drill_query(figure, scope, year, today, params.get("unit", ""), person)
    if report == "holdings":
        period = holdings.Period(_year(params, required=False), today, handover_years)
        if figure in ("destroyed", "transferred"):
            paper = _paper(session, scope, figure, params.get("decision" if figure == "destroyed" else "batch", ""))
            return "dossier", disposal.drill_query(figure, scope, period.year, paper)
        state, retention = params.get("state", ""), params.get("retention", "")
        if state and state not in {state.value for state in holdings.CUSTODY}:
            raise InvalidMetadata([Problem("state", N_("Choose a state from the list."))])
        if retention and holdings.retention_condition(retention) is None:
            raise InvalidMetadata([Problem("retention", N_("Choose a retention period from the list."))])
        return "dossier", holdings.drill_query(figure, scope, period, state, retention)
    return "register", flow.drill_query(figure, scope, _period(params, today), *_flow_filters(params))


def _paper(session: Session, scope: Scope, figure: str, text: str) -> int:
    """Return the id of the organisation's destruction list or hand-over batch the filter names."""
    found: DestructionList | HandoverBatch | None
    if figure == "destroyed":
        found = session.get(DestructionList, _id(text))
    else:
        found = session.get(HandoverBatch, _id(text))
    if found is None or found.organisation_id != scope.organisation.id:
        raise NotFound()
    return found.id


def _period(params: Mapping[str, str], today: date) -> flow.Period:
    days = {name: metadata.parse_day(params.get(name, "")) for name in ("start", "end")}
    problems = [Problem(name, metadata.MESSAGES["format"]) for name, day in days.items() if day is None]
    if problems:
        raise InvalidMetadata(problems)
    start, end = days["start"], days["end"]
    assert start is not None and end is not None  # reported above
    flow.check(start, end)
    return flow.Period(start, end, today)


def _flow_filters(params: Mapping[str, str]) -> tuple[str, str, str]:
    kind, month = params.get("kind", ""), params.get("month", "")
    if kind and kind not in {item.value for item in RegisterKind}:
        raise InvalidMetadata([Problem("kind", N_("Choose a register from the list."))])
    if month and not MONTH.fullmatch(month):
        raise InvalidMetadata([Problem("month", N_("Choose a month from the report."))])
    return kind, month, params.get("to", "")


# ---------------------------------------------------------------- the lines of each kind of record


def _dossiers(session: Session, actor: Actor, query: Select, offset: int) -> list[Line]:
    ordered = query.order_by(Dossier.file_code, Dossier.id).offset(offset).limit(PAGE_SIZE)
    found = list(session.scalars(ordered.options(selectinload(Dossier.unit), selectinload(Dossier.creator))))
    ids = [dossier.id for dossier in found]
    readable = set(session.scalars(select(Dossier.id).where(Dossier.id.in_(ids), permissions.readable_dossiers(actor))))
    documents = document_counts(session, ids)
    return [
        Line(
            "dossier",
            dossier.id,
            dossier.file_code,
            dossier.title if dossier.id in readable else None,
            dossier.unit.name,
            dossier.creator.full_name,
            dossier.state.value,
            dossier.year,
            documents.get(dossier.id, 0),
            dossier.id if dossier.id in readable else None,  # a destroyed one's page shows its stub
        )
        for dossier in found
    ]


def _entries(session: Session, actor: Actor, query: Select, offset: int) -> list[Line]:
    ordered = query.order_by(DossierListEntry.number, DossierListEntry.id).offset(offset).limit(PAGE_SIZE)
    loads = (selectinload(DossierListEntry.unit), selectinload(DossierListEntry.responsible_user))
    found = list(session.scalars(ordered.options(*loads)))
    years = dict(
        session.execute(
            select(DossierList.id, DossierList.year).where(
                DossierList.id.in_({entry.dossier_list_id for entry in found})
            )
        ).all()
    )
    # Every member of the organisation reads its dossier list (the access matrix's "dossier_list": EVERYONE).
    return [
        Line(
            "entry",
            entry.id,
            entry.file_notation,
            entry.title,
            entry.unit.name,
            entry.responsible_user.full_name if entry.responsible_user else "",
            "",
            years[entry.dossier_list_id],
            None,
            entry.dossier_list_id,
        )
        for entry in found
    ]


def _register(session: Session, actor: Actor, query: Select, offset: int) -> list[Line]:
    ordered = query.order_by(RegisterEntry.registered_at, RegisterEntry.id).offset(offset).limit(PAGE_SIZE)
    loads = (
        selectinload(RegisterEntry.document),
        selectinload(RegisterEntry.assigned_unit),
        selectinload(RegisterEntry.assigned_user),
    )
    entries = list(session.scalars(ordered.options(*loads)))
    # A tuyệt mật summary, and one of a document restricted on its own, as the register shows them to this reader.
    withheld = withheld_summaries(session, actor, entries)
    lines = []
    for entry in entries:
        readable = permissions.can_read_register_line(actor, entry)
        document = entry.document
        shown = readable and entry.id not in withheld
        code = f"{entry.number}/{entry.year}"
        subject = f"{document.type_name}: {document.subject}" if shown else None
        unit = entry.assigned_unit.name if entry.assigned_unit else ""
        person = entry.assigned_user.full_name if entry.assigned_user else ""
        link = entry.id if readable else None
        lines.append(Line("register", entry.id, code, subject, unit, person, entry.kind.value, entry.year, None, link))
    return lines


LISTS = {"dossier": _dossiers, "entry": _entries, "register": _register}
