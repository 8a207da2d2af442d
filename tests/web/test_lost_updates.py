"""Two people saving the same record from pages opened at the same time (NĐ 30 PL6 IV.2), and one action taken twice
at once: the second save is refused naming who saved first, and a second decision gets a clear answer, never a
second row or a server error."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from erms.models import AccessChange, AuditEvent, Repository, StorageBox, UseRequest
from erms.models.use_request import UseRequestState


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def revision_in(page: str, action: str) -> str:
    """Return the revision the form posting to ``action`` carries."""
    return re.search(rf'action="{re.escape(action)}".*?name="revision" value="(\d+)"', page, re.S).group(1)


def test_a_box_relabelled_meanwhile_is_not_overwritten_from_an_older_page(browsers, session):
    mine, theirs = browsers("archivist"), browsers("archivist")  # one archivist at two desks, or two archivists
    mine.post("/archive/storage/repositories", {"code": "K1", "name": "Kho tầng 1"})
    repository = session.scalar(select(Repository))
    box_form = {"repository_id": str(repository.id), "number": "7", "shelf_unit": "2", "label": "Tuyển dụng"}
    mine.post("/archive/storage/boxes", box_form)
    box = session.scalar(select(StorageBox))
    page, edit = f"/archive/storage/boxes/{box.id}", f"/archive/storage/boxes/{box.id}/edit"
    seen_by_me = revision_in(mine.get(page).get_data(as_text=True), edit)
    seen_by_them = revision_in(theirs.get(page).get_data(as_text=True), edit)
    assert theirs.post(edit, {"number": "7", "label": "Tổ chức cán bộ", "revision": seen_by_them}).status_code == 302
    refused = mine.post(edit, {"number": "7", "label": "Thi đua khen thưởng", "revision": seen_by_me})
    assert refused.status_code == 409
    shown = text(refused)
    assert "đã lưu bản ghi này lúc 15/06/2026 10:00, sau khi bạn mở biểu mẫu" in shown
    assert "Biểu mẫu của bạn khác với bản ghi hiện tại ở: Nội dung ghi trên nhãn." in shown
    assert 'value="Thi đua khen thưởng"' in html.unescape(refused.get_data(as_text=True))  # what they typed stays
    session.expire_all()
    assert session.get(StorageBox, box.id).label == "Tổ chức cán bộ"
    again = revision_in(refused.get_data(as_text=True), edit)  # the form now shows the revision saved meanwhile
    assert mine.post(edit, {"number": "7", "label": "Thi đua khen thưởng", "revision": again}).status_code == 302
    session.expire_all()
    assert session.get(StorageBox, box.id).label == "Thi đua khen thưởng"


def test_the_second_of_two_decisions_on_one_use_request_is_refused_and_the_first_stands(
    browsers, session, make_dossier, now
):
    archived = make_dossier("archived")
    browsers("officer2").post("/use/new", {"codes": archived.file_code, "purpose": "Tra cứu phục vụ thanh tra"})
    asked = session.scalars(select(UseRequest)).one()
    first, second = browsers("head"), browsers("head")
    until = (now.date() + timedelta(days=5)).strftime("%d/%m/%Y")
    assert first.post(f"/use/{asked.id}/decision", {"decision": "approve", "until": until}).status_code == 302
    late = second.post(f"/use/{asked.id}/decision", {"decision": "refuse", "note": "Không"})
    assert late.status_code == 422 and "Phiếu này đã được quyết định." in text(late)  # the page as it is now
    assert f'action="/use/{asked.id}/decision"' not in late.get_data(as_text=True)  # no decision offered again
    session.expire_all()
    assert session.get(UseRequest, asked.id).state == UseRequestState.APPROVED


def test_two_heads_confirming_one_access_change_confirm_it_once(browsers, session, make_dossier, world):
    dossier = make_dossier("open")
    share = {"reason": "Phối hợp xử lý", "kind": "share_unit", "unit_id": str(world.unit_b.id)}
    browsers("officer1").post(f"/access/dossiers/{dossier.id}", share)
    change = session.scalars(select(AccessChange)).one()
    first, second = browsers("unithead"), browsers("unithead")
    assert first.post(f"/access/changes/{change.id}", {"decision": "confirm"}).status_code == 302
    late = second.post(f"/access/changes/{change.id}", {"decision": "reject"}, follow_redirects=True)
    assert late.status_code == 200 and "Thay đổi này đã được quyết định." in text(late)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("access.%"))).all()
    assert sorted(actions) == ["access.confirmed", "access.proposed"]


def test_a_use_request_sent_twice_is_made_once(browsers, session, make_dossier):
    archived = make_dossier("archived")
    officer = browsers("officer2")
    form = {"codes": archived.file_code, "purpose": "Tra cứu phục vụ thanh tra"}
    assert officer.post("/use/new", form).status_code == 302
    again = officer.post("/use/new", form)  # a double click, or the page reloaded
    assert again.status_code == 422
    assert "Phiếu 1/2026 của bạn đề nghị các hồ sơ này đang chờ người đứng đầu quyết định." in text(again)
    assert len(session.scalars(select(UseRequest)).all()) == 1
    other = officer.post("/use/new", {**form, "purpose": "Tra cứu phục vụ báo cáo năm"})
    assert other.status_code == 302  # another purpose is another request


def shown_in(page: str, action: str) -> dict[str, str]:
    """Return what the form posting to ``action`` sends back as shown (its ``seen_*`` fields)."""
    form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    return {name: html.unescape(value) for name, value in re.findall(r'name="(seen_\w+)" value="([^"]*)"', form)}


def edited_twice(desks, page: str, action: str, theirs: dict, mine: dict):
    """Open ``page`` at two desks, save ``theirs`` from the second, then ``mine`` from the first; return that answer."""
    first, second = desks
    seen_first = shown_in(first.get(page).get_data(as_text=True), action)
    seen_second = shown_in(second.get(page).get_data(as_text=True), action)
    assert seen_first and second.post(action, {**seen_second, **theirs}).status_code == 302
    return first.post(action, {**seen_first, **mine})


def test_an_organisation_renamed_meanwhile_is_not_renamed_again_from_an_older_page(browsers, session, world):
    page = f"/admin/organisations/{world.org.id}"
    details = {"parent_name": world.org.parent_name or "", "archive_code": world.org.archive_code or ""}
    refused = edited_twice(
        (browsers("admin"), browsers("admin")), page, page, {**details, "name": "UBND quận A"}, {**details, "name": "B"}
    )
    assert refused.status_code == 409 and "Biểu mẫu của bạn khác với bản ghi hiện tại ở: Tên." in text(refused)
    session.expire_all()
    assert world.org.name == "UBND quận A"


def test_a_unit_closed_meanwhile_is_not_renamed_open_from_an_older_page(browsers, session, world):
    unit = world.unit_b
    for membership in [m for user in world.users.values() for m in user.memberships if m.unit_id == unit.id]:
        session.delete(membership)  # nobody left in the unit, so it may be closed
    session.commit()
    page, action = f"/admin/organisations/{world.org.id}", f"/admin/units/{unit.id}"
    refused = edited_twice(
        (browsers("admin"), browsers("admin")),
        page,
        action,
        {"name": unit.name, "parent": "", "active": "no"},
        {"name": "Phòng Tài chính", "parent": "", "active": "yes"},
    )
    assert refused.status_code == 409
    assert "Biểu mẫu của bạn khác với bản ghi hiện tại ở: Trạng thái." in text(refused)
    session.expire_all()
    assert unit.active is False and unit.name != "Phòng Tài chính"


def test_a_repository_changed_meanwhile_is_not_overwritten_from_an_older_page(browsers, session):
    mine, theirs = browsers("archivist"), browsers("archivist")
    mine.post("/archive/storage/repositories", {"code": "K1", "name": "Kho tầng 1"})
    repository = session.scalar(select(Repository))
    action = f"/archive/storage/repositories/{repository.id}"
    refused = edited_twice(
        (mine, theirs),
        "/archive/storage/",
        action,
        {"code": "K1", "name": "Kho tầng 1", "address": "12 Láng Hạ"},
        {"code": "K2", "name": "Kho tầng 1", "address": ""},
    )
    assert refused.status_code == 409 and "khác với bản ghi hiện tại ở: Địa chỉ." in text(refused)
    session.expire_all()
    assert (repository.code, repository.address) == ("K1", "12 Láng Hạ")


def test_an_access_change_sent_twice_is_proposed_once(browsers, session, make_dossier, world):
    dossier = make_dossier("open")
    officer = browsers("officer1")
    form = {"kind": "share_unit", "unit_id": str(world.unit_b.id), "reason": "Phối hợp xử lý"}
    assert officer.post(f"/access/dossiers/{dossier.id}", form).status_code == 302
    again = officer.post(f"/access/dossiers/{dossier.id}", form, follow_redirects=True)
    assert "Một thay đổi y hệt đang chờ xác nhận." in text(again)
    assert len(session.scalars(select(AccessChange).where(AccessChange.dossier_id == dossier.id)).all()) == 1
