"""Many people at once against a live server: log-ins and saves never fail with "database is locked" on
SQLite, nor with a server error on PostgreSQL (issue 18, part 1)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests
from erms_browser import PASSWORD
from sqlalchemy import func, select

from erms import db, migrate
from erms.accounts import LOCKOUT_FAILURES, hash_password
from erms.app import create_app
from erms.models import AuditEvent, LogInClaim, SavedSearch
from tests.databases import own_database
from tests.factories import NOW, World
from tests.live_server import serving

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PEOPLE = 24


@pytest.fixture
def database(database_url, tmp_path):
    """A migrated database of its own: the live server commits for real."""
    with own_database(database_url, tmp_path, "live") as url:
        yield url


@pytest.fixture
def live(database, tmp_path, password_hash):
    """Serve the app on a loopback port from a thread pool, with the test world's people in the database."""
    engine = db.make_engine(database)
    with db.transaction(db.make_session_factory(engine)) as session:
        world = World(session, NOW)
        for user in world.users.values():
            user.password_hash = password_hash
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database, "SECRET_KEY": "live-test"})
    with serving(app) as base:
        yield base, engine
    engine.dispose()


def token(page: requests.Response) -> str:
    return TOKEN.search(page.text).group(1)


def work_day(base: str, username: str, number: int) -> list[int]:
    """Log in, read the home page, save a search and read it back; return every status seen."""
    browser = requests.Session()
    form = browser.get(f"{base}/auth/login")
    statuses = [form.status_code]
    logged_in = browser.post(
        f"{base}/auth/login",
        allow_redirects=False,
        data={"csrf_token": token(form), "username": username, "password": PASSWORD},
    )
    statuses.append(logged_in.status_code)
    home = browser.get(f"{base}/")
    statuses.append(home.status_code)
    saved = browser.post(
        f"{base}/search/saved",
        allow_redirects=False,
        data={"csrf_token": token(home), "name": f"Tìm {number}", "query": f"q={quote('hồ sơ')}"},
    )
    statuses.append(saved.status_code)
    statuses.append(browser.get(f"{base}/search/?q=h%E1%BB%93+s%C6%A1").status_code)
    return statuses


def test_many_people_log_in_and_save_at_once_without_an_error(live):
    base, engine = live
    names = ["officer1", "officer2", "unithead", "registry", "archivist", "head", "admin", "council1"]
    with ThreadPoolExecutor(PEOPLE) as pool:
        days = list(pool.map(lambda number: work_day(base, names[number % len(names)], number), range(PEOPLE)))
    assert days == [[200, 302, 200, 302, 200]] * PEOPLE
    with engine.connect() as connection:
        saved = connection.scalar(select(func.count()).select_from(SavedSearch))
        logins = connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.logged_in")
        )
    assert (saved, logins) == (PEOPLE, PEOPLE)


GUESSES = 20


def test_guesses_sent_all_at_once_are_checked_no_more_often_than_the_lock_allows(live):
    """Twenty wrong passwords for one name, released together: five are checked and refused as wrong, the rest are
    refused unchecked as locked; then the right password is refused too, until the window passes."""
    base, engine = live
    start = threading.Barrier(GUESSES)

    def guess(number: int) -> int:
        browser = requests.Session()
        form = token(browser.get(f"{base}/auth/login"))
        start.wait()
        data = {"csrf_token": form, "username": "officer1", "password": f"wrong-guess-{number}"}
        return browser.post(f"{base}/auth/login", allow_redirects=False, data=data).status_code

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = sorted(pool.map(guess, range(GUESSES)))
    assert answers == [401] * LOCKOUT_FAILURES + [429] * (GUESSES - LOCKOUT_FAILURES)
    browser = requests.Session()
    form = token(browser.get(f"{base}/auth/login"))
    right = {"csrf_token": form, "username": "officer1", "password": PASSWORD}
    assert browser.post(f"{base}/auth/login", allow_redirects=False, data=right).status_code == 429
    with engine.connect() as connection:
        failed = connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.login_failed")
        )
        claims = connection.scalar(select(func.count()).select_from(LogInClaim))
    assert (failed, claims) == (LOCKOUT_FAILURES, 0)  # every checked try recorded; none left claimed


