"""Sessions end when they should (log-out, password, deactivation, roles, the absolute limit) and a log-in
leads only to a page of this site (issue 17, holes 3-4)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from erms_browser import Browser
from sqlalchemy import select

from erms import accounts, jobs
from erms.models import AuditEvent, Role, RoleMembership, WebSession
from tests.factories import NOW


def replay(client, cookie: str):
    """Put a session cookie kept from earlier back into the browser, as an attacker who copied it would."""
    client.client.set_cookie("session", cookie)


def kept_cookie(client) -> str:
    return client.client.get_cookie("session").value


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_cookie_kept_after_logout_no_longer_reads_or_writes(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    cookie = kept_cookie(client)
    assert client.get(f"/dossiers/{dossier.id}").status_code == 200
    client.logout()
    replay(client, cookie)
    assert sent_to_login(client.get(f"/dossiers/{dossier.id}"))
    version = dossier.links[0].document.versions[0].id
    assert sent_to_login(client.get(f"/dossiers/{dossier.id}/versions/{version}"))
    assert sent_to_login(client.post(f"/dossiers/{dossier.id}/edit", {"title": "Đổi tên sau khi đăng xuất"}))
    assert dossier.title != "Đổi tên sau khi đăng xuất"


def test_logging_out_in_one_browser_leaves_the_persons_other_browsers_logged_in(browsers):
    """An officer logs out of the registry's shared computer: their own desk's browser stays logged in (before, every
    browser of theirs was logged out), and the shared computer's cookie, kept, no longer works."""
    desk, shared = browsers("officer1"), browsers("officer1")
    cookie = kept_cookie(shared)
    shared.logout()
    assert desk.get("/").status_code == 200
    replay(shared, cookie)
    assert sent_to_login(shared.get("/"))


def test_the_person_logs_out_of_every_other_browser_and_this_one_stays(browsers, session, world):
    desk, phone, laptop = browsers("officer1"), browsers("officer1"), browsers("officer1")
    account = desk.get("/account/").get_data(as_text=True)
    assert 'action="/account/sessions/end-others"' in account and "Đăng xuất khỏi mọi trình duyệt khác" in account
    done = desk.post("/account/sessions/end-others", {})
    assert done.status_code == 302
    assert sent_to_login(phone.get("/")) and sent_to_login(laptop.get("/"))
    assert desk.get("/").status_code == 200 and desk.get("/account/").status_code == 200
    events = desk_events(session, world)
    assert events.count("user.other_sessions_ended") == 1
    assert browsers("officer1").get("/").status_code == 200  # a new log-in elsewhere works again


def desk_events(session, world) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == world.users["officer1"].id)))


def test_changing_ones_password_keeps_this_browser_and_ends_the_others(browsers):
    here, there = browsers("officer1"), browsers("officer1")
    changed = here.post(
        "/account/password",
        {"current": "mật-khẩu-thử-123", "password": "một-mật-khẩu-mới-dài", "repeat": "một-mật-khẩu-mới-dài"},
    )
    assert changed.status_code == 302
    assert here.get("/").status_code == 200 and sent_to_login(there.get("/"))


def test_the_worker_forgets_log_ins_past_the_absolute_limit(session, world, now):
    user = world.users["officer1"]
    old = accounts.start_web_session(session, user, now=now - timedelta(days=31))
    recent = accounts.start_web_session(session, user, now=now - timedelta(days=2))
    assert jobs.forget_web_sessions(session, now.date(), now=now) == 1
    assert list(session.scalars(select(WebSession.id))) == [recent] and old != recent


@pytest.mark.parametrize("change", ["password", "deactivated", "role granted", "unit changed", "role taken"])
def test_a_change_to_the_account_ends_its_sessions(client, session, world, now, change):
    client.login("officer1")
    assert client.get("/").status_code == 200
    user = world.users["officer1"]
    if change == "password":
        accounts.set_password(session, None, user, "một-mật-khẩu-mới-dài", now=now)
    elif change == "deactivated":
        user.active = False
    elif change == "role granted":
        user.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.COUNCIL))
    elif change == "unit changed":
        user.memberships[0].unit_id = world.unit_b.id
    else:
        user.memberships.clear()
    session.flush()
    assert sent_to_login(client.get("/"))


def test_another_users_change_leaves_this_session_alone(client, session, world, now):
    client.login("officer1")
    accounts.set_password(session, None, world.users["officer2"], "một-mật-khẩu-mới-dài", now=now)
    session.flush()
    assert client.get("/").status_code == 200


def test_a_session_ends_after_the_absolute_limit_however_active(make_app):
    clock = {"now": NOW}
    client = Browser(make_app(CLOCK=lambda: clock["now"], SESSION_MAX_HOURS=10).test_client())
    client.login("officer1")
    for hours in (3, 6, 9.9):  # active all day: still logged in
        clock["now"] = NOW + timedelta(hours=hours)
        assert client.get("/").status_code == 200
    clock["now"] = NOW + timedelta(hours=10, minutes=1)
    assert sent_to_login(client.get("/"))
    assert sent_to_login(client.get("/"))  # and it stays ended


