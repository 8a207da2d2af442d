"""Notices (thông báo): the one place that tells people a step waits for them.

Services call :func:`tell` (named people) or :func:`tell_role` (every holder of a role) in the transaction that
makes the step, so a notice exists exactly when its step committed. A notice is kept once per person, kind and key
(a job run twice, or a page sent twice, tells nobody twice); it names its subject (a dossier, a list...) so the
web app can link to it, and the worker sends it by e-mail to those who gave an address and did not switch e-mail
off (``erms.mail``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from erms.models import Notification, RoleMembership, User
from erms.models.org import Role


@dataclass(frozen=True)
class Waiting:
    """A step that waits for a person now, worded as the notice that told them of it: the home page lists these
    from the records' states, so a step done by a colleague leaves the list though its notice stays."""

    template: str  # the notice's English msgid
    subject: tuple[str, int] | None = None  # the record to open, as (type, id)
    params: dict[str, object] = field(default_factory=dict)


def tell(
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    key: str,
    template: str,
    *,
    now: datetime,
    subject: tuple[str, int] | None = None,
    **params,
) -> int:
    """Leave the notice ``template`` (an English msgid, ``params`` its values) for each active person not told yet.

    ``subject`` is the record the notice is about, as (type, id); returns how many people were told.
    """
    wanted = set(user_ids)
    if not wanted:
        return 0
    told = select(Notification.user_id).where(Notification.kind == kind, Notification.key == key)
    active = select(User.id).where(User.id.in_(wanted), User.active.is_(True), User.id.not_in(told))
    users = sorted(session.scalars(active))
    subject_type, subject_id = subject or (None, None)
    session.add_all(
        Notification(
            user_id=user_id,
            kind=kind,
            key=key,
            template=template,
            params=json.dumps(params, ensure_ascii=False, default=str),
            subject_type=subject_type,
            subject_id=subject_id,
            created_at=now,
        )
        for user_id in users
    )
    session.flush()
    return len(users)


def holders(
    session: Session, organisation_id: int, role: Role, unit_id: int | None = None, *, org_wide_too: bool = False
) -> set[int]:
    """Return the people holding ``role`` in the organisation (in ``unit_id`` only, when given; with those holding it
    for the whole organisation too when ``org_wide_too``); a deactivated account is no one's to tell."""
    query = (
        select(RoleMembership.user_id)
        .join(User, User.id == RoleMembership.user_id)
        .where(RoleMembership.organisation_id == organisation_id, RoleMembership.role == role, User.active.is_(True))
    )
    if unit_id is not None:
        unit = RoleMembership.unit_id == unit_id
        query = query.where(or_(unit, RoleMembership.unit_id.is_(None)) if org_wide_too else unit)
    return set(session.scalars(query))


def tell_role(
    session: Session,
    organisation_id: int,
    role: Role,
    kind: str,
    key: str,
    template: str,
    *,
    now: datetime,
    subject: tuple[str, int] | None = None,
    **params,
) -> int:
    """Leave the notice for every holder of ``role`` in the organisation; return how many were told."""
    people = holders(session, organisation_id, role)
    return tell(session, people, kind, key, template, now=now, subject=subject, **params)


def newest(session: Session, user_id: int, limit: int = 20) -> list[Notification]:
    """Return the person's newest notices."""
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unseen_count(session: Session, user_id: int) -> int:
    """Return how many notices the person has not seen yet (the number in the page header)."""
    unseen = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return session.execute(unseen).scalar_one()


def mark_seen(session: Session, shown: list[Notification], *, now: datetime) -> None:
    """Mark the notices a page has just shown as seen (the first time only: ``read_at`` keeps that moment)."""
    for notice in shown:
        if notice.read_at is None:
            notice.read_at = now


def unit_people(session: Session, organisation_id: int, unit_id: int) -> set[int]:
    """Return the people who file in the unit: its officers and its heads."""
    return holders(session, organisation_id, Role.OFFICER, unit_id) | holders(
        session, organisation_id, Role.UNIT_HEAD, unit_id
    )
