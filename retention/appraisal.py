"""Appraisal ("xác định giá trị"): what is due, the archivist's decisions, and the scheduled reminders.

This module owns the due list (one indexed query over ``Dossier.appraisal_due_on``), changes to
a filed dossier's retention period (always an audited decision with a reason), the event date of
conditional periods, and the notices the daily and yearly jobs leave for people. Proposing for
destruction lives in :mod:`retention.destruction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Select, Table, false, func, literal, or_, select
from sqlalchemy.orm import Session

from classification import dossier_list
from erms import audit, metadata, notices, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import (
    AppraisalDecision,
    AppraisalWorkItem,
    DestructionItem,
    Dossier,
    DossierList,
    DossierListEntry,
    KeepBack,
    KeepBackState,
    Organisation,
    RetentionRow,
    Role,
    Unit,
)
from erms.models.appraisal import AppraisalOutcome
from erms.models.dossier import DossierState
from erms.models.dossier_list import DossierListState
from erms.permissions import Actor
from retention import clock, custody
from retention.custody import period_of
from retention.holds import reason_problems

# The longest period of the retention tables (schemas/retention-table-v1.json); anything longer is a typing error.
LONGEST_PERIOD_YEARS = 100


# ---------------------------------------------------------------- the due list


@dataclass(frozen=True)
class DueFilter:
    """How an archivist narrows the due list: the dossiers' year, unit and retention row code."""

    year: int | None = None
    unit_id: int | None = None
    row_code: str = ""


def due_query(organisation_id: int, on: date, where: DueFilter = DueFilter()) -> Select:
    """Return the query of dossiers due on ``on`` where they are kept (``custody``), not yet on a destruction list."""
    query = (
        select(Dossier)
        .where(
            Dossier.organisation_id == organisation_id,
            custody.appraisable(),
            Dossier.appraisal_due_on <= on,
            Dossier.id.not_in(select(DestructionItem.dossier_id).where(DestructionItem.withdrawn.is_(False))),
        )
        .order_by(Dossier.appraisal_due_on, Dossier.file_code)
    )
    if where.year is not None:
        query = query.where(Dossier.year == where.year)
    if where.unit_id is not None:
        query = query.where(Dossier.unit_id == where.unit_id)
    if metadata.FORBIDDEN_CHARACTERS.search(where.row_code):
        return query.where(false())  # no code holds one (refused on import), and PostgreSQL cannot compare a NUL
    if where.row_code:
        query = (
            query.join(DossierListEntry, DossierListEntry.id == Dossier.entry_id)
            .join(RetentionRow, RetentionRow.id == DossierListEntry.retention_row_id)
            .where(RetentionRow.code == where.row_code)
        )
    return query


def find_due(session: Session, organisation_id: int, on: date, where: DueFilter = DueFilter()) -> list[Dossier]:
    """Return the dossiers due for appraisal on ``on``, earliest due first."""
    return list(session.scalars(due_query(organisation_id, on, where)))


def due_for(
    session: Session,
    actor: Actor,
    organisation_id: int,
    on: date,
    where: DueFilter = DueFilter(),
    *,
    ids: list[int] | None = None,
    limit: int | None = None,
) -> list[Dossier]:
    """Return the due dossiers an archivist reviews: all matching the filter, or only ``ids`` among them."""
    permissions.require(actor, "retention.appraise", organisation_id)
    query = due_query(organisation_id, on, where)
    if ids is not None:
        query = query.where(Dossier.id.in_(ids))
    return list(session.scalars(query.limit(limit)))


def due_count(session: Session, organisation_id: int, on: date, where: DueFilter = DueFilter()) -> int:
    """Return how many dossiers match the due list's filter (the page shows only the first ones)."""
    return session.execute(
        select(func.count()).select_from(due_query(organisation_id, on, where).subquery())
    ).scalar_one()


@dataclass(frozen=True)
class FilterChoices:
    """What the due list's filter offers: the years and retention rows of appraisable dossiers, and the units."""

    years: list[int]
    units: list[tuple[int, str]]
    row_codes: list[str]


def filter_choices(session: Session, organisation_id: int) -> FilterChoices:
    """Return the values the archivist can filter the due list by."""
    appraisable = (Dossier.organisation_id == organisation_id, custody.appraisable())
    years = session.scalars(select(Dossier.year).where(*appraisable).distinct().order_by(Dossier.year))
    units = session.execute(
        select(Unit.id, Unit.name).where(Unit.organisation_id == organisation_id).order_by(Unit.name)
    )
    rows = session.scalars(
        select(RetentionRow.code)
        .distinct()
        .join(DossierListEntry, DossierListEntry.retention_row_id == RetentionRow.id)
        .join(Dossier, Dossier.entry_id == DossierListEntry.id)
        .where(*appraisable)
        .order_by(RetentionRow.code)
    )
    return FilterChoices(list(years), [(unit_id, name) for unit_id, name in units], list(rows))


