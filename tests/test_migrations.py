"""Migrations and models agree: upgrade from empty == models; downgrade and upgrade again round-trip."""

import io
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import erms.models  # noqa: F401
import filing.dossiers
from erms import lifecycle, migrate
from erms.db import Base, make_engine
from erms.models import Document, DocumentVersion, Dossier, DossierDocument, StoredFile
from erms.models.dossier import DossierState
from erms.storage import FileStore
from tests import factories

ROOT = Path(__file__).resolve().parents[1]


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


def _joined_extents(connection) -> dict[int, tuple[int, int, int]]:
    """Return each dossier's documents, pages and bytes the way the holdings report joined them before revision
    0028: its links to the documents, and to every version's stored file."""
    filed = (
        select(
            DossierDocument.dossier_id.label("id"),
            func.count().label("documents"),
            func.coalesce(func.sum(Document.page_amount), 0).label("pages"),
        )
        .join(Document, Document.id == DossierDocument.document_id)
        .group_by(DossierDocument.dossier_id)
        .subquery()
    )
    stored = (
        select(DossierDocument.dossier_id.label("id"), func.sum(StoredFile.size).label("bytes"))
        .join(DocumentVersion, DocumentVersion.document_id == DossierDocument.document_id)
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .group_by(DossierDocument.dossier_id)
        .subquery()
    )
    query = (
        select(
            Dossier.id,
            func.coalesce(filed.c.documents, 0),
            func.coalesce(filed.c.pages, 0),
            func.coalesce(stored.c.bytes, 0),
        )
        .outerjoin(filed, filed.c.id == Dossier.id)
        .outerjoin(stored, stored.c.id == Dossier.id)
        .where(Dossier.state != DossierState.OPEN)
    )
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in connection.execute(query)}


def _stored_extents(connection) -> dict[int, tuple]:
    query = select(Dossier.id, Dossier.state, Dossier.extent_documents, Dossier.extent_pages, Dossier.extent_bytes)
    return {id_: (state, *extent) for id_, state, *extent in connection.execute(query)}


def test_the_extent_backfill_measures_as_the_report_joined(empty_engine, tmp_path):
    """Revision 0028 measures every dossier that is not open as the holdings report did by its join (and as closing
    does now); open ones stay unmeasured."""
    store, now = FileStore(tmp_path / "files"), datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
        session = Session(bind=connection)
        world = factories.World(session, now)
        made = {
            state: factories.make_dossier(session, world, store, now, state, documents=documents)
            for state, documents in (("open", 2), ("closed", 3), ("submitted", 1), ("archived", 2))
        }
        officer = world.actor("officer1")
        shared = made["closed"].links[0].document  # filed in two dossiers: counts in each
        empty = factories.make_dossier(session, world, store, now, "open", documents=0)
        draft = filing.dossiers.add_document(
            session, officer, empty.id, dict(factories.DOCUMENT, code_number="77", status="draft"),
            factories.upload(b"draft 1"), store=store, now=now,
        )  # fmt: skip
        filing.dossiers.add_version(
            session, officer, empty.id, draft.id, factories.upload(b"draft 2 longer"), store=store, now=now
        )
        filing.dossiers.finalise_document(session, officer, empty.id, draft.id, now=now)
        filing.dossiers.link_document(session, officer, empty.id, shared.id, now=now)
        filing.dossiers.close_dossier(session, officer, empty.id, store=store, now=now)
        session.flush()
        # The states past the archive, set directly: only "not open" matters to the backfill.
        connection.execute(update(Dossier).where(Dossier.id == made["archived"].id).values(state="transferred"))
        connection.execute(update(Dossier).where(Dossier.id == made["submitted"].id).values(state="destroyed"))
        session.close()
        by_closing = _stored_extents(connection)
        joined = _joined_extents(connection)
        migrate.downgrade(connection, "0027")
        migrate.upgrade(connection)
        backfilled = _stored_extents(connection)
        connection.execute(update(Dossier).values(extent_documents=None, extent_pages=None, extent_bytes=None))
        lifecycle.measure_all(connection)
        by_measure_all = _stored_extents(connection)
    assert backfilled == by_closing == by_measure_all
    assert {id_: extent for id_, (state, *extent) in backfilled.items() if state != "open"} == {
        id_: list(extent) for id_, extent in joined.items()
    }
    assert backfilled[made["open"].id][1:] == (None, None, None)
    assert backfilled[empty.id][1:] == (
        2,
        factories.DOCUMENT["page_amount"] * 2,
        len(b"draft 1" + b"draft 2 longer") + len(b"%PDF-0"),
    )
    assert {state for state, *_ in backfilled.values()} == {"open", "closed", "transferred", "destroyed"}


def test_a_database_behind_the_code_is_refused_with_what_to_do(empty_engine, tmp_path):
    """An upgrade installed and `erms db upgrade` not run: the web app and the worker refuse to start, saying so,
    instead of answering every page with a missing table."""
    with pytest.raises(migrate.SchemaNotCurrent, match="schema revision none, this ERMS needs .*erms db upgrade"):
        migrate.require_current(empty_engine)
    with empty_engine.begin() as connection:
        migrate.upgrade(connection, "0051")
    with pytest.raises(migrate.SchemaNotCurrent, match="revision 0051, .*run `erms db upgrade` first"):
        migrate.require_current(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    environment = {**os.environ, "ERMS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url}
    # What systemd starts: the worker, and gunicorn loading wsgi.py (each in a process of its own, as there).
    # And a console command (an administrator's, in a shell without the units' environment file).
    console = ("backup", "create"), ("org", "list"), ("audit", "verify"), ("jobs", "run-scheduler")
    for code in [f"from erms.cli import erms_group; erms_group({list(words)})" for words in console] + ["import wsgi"]:
        started = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
        )
        assert started.returncode != 0 and "revision 0051" in started.stderr, started.stderr[-2000:]
        assert "erms db upgrade" in started.stderr
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
    migrate.require_current(empty_engine)  # at the head: nothing to say
