"""The check of the metadata seals (PL6 III.7.đ): every dossier past OPEN compared, day after day, with the seal taken
when it closed (``erms.metadata_seal``), the oldest-checked first. A change made in the database outside ERMS is
audited and told once to the archivists of the dossier's organisation, naming the elements that differ (never their
values); found as sealed again (put back from a backup) it is cleared. A dossier closed before seals existed is
sealed by its first check, audited, so that a change to it is found from then on.

Each dossier is checked in a short transaction of its own, so nobody waits to save while a round runs. A destroyed
dossier keeps its description only (its documents are gone): it is not checked.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, metadata_seal, notices
from erms.db import transaction
from erms.errors import N_
from erms.models import Dossier, MetadataSeal, Role
from erms.models.dossier import DossierState

NOT_CHECKED = (DossierState.OPEN, DossierState.DESTROYED)
CHANGED_NOTICE = N_(
    "The metadata of dossier %(code)s changed outside ERMS since it was sealed: %(changes)s. Tell the administrator."
)


class Outcome(enum.Enum):
    """What the check of one dossier found."""

    INTACT = "intact"
    CHANGED = "changed"
    RESTORED = "restored"  # as sealed again after a change was found
    SEALED = "sealed"  # closed before seals existed: sealed by this check


@dataclass(frozen=True)
class Found:
    """What one check found for one dossier; ``changes`` describes the elements that differ (never their values)."""

    dossier_id: int
    file_code: str
    outcome: Outcome
    changes: str = ""


class UnknownDossier(Exception):
    """No dossier past OPEN (and not destroyed) has the code asked for."""


def named(session: Session, file_code: str) -> list[int]:
    """Return the ids of the dossiers with this code that are checked (one per organisation holding the code)."""
    found = list(
        session.scalars(
            select(Dossier.id)
            .where(Dossier.file_code == file_code, Dossier.state.not_in(NOT_CHECKED))
            .order_by(Dossier.id)
        )
    )
    if not found:
        raise UnknownDossier(f"No closed dossier has the code {file_code} (an open or destroyed one has no seal)")
    return found


def due(
    session: Session, limit: int | None, dossier_id: int | None = None, checked_before: datetime | None = None
) -> list[int]:
    """Return the ids of the dossiers to check: the one named, or the unsealed and the oldest-checked first, only
    those not checked since ``checked_before`` if given."""
    query = (
        select(Dossier.id)
        .outerjoin(MetadataSeal, MetadataSeal.dossier_id == Dossier.id)
        .where(Dossier.state.not_in(NOT_CHECKED))
    )
    if dossier_id is not None:
        query = query.where(Dossier.id == dossier_id)
    elif checked_before is not None:
        query = query.where(MetadataSeal.checked_at.is_(None) | (MetadataSeal.checked_at < checked_before))
    ordered = query.order_by(MetadataSeal.checked_at.asc().nulls_first(), Dossier.id).limit(limit)
    return list(session.scalars(ordered))


def check(
    factory: Callable[[], Session],
    *,
    clock: Callable[[], datetime],
    limit: int | None = None,
    dossier_id: int | None = None,
    checked_before: datetime | None = None,
) -> list[Found]:
    """Check the dossiers due (or the one named), each in a short transaction of its own; return the findings."""
    with transaction(factory, read_only=True) as session:
        dossier_ids = due(session, limit, dossier_id, checked_before)
    found = []
    for each in dossier_ids:
        with transaction(factory) as session:
            finding = check_one(session, each, now=clock())
        if finding is not None:
            found.append(finding)
    return found


def check_one(session: Session, dossier_id: int, *, now: datetime) -> Found | None:
    """Compare the dossier with its seal (or seal it, if it has none) and date the check; None if it was reopened or
    destroyed since the round began. The dossier's row is locked: closing or reopening it waits for the check."""
    dossier = session.get(Dossier, dossier_id, with_for_update=True, options=[metadata_seal.WHOLE])
    if dossier is None or dossier.state in NOT_CHECKED:
        return None
    kept = session.get(MetadataSeal, dossier.id)
    if kept is None:
        digest = metadata_seal.seal(session, dossier, now=now)
        audit.record(session, None, "dossier.sealed", "dossier", dossier.id, now=now, metadata_sha256=digest)
        return Found(dossier.id, dossier.file_code, Outcome.SEALED)
    described = metadata_seal.described(metadata_seal.changes(kept, dossier))
    outcome = _outcome(bool(described), kept.changed)
    if outcome is Outcome.CHANGED and not kept.changed:
        _tell(session, dossier, described, now)
    elif outcome is Outcome.RESTORED:  # the log says it was put back, as it said it had changed
        audit.record(session, None, "dossier.metadata_restored", "dossier", dossier.id, now=now)
    kept.checked_at, kept.changed = now, outcome is Outcome.CHANGED
    return Found(dossier.id, dossier.file_code, outcome, described)


def _outcome(differs: bool, was_changed: bool) -> Outcome:
    if differs:
        return Outcome.CHANGED
    return Outcome.RESTORED if was_changed else Outcome.INTACT


def _tell(session: Session, dossier: Dossier, described: str, now: datetime) -> None:
    """Audit the change found and tell the archivists of the dossier's organisation (once per change found: a key
    of its own, so a later change after one put back is told again)."""
    audit.record(session, None, "dossier.metadata_changed", "dossier", dossier.id, now=now, changes=described)
    notices.tell_role(
        session,
        dossier.organisation_id,
        Role.ARCHIVIST,
        "metadata_changed",
        f"{dossier.id}@{now:%Y%m%dT%H%M%S}",
        CHANGED_NOTICE,
        now=now,
        subject=("dossier", dossier.id),
        code=dossier.file_code,
        changes=described,
    )


def changed(found: list[Found]) -> list[Found]:
    return [item for item in found if item.outcome is Outcome.CHANGED]
