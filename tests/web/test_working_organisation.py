"""A person who holds roles in two organisations chooses on their account page which one they work in: what they make
from then on is made there, the header says where they work, and an organisation not theirs is refused, changing
nothing (before, such a person always worked in the lowest-numbered organisation, with no way to change it)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from erms.models import DossierList, RoleMembership
from erms.models.org import Role
from tests.factories import another_agency


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))).split())


def who(response) -> str:
    """The header's name, roles and (for a person in several) organisation, as read."""
    found = re.search(r'<span class="who">(.*?)</span>', response.get_data(as_text=True), re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def lists_of(session, organisation_id: int) -> list[int]:
    session.expire_all()
    return list(session.scalars(select(DossierList.year).where(DossierList.organisation_id == organisation_id)))


def test_a_person_in_two_organisations_chooses_where_they_work(browsers, session, world, store, now, password_hash):
    other = another_agency(session, world, store, now, password_hash)
    registry = world.users["registry"]
    registry.memberships.append(RoleMembership(organisation_id=other.org.id, unit_id=None, role=Role.REGISTRY))
    session.flush()
    browser = browsers("registry")
    world.approved_list()  # the world's list of 2026
    account = browser.get("/account/")
    assert "Cơ quan đang làm việc" in text(account)
    assert f'<option value="{other.org.id}">' in account.get_data(as_text=True)
    assert who(account).endswith(f"· {world.org.name}") and who(browser.get("/")).endswith(f"· {world.org.name}")
    chosen = browser.post("/account/organisation", {"organisation_id": str(other.org.id)})
    assert chosen.status_code == 302
    assert who(browser.get("/")).endswith(f"· {other.org.name}")
    made = browser.post("/dossier-lists/create", {"year": "2030", "source": "empty"})
    assert made.status_code == 302
    assert 2030 in lists_of(session, other.org.id) and 2030 not in lists_of(session, world.org.id)
    # The lists page names the lists of the organisation worked in, not the other's beside them.
    shown = text(browser.get("/dossier-lists/"))
    assert "Danh mục hồ sơ năm 2030" in shown and "Danh mục hồ sơ năm 2026 · 1 hồ sơ" in shown  # Ba Đình's own
    assert "Danh mục hồ sơ năm 2026 · 3 hồ sơ" not in shown  # Đống Đa's
    browser.post("/account/organisation", {"organisation_id": str(world.org.id)})
    assert "Danh mục hồ sơ năm 2030" not in text(browser.get("/dossier-lists/"))


def test_an_organisation_not_the_persons_is_refused_and_changes_nothing(
    browsers, session, world, store, now, password_hash
):
    other = another_agency(session, world, store, now, password_hash)
    browser = browsers("registry")
    account = browser.get("/account/")
    assert "Cơ quan đang làm việc" not in text(account)  # one organisation: nothing to choose
    assert "·" not in who(browser.get("/")) and "·" not in who(account)
    for forged in (str(other.org.id), "abc", "", "-1"):
        refused = browser.post("/account/organisation", {"organisation_id": forged})
        assert refused.status_code == 422, forged
        assert "Hãy chọn một trong các cơ quan bạn đang làm việc." in text(refused)
    made = browser.post("/dossier-lists/create", {"year": "2030", "source": "empty"})
    assert made.status_code == 302
    assert 2030 in lists_of(session, world.org.id) and 2030 not in lists_of(session, other.org.id)
