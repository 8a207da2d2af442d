"""The dossier state machine. Only this module changes ``Dossier.state``.

The table below is the whole life of a dossier (docs/design.md); services check their own business
rules (checklists, holds, permissions) and then call :func:`apply`, which refuses any move the
table does not list and writes the audit event of the change in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from erms import audit
from erms.errors import IllegalTransition
from erms.models import Dossier
from erms.models.dossier import DossierState as State
from erms.permissions import Actor

TRANSITIONS: dict[tuple[State, str], State] = {
    (State.OPEN, "close"): State.CLOSED,
    (State.CLOSED, "reopen"): State.OPEN,
    (State.CLOSED, "submit"): State.SUBMITTED,
    (State.SUBMITTED, "reject"): State.CLOSED,
    (State.SUBMITTED, "accept"): State.ARCHIVED,
    (State.ARCHIVED, "transfer"): State.TRANSFERRED,
    (State.ARCHIVED, "destroy"): State.DESTROYED,
    # A dossier kept under 5 years stays with its unit and is destroyed from there (retention.custody).
    (State.CLOSED, "destroy"): State.DESTROYED,
}

# Audit action written for each lifecycle action ("noun.past_participle").
PAST = {
    "close": "closed",
    "reopen": "reopened",
    "submit": "submitted",
    "reject": "rejected",
    "accept": "accepted",
    "transfer": "transferred",
    "destroy": "destroyed",
}

# The timestamp column each arrival state stamps.
_STAMPS = {State.CLOSED: "closed_at", State.SUBMITTED: "submitted_at", State.ARCHIVED: "archived_at"}


def target(state: State, action: str) -> State:
    """Return the state ``action`` leads to from ``state``, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state=state.value, action=PAST.get(action, action)) from None


def apply(
    session: Session, dossier: Dossier, action: str, actor: Actor | None, *, now: datetime, reason: str = "", **details
) -> None:
    """Move ``dossier`` along ``action`` or raise IllegalTransition; audit the change."""
    before = dossier.state
    after = target(before, action)
    dossier.state = after
    if after in _STAMPS:
        setattr(dossier, _STAMPS[after], now)
    if reason:
        details["reason"] = reason
    audit.record(
        session,
        actor,
        f"dossier.{PAST[action]}",
        "dossier",
        dossier.id,
        now=now,
        before=before.value,
        after=after.value,
        file_code=dossier.file_code,
        **details,
    )


def start(session: Session, dossier: Dossier, actor: Actor, *, now: datetime, **details) -> None:
    """Put a new dossier in its first state, OPEN, and audit the opening."""
    dossier.state = State.OPEN
    session.add(dossier)
    session.flush()
    audit.record(
        session,
        actor,
        "dossier.opened",
        "dossier",
        dossier.id,
        now=now,
        after=State.OPEN.value,
        file_code=dossier.file_code,
        **details,
    )
