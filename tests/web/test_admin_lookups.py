"""The lists an organisation's forms offer (issue 21): its administrator adds document types, issuers and headings;
the forms suggest them instead of the law's defaults; a withdrawn value is no longer suggested."""

from __future__ import annotations

import re

import pytest
from erms_browser import Browser
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms.models import LookupValue


@pytest.fixture
def admin(app):
    browser = Browser(app.test_client())
    browser.login("admin")
    return browser


def offered(page, list_id: str) -> list[str]:
    found = re.search(f'<datalist id="{list_id}">(.*?)</datalist>', page.get_data(as_text=True), re.S)
    return re.findall(r'<option value="([^"]*)">', found.group(1)) if found else []


def test_the_forms_offer_the_organisations_own_lists(admin, app, world, make_dossier):
    dossier = make_dossier("open")
    officer = Browser(app.test_client())
    officer.login("officer1")
    before = officer.get(f"/dossiers/{dossier.id}")
    assert "Công văn" in offered(before, "document-types") and offered(before, "document-issuers") == []
    for kind, value in (("document_type", "Công văn hỏa tốc"), ("issuer", "Sở Nội vụ thành phố Hà Nội")):
        assert (
            admin.post(f"/admin/organisations/{world.org.id}/lookups", {"kind": kind, "value": value}).status_code
            == 302
        )
    after = officer.get(f"/dossiers/{dossier.id}")
    assert offered(after, "document-types") == ["Công văn hỏa tốc"]
    assert offered(after, "document-issuers") == ["Sở Nội vụ thành phố Hà Nội"]
    registry = Browser(app.test_client())
    registry.login("registry")
    assert offered(registry.get("/registers/incoming"), "register-issuers") == ["Sở Nội vụ thành phố Hà Nội"]


def test_a_value_offered_twice_is_refused_and_a_withdrawn_one_is_not_offered(admin, app, world, session, now):
    url = f"/admin/organisations/{world.org.id}/lookups"
    admin.post(url, {"kind": "heading", "value": "Tổ chức, cán bộ"})
    twice = admin.post(url, {"kind": "heading", "value": " Tổ chức, cán bộ "})
    assert twice.status_code == 422 and "Tổ chức, cán bộ đã có trong danh sách." in twice.get_data(as_text=True)
    for lookalike in ("TỔ CHỨC, CÁN BỘ", "Tổ chức,  cán bộ"):  # the same in a suggestion list: refused, named as kept
        again = admin.post(url, {"kind": "heading", "value": lookalike})
        assert again.status_code == 422 and "Tổ chức, cán bộ đã có trong danh sách." in again.get_data(as_text=True)
    empty = admin.post(url, {"kind": "sticker", "value": ""})
    assert empty.status_code == 422 and "Hãy chọn một giá trị trong danh sách." in empty.get_data(as_text=True)
    draft = dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2027, now=now)
    registry = Browser(app.test_client())
    registry.login("registry")
    assert offered(registry.get(f"/dossier-lists/{draft.id}"), "heading-titles") == ["Tổ chức, cán bộ"]
    value = session.scalar(select(LookupValue).where(LookupValue.value == "Tổ chức, cán bộ"))
    assert admin.post(f"/admin/lookups/{value.id}", {"active": "no"}).status_code == 302
    assert offered(registry.get(f"/dossier-lists/{draft.id}"), "heading-titles") == []
    page = admin.get(url).get_data(as_text=True)
    assert "Tổ chức, cán bộ" in page and "đã thôi gợi ý" in page
