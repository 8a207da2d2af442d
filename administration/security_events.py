"""The security events those who answer for the system read: denials, refused forms, locked and failed log-ins.

``erms.audit`` writes them into the audit log (bounded, see ``record_security``); here they are read
back for a reader entitled to them (``security.read``), who sees the events of the people of their
own organisations, and the anonymous ones unless they name a person of none of them; the deployment's
administrator reads them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, permissions
from erms.errors import PermissionDenied
from erms.models import AuditEvent, RoleMembership, User
from erms.permissions import Actor

LISTED = (*audit.SECURITY_ACTIONS, "user.login_failed")
# Newest first, at most this many rows on the page: enough to see an attack, small enough for an old PC.
LIMIT = 500


@dataclass(frozen=True)
class SecurityEvent:
    """One security event as the list shows it."""

    occurred_at: datetime
    action: str
    actor_name: str  # "system" when nobody was logged in
    details: dict


def readable_organisations(actor: Actor) -> set[int] | None:
    """Return the organisations whose security events the actor may read (None: every one's); refuse if none."""
    organisations = permissions.security_organisations(actor)
    if organisations is not None and not organisations:
        raise PermissionDenied()
    return organisations


def security_events(
    session: Session, actor: Actor, *, now: datetime, days: int = 30, action: str = ""
) -> list[SecurityEvent]:
    """Return the security events of the last ``days`` the actor may read, newest first."""
    organisations = readable_organisations(actor)
    actions = (action,) if action in LISTED else LISTED
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(actions), AuditEvent.occurred_at > now - timedelta(days=days))
        .order_by(AuditEvent.id.desc())
        .limit(LIMIT * 4)
    ).all()
    events = [(row, json.loads(row.details)) for row in rows]
    if organisations is None:
        return [SecurityEvent(row.occurred_at, row.action, row.actor_name, details) for row, details in events][:LIMIT]
    members, outsiders = _people(session, organisations, events)
    shown = [
        SecurityEvent(row.occurred_at, row.action, row.actor_name, details)
        for row, details in events
        if (row.actor_id in members if row.actor_id is not None else details.get("username", "") not in outsiders)
    ]
    return shown[:LIMIT]


def _people(session: Session, organisations: set[int], events: list[tuple[AuditEvent, dict]]):
    """Return the ids of the events' users who belong to ``organisations``, and the usernames tried that name
    someone of none of them (another organisation's person, the deployment's administrator)."""
    user_ids = {row.actor_id for row, _ in events if row.actor_id is not None}
    usernames = {details.get("username", "") for _, details in events} - {""}
    members = set(
        session.scalars(
            select(RoleMembership.user_id).where(
                RoleMembership.user_id.in_(user_ids), RoleMembership.organisation_id.in_(organisations)
            )
        )
    )
    named = session.execute(
        select(User.username, RoleMembership.organisation_id)
        .outerjoin(RoleMembership)
        .where(User.username.in_(usernames))
    ).all()
    ours = {username for username, organisation in named if organisation in organisations}
    return members, {username for username, _ in named} - ours
