"""A stranger's guesses lock a username only for browsers it was never logged in with (OWASP's device cookie)."""

from __future__ import annotations

import json

from erms_browser import PASSWORD, Browser
from sqlalchemy import select

from erms import accounts
from erms.models import AuditEvent
from erms.web.trusted_browsers import COOKIE

WRONG = "not-the-password"


def _guess_until_locked(browser: Browser, username: str) -> None:
    for _ in range(accounts.LOCKOUT_FAILURES):
        assert browser.login(username, WRONG).status_code == 401
    assert browser.login(username).status_code == 429  # locked: the right password is not even checked


def test_the_person_logs_in_from_their_own_browser_while_a_stranger_has_locked_the_name(app, client, users):
    own = Browser(app.test_client())
    assert own.login("officer1").status_code == 302
    own.logout()
    _guess_until_locked(client, "officer1")

    assert own.login("Officer1").status_code == 302  # their own browser, whatever the case typed
    assert Browser(app.test_client()).login("officer1").status_code == 429  # any other browser stays locked


def test_a_trusted_browser_has_five_tries_of_its_own(app, client, session, users):
    assert client.login("officer1").status_code == 302
    client.logout()
    _guess_until_locked(client, "officer1")
    assert Browser(app.test_client()).login("officer1").status_code == 302  # the strangers' count is untouched
    failed = session.scalars(select(AuditEvent.details).where(AuditEvent.action == "user.login_failed")).all()
    assert len({json.loads(details)["browser"] for details in failed}) == 1  # one browser, named by its id


def test_a_browser_is_trusted_only_for_the_names_logged_in_with_there(app, client, users):
    assert client.login("officer2").status_code == 302
    client.logout()
    _guess_until_locked(Browser(app.test_client()), "officer1")
    assert client.login("officer1").status_code == 429  # trusted for officer2, a stranger to officer1
    assert client.login("officer2").status_code == 302


def test_an_altered_cookie_trusts_nothing(app, client, users):
    assert client.login("officer1").status_code == 302
    client.logout()
    signed = client.client.get_cookie(COOKIE).value
    _guess_until_locked(Browser(app.test_client()), "officer1")

    forged = Browser(app.test_client())
    forged.client.set_cookie(COOKIE, signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"))
    assert forged.login("officer1").status_code == 429
    copied = Browser(app.test_client())
    copied.client.set_cookie(COOKIE, signed)  # the cookie itself, carried to another computer, is the browser
    assert copied.login("officer1").status_code == 302


def test_the_cookie_is_kept_from_scripts_and_for_a_year(client, users):
    client.login("officer1")
    cookie = client.client.get_cookie(COOKIE)
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/"
    assert cookie.max_age == 365 * 24 * 3600


def test_a_trusted_browser_changes_its_password_while_the_name_is_locked_elsewhere(app, client, users):
    client.login("officer1")
    _guess_until_locked(Browser(app.test_client()), "officer1")
    changed = client.change_password(PASSWORD, "a-new-Pass-2026")
    assert changed.status_code == 302, changed.get_data(as_text=True)[:400]
