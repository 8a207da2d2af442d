"""Migrations and models agree: upgrade from empty == models; downgrade and upgrade again round-trip."""

import io
import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import erms.models  # noqa: F401
from erms import migrate
from erms.db import Base, make_engine
from erms.storage import FileStore


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
        # The PostgreSQL search engine's table is made on PostgreSQL only and is not an ORM model
        # (erms/search_index/postgres.py); the search contract suite uses every column of it there.
        options = {"include_name": lambda name, kind, _parent: not (kind == "table" and name == "search_entries")}
        differences = compare_metadata(MigrationContext.configure(connection, opts=options), Base.metadata)
        assert differences == []
    with empty_engine.begin() as connection:
        migrate.downgrade(connection, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
    assert "dossiers" in inspect(empty_engine).get_table_names()


def test_files_stored_before_signature_flags_are_read_once_for_them(empty_engine, tmp_path):
    store = FileStore(tmp_path / "files")
    signed = store.put(io.BytesIO(b"%PDF-1.7 <</Type/Sig/ByteRange[0 10 20 30]>>"))
    unsigned = store.put(io.BytesIO(b"%PDF-1.7 unsigned"))
    rows = {"signed": signed.sha256, "unsigned": unsigned.sha256, "missing": "ab" * 32}
    with empty_engine.begin() as connection:
        migrate.upgrade(connection, "0009")
        for name, sha256 in rows.items():
            connection.execute(
                text(
                    "INSERT INTO stored_files (sha256, sha512, size, media_type, created_at) "
                    "VALUES (:sha256, :sha512, 1, 'application/pdf', :at)"
                ),
                {"sha256": sha256, "sha512": name, "at": datetime(2026, 1, 1, tzinfo=UTC)},
            )
        migrate.upgrade(connection, storage_root=str(store.root))
        flags = dict(connection.execute(text("SELECT sha512, has_pdf_signature FROM stored_files")).all())
    assert flags == {"signed": True, "unsigned": False, "missing": False}
