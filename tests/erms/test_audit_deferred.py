"""The chain takes each transaction's events as it commits (erms/audit.py): in commit order, none of what was rolled
back, its own events visible to the transaction that recorded them, and on PostgreSQL the chain's lock held only from
that moment to the commit, so one audited save never waits for the rest of another's work."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from erms import audit
from erms.db import make_engine
from erms.models import AuditEvent
from tests.databases import own_database

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_events_join_the_chain_in_the_order_their_transactions_commit(session_factory):
    first, second = session_factory(), session_factory()
    audit.record(first, None, "test.recorded_first", "test", 1, now=NOW)
    audit.record(second, None, "test.recorded_second", "test", 2, now=NOW)
    second.commit()
    first.commit()
    reader = session_factory()
    assert actions(reader)[-2:] == ["test.recorded_second", "test.recorded_first"]
    assert audit.verify(reader).ok


def test_what_was_rolled_back_never_joins_the_chain(session_factory):
    session = session_factory()
    audit.record(session, None, "test.kept", "test", 1, now=NOW)
    with pytest.raises(RuntimeError), session.begin_nested():
        audit.record(session, None, "test.in_a_savepoint", "test", 2, now=NOW)
        raise RuntimeError("refused")
    session.commit()
    dropped = session_factory()
    audit.record(dropped, None, "test.rolled_back", "test", 3, now=NOW)
    dropped.rollback()
    closed = session_factory()
    audit.record(closed, None, "test.never_committed", "test", 4, now=NOW)
    closed.close()
    reader = session_factory()
    assert [action for action in actions(reader) if action.startswith("test.")] == ["test.kept"]
    assert audit.verify(reader).ok


def test_a_transaction_reads_the_events_it_recorded(session_factory):
    session = session_factory()
    recorded = audit.record(session, None, "test.read_back", "test", 7, now=NOW)
    assert audit.last_event(session, "test", 7) is recorded and recorded.prev_hash and recorded.hash


def test_an_audited_save_does_not_wait_for_another_transaction_still_at_work(database_url, tmp_path):
    """Two connections of their own: the first records an event and goes on working; the second records, commits
    and is done before the first commits (it waited for the first's commit while the chain's lock was taken as the
    event was recorded)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer at a time work, whatever the chain does")
    with own_database(database_url, tmp_path, "chain") as url:
        engine = make_engine(url)
        try:
            working = Session(engine)
            audit.record(working, None, "test.long_save", "test", 1, now=NOW)
            working.execute(text("SELECT 1"))  # the first transaction has begun and goes on working

            def quick_save() -> None:
                with Session(engine) as quick:
                    audit.record(quick, None, "test.quick_save", "test", 2, now=NOW)
                    quick.commit()

            other = threading.Thread(target=quick_save)
            other.start()
            other.join(timeout=10)
            finished_first = not other.is_alive()
            working.commit()
            other.join()
            assert finished_first
            with Session(engine) as reader:
                assert actions(reader) == ["test.quick_save", "test.long_save"] and audit.verify(reader).ok
        finally:
            engine.dispose()
