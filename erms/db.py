"""Database plumbing: the declarative Base, engines, sessions, transactions and after-commit hooks.

Services never commit: the adapter (a view, a CLI command, a job) owns the transaction through
:func:`transaction`. Side effects that must only happen once data is durable (search reindex,
deleting a replaced temp file) are queued with :func:`on_commit`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# One naming convention so Alembic names every constraint the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# How long a SQLite writer waits for the one before it; past that the request is told to try again.
BUSY_TIMEOUT_MS = 10_000
# SQLite reads the database through a memory map of up to this size (SQLite's own build caps it at 2 GB): a report
# that visits pages all over the file then reads them from the page cache the kernel already holds instead of
# copying each into SQLite's small private cache. The pages are shared by every process, not copied per process.
SQLITE_MMAP_BYTES = 1 << 30
# PostgreSQL's JIT compiles a query's expressions once its estimated cost is high: for the reports' grouped counts
# over ~100,000 rows the compiling took 0.1-0.2 s and saved less; no query of a records system runs long enough to
# win it back.
POSTGRESQL_OPTIONS = "-c jit=off"


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a memory map on every connection,
    PostgreSQL has its JIT off."""
    if make_url(url).get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"options": POSTGRESQL_OPTIONS, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms=busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
    event.listen(engine, "before_cursor_execute", _refuse_writes_when_reading)
    return engine


def _sqlite_pragmas(dbapi_connection, _record, *, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself
    # (the recipe of SQLAlchemy's SQLite dialect documentation, "Serializable isolation / Savepoints").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


# What the transaction about to begin will do: "read" (a page being shown), "write", or "late" (a long read
# that writes a little at its end, like a package build). Work that does not say is taken as writing.
INTENT: ContextVar[str] = ContextVar("erms_transaction_intent", default="write")
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteInReadTransaction(RuntimeError):
    """A transaction opened to read tried to write: the caller must open it to write (a programming error)."""


class NestedWriteTransaction(RuntimeError):
    """A writing transaction was opened inside another one of the same thread: on SQLite the inner one would
    wait for the outer's write lock, which waits for it (a programming error: read inside, or write once)."""


# Writing transactions open in this thread (or task): at most one, see NestedWriteTransaction.
_WRITING: ContextVar[int] = ContextVar("erms_open_write_transactions", default=0)


def _sqlite_begin(connection) -> None:
    # A transaction that may write takes SQLite's write lock as it begins and waits its turn on the busy
    # timeout. A deferred one that read first could not take it later once another writer had committed
    # ("database is locked" at once, the busy timeout never consulted).
    connection.exec_driver_sql("BEGIN IMMEDIATE" if INTENT.get() == "write" else "BEGIN")


def _refuse_writes_when_reading(connection, cursor, statement: str, parameters, context, executemany) -> None:
    if INTENT.get() == "read" and statement.lstrip()[:7].upper().startswith(WRITES):
        raise WriteInReadTransaction(f"a read-only transaction tried to write: {statement[:80]}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used by adapters (expire_on_commit off: views render after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_memo(session: Session, name: str) -> dict | None:
    """Return the read-only transaction's own dict for what its page reads more than once (who may read a record,
    asked by several parts of one page), None in a writing one, whose own changes would make a kept answer stale."""
    memos = session.info.get(_READ_MEMOS)
    return None if memos is None else memos.setdefault(name, {})


_READ_MEMOS = "read_memos"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` after the session's transaction commits; drop it on rollback."""
    session.info.setdefault("on_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("on_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("on_commit", None)


@contextlib.contextmanager
def transaction(
    factory: Callable[[], Session], *, read_only: bool = False, lock_early: bool = True
) -> Iterator[Session]:
    """Open a session, yield it, commit on success and roll back on any error.

    ``read_only`` says the block only reads: on SQLite it then does not take the write lock, so pages
    are shown while someone saves; a write inside it raises WriteInReadTransaction. ``lock_early=False``
    is for long work that reads for minutes and writes a little at its end: it takes SQLite's write lock
    only at that first write (and is refused as busy if another writer committed meanwhile), instead of
    making every other writer wait for it.
    """
    mode = "read" if read_only else "write" if lock_early else "late"
    if mode == "write" and _WRITING.get():
        raise NestedWriteTransaction("a writing transaction was opened inside another one")
    intent = INTENT.set(mode)
    writing = _WRITING.set(_WRITING.get() + (mode == "write"))
    session = factory()
    if read_only:
        session.info[_READ_MEMOS] = {}
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _WRITING.reset(writing)
        INTENT.reset(intent)
