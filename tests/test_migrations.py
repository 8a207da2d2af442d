"""Migrations and models agree: upgrade from empty == models; downgrade and upgrade again round-trip."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import erms.models  # noqa: F401
from erms import migrate
from erms.db import Base, make_engine


@pytest.fixture
def empty_engine(database_url, tmp_path):
    """A brand-new empty database beside the test database (a new file, or a new PostgreSQL database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()
        return
    name = f"erms_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_upgrade_matches_models_and_round_trips(empty_engine):
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    with empty_engine.begin() as connection:
        migrate.downgrade(connection, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
    assert "dossiers" in inspect(empty_engine).get_table_names()
