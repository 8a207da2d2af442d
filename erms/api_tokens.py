"""Personal API tokens ("mã truy cập API", issue 26): made by a person for another system, checked on every API
request, revoked by the person or by the administrator of their organisation.

A token is ``erms_`` and 32 random bytes (``secrets.token_urlsafe``); it is shown once, when made, and only its
SHA-256 is kept. A fast hash is right here: a slow one protects guessable passwords, and nobody guesses 256 random
bits (OWASP Password Storage Cheat Sheet). A presented token is found by the unique index on its hash: the attacker
controls only the value hashed, never the stored value compared, so the comparison leaks nothing usable.

A token acts with its person's rights at the moment of the request (``erms.permissions.load_actor``): a change of
roles applies at once, and a deactivated person's tokens stop working; deactivating the account also revokes them
(``revoke_live``), so a reactivated account does not bring back the credentials it had lent, as it brings back none
of its sessions. An administrator's password reset revokes them too: it is what they do for a compromised account.
The person's own new password does NOT end tokens: they are separate credentials lent to other systems (as
GitHub's personal access tokens), which the person or the administrator revokes here.

``last_used_at`` is kept to the minute without a write per request: ``bearer`` (and ``actor_for``) only read, so the
API answers reads inside a read-only transaction (``erms.db.transaction(read_only=True)`` refuses any write, and
on SQLite a writing one takes the database's write lock), and says when the stamp is a minute old; the caller then
runs ``touch`` in a short writing transaction of its own.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import ApiToken, User
from erms.permissions import Actor

TOKEN_PREFIX = "erms_"
TOKEN_BYTES = 32
PREFIX_SHOWN = 12  # "erms_" and 7 characters of the secret: enough to tell a person's tokens apart
NAME_LENGTH = 100
MOST_DAYS = 365  # a token lives a year at most: a forgotten one ends by itself
MOST_LIVE = 20  # live tokens per person: one per system that calls is far fewer
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenState(str, enum.Enum):
    LIVE = "live"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Bearer:
    """Who presented a live token, which token it was, and whether its ``last_used_at`` is due for ``touch``."""

    actor: Actor
    token_id: int
    touch_due: bool


def digest(token: str) -> str:
    """Return the SHA-256 hex the table keeps for ``token``."""
    # surrogatepass: whatever string a request carried hashes (to no token's hash) instead of raising.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def state(token: ApiToken, *, now: datetime) -> TokenState:
    """Return whether the token is live, expired or revoked at ``now``."""
    if token.revoked_at is not None:
        return TokenState.REVOKED
    return TokenState.LIVE if now < token.expires_at else TokenState.EXPIRED


def create(session: Session, actor: Actor, name: str, days: int | None, *, now: datetime) -> tuple[ApiToken, str]:
    """Make a token for the actor, named ``name``, live for ``days`` days; return it and the token itself, which is
    shown once and kept nowhere."""
    name = unicodedata.normalize("NFC", name or "").strip()
    problems = _name_problems(name) + _days_problems(days)
    if _live_count(session, actor.user_id, now) >= MOST_LIVE:
        problems.append(
            Problem(
                "",
                N_("You hold %(count)s tokens in use, the most allowed: revoke one you no longer need first."),
                {"count": MOST_LIVE},
            )
        )
    if problems:
        raise InvalidMetadata(problems)
    assert days is not None  # a missing number of days was a problem above
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(
        user_id=actor.user_id,
        name=name,
        token_hash=digest(token),
        prefix=token[:PREFIX_SHOWN],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "api_token.created",
        "user",
        actor.user_id,
        now=now,
        token_id=row.id,
        name=name,
        expires_at=row.expires_at.isoformat(),
    )
    return row, token


def _name_problems(name: str) -> list[Problem]:
    if not name:
        return [Problem("name", metadata.MESSAGES["required"])]
    if metadata.FORBIDDEN_CHARACTERS.search(name):
        return [Problem("name", metadata.CONTROL_CHARACTER)]
    if len(name) > NAME_LENGTH:
        return [Problem("name", metadata.MESSAGES["maxLength"], {"limit": NAME_LENGTH})]
    return []


def _days_problems(days: int | None) -> list[Problem]:
    if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MOST_DAYS:
        return []
    return [Problem("days", N_("A token lasts from 1 to %(most)s days."), {"most": MOST_DAYS})]


def _live_count(session: Session, user_id: int, now: datetime) -> int:
    live = select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
    )
    return session.scalar(live) or 0


def bearer(session: Session, token: str, *, now: datetime) -> Bearer | None:
    """Return who presented ``token`` if it is live and its person active, else None (the same answer for a wrong,
    expired or revoked token: the caller answers 401 to each). Never writes."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if found is None or state(found, now=now) is not TokenState.LIVE:
        return None
    try:
        actor = permissions.load_actor(session, found.user_id)
    except NotFound:
        return None  # deactivated: their tokens stop with their log-in
    due = found.last_used_at is None or now - found.last_used_at >= TOUCH_INTERVAL
    return Bearer(actor, found.id, due)


def actor_for(session: Session, token: str, *, now: datetime) -> Actor | None:
    """Return the Actor of a live token, or None. Never writes (see ``bearer`` for ``touch``)."""
    found = bearer(session, token, now=now)
    return found.actor if found else None


def touch(session: Session, token_id: int, *, now: datetime) -> None:
    """Note that the token was used at ``now``, unless it was noted less than a minute ago (two requests at once
    both finding it due write once). Bookkeeping, not a change of a record: not audited."""
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_INTERVAL)
    session.execute(update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now))


def tokens_of(session: Session, actor: Actor, user_id: int) -> list[ApiToken]:
    """Return the person's tokens, newest first: to the person, or to the administrator of their organisation."""
    _owner(session, actor, user_id)
    newest = (
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(newest))


def revoke(session: Session, actor: Actor, token_id: int, *, now: datetime) -> ApiToken:
    """End a token at once: the person's own, or any of a person of an organisation the actor administers; anyone
    else's is not found, as a record one may not see."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    _owner(session, actor, token.user_id)
    if token.revoked_at is not None:
        raise RuleViolation(N_("The token %(name)s was revoked already."), name=token.name)
    token.revoked_at, token.revoked_by_id = now, actor.user_id
    audit.record(
        session, actor, "api_token.revoked", "user", token.user_id, now=now, token_id=token.id, name=token.name
    )
    return token


def revoke_live(session: Session, actor: Actor, user_id: int, *, now: datetime, reason: str) -> int:
    """End at once every live token of the person ``user_id`` (their account is being deactivated, or its password
    reset: ``reason``), each audited as a revocation; return how many. The actor manages the person's tokens, as
    ``revoke`` requires."""
    _owner(session, actor, user_id)
    live = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    ended = list(session.scalars(live))
    for token in ended:
        token.revoked_at, token.revoked_by_id = now, actor.user_id
        audit.record(
            session,
            actor,
            "api_token.revoked",
            "user",
            user_id,
            now=now,
            token_id=token.id,
            name=token.name,
            reason=reason,
        )
    return len(ended)


def _owner(session: Session, actor: Actor, user_id: int) -> User:
    owner = session.get(User, user_id)
    if owner is None or not permissions.manages_tokens_of(
        actor, owner.id, (membership.organisation_id for membership in owner.memberships)
    ):
        raise NotFound()
    return owner
