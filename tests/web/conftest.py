"""Web fixtures: the app on the test's rolled-back connection, real passwords, and a browser-like client.

CSRF protection stays ON in every web test: forms are posted with the token read from the page,
as a browser would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from erms_browser import PASSWORD, Browser

from erms.accounts import hash_password
from erms.app import create_app

CATALOG = Path(__file__).resolve().parents[2] / "erms" / "translations" / "vi" / "LC_MESSAGES" / "messages"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the Vietnamese catalog when the .mo is missing or older (``make translations`` does the same)."""
    po, mo = CATALOG.with_suffix(".po"), CATALOG.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source, locale="vi")
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for the whole run


@pytest.fixture
def users(world, session, password_hash):
    """Give every user of the world the test password."""
    for user in world.users.values():
        user.password_hash = password_hash
    session.flush()
    return world.users


@pytest.fixture
def make_app(session_factory, store, tmp_path, now, users):
    """Return a factory of apps sharing the test's database and file store; keyword args override settings."""

    def make(**overrides):
        config = {
            "TESTING": True,
            "SESSION_FACTORY": session_factory,
            "DATA_DIR": str(tmp_path),
            "STORAGE_ROOT": str(store.root),
            "SECRET_KEY": "test",
            "CLOCK": lambda: now,
        }
        config.update(overrides)
        return create_app(config)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return Browser(app.test_client())
