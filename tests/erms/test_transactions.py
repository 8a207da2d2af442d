"""How transactions take SQLite's write lock: a writer at its start, a long read never, a read-only one refuses to
write (issue 18: no "database is locked", and a long build does not stop everyone else from saving)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text

from erms import db, migrate
from erms.models import Organisation


@pytest.fixture
def factory(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield db.make_session_factory(engine)
    engine.dispose()


def another_writer_can_save(factory) -> bool:
    """Try to save from another connection without waiting: True if SQLite let it."""
    path = factory.kw["bind"].url.database
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_writing_transaction_holds_the_lock_from_its_start(factory):
    with db.transaction(factory) as session:
        session.execute(select(Organisation.id)).all()
        assert not another_writer_can_save(factory)
    assert another_writer_can_save(factory)


def test_a_long_read_that_writes_at_its_end_lets_others_save_meanwhile(factory):
    with db.transaction(factory, lock_early=False) as session:
        session.execute(select(Organisation.id)).all()
        assert another_writer_can_save(factory)


def test_a_read_only_transaction_refuses_to_write_and_lets_others_save(factory):
    with pytest.raises(db.WriteInReadTransaction), db.transaction(factory, read_only=True) as session:
        assert another_writer_can_save(factory)
        session.execute(
            text(
                "INSERT INTO organisations (code, name, parent_name, archive_code, created_at) "
                "VALUES ('x', 'x', '', '', '2026-01-01')"
            )
        )
    with db.transaction(factory) as session:
        assert session.scalar(select(Organisation.id)) is None


def test_every_connection_reads_through_the_settings_reports_are_measured_with(engine):
    """SQLite maps the database file into memory; PostgreSQL compiles no query (``erms.db``: both measured on the
    reports at 100,000 dossiers)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == db.SQLITE_MMAP_BYTES
        else:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
