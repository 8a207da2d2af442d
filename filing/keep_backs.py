"""Hand-over deadlines the law lets a unit move: keeping a due dossier back ("giữ lại") up to two years past its
deadline with the head's consent (NĐ 30/2020 Điều 31 k.3d), and the settlement day of a capital-construction
dossier, due three months after it (Điều 30 k.2a). The approved keep-backs form the "Danh mục hồ sơ, tài liệu giữ
lại"; a kept dossier is late only after its new day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata, notices, permissions, transitions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Dossier, KeepBack, KeepBackState, Role
from erms.models.dossier import DossierState
from erms.permissions import Actor
from filing.dossiers import get_dossier, local_date, normal_due_on, period_of
from retention import clock

# NĐ 30/2020 Điều 31 k.3d: kept "không quá 02 năm" from the day it was due.
MAX_MONTHS = 24
REASON_LENGTH = 500


def request(
    session: Session, actor: Actor, dossier_id: int, reason: str, until: date | None, *, now: datetime
) -> KeepBack:
    """Ask the head to let the unit keep a closed dossier due at the agency archive until ``until``."""
    session.get(Dossier, dossier_id, with_for_update=True)  # two requests at once: the second sees the first
    dossier = get_dossier(session, actor, dossier_id)
    permissions.require(actor, "dossier.submit", dossier.organisation_id, dossier.unit_id)
    if dossier.state is not DossierState.CLOSED or not period_of(dossier).goes_to_agency_archive():
        raise RuleViolation(N_("Only a closed dossier due at the agency archive can be kept back."))
    if active(dossier, local_date(now)) is not None:
        raise RuleViolation(N_("This dossier already has a keep-back asked for or in force."))
    reason = metadata.check_text({"reason": reason.strip()}, {"reason": REASON_LENGTH})["reason"]
    due = normal_due_on(dossier)
    latest = clock.add_months(due, MAX_MONTHS)
    problems = [] if reason else [Problem("reason", N_("Say why the unit still needs the dossier."))]
    if until is None:
        problems.append(Problem("until", metadata.MESSAGES["required"]))
    elif until <= local_date(now):
        problems.append(Problem("until", N_("Keep it until a day still to come.")))
    elif not due < until <= latest:
        problems.append(
            Problem(
                "until",
                N_("Keep it after its deadline (%(due)s) and at most two years more, until %(latest)s."),
                {"due": f"{due:%d/%m/%Y}", "latest": f"{latest:%d/%m/%Y}"},
            )
        )
    if problems:
        raise InvalidMetadata(problems)
    assert until is not None  # a missing day was a problem above
    keep_back = KeepBack(
        organisation_id=dossier.organisation_id,
        dossier_id=dossier.id,
        state=KeepBackState.REQUESTED,
        reason=reason,
        until=until,
        requested_by_id=actor.user_id,
        requested_at=now,
    )
    session.add(keep_back)
    session.flush()
    session.expire(dossier, ["keep_backs"])  # a view of the table: read again, with this one
    audit.record(
        session,
        actor,
        "dossier.keep_back_asked",
        "dossier",
        dossier.id,
        now=now,
        until=until.isoformat(),
        reason=reason,
    )
    notices.tell(
        session,
        notices.holders(session, dossier.organisation_id, Role.HEAD, dossier.unit_id, org_wide_too=True),
        "keep_back_asked",
        str(keep_back.id),
        N_("%(unit)s asks to keep dossier %(code)s until %(date)s: %(reason)s"),
        now=now,
        subject=("dossier", dossier.id),
        unit=dossier.unit.name,
        code=dossier.file_code,
        date=f"{until:%d/%m/%Y}",
        reason=reason,
    )
    return keep_back


def decide(session: Session, actor: Actor, keep_back_id: int, consent: bool, note: str, *, now: datetime) -> KeepBack:
    """Record the head's written consent to a keep-back, or the refusal with its reason."""
    keep_back = session.get(KeepBack, keep_back_id, with_for_update=True)  # two decisions at once: one wins
    if keep_back is None or keep_back.organisation_id not in actor.organisation_ids():
        raise NotFound()
    # A head given one unit decides that unit's keep-backs only.
    permissions.require(actor, "keep_back.decide", keep_back.organisation_id, keep_back.dossier.unit_id)
    if keep_back.state is not KeepBackState.REQUESTED:
        raise RuleViolation(N_("This keep-back has already been decided."))
    if keep_back.dossier.state is not DossierState.CLOSED:
        raise RuleViolation(N_("The dossier has left its unit since: there is nothing to keep back."))
    if consent and keep_back.until > clock.add_months(normal_due_on(keep_back.dossier), MAX_MONTHS):
        raise RuleViolation(N_("The day asked is more than two years after the dossier's deadline: refuse it."))
    note = metadata.check_text({"note": note.strip()}, {"note": REASON_LENGTH})["note"]
    if not consent and not note:
        raise InvalidMetadata([Problem("note", N_("Give the reason for refusing."))])
    transitions.move(keep_back, transitions.KEEP_BACK, "approve" if consent else "refuse")
    keep_back.decided_by_id, keep_back.decided_at, keep_back.decision_note = actor.user_id, now, note
    dossier = keep_back.dossier
    session.flush()
    session.expire(dossier, ["keep_backs"])  # its deadline moves now
    audit.record(
        session,
        actor,
        "dossier.keep_back_decided",
        "dossier",
        dossier.id,
        now=now,
        outcome=keep_back.state.value,
        until=keep_back.until.isoformat(),
        note=note,
    )
    template = (
        N_("The head agreed to keep dossier %(code)s in the unit until %(date)s.")
        if consent
        else N_("The head did not agree to keep dossier %(code)s back: %(note)s")
    )
    notices.tell(
        session,
        {keep_back.requested_by_id, dossier.creator_id},
        "keep_back_decided",
        str(keep_back.id),
        template,
        now=now,
        subject=("dossier", dossier.id),
        code=dossier.file_code,
        date=f"{keep_back.until:%d/%m/%Y}",
        note=note,
    )
    return keep_back


