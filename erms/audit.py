"""The audit log writer and verifier. ``record`` is the only code that inserts into audit_events.

Each event's hash is sha256(previous hash + canonical JSON of the event), so altering or removing
any row breaks the chain from that row on; ``verify`` finds the first break (PL6 III.5.a, III.6.l).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event as orm_events
from sqlalchemy import select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from erms.config import LOCAL_TZ
from erms.errors import Conflict
from erms.models import AuditEvent, User
from erms.permissions import Actor

GENESIS = "0" * 64


def canonical(event: AuditEvent) -> str:
    """Return the JSON the hash covers: every field of the event except the hashes themselves."""
    return json.dumps(
        {
            "occurred_at": event.occurred_at.isoformat(),
            "actor_id": event.actor_id,
            "actor_name": event.actor_name,
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "before_state": event.before_state,
            "after_state": event.after_state,
            "details": event.details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """Return the hash of ``event`` chained after ``prev_hash``."""
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    # PostgreSQL: serialise appenders so they queue instead of failing on the unique prev_hash.
    # SQLite serialises writers itself.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7201)"))


# The events a transaction recorded, chained and inserted as it commits (or as it first reads the log): the chain's
# lock is then held from that moment to the commit, not from the first event through the rest of the work (on
# PostgreSQL every audited save, a dossier's view among them, queued behind the lock of one whose thread was busy).
PENDING = "erms_audit_pending"
# Set in a session's info, its events are appended as they are recorded: the tests' own session, whose work the app's
# sessions read on the same connection without its ever committing.
AT_ONCE = "erms_audit_at_once"


def _pending(session: Session) -> list[tuple[Any, AuditEvent]]:
    return session.info.setdefault(PENDING, [])


@orm_events.listens_for(Session, "before_commit")
def append_pending(session: Session) -> None:
    """Chain the events the transaction recorded after the newest one and insert them, in the order recorded."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    _lock_chain(session)
    previous = head_hash(session)
    for _transaction, recorded in pending:
        recorded.prev_hash = previous
        recorded.hash = previous = chain_hash(previous, recorded)
    session.add_all([recorded for _transaction, recorded in pending])
    session.flush()


@orm_events.listens_for(Session, "do_orm_execute")
def _append_before_reading(state: ORMExecuteState) -> None:
    # Whoever reads the log inside the transaction that recorded an event reads it too, as before it was deferred.
    if state.is_select and PENDING in state.session.info and AuditEvent.__mapper__ in state.all_mappers:
        append_pending(state.session)


@orm_events.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    # A savepoint rolled back takes the events recorded inside it (and in the savepoints it held) with it.
    kept = []
    for transaction, recorded in session.info.get(PENDING, []):
        holder = transaction
        while holder is not None and holder is not previous:
            holder = holder.parent
        if holder is None and previous.parent is not None:
            kept.append((transaction, recorded))
    if PENDING in session.info:
        session.info[PENDING] = kept


@orm_events.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    # A session closed without committing (its transaction ended unfinished) writes nothing it recorded.
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def head_hash(session: Session) -> str:
    """Return the hash of the newest event (the genesis value on an empty log)."""
    latest = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return latest or GENESIS


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    now: datetime,
    before: str = "",
    after: str = "",
    **details,
) -> AuditEvent:
    """Append one event in the caller's transaction (chained as it commits); ``actor`` None means the system itself."""
    recorded = AuditEvent(
        occurred_at=now.astimezone(UTC),  # hashed as stored, whatever zone came in
        actor_id=actor.user_id if actor else None,
        actor_name=actor.username if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before_state=before,
        after_state=after,
        details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
    )
    _pending(session).append((session.get_nested_transaction() or session.get_transaction(), recorded))
    if session.info.get(AT_ONCE):
        append_pending(session)
    return recorded


# Security events: refusals a person or a script provoked. The log is kept forever, so a flood of
# them is bounded: per source (a user, or an address when nobody is logged in) and in all, within a
# window; the first event over a bound becomes one "security.flood" note and the rest are dropped.
# Failed log-ins are not bounded here: the lockout counts them, and each costs its sender a password hash.
SECURITY_ACTIONS = ("security.denied", "security.csrf_refused", "user.login_locked", "security.flood")
SECURITY_WINDOW = timedelta(minutes=10)
SECURITY_PER_SOURCE = 20
SECURITY_TOTAL = 500


