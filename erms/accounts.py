"""User accounts: creation, role grants, passwords (argon2id via argon2-cffi), and audited log-in/log-out."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit
from erms.errors import N_, NotFound, RuleViolation
from erms.models import Organisation, Role, RoleMembership, Unit, User
from erms.permissions import Actor, load_actor

_hasher = PasswordHasher()

MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``, refusing passwords that are too short."""
    if len(password) < MIN_PASSWORD:
        raise RuleViolation(N_("A password needs at least %(count)s characters."), count=MIN_PASSWORD)
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (the same answer for every failure)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check: no username probing by timing
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def log_in(session: Session, username: str, password: str, *, now: datetime) -> Actor | None:
    """Check the credentials and audit the attempt; return the user's actor, or None when refused.

    PL6 III.6.b asks for counts of accesses to the system: a failed attempt is recorded with the
    username tried (actor None, as nobody is known), so repeated guessing shows in the audit log.
    """
    user = authenticate(session, username, password)
    if user is None:
        # Cut to a username's length: the form field is free text and the audit log is kept forever.
        audit.record(session, None, "user.login_failed", "user", None, now=now, username=username.strip()[:100])
        return None
    actor = load_actor(session, user.id)
    audit.record(session, actor, "user.logged_in", "user", user.id, now=now)
    return actor


def log_out(session: Session, actor: Actor, *, now: datetime) -> None:
    """Audit the end of a session the user asked for."""
    audit.record(session, actor, "user.logged_out", "user", actor.user_id, now=now)


def create_user(session: Session, actor: Actor | None, username: str, full_name: str, password: str, *,
                now: datetime, position: str = "") -> User:
    """Create an account; ``actor`` None is the operator at the console."""
    if session.scalar(select(User.id).where(User.username == username)):
        raise RuleViolation(N_("The username %(username)s is taken."), username=username)
    user = User(username=username, full_name=full_name, position=position, password_hash=hash_password(password),
                created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, now=now, username=username)
    return user


def set_password(session: Session, actor: Actor | None, user: User, password: str, *, now: datetime) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password)
    audit.record(session, actor, "user.password_set", "user", user.id, now=now)


def grant(session: Session, actor: Actor | None, user: User, role: Role, organisation_code: str,
          unit_code: str | None = None, *, now: datetime) -> RoleMembership:
    """Give ``user`` a role in an organisation, for one unit or (unit_code None) organisation-wide."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise NotFound(N_("No organisation with code %(code)s."), code=organisation_code)
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.organisation_id == organisation.id, Unit.code == unit_code))
        if unit is None:
            raise NotFound(N_("No unit %(unit)s in organisation %(code)s."), unit=unit_code, code=organisation_code)
    membership = RoleMembership(organisation_id=organisation.id, unit_id=unit.id if unit else None, role=role)
    user.memberships.append(membership)
    session.flush()
    audit.record(session, actor, "user.role_granted", "user", user.id, now=now, role=role.value,
                 organisation=organisation_code, unit=unit_code)
    return membership
