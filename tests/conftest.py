"""Shared fixtures: a database migrated once per run, a rolled-back session per test, the world, the factories
(``tests/factories.py``).

The suite runs on SQLite by default and on PostgreSQL when ERMS_TEST_DATABASE_URL is set
(``make test`` does both). The schema is always built by running the Alembic migrations.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from erms import audit, migrate
from erms.db import make_engine
from erms.storage import FileStore
from tests import factories
from tests.factories import NOW, World


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, run only the tests that ask for the database under test.

    A test that never asks for ``database_url`` (directly or through a fixture) touches no database or only a SQLite
    file of its own, so it behaves the same in both runs: the SQLite run has already run it.
    """
    if not os.environ.get("ERMS_TEST_DATABASE_URL"):
        return
    kept, same_on_both = [], []
    for item in items:
        (kept if "database_url" in getattr(item, "fixturenames", ()) else same_on_both).append(item)
    if same_on_both:
        config.hook.pytest_deselected(items=same_on_both)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("ERMS_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _database_of_worker(url, worker) if worker else url


def _database_of_worker(url: str, worker: str) -> str:
    """Return a database of its own for one of pytest-xdist's workers, beside the cluster's test database (each
    worker resets and migrates its schema)."""
    name = f"{url.rsplit('/', 1)[1]}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def reset_schema(engine) -> None:
    """Leave an empty database behind, whatever an earlier run left."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    reset_schema(engine)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


@pytest.fixture
def session_factory(connection):
    """Sessions joined to the test's outer transaction: their commits are savepoints, rolled back after."""
    return lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory):
    session = session_factory()
    session.info[audit.AT_ONCE] = True  # what it records is read by the app's sessions, and it never commits
    yield session
    session.close()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "files")


@pytest.fixture
def world(session, now) -> World:
    return World(session, now)


@pytest.fixture
def make_dossier(world, session, store, now):
    """Return a factory: a dossier of unit A walked to ``state`` (``factories.make_dossier``)."""

    def make(state: str = "open", row: str = "10y", documents: int = 1):
        return factories.make_dossier(session, world, store, now, state, row, documents)

    return make
