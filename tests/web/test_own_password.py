"""One's own password: a person changes it, proving the current one; a password an administrator chose (a new
account, a reset) is replaced by the person's own before any other page opens; a wrong current password counts as a
failed log-in; the other browsers' sessions end, this one goes on."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner
from erms_browser import PASSWORD, Browser
from sqlalchemy import create_engine, func, select

from erms.accounts import LOCKOUT_FAILURES
from erms.cli import erms_group
from erms.models import AuditEvent, User

NEW = "ba-con-meo-trang-2026"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def change(browser: Browser, current: str, new: str = NEW, repeat: str | None = None):
    return browser.change_password(current, new, repeat)


def events(session, action: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_person_given_a_password_by_the_administrator_chooses_their_own_before_anything_else(app, session, world):
    admin = Browser(app.test_client())
    admin.login("admin")
    given = "mat-khau-lan-2026"
    person = {"full_name": "Phạm Thị Lan", "username": "lan.pt", "password": given, "role": "officer"}
    unit = str(world.unit_b.id)
    assert admin.post(f"/admin/organisations/{world.org.id}/people", {**person, "unit_id": unit}).status_code == 302
    lan = Browser(app.test_client())
    logged_in = lan.login("lan.pt", given)
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/account/password"
    for page in ("/", "/search/?q=a", "/dossiers/ad-hoc", "/account/tokens"):
        answer = lan.get(page)
        assert answer.status_code == 302 and answer.headers["Location"] == "/account/password", page
    page = lan.get("/account/password?lang=en")
    assert page.status_code == 200 and "chosen by an administrator" in text(page)
    assert "Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục." in text(page)  # the refused pages' flash
    refused = lan.post("/account/tokens", {"name": "iOffice", "days": "30"})
    assert refused.status_code == 302 and refused.headers["Location"] == "/account/password"
    assert events(session, "api_token.created") == 0
    user = session.scalar(select(User).where(User.username == "lan.pt"))
    assert user.password_change_required is True
    changed = change(lan, given)
    assert changed.status_code == 302 and changed.headers["Location"] == "/"
    assert "Phạm Thị Lan" in text(lan.get("/")) and lan.get("/account/tokens").status_code == 200
    session.refresh(user)
    assert user.password_change_required is False
    assert events(session, "user.password_changed") == 1
    assert Browser(app.test_client()).login("lan.pt", given).status_code == 401
    again = Browser(app.test_client()).login("lan.pt", NEW)
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_after_a_reset_the_person_replaces_the_password_at_the_next_log_in(app, session, world):
    admin = Browser(app.test_client())
    admin.login("admin")
    officer_id = world.users["officer1"].id
    assert admin.post(f"/admin/people/{officer_id}/password", {"password": "tam-thoi-2026"}).status_code == 302
    officer = Browser(app.test_client())
    assert officer.login("officer1", "tam-thoi-2026").headers["Location"] == "/account/password"
    assert officer.get("/").headers["Location"] == "/account/password"
    assert change(officer, "tam-thoi-2026").status_code == 302
    assert officer.get("/").status_code == 200


def test_a_wrong_or_weak_change_names_the_problem_and_keeps_the_password(app, browsers, session, world):
    officer = browsers("officer1")
    before = session.get(User, world.users["officer1"].id).password_hash
    refusals = {
        "The current password is incorrect.": change(officer, "not-my-password"),
        "The two new passwords are not the same.": change(officer, PASSWORD, NEW, NEW + "x"),
        "A password needs at least 8 characters.": change(officer, PASSWORD, "ngan"),
        "A password cannot be only spaces.": change(officer, PASSWORD, " " * 12),
        "Choose a password other than the one it replaces.": change(officer, PASSWORD, PASSWORD),
    }
    for message, answer in refusals.items():
        assert answer.status_code == 422 and message in text(answer), message
        assert 'value="' + NEW not in answer.get_data(as_text=True)  # passwords are never written back in the page
    session.expire_all()
    assert session.get(User, world.users["officer1"].id).password_hash == before
    assert events(session, "user.password_changed") == 0
    assert events(session, "user.login_failed") == 1  # the wrong current password, counted as a failed log-in
    assert officer.get("/").status_code == 200  # still logged in


def test_wrong_current_passwords_lock_the_change_as_they_lock_the_log_in(browsers, session, world):
    officer = browsers("officer1")
    for _ in range(LOCKOUT_FAILURES):
        assert change(officer, "doan-mo-2026").status_code == 422
    locked = change(officer, PASSWORD)  # the right one, now refused unchecked
    assert locked.status_code == 429 and "Too many failed log-ins" in text(locked)
    assert events(session, "user.password_changed") == 0
    officer.logout()
    assert officer.login("officer1").status_code == 429  # this browser's tries are spent, at log-in too
    # A browser never logged in with counts apart from the trusted one, whose guesser is no stranger's lock.
    assert Browser(officer.client.application.test_client()).login("officer1").status_code == 302


def test_a_change_ends_the_other_browsers_sessions_and_keeps_this_one(app, browsers, session):
    here, elsewhere = browsers("officer1"), browsers("officer1")
    assert change(here, PASSWORD).status_code == 302
    home = here.get("/?lang=en")
    assert home.status_code == 200 and "Your password has been changed" in text(home)
    ended = elsewhere.get("/")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/auth/login")
    assert Browser(app.test_client()).login("officer1", NEW).status_code == 302


def test_the_change_needs_the_forms_token(browsers, session, world):
    officer = browsers("officer1")
    refused = officer.client.post("/account/password", data={"current": PASSWORD, "password": NEW, "repeat": NEW})
    assert refused.status_code == 400
    assert events(session, "user.password_changed") == 0


def test_an_account_made_at_the_console_is_given_a_password_to_replace_unless_kept(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "ERMS_SEARCH_ENGINE": ""})
    for command in (
        ["db", "upgrade"],
        ["org", "create", "000.00.31.H26", "--name", "UBND quận"],
        ["unit", "create", "VP", "--org", "000.00.31.H26", "--name", "Văn phòng"],
        ["user", "create", "lan.pt", "--name", "Lan", "--org", "000.00.31.H26", "--role", "officer", "--unit", "VP"]
        + ["--password", "mat-khau-lan-2026"],
        ["user", "create", "he.thong", "--name", "Hệ thống", "--org", "000.00.31.H26", "--role", "registry"]
        + ["--password", "mat-khau-ht-2026", "--keep-password"],
    ):
        done = runner.invoke(erms_group, command)
        assert done.exit_code == 0, done.output
    engine = create_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with engine.connect() as connection:
        rows = dict(connection.execute(select(User.username, User.password_change_required)).all())
    engine.dispose()
    assert rows == {"lan.pt": True, "he.thong": False}


@pytest.mark.parametrize(
    "username,options,said",
    [
        ("khong.donvi", ["--role", "officer"], "unit_id: An officer or a unit head works in one unit: choose it."),
        ("\u0430dmin", ["--role", "registry"], "username: A username is lower-case letters, digits, dots and hyphens"),
        ("Lan.PT", ["--role", "registry"], "username: A username is lower-case letters"),
        ("lan.pt ", ["--role", "registry"], "username: The username lan.pt is taken."),
        ("bad\nname", ["--role", "registry"], "username: A username is lower-case letters"),
        ("lan.pt.", ["--role", "registry"], "username: A username is lower-case letters"),
        ("ngan.mk", ["--role", "registry", "--password", "ngan"], "password:"),
        ("ho.vp", ["--role", "officer", "--unit", "KHONGCO"], "No unit KHONGCO in organisation 000.00.31.H26."),
    ],
    ids=["officer-without-unit", "cyrillic", "upper-case", "taken-with-a-space", "line-break", "trailing-dot",
         "short-password", "unknown-unit"],
)  # fmt: skip
def test_the_console_refuses_an_account_the_administration_page_refuses(tmp_path, username, options, said):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "ERMS_SEARCH_ENGINE": ""})
    for command in (
        ["db", "upgrade"],
        ["org", "create", "000.00.31.H26", "--name", "UBND quận"],
        ["unit", "create", "VP", "--org", "000.00.31.H26", "--name", "Văn phòng"],
        ["user", "create", "lan.pt", "--name", "Lan", "--org", "000.00.31.H26", "--role", "registry"]
        + ["--password", "mat-khau-lan-2026"],
    ):
        assert runner.invoke(erms_group, command).exit_code == 0
    password = [] if "--password" in options else ["--password", "mat-khau-moi-2026"]
    command = ["user", "create", username, "--name", "Người mới", "--org", "000.00.31.H26", *options, *password]
    refused = runner.invoke(erms_group, command)
    assert refused.exit_code == 1 and said in refused.output, refused.output
    engine = create_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(select(User.username)).scalars().all() == ["lan.pt"]  # nothing else was made
    engine.dispose()


def test_an_officers_role_held_for_no_unit_opens_nothing(session, world, make_dossier):
    from erms import permissions
    from erms.errors import NotFound
    from erms.models import Role
    from filing import dossiers

    dossier = make_dossier("open")
    world.user("khong.donvi", Role.OFFICER, None)  # as an older `erms user create` without --unit made it
    actor = world.actor("khong.donvi")
    assert actor.grants == frozenset()
    assert permissions.search_grants(actor) == (set(), {f"p{actor.user_id}"})  # finds only what names them
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, actor, dossier.id)
    assert dossiers.visible_dossiers(session, actor, limit=50) == []
