"""The API tokens page (issue 26): a person makes a token and sees it once, lists and revokes their own; their
organisation's administrator revokes them from the person's page; anyone else's token is not found."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from erms import api_tokens
from erms.models import ApiToken

SHOWN = re.compile(r"<code class=\"token\">(erms_[A-Za-z0-9_-]+)</code>")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def count(session) -> int:
    return session.scalar(select(func.count(ApiToken.id)))


def test_a_new_token_is_shown_once_on_the_page_that_made_it(browsers, session, world, now):
    officer = browsers("officer1")
    empty = officer.get("/account/tokens?lang=en")
    assert empty.status_code == 200 and "No API token has been made." in text(empty)
    assert 'value="90"' in empty.get_data(as_text=True)  # the days the form proposes
    made = officer.post("/account/tokens", {"name": " VNPT-iOffice ", "days": "30"})
    assert made.status_code == 200
    assert "no-store" in made.headers["Cache-Control"]
    (token,) = SHOWN.findall(made.get_data(as_text=True))
    assert "it will not be shown again" in text(made)
    assert api_tokens.actor_for(session, token, now=now) == world.actor("officer1")
    (row,) = session.scalars(select(ApiToken))
    assert (row.name, row.user_id) == ("VNPT-iOffice", world.users["officer1"].id)
    listed = officer.get("/account/tokens")
    shown = listed.get_data(as_text=True)
    assert token not in shown and SHOWN.search(shown) is None
    assert "VNPT-iOffice" in shown and f"{row.prefix}…" in shown and "In use" in text(listed)
    assert f'action="/account/tokens/{row.id}/revoke"' in shown
    assert 'name="days" type="number"' in shown and ' min="1">' in shown  # the browser stops 0 days before sending
    account = officer.get("/account/?lang=vi")  # from the person's name in the header
    assert 'href="/account/tokens"' in account.get_data(as_text=True) and f"{row.prefix}…" in text(account)


def test_the_header_names_the_person_and_leads_to_their_account(browsers):
    """The header's "Mật khẩu" and "Mã truy cập API" links took a line at 1024 px; an officer never needs the API."""
    officer = browsers("officer1")
    header = re.search(r"<header.*?</header>", officer.get("/?lang=vi").get_data(as_text=True), re.S).group(0)
    assert re.search(r'<a href="/account/"[^>]*>Nguyễn Văn officer1</a>', header)
    assert "/account/tokens" not in header and "/account/password" not in header and "Mã truy cập API" not in header
    account = officer.get("/account/")
    assert account.status_code == 200
    page = text(account)
    assert "Tài khoản của tôi" in page and "officer1" in page
    assert 'action="/account/password"' in account.get_data(as_text=True)  # the password form, first
    assert "Đổi mật khẩu" in page and page.index("Đổi mật khẩu") < page.index("Mã truy cập API")
    assert "Chỉ cần đến khi quản trị viên hoặc đơn vị tích hợp kết nối một hệ thống khác" in page
    assert "Chưa có mã truy cập API nào." in page  # the tokens, below


def test_a_refused_form_names_every_problem_and_makes_nothing(browsers, session):
    officer = browsers("officer1")
    officer.get("/account/tokens?lang=en")
    refused = officer.post("/account/tokens", {"name": "", "days": "hai"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and SHOWN.search(page) is None
    assert 'id="name-error"' in page and 'id="days-error"' in page and "A token lasts from 1 to 365 days." in page
    assert 'value="hai"' in page  # what was typed is kept
    assert officer.post("/account/tokens", {"name": "iOffice", "days": "366"}).status_code == 422
    assert count(session) == 0


def test_the_person_revokes_their_token_once(browsers, session, world, now):
    row, token = api_tokens.create(session, world.actor("officer1"), "iOffice", 30, now=now)
    officer = browsers("officer1")
    officer.get("/account/tokens?lang=en")
    revoked = officer.post(f"/account/tokens/{row.id}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/account/tokens"
    assert api_tokens.actor_for(session, token, now=now) is None
    listed = officer.get("/account/tokens")
    assert "Revoked" in text(listed) and f"/account/tokens/{row.id}/revoke" not in listed.get_data(as_text=True)
    again = officer.post(f"/account/tokens/{row.id}/revoke", headers={"Referer": "http://localhost/account/tokens"})
    assert again.status_code == 302
    assert "The token iOffice was revoked already." in text(officer.get(again.headers["Location"]))


def test_the_administrator_revokes_a_persons_token_from_their_page(browsers, session, world, now):
    row, token = api_tokens.create(session, world.actor("officer1"), "iOffice", 30, now=now)
    admin = browsers("admin")
    person = admin.get(f"/admin/people/{world.users['officer1'].id}").get_data(as_text=True)
    assert "iOffice" in person and f'action="/account/tokens/{row.id}/revoke"' in person
    revoked = admin.post(f"/account/tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    assert revoked.headers["Location"] == f"/admin/people/{world.users['officer1'].id}#api-tokens"
    assert api_tokens.actor_for(session, token, now=now) is None


def test_another_persons_token_is_not_found(browsers, session, world, now):
    row, token = api_tokens.create(session, world.actor("officer1"), "Kịch bản riêng", 30, now=now)
    colleague = browsers("officer2")
    assert colleague.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert colleague.post(f"/account/tokens/{row.id + 1000}/revoke").status_code == 404
    assert "Kịch bản riêng" not in colleague.get("/account/tokens").get_data(as_text=True)
    assert api_tokens.actor_for(session, token, now=now) == world.actor("officer1")


def test_forms_without_the_csrf_token_are_refused(browsers, session, world, now):
    row, token = api_tokens.create(session, world.actor("officer1"), "iOffice", 30, now=now)
    officer = browsers("officer1")
    assert officer.client.post("/account/tokens", data={"name": "iOffice 2", "days": "30"}).status_code == 400
    assert officer.client.post(f"/account/tokens/{row.id}/revoke").status_code == 400
    assert count(session) == 1
    assert api_tokens.actor_for(session, token, now=now) == world.actor("officer1")