def test_a_save_that_waits_too_long_is_told_to_try_again_and_changes_nothing(tmp_path):
    """Another process holds SQLite's write lock past the wait: the user gets 503 in words, not a server error."""
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    engine = db.make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    with db.transaction(db.make_session_factory(engine)) as setup:
        World(setup, NOW).users["officer1"].password_hash = hash_password(PASSWORD)
    app = create_app(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": url,
            "SECRET_KEY": "busy-test",
            "SQLITE_BUSY_MS": 200,
            "TESTING": True,
        }
    )
    client = app.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    holder = engine.raw_connection()
    holder.execute("BEGIN IMMEDIATE")  # a writer that does not let go
    try:
        response = client.post(
            "/auth/login",
            data={"csrf_token": TOKEN.search(form).group(1), "username": "officer1", "password": PASSWORD},
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Hệ thống đang bận" in response.get_data(as_text=True)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditEvent)) == 0
    engine.dispose()


def test_a_refused_form_is_shown_again_at_once_over_real_connections(live):
    """A form shown again with its problems reads the header's counts inside the page's own transaction: over
    separate connections that must not wait for the page's write lock (it once waited for itself, then failed)."""
    base, _engine = live
    browser = requests.Session()
    form = browser.get(f"{base}/auth/login")
    browser.post(f"{base}/auth/login", data={"csrf_token": token(form), "username": "registry", "password": PASSWORD})
    home = browser.get(f"{base}/dossier-lists/")
    refused = browser.post(f"{base}/dossier-lists/create", data={"csrf_token": token(home), "year": "²"}, timeout=5)
    assert refused.status_code == 422 and "Trường này là bắt buộc." in refused.text


def test_every_connection_in_use_past_the_wait_is_a_busy_answer_not_a_server_error(database_url, tmp_path):
    with own_database(database_url, tmp_path, "pool") as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
        app = create_app(
            {
                "DATA_DIR": str(tmp_path / "data"),
                "SESSION_FACTORY": db.make_session_factory(engine),
                "SECRET_KEY": "pool-test",
                "TESTING": True,
            }
        )
        client = app.test_client()
        form = client.get("/auth/login").get_data(as_text=True)
        held = engine.connect()  # the pool's one connection, taken by someone else's long request
        try:
            response = client.post(
                "/auth/login",
                data={"csrf_token": TOKEN.search(form).group(1), "username": "officer1", "password": PASSWORD},
            )
        finally:
            held.close()
        engine.dispose()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Hệ thống đang bận" in response.get_data(as_text=True)


def test_a_page_needs_one_pooled_connection_however_many_people_wait(database_url, tmp_path):
    """The page header's counts read inside the page's own transaction: needing a second connection, every
    person holding one would wait for another until the pool gave up (503 for all, under a busy morning)."""
    with own_database(database_url, tmp_path, "one") as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.5)
        with db.transaction(db.make_session_factory(engine)) as setup:
            World(setup, NOW).users["officer1"].password_hash = hash_password(PASSWORD)
        app = create_app(
            {
                "DATA_DIR": str(tmp_path / "data"),
                "SESSION_FACTORY": db.make_session_factory(engine),
                "SECRET_KEY": "one-connection",
                "TESTING": True,
            }
        )
        client = app.test_client()
        form = client.get("/auth/login").get_data(as_text=True)
        client.post(
            "/auth/login",
            data={"csrf_token": TOKEN.search(form).group(1), "username": "officer1", "password": PASSWORD},
        )
        pages = [client.get(path).status_code for path in ("/", "/dossier-lists/", "/search/?q=x")]
        engine.dispose()
    assert pages == [200, 200, 200]