def record_security(
    session: Session, actor: Actor | None, action: str, *, now: datetime, source: str, **details
) -> AuditEvent | None:
    """Append a security event unless its source or everyone has reached the bound; return it, or None."""
    sources = [
        json.loads(raw).get("source")
        for raw in session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action.in_(SECURITY_ACTIONS), AuditEvent.occurred_at > now - SECURITY_WINDOW)
            .limit(SECURITY_TOTAL + 1)
        )
    ]
    mine = sources.count(source)
    if len(sources) > SECURITY_TOTAL or mine > SECURITY_PER_SOURCE:
        return None
    if len(sources) == SECURITY_TOTAL or mine == SECURITY_PER_SOURCE:
        action, details = "security.flood", {"dropped": action, "everyone": len(sources) == SECURITY_TOTAL}
    return record(session, actor, action, "security", None, now=now, source=source, **details)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify`: how many events were checked and the first broken one."""

    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def recent(session: Session, action: str, since: datetime) -> list[tuple[datetime, dict]]:
    """Return when each ``action`` event after ``since`` happened, with its details, oldest first."""
    rows = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.details)
        .where(AuditEvent.action == action, AuditEvent.occurred_at > since)
        .order_by(AuditEvent.id)
    ).all()
    return [(occurred_at, json.loads(details)) for occurred_at, details in rows]


def last_event(session: Session, subject_type: str, subject_id: int, action: str = "") -> AuditEvent | None:
    """Return the newest event about one record (who changed it last, and when), or the newest of one ``action``."""
    query = select(AuditEvent).where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))


def actor_of(session: Session, event: AuditEvent) -> str:
    """Return who did what ``event`` records: their full name now, or the name the event kept."""
    who = session.get(User, event.actor_id) if event.actor_id else None
    return who.full_name if who else event.actor_name


def changed_by(session: Session, subject_type: str, subject_id: int) -> tuple[str, str]:
    """Return who changed a record last (their full name) and when (local time, dd/mm/yyyy hh:mm)."""
    last = last_event(session, subject_type, subject_id)
    if last is None:
        return "?", "?"
    return actor_of(session, last), last.occurred_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def conflict(
    session: Session, subject_type: str, subject_id: int, fields: list[str], saved: Mapping[str, str] | None = None
) -> Conflict:
    """Return the refusal of a save made from a form that showed an earlier revision: who saved the record last,
    when, the ``fields`` where the form differs from it now and (``saved``) what the record holds there."""
    who, when = changed_by(session, subject_type, subject_id)
    return Conflict(who=who, when=when, fields=", ".join(fields) or "-", saved=saved)


def refuse_changed(
    session: Session, subject_type: str, record: Any, seen: Mapping[str, str] | None, titles: Mapping[str, str]
) -> None:
    """Refuse a save from a form that showed other values than the record holds now (for records with no revision:
    the form sends back what it showed of each field of ``titles``, as ``str()`` writes it, nothing for None),
    naming the fields by their ``titles``. No ``seen``: a form that showed nothing to compare, no check."""
    if seen is None:
        return
    changed = [title for key, title in titles.items() if seen.get(key, "") != shown(getattr(record, key))]
    if changed:
        raise conflict(session, subject_type, record.id, changed)


def shown(value: object) -> str:
    """A value as a form writes it back, to compare what it showed with the record: a day as ISO, an enum as its
    value, nothing for None."""
    value = value.isoformat() if isinstance(value, date) else getattr(value, "value", value)
    return "" if value is None else str(value)


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in id order and report the first event that does not verify."""
    expected_prev, checked, last_id = GENESIS, 0, 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            return ChainReport(checked)
        for event in events:
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "previous event missing or altered")
            if chain_hash(event.prev_hash, event) != event.hash:
                return ChainReport(checked, event.id, "event altered")
            expected_prev, last_id, checked = event.hash, event.id, checked + 1
            session.expunge(event)  # keep memory flat over millions of events
