"""A migrated SQLite instance with the test World, every person's password set, for the browser tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from erms import db, migrate
from erms.accounts import hash_password
from erms.storage import FileStore
from tests.factories import World


def seeded(
    folder: Path, now: datetime, password: str, build: Callable[[Session, World, FileStore], object]
) -> tuple[str, Engine, FileStore]:
    """Return the URL, engine and store of a fresh instance in ``folder``, its records made by ``build``."""
    url = f"sqlite:///{folder / 'erms.sqlite3'}"
    engine = db.make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    store = FileStore(folder / "files")
    with Session(engine) as session:
        world = World(session, now)
        for user in world.users.values():
            user.password_hash = hash_password(password)
        build(session, world, store)
        session.commit()
    return url, engine, store
