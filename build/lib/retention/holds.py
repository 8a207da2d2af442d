"""Holds ("đóng băng", PL6 IV.1.g): legal, audit, inspection or dispute freezes on dossiers.

A held dossier cannot be destroyed, transferred, or have files removed. Every path that does
one of those asks :func:`held_dossier_ids` inside its own transaction, so a hold placed a
moment earlier still stops it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Dossier, Hold
from erms.models.dossier import DossierState
from erms.models.retention import HoldKind
from erms.permissions import Actor


def held_dossier_ids(session: Session, dossier_ids: Iterable[int]) -> set[int]:
    """Return which of ``dossier_ids`` are under at least one hold not yet released."""
    ids = list(dossier_ids)
    if not ids:
        return set()
    query = select(Hold.dossier_id).where(Hold.dossier_id.in_(ids), Hold.released_at.is_(None))
    return set(session.scalars(query))


def active_holds(session: Session, dossier_id: int) -> list[Hold]:
    """Return the holds on a dossier not yet released, oldest first."""
    query = select(Hold).where(Hold.dossier_id == dossier_id, Hold.released_at.is_(None)).order_by(Hold.id)
    return list(session.scalars(query))


def place_hold(session: Session, actor: Actor, dossier_id: int, kind: str, reason: str, *, now: datetime) -> Hold:
    """Freeze a dossier for a legal, audit, inspection or dispute reason (PL6 IV.1.g)."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    permissions.require(actor, "retention.hold", dossier.organisation_id)
    problems = reason_problems(reason)
    if kind not in {member.value for member in HoldKind}:
        problems.append(Problem("kind", N_("Choose why the dossier is held.")))
    if problems:
        raise InvalidMetadata(problems)
    if dossier.state in (DossierState.DESTROYED, DossierState.TRANSFERRED):
        raise RuleViolation(
            N_("Dossier %(code)s is no longer in the archive: it cannot be held."), code=dossier.file_code
        )
    hold = Hold(
        dossier_id=dossier.id, kind=HoldKind(kind), reason=reason.strip(), placed_by_id=actor.user_id, placed_at=now
    )
    session.add(hold)
    session.flush()
    audit.record(
        session, actor, "hold.placed", "dossier", dossier.id, now=now, hold_id=hold.id, kind=kind, reason=hold.reason
    )
    return hold


def release_hold(session: Session, actor: Actor, hold_id: int, reason: str, *, now: datetime) -> Hold:
    """Lift a hold, with the reason; the hold stays on record."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound()
    dossier = session.get(Dossier, hold.dossier_id)
    assert dossier is not None  # holds.dossier_id is a foreign key to dossiers, and dossiers are never deleted
    permissions.require(actor, "retention.hold", dossier.organisation_id)
    if hold.released_at is not None:
        raise RuleViolation(N_("This hold has already been released."))
    problems = reason_problems(reason)
    if problems:
        raise InvalidMetadata(problems)
    hold.released_at, hold.released_by_id, hold.release_reason = now, actor.user_id, reason.strip()
    audit.record(
        session, actor, "hold.released", "dossier", dossier.id, now=now, hold_id=hold.id, reason=hold.release_reason
    )
    return hold


def reason_problems(reason: str) -> list[Problem]:
    """Return what is wrong with the reason for a decision on a dossier: missing, too long, control characters."""
    if not reason.strip():
        return [Problem("reason", N_("Give the reason."))]
    return text_problems({"reason": metadata.column_length(Hold, "reason")}, reason=reason)


def text_problems(limits: dict[str, int], **values: str) -> list[Problem]:
    """Return a problem for each free-text value holding a control character or longer than its limit in ``limits``."""
    try:
        metadata.check_text(values, limits)
    except InvalidMetadata as refused:
        return refused.problems
    return []