def organisation_by_code(session: Session, code: str) -> Organisation:
    """Return the organisation with that fonds code, or raise NotFound naming it."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise NotFound(N_("No organisation with code %(code)s."), code=code)
    return organisation


# ---------------------------------------------------------------- decisions on the period


def _dossier(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    permissions.require(actor, "retention.appraise", dossier.organisation_id)
    return dossier


def period_problems(period: clock.Period) -> list[Problem]:
    """Return what is wrong with a period typed by a person: neither permanent nor a number of years, or too long."""
    if (period.years or 0) > LONGEST_PERIOD_YEARS:
        return [
            Problem(
                "years",
                N_("A retention period is at most %(years)s years; keep the dossier permanently instead."),
                {"years": LONGEST_PERIOD_YEARS},
            )
        ]
    if period.permanent or (period.years or 0) >= 1 or period.condition.strip():
        return []
    return [Problem("period", N_("Give the new period: permanent, or a number of years."))]


def _set_period(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    period: clock.Period,
    reason: str,
    outcome: AppraisalOutcome,
    *,
    now: datetime,
) -> AppraisalDecision:
    """Fix a new period on the dossier, recompute its due date, record the decision and audit it once."""
    before = period_of(dossier).label()
    dossier.retention_permanent, dossier.retention_years = period.permanent, period.years
    dossier.retention_condition = period.condition
    if dossier.end_date is not None and dossier.state is not DossierState.OPEN:
        dossier.appraisal_due_on = clock.due_on(period, dossier.end_date, dossier.retention_event_on)
    decision = AppraisalDecision(
        dossier_id=dossier.id,
        outcome=outcome,
        reason=reason.strip(),
        previous_period=before,
        new_period=period.label(),
        decided_by_id=actor.user_id,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        f"dossier.retention_{outcome.value}",
        "dossier",
        dossier.id,
        now=now,
        before=before,
        after=period.label(),
        reason=decision.reason,
        decision_id=decision.id,
    )
    return decision


def change_period(
    session: Session, actor: Actor, dossier_id: int, period: clock.Period, reason: str, *, now: datetime
) -> AppraisalDecision:
    """Re-determine the period of a filed dossier; the reason is required and the change audited."""
    dossier = _dossier(session, actor, dossier_id)
    problems = period_problems(period) + reason_problems(reason)
    if problems:
        raise InvalidMetadata(problems)
    if dossier.state in (DossierState.DESTROYED, DossierState.TRANSFERRED):
        raise RuleViolation(N_("Dossier %(code)s is no longer in the archive."), code=dossier.file_code)
    return _set_period(session, actor, dossier, period, reason, AppraisalOutcome.PERIOD_CHANGED, now=now)


def record_event(session: Session, actor: Actor, dossier_id: int, event_on: date, *, now: datetime) -> Dossier:
    """Record the event a conditional period waits for ("contract ended on …"); the due date follows."""
    dossier = _dossier(session, actor, dossier_id)
    if not period_of(dossier).conditional:
        raise RuleViolation(N_("Dossier %(code)s has no conditional retention period."), code=dossier.file_code)
    if dossier.end_date is None or dossier.state is DossierState.OPEN:
        raise RuleViolation(N_("Dossier %(code)s is still open: close it first."), code=dossier.file_code)
    if event_on < dossier.start_date:
        raise InvalidMetadata([Problem("event_on", N_("The event date is before the dossier starts."))])
    if event_on > now.astimezone(LOCAL_TZ).date():  # an event is recorded once it has happened
        raise InvalidMetadata([Problem("event_on", N_("The event date cannot be after today."))])
    dossier.retention_event_on = event_on
    dossier.appraisal_due_on = clock.due_on(period_of(dossier), dossier.end_date, event_on)
    audit.record(
        session,
        actor,
        "dossier.retention_event_recorded",
        "dossier",
        dossier.id,
        now=now,
        event_on=event_on.isoformat(),
        due_on=dossier.appraisal_due_on,
    )
    return dossier


@dataclass(frozen=True)
class Outcome:
    """What happened to one dossier in a bulk decision, for the archivist's report."""

    dossier_id: int
    file_code: str
    title: str
    result: str  # English msgid
    params: dict


def keep(
    session: Session,
    actor: Actor,
    dossier_ids: list[int],
    period: clock.Period,
    reason: str,
    *,
    on: date,
    now: datetime,
) -> list[Outcome]:
    """Keep due dossiers for a new period; every dossier is checked first and nothing is half-applied."""
    dossiers = [_dossier(session, actor, dossier_id) for dossier_id in dossier_ids]
    wrong_period = period_problems(period)
    problems = wrong_period + reason_problems(reason)
    if not dossiers:
        problems.append(Problem("dossiers", N_("Choose at least one dossier.")))
    if not wrong_period:  # each dossier's new due date is computed only from a period that makes sense
        for dossier in dossiers:
            problems.extend(_keep_problems(dossier, period, on))
    if problems:
        raise InvalidMetadata(problems)
    outcomes = []
    for dossier in dossiers:
        _set_period(session, actor, dossier, period, reason, AppraisalOutcome.KEEP, now=now)
        outcomes.append(
            Outcome(
                dossier.id,
                dossier.file_code,
                dossier.title,
                N_("Kept: %(period)s, next appraisal %(due)s."),
                {"period": period.label(), "due": _day(dossier.appraisal_due_on)},
            )
        )
    return outcomes


