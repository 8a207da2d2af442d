"""The factory's settings: idle session expiry, security headers, languages, error pages."""

from __future__ import annotations

from datetime import timedelta

import itsdangerous.timed
from sqlalchemy import select

from erms import accounts, audit
from erms.models import AuditEvent


def test_the_session_is_permanent_and_expires_after_the_configured_idle_minutes(make_app):
    app = make_app(SESSION_MINUTES=7)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=7)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from erms_browser import Browser

    client = Browser(app.test_client())
    client.login("officer1")
    with client.client.session_transaction() as session:
        assert session.permanent
        assert session["_user_id"]
    response = client.get("/")
    assert response.status_code == 200
    assert "Expires=" in response.headers["Set-Cookie"]  # refreshed on every request: idle expiry


def test_the_session_cookie_is_secure_only_when_the_environment_says_so(make_app, monkeypatch):
    assert make_app().config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("ERMS_SESSION_COOKIE_SECURE", "1")
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    # The login page puts the CSRF token in the session: its cookie now carries the Secure flag.
    response = app.test_client().get("/auth/login", base_url="https://localhost")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_an_idle_session_lapses(make_app, monkeypatch):
    from erms_browser import Browser

    client = Browser(make_app(SESSION_MINUTES=1).test_client())
    client.login("officer1")
    assert client.get("/").status_code == 200
    now = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: now(self) + 61)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_security_headers_on_every_page(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    text = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in text and "Đăng nhập" in text
    text = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in text and "Log in" in text
    client.login("officer1")
    assert "Log out" in client.get("/").get_data(as_text=True)  # the choice survives the login
    # A text the code names once (help.SUMMARIES), translated each time a page shows it.
    assert "You keep the records of your work" in client.get("/help/").get_data(as_text=True)
    assert "Đăng xuất" in client.get("/?lang=vi").get_data(as_text=True)
    assert "Bạn lập hồ sơ cho công việc được giao" in client.get("/help/").get_data(as_text=True)


def test_unknown_pages_get_a_vietnamese_404(client):
    client.login("officer1")
    response = client.get("/dossiers/999999")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_the_stylesheet_is_served_by_the_app(client):
    response = client.get("/static/erms.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()


def test_the_operator_commands_are_registered(app):
    assert "erms" in app.cli.commands


def test_logging_in_failing_and_logging_out_are_audited(client, session, users):
    start = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    assert client.login("officer1", "not-the-password").status_code == 401
    assert client.login("officer1").status_code == 302
    assert client.logout().status_code == 302
    events = session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)).all()
    assert [(event.action, event.actor_name) for event in events] == [
        ("user.login_failed", "system"),
        ("user.logged_in", "officer1"),
        ("user.logged_out", "officer1"),
    ]
    assert '"username": "officer1"' in events[0].details
    assert events[1].subject_id == users["officer1"].id
    assert audit.verify(session).ok


def test_a_username_that_fails_five_times_is_locked_for_a_quarter_hour(client, session, users):
    for _ in range(accounts.LOCKOUT_FAILURES):
        assert client.login("officer1", "not-the-password").status_code == 401
    locked = client.login("officer1")  # the right password, unchecked
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
    assert client.login("officer2").status_code == 302  # other usernames are not affected
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert actions == ["user.logged_in", "user.login_locked"]


def test_a_username_typed_with_capitals_logs_in_and_its_variants_share_one_lock(client, session, users):
    assert client.login(" Officer1 ").status_code == 302  # a phone's keyboard capitalised it
    client.logout()
    for variant in ("OFFICER1", "Officer1", "oFFICER1", "officer1", "OfFiCeR1"):
        assert client.login(variant, "not-the-password").status_code == 401
    assert client.login("officer1").status_code == 429  # five tries, whatever their case, lock the name


def test_the_lock_ends_when_the_failures_leave_the_window(session, users, now):
    for minute in range(accounts.LOCKOUT_FAILURES):
        assert accounts.log_in(session, "ghost", "guess", now=now + timedelta(minutes=minute)) is None
    assert (
        accounts.log_in(session, "officer1", "x", now=now) is None
    )  # a known user is not locked by a stranger's tries
    four_later = now + timedelta(minutes=4)
    assert accounts.log_in(session, "ghost", "guess", now=four_later) == accounts.Locked(11)  # minutes left
    # Refusals are not failures: when the oldest failure leaves the window, the username may try again.
    assert accounts.log_in(session, "ghost", "guess", now=now + accounts.LOCKOUT_WINDOW + timedelta(seconds=1)) is None
