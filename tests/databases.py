"""A database of a test's own, for tests whose writes must really commit (live servers, threads at once)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from erms import db, migrate


@contextlib.contextmanager
def own_database(database_url: str, folder: Path, stem: str, *, migrated: bool = True) -> Iterator[str]:
    """Yield the URL of a new database beside the test database (a SQLite file in ``folder``, or a PostgreSQL
    database dropped afterwards), migrated to the newest schema unless ``migrated`` is False (then empty)."""
    if database_url.startswith("sqlite"):
        url, admin, name = f"sqlite:///{folder / f'{stem}.sqlite3'}", None, ""
    else:
        name = f"erms_{stem}_{uuid.uuid4().hex[:8]}"
        admin = db.make_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = database_url.rsplit("/", 1)[0] + "/" + name
    if migrated:
        engine = db.make_engine(url)
        with engine.begin() as connection:
            migrate.upgrade(connection)
        engine.dispose()
    try:
        yield url
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