def _day(day: date | None) -> str:
    """A day as the pages write it (dd/mm/yyyy; "—" for none)."""
    return f"{day:%d/%m/%Y}" if day is not None else "—"


def _keep_problems(dossier: Dossier, period: clock.Period, on: date) -> list[Problem]:
    where = dossier.file_code
    if not custody.is_appraisable(dossier) or dossier.appraisal_due_on is None or dossier.appraisal_due_on > on:
        return [Problem(where, N_("The dossier is not due for appraisal."))]
    assert dossier.end_date is not None  # a due date is only ever computed from the end date set on closing
    due = clock.due_on(period, dossier.end_date, dossier.retention_event_on)
    if due is not None and due <= on:
        return [
            Problem(
                where,
                N_("The new period would leave it due at once (%(due)s): give a longer one."),
                {"due": _day(due)},
            )
        ]
    return []


# ---------------------------------------------------------------- what the scheduled jobs do


def flag_due_dossiers(session: Session, today: date, *, now: datetime) -> int:
    """Turn newly due dossiers into appraisal work items and tell the archivists; return how many."""
    flagged = select(AppraisalWorkItem.id).where(
        AppraisalWorkItem.dossier_id == Dossier.id, AppraisalWorkItem.due_on == Dossier.appraisal_due_on
    )
    new = (
        select(Dossier.organisation_id, func.count())
        .where(custody.appraisable(), Dossier.appraisal_due_on <= today, ~flagged.exists())
        .group_by(Dossier.organisation_id)
    )
    counts = dict(session.execute(new).all())
    if not counts:
        return 0
    work_items = cast(Table, AppraisalWorkItem.__table__)  # a declarative class's table, typed as a FromClause
    session.execute(
        work_items.insert().from_select(
            ["dossier_id", "due_on", "flagged_at"],
            select(Dossier.id, Dossier.appraisal_due_on, literal(now, AppraisalWorkItem.flagged_at.type)).where(
                custody.appraisable(), Dossier.appraisal_due_on <= today, ~flagged.exists()
            ),
        )
    )
    for organisation_id, count in counts.items():
        notices.tell_role(
            session,
            organisation_id,
            Role.ARCHIVIST,
            "appraisal_due",
            today.isoformat(),
            N_("%(count)s dossiers became due for appraisal."),
            now=now,
            count=count,
        )
    total = sum(counts.values())
    audit.record(
        session, None, "appraisal.flagged", "organisation", None, now=now, dossiers=total, on=today.isoformat()
    )
    return total


def remind_dossier_list(session: Session, today: date, *, now: datetime) -> int:
    """Remind the registry of every organisation without an approved dossier list for this year."""
    approved = select(DossierList.organisation_id).where(
        DossierList.year == today.year, DossierList.state == DossierListState.APPROVED
    )
    organisations = list(session.scalars(select(Organisation.id).where(Organisation.id.not_in(approved))))
    for organisation_id in organisations:
        # NĐ 30/2020 Điều 28: the dossier list is approved and issued at the start of each year.
        notices.tell_role(
            session,
            organisation_id,
            Role.REGISTRY,
            "dossier_list_reminder",
            str(today.year),
            dossier_list.NOT_APPROVED,
            now=now,
            year=today.year,
        )
    return len(organisations)


def flag_overdue_handovers(session: Session, today: date, *, now: datetime) -> int:
    """Tell the archivists how many closed dossiers are past their hand-over deadline."""
    # Luật Lưu trữ 2024: hand-over within the year after the year the work ended (clock.handover_due_on).
    last_end = date(today.year - 1, 1, 1)
    goes = or_(Dossier.retention_permanent, Dossier.retention_condition != "", Dossier.retention_years >= 5)
    # A dossier the head let its unit keep (NĐ 30 Điều 31 k.3d) is not overdue until its new day.
    kept = select(KeepBack.id).where(
        KeepBack.dossier_id == Dossier.id, KeepBack.state == KeepBackState.APPROVED, KeepBack.until >= today
    )
    overdue = (
        select(Dossier.organisation_id, func.count())
        .where(Dossier.state == DossierState.CLOSED, Dossier.end_date < last_end, goes, ~kept.exists())
        .group_by(Dossier.organisation_id)
    )
    counts = dict(session.execute(overdue).all())
    for organisation_id, count in counts.items():
        notices.tell_role(
            session,
            organisation_id,
            Role.ARCHIVIST,
            "handover_overdue",
            today.isoformat(),
            N_("%(count)s closed dossiers are past their hand-over deadline."),
            now=now,
            count=count,
        )
    return sum(counts.values())
