"""The help pages (issue 22): each person finds, from every page, what their roles do in ERMS and where; every
task links to a page that opens for a person holding that role."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from access_matrix import PLAYERS

from erms.models import Role, RoleMembership, User


class MainLinks(HTMLParser):
    """Collect the links of the page's main content (the header's are checked by test_menus)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or tag == "main"
        href = dict(attrs).get("href")
        if self.inside and tag == "a" and href:
            self.links.append(html.unescape(href).partition("#")[0])

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "main"


def main_links(response) -> list[str]:
    parser = MainLinks()
    parser.feed(response.get_data(as_text=True))
    return list(dict.fromkeys(parser.links))


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_an_officer_finds_help_in_the_menu_and_reads_their_own_tasks(browsers):
    officer = browsers("officer1")
    assert '<a href="/help/">Trợ giúp</a>' in officer.get("/").get_data(as_text=True)
    page = text(officer.get("/help/"))
    assert "Chuyên viên: Việc của bạn" in page
    assert "Mở hồ sơ" in page and "Kết thúc hồ sơ" in page and "Nộp lưu vào Lưu trữ cơ quan" in page
    assert "Bổ sung hồ sơ phát sinh" in page
    assert "Ký xác nhận kiểm tra chung" not in page  # the registry's and the archivist's task, not theirs


def test_a_person_holding_two_roles_sees_the_help_of_both(browsers, world, session, password_hash):
    person = world.user("vanthu.luutru", Role.REGISTRY, None)
    person.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.ARCHIVIST))
    person.password_hash = password_hash
    session.flush()
    page = text(browsers("vanthu.luutru").get("/help/"))
    assert "Văn thư: Việc của bạn" in page and "Đăng ký văn bản đến" in page
    assert "Người làm lưu trữ: Việc của bạn" in page and "Tiếp nhận hồ sơ nộp lưu" in page
    assert "Chuyên viên: Việc của bạn" not in page


def test_a_deployment_administrator_without_a_role_sees_the_administrators_help(browsers, session, now, password_hash):
    session.add(
        User(username="quantri", full_name="Quản trị", password_hash=password_hash, created_at=now, system_admin=True)
    )
    session.flush()
    root = browsers("quantri")
    page = root.get("/help/")
    assert "Quản trị cơ quan: Việc của bạn" in text(page) and "Người dùng và vai trò" in text(page)
    answers = {link: root.get(link).status_code for link in main_links(page)}
    assert answers == dict.fromkeys(answers, 200)


def test_any_role_help_is_readable_and_an_unknown_role_is_not_found(browsers):
    officer = browsers("officer1")
    page = officer.get("/help/archivist")
    assert page.status_code == 200
    assert "Trợ giúp: Người làm lưu trữ" in text(page) and "Giao nộp vào Lưu trữ lịch sử" in text(page)
    assert officer.get("/help/nobody").status_code == 404


def test_a_visitor_is_sent_to_the_login_page(client, users):
    for url in ("/help/", "/help/officer"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("role", list(PLAYERS))
def test_every_link_of_a_roles_help_opens_for_that_role(browsers, role):
    person = browsers(PLAYERS[role])
    links = {link for url in ("/help/", f"/help/{role}") for link in main_links(person.get(url))}
    assert len(links) >= 6  # the tasks, notices, search and the other roles' help
    answers = {link: person.get(link).status_code for link in sorted(links)}
    assert answers == dict.fromkeys(answers, 200)
