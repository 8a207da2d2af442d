"""Web fixtures: the app on the test's rolled-back connection, real passwords, and a browser-like client.

CSRF protection stays ON in every web test: forms are posted with the token read from the page,
as a browser would.
"""

from __future__ import annotations

import pytest
from erms_browser import PASSWORD, Browser
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from erms import api_tokens
from erms.accounts import hash_password
from erms.app import create_app
from tests.factories import app_settings


class CompiledTemplates(BytecodeCache):
    """The templates compiled once for the whole run: every test makes an app of its own, whose Jinja environment
    would otherwise compile each page again (Jinja checks each entry against the template's source)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


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
        config = app_settings(session_factory, store, tmp_path, now)
        config.update(overrides)
        app = create_app(config)
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return Browser(app.test_client())


@pytest.fixture
def browsers(app, users):
    """Return a factory of logged-in browsers on the app, one per name."""

    def browser(name: str) -> Browser:
        opened = Browser(app.test_client())
        opened.login(name)
        return opened

    return browser


@pytest.fixture
def later(make_app):
    """Return a factory of logged-in browsers on the app whose clock reads 2 March 2037 (10-year dossiers due)."""
    from tests.web.test_retention_pages import LATER

    app = make_app(CLOCK=lambda: LATER)

    def login(username: str) -> Browser:
        opened = Browser(app.test_client())
        opened.login(username)
        return opened

    return login


@pytest.fixture
def token_of(session, world, now):
    """Return a factory: a live token of ``username`` (``days`` long), committed for the app to see."""

    def make(username: str, days: int = 30, actor=None) -> str:
        _row, token = api_tokens.create(session, actor or world.actor(username), "test", days, now=now)
        session.commit()
        return token

    return make


@pytest.fixture
def worker_running(session):
    """A worker process holds the scheduler's lease (as under `make run`): pages showing work follow it closely."""
    from datetime import UTC, datetime, timedelta

    from erms import jobs
    from erms.models import SchedulerLease

    session.add(SchedulerLease(name=jobs.LEASE, holder="may-chu:1", expires_at=datetime.now(UTC) + timedelta(hours=1)))
    session.commit()
