"""Every link of the header a role sees leads to a page that role may open (issue 17, hole 7)."""

from __future__ import annotations

import re

import pytest

NAV = re.compile(r"<nav[^>]*>(.*?)</nav>", re.S)
LINK = re.compile(r'href="(/[^"#?]*)')


@pytest.mark.parametrize(
    "username", ["admin", "head", "registry", "archivist", "council1", "officer1", "unithead", "officer2"]
)
def test_every_menu_link_opens_for_the_role_that_sees_it(client, username):
    client.login(username)
    home = client.get("/").get_data(as_text=True)
    links = {link for block in NAV.findall(home) for link in LINK.findall(block)} - {"/auth/logout"}
    assert "/" in links
    answers = {link: client.get(link).status_code for link in sorted(links)}
    assert answers == dict.fromkeys(answers, 200)


def test_the_council_and_the_head_reach_the_destruction_lists_from_the_menu(client):
    for username in ("council1", "head"):
        client.login(username)
        assert 'href="/retention/lists"' in client.get("/").get_data(as_text=True)
        client.logout()


def test_the_areas_typed_by_hand_lead_to_their_first_page(browsers):
    """/registers and /retention, typed as a person remembers them, answered "page not found"."""
    registry, archivist, council = browsers("registry"), browsers("archivist"), browsers("council1")
    assert registry.get("/registers/").headers["Location"] == "/registers/incoming"
    assert registry.get("/registers/incoming").status_code == 200
    assert archivist.get("/retention/").headers["Location"] == "/retention/due"
    assert council.get("/retention/").headers["Location"] == "/retention/lists"
    assert browsers("officer1").get("/retention/").status_code == 403  # the area stays closed to whoever is not in it