def test_log_in_starts_a_new_session(client):
    client.get("/auth/login")
    before = kept_cookie(client)
    client.login("officer1")
    assert kept_cookie(client) != before
    client.logout()
    assert sent_to_login(client.get("/"))


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x=1",
        "/%0aLocation:%20https://evil.example",
        "javascript:alert(1)",
        "/%E2%80%A8/evil",
        "evil.example",
        "/" + "a" * 3000,
    ],
)
def test_login_never_leads_off_the_site(client, target):
    client.get("/auth/login")
    response = client.post(f"/auth/login?next={target}", {"username": "officer1", "password": "mật-khẩu-thử-123"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_leads_back_to_the_page_asked_for(client, make_dossier):
    dossier = make_dossier("open")
    asked = client.get(f"/dossiers/{dossier.id}?lang=vi")
    assert sent_to_login(asked)
    client.get("/auth/login")
    response = client.post(
        f"/auth/login?next=/dossiers/{dossier.id}", {"username": "officer1", "password": "mật-khẩu-thử-123"}
    )
    assert response.headers["Location"] == f"/dossiers/{dossier.id}"


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_not_to_its_post_only_address(client, make_dossier):
    dossier = make_dossier("open")
    page = f"http://localhost/dossiers/{dossier.id}?page=1"
    sent = client.post(f"/dossiers/{dossier.id}/edit", {"title": "x"}, headers={"Referer": page})
    assert sent_to_login(sent)
    location = sent.headers["Location"]
    assert f"/dossiers/{dossier.id}/edit" not in unquote(location)
    client.get("/auth/login")
    back = client.post(location, {"username": "officer1", "password": "mật-khẩu-thử-123"})
    assert back.headers["Location"] == f"/dossiers/{dossier.id}?page=1"  # the form's page, which answers a GET


@pytest.mark.parametrize(
    ("typed", "lands"),
    [
        ("/login", "/auth/login"),
        ("/login?next=/dossiers/7", "/auth/login?next=/dossiers/7"),
        ("/login?next=//evil.example/", "/auth/login"),
        ("/login?next=https://evil.example/", "/auth/login"),
    ],
)
def test_the_login_address_people_type_opens_the_login_page(client, typed, lands):
    """``/login`` answered 404; it leads to the login page, keeping where the person was going if it is on this site."""
    response = client.get(typed)
    assert response.status_code == 302 and response.headers["Location"] == lands
    assert 'name="password"' in client.get(lands).get_data(as_text=True)  # the login form


def test_a_typed_login_address_still_leads_back_to_the_page_asked_for(client, make_dossier):
    dossier = make_dossier("open")
    lands = client.get(f"/login?next=/dossiers/{dossier.id}").headers["Location"]
    client.get(lands)
    response = client.post(lands, {"username": "officer1", "password": "mật-khẩu-thử-123"})
    assert response.headers["Location"] == f"/dossiers/{dossier.id}"


def test_a_login_page_opened_after_logging_in_elsewhere_goes_on_to_the_page_asked_for(browsers, make_dossier):
    """A second tab left on the login page (its session had ended) is logged in by the first: its log-in link leads
    on to the page it was sent from, not to the home page; an address off the site still leads home."""
    dossier = make_dossier("open")
    officer = browsers("officer1")
    assert officer.get(f"/auth/login?next=/dossiers/{dossier.id}").headers["Location"] == f"/dossiers/{dossier.id}"
    assert officer.get("/auth/login?next=//evil.example/").headers["Location"] == "/"


def test_the_logout_address_people_type_offers_the_button_and_logs_nobody_out(client):
    """A GET never logs out (an image or a link on any page could then end the session): it shows the button."""
    assert sent_to_login(client.get("/logout"))  # nobody is logged in: the login page
    client.login("officer1")
    page = client.get("/logout?lang=vi")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert 'action="/auth/logout"' in shown and "Bấm nút dưới đây để kết thúc phiên làm việc" in shown
    assert client.get("/").status_code == 200  # still logged in
    client.post("/auth/logout")
    assert sent_to_login(client.get("/"))


@pytest.mark.parametrize(
    ("referrer", "back"),
    [
        ("http://localhost//evil.example/", "/"),
        ("http://localhost/\t/evil.example", "/"),
        ("http://evil.example/dossiers/1", "/"),
        ("http://localhost/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ],
)
def test_a_refusal_sends_back_only_to_a_page_of_this_site(client, make_dossier, referrer, back):
    dossier = make_dossier("closed")  # closed: finalising a document is refused by a rule, which sends the user back
    document = dossier.links[0].document
    client.login("officer1")
    response = client.post(
        f"/dossiers/{dossier.id}/documents/{document.id}/finalise", {}, headers={"Referer": referrer}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == back  # a path of this site, still percent-encoded: no header split
