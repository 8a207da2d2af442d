"""Run the Alembic migrations in migrations/ from code (the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(
    connection: Connection | None = None, url: str | None = None, storage_root: str | None = None
) -> Config:
    """Return an Alembic configuration bound to ``connection`` or ``url``.

    ``storage_root``: the file store, for migrations that read stored files (default: the configured one).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if storage_root is not None:
        cfg.attributes["storage_root"] = storage_root
    return cfg


def known_revisions() -> set[str]:
    """Return every schema revision this code's migrations know (a database at another came from a newer ERMS)."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_revision() -> str:
    """Return the newest schema revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the migrations form one line
    return head


def upgrade(connection: Connection, revision: str = "head", storage_root: str | None = None) -> None:
    """Bring the schema on ``connection`` up to ``revision`` (``storage_root`` as for ``alembic_config``)."""
    command.upgrade(alembic_config(connection, storage_root=storage_root), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    """Take the schema on ``connection`` down to ``revision``."""
    command.downgrade(alembic_config(connection), revision)


class SchemaNotCurrent(Exception):
    """The database is not at the schema this code needs: the web app and the worker refuse to start on it."""


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at (None: no schema yet)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """Refuse to serve a database whose schema is not this code's (an upgrade installed, ``erms db upgrade`` not run
    yet; a database a newer ERMS made): every page would otherwise fail on a missing table or column."""
    found, wanted = current_revision(engine), head_revision()
    if found != wanted:
        raise SchemaNotCurrent(
            f"the database is at schema revision {found or 'none'}, this ERMS needs {wanted}: "
            + (
                "run `erms db upgrade` first"
                if found is None or found in known_revisions()
                else "it was made by a newer ERMS; run that version"
            )
        )
