"""The dossier list goes to the head and back (issue 22): the registry sends it, the head is told and returns it
with comments or approves it with the decision's number and date; a list waiting for approval cannot change."""

from __future__ import annotations

import html
import re

import pytest

from classification import dossier_list as dossier_lists
from erms import notices
from erms.models import DossierList


@pytest.fixture
def draft(world, session, now):
    """A draft list of 2027 with one entry."""
    registry = world.actor("registry")
    planned = dossier_lists.create_list(session, registry, world.org.id, 2027, now=now)
    dossier_lists.add_entry(
        session,
        registry,
        planned.id,
        title="Hồ sơ hội nghị",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    return planned


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def kinds(session, world, username):
    return [notice.kind for notice in notices.newest(session, world.users[username].id) if "list" in notice.kind]


def state(session, list_id):
    session.expire_all()
    return session.get(DossierList, list_id).state.value


def test_sent_returned_with_comments_sent_again_and_approved(browsers, session, world, draft):
    registry, head = browsers("registry"), browsers("head")
    assert registry.post(f"/dossier-lists/{draft.id}/submit", {}).status_code == 422  # the confirmation
    assert registry.post(f"/dossier-lists/{draft.id}/submit", {"confirm": "yes"}).status_code == 302
    assert state(session, draft.id) == "submitted" and kinds(session, world, "head") == ["dossier_list_submitted"]
    refused = registry.post(f"/dossier-lists/{draft.id}/entries", {"title": "Thêm", "unit_id": str(world.unit_a.id)})
    assert refused.status_code != 302 and len(session.get(DossierList, draft.id).entries) == 1

    assert head.post(f"/dossier-lists/{draft.id}/return", {"comment": "  "}).status_code == 422
    assert state(session, draft.id) == "submitted"
    returned = head.post(f"/dossier-lists/{draft.id}/return", {"comment": "Bổ sung hồ sơ của Phòng Tài chính"})
    assert returned.status_code == 302 and state(session, draft.id) == "draft"
    assert kinds(session, world, "registry") == ["dossier_list_returned"]
    page = text(registry.get(f"/dossier-lists/{draft.id}"))
    assert "Người đứng đầu trả lại ngày" in page and "Bổ sung hồ sơ của Phòng Tài chính" in page

    assert registry.post(f"/dossier-lists/{draft.id}/submit", {"confirm": "yes"}).status_code == 302
    assert kinds(session, world, "head") == ["dossier_list_submitted"] * 2  # told again
    for bad in ("31/02/2026", "01/01/2027", "hôm nay"):  # impossible, after today (15/06/2026), not a day
        form = {"decision_ref": "05/QĐ-UBND", "decision_date": bad, "confirm": "yes"}
        assert head.post(f"/dossier-lists/{draft.id}/approve", form).status_code == 422, bad
        assert state(session, draft.id) == "submitted"
    too_early = {"decision_ref": "05/QĐ-UBND", "decision_date": "01/01/0001", "confirm": "yes"}
    assert head.post(f"/dossier-lists/{draft.id}/approve", too_early).status_code == 422  # before 2026
    form = {"decision_ref": "05/QĐ-UBND", "decision_date": "10062026", "confirm": "yes"}
    assert head.post(f"/dossier-lists/{draft.id}/approve", form).status_code == 302
    session.expire_all()
    approved = session.get(DossierList, draft.id)
    assert (approved.state.value, approved.decision_date.isoformat()) == ("approved", "2026-06-10")
    assert "Bổ sung hồ sơ" not in text(registry.get(f"/dossier-lists/{draft.id}"))  # the comment is done with


def test_only_a_list_sent_for_approval_is_returned_and_only_by_the_head(browsers, session, draft):
    head, registry = browsers("head"), browsers("registry")
    refused = head.post(f"/dossier-lists/{draft.id}/return", {"comment": "Sửa"})
    assert refused.status_code == 422 and "Chỉ trả lại được danh mục đã trình phê duyệt." in text(refused)
    assert state(session, draft.id) == "draft"
    registry.post(f"/dossier-lists/{draft.id}/submit", {"confirm": "yes"})
    assert registry.post(f"/dossier-lists/{draft.id}/return", {"comment": "Sửa"}).status_code == 403
    assert state(session, draft.id) == "submitted"


NEXT_STEP = re.compile(r'<p class="next-step" id="next-step">(.*?)</p>', re.S)


def next_step(browser, list_id: int) -> tuple[str, list[str]]:
    """The list page's next step, above the entries (its forms are at the foot of a long list): words and links."""
    page = browser.get(f"/dossier-lists/{list_id}").get_data(as_text=True)
    found = NEXT_STEP.search(page)
    if found is None:
        return "", []
    assert found.start() < page.index('id="entries"')
    words = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split("  ")[0].strip()
    return words, re.findall(r'href="(#[a-z]+)"', found.group(1))


def test_the_lists_next_step_is_offered_at_the_top_to_whoever_takes_it(browsers, session, world, draft):
    registry, head, officer = browsers("registry"), browsers("head"), browsers("officer1")
    words, links = next_step(registry, draft.id)
    assert words.startswith("Khi danh mục đã đầy đủ, hãy trình người đứng đầu cơ quan phê duyệt.")
    assert links == ["#submit"]
    assert next_step(officer, draft.id) == ("", [])
    assert registry.post(f"/dossier-lists/{draft.id}/submit", {"confirm": "yes"}).status_code == 302
    assert next_step(registry, draft.id) == ("", [])  # with the head now
    words, links = next_step(head, draft.id)
    assert words.startswith("Danh mục đang chờ bạn quyết định.") and links == ["#approve", "#return"]


def test_an_approval_sent_back_names_its_field_and_keeps_the_head_s_tick(browsers, session, draft):
    head = browsers("head")
    response = head.post(
        f"/dossier-lists/{draft.id}/approve",
        {"decision_ref": "05/QĐ-UBND", "decision_date": "31/02/2027", "confirm": "yes"},
    )
    page = response.get_data(as_text=True)
    summary = text(response).split("Ngày ký quyết định:", 1)
    assert response.status_code == 422 and state(session, draft.id) == "draft"
    assert len(summary) == 2 and summary[1].lstrip().startswith("Ngày tháng không hợp lệ")  # the field named first
    assert re.search(r'<input id="ap-confirm"[^>]* checked', page)  # the box ticked stays ticked
