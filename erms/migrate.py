"""Run the Alembic migrations in migrations/ from code (the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

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