def active(dossier: Dossier, today: date) -> KeepBack | None:
    """Return the dossier's keep-back waiting for the head or in force today, if any."""
    for keep_back in reversed(dossier.keep_backs):
        if keep_back.state is KeepBackState.REQUESTED:
            return keep_back
        if keep_back.state is KeepBackState.APPROVED and keep_back.until >= today:
            return keep_back
    return None


def kept(session: Session, actor: Actor) -> list[KeepBack]:
    """Return the approved keep-backs the actor may read, the "Danh mục hồ sơ, tài liệu giữ lại", by deadline."""
    rows = session.scalars(
        select(KeepBack)
        .join(KeepBack.dossier)
        .where(
            KeepBack.organisation_id.in_(actor.organisation_ids()),
            KeepBack.state == KeepBackState.APPROVED,
            Dossier.state == DossierState.CLOSED,  # a kept dossier submitted since is in the archive's hands
        )
        .options(selectinload(KeepBack.dossier))
        .order_by(KeepBack.until, KeepBack.id)
    )
    return [
        keep_back
        for keep_back in rows
        if permissions.can(actor, "transfer.read", keep_back.organisation_id, keep_back.dossier.unit_id)
    ]


def set_settlement(
    session: Session, actor: Actor, dossier_id: int, settled_on: date | None, *, now: datetime
) -> Dossier:
    """Record (or clear) the day a capital-construction dossier's works were settled: due three months after."""
    dossier = get_dossier(session, actor, dossier_id)
    permissions.require(actor, "dossier.edit", dossier.organisation_id, dossier.unit_id)
    if dossier.state not in (DossierState.OPEN, DossierState.CLOSED):
        raise RuleViolation(N_("The dossier has left its unit: its hand-over deadline no longer changes."))
    # Once closed, the day moves the deadline: it is recorded once, and never beside a keep-back (whose limit counts
    # from the deadline it was asked against).
    if dossier.state is DossierState.CLOSED and dossier.settled_on is not None:
        raise RuleViolation(N_("The settlement day of a closed dossier is recorded once."))
    if active(dossier, local_date(now)) is not None:
        raise RuleViolation(N_("A keep-back is asked for or in force: the settlement day no longer changes."))
    if settled_on is not None and not dossier.start_date <= settled_on <= local_date(now):
        raise InvalidMetadata(
            [Problem("settled_on", N_("The works are settled after the dossier began and by today at the latest."))]
        )
    before = dossier.settled_on
    dossier.settled_on = settled_on
    audit.record(
        session,
        actor,
        "dossier.settlement_set",
        "dossier",
        dossier.id,
        now=now,
        settled_before=before.isoformat() if before else None,
        settled_on=settled_on.isoformat() if settled_on else None,
    )
    return dossier


def dossier_of(session: Session, actor: Actor, keep_back_id: int) -> int:
    """Return the dossier a keep-back is about, if the actor may read that dossier."""
    keep_back = session.get(KeepBack, keep_back_id)
    if keep_back is None:
        raise NotFound()
    return get_dossier(session, actor, keep_back.dossier_id).id


def waiting_for(session: Session, actor: Actor) -> list[KeepBack]:
    """Return the keep-backs waiting for the actor's consent (a head's), oldest first."""
    organisations = permissions.organisations_where(actor, "keep_back.decide")
    if not organisations:
        return []
    query = (
        select(KeepBack)
        .where(KeepBack.organisation_id.in_(organisations), KeepBack.state == KeepBackState.REQUESTED)
        .options(selectinload(KeepBack.dossier))
        .order_by(KeepBack.requested_at, KeepBack.id)
    )
    found = session.scalars(query)
    return [
        kept for kept in found if permissions.can(actor, "keep_back.decide", kept.organisation_id, kept.dossier.unit_id)
    ]
