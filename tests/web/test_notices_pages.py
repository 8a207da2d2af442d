"""The notices page and what it links to: a returned dossier's reason reaches its officer (the notice, the header
count, the dossier page until it is reopened); each person sets their own e-mail for notices, bad input refused."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from erms.models import AuditEvent, User
from filing import dossiers

COUNT = re.compile(r'Thông báo <span class="count">(\d+)</span>')


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_a_returned_dossier_tells_its_officer_why_until_it_is_reopened(browsers, session, world, now, make_dossier):
    dossier = make_dossier("submitted")
    item = dossiers.pending_items(session, world.actor("archivist"))[0]
    archivist = browsers("archivist")
    page = archivist.post(f"/archive/items/{item.id}/reject", {"reason": "Thiếu biên bản họp", "confirm": "yes"})
    assert page.status_code == 302
    officer = browsers("officer1")
    home = officer.get("/").get_data(as_text=True)
    assert int(COUNT.search(home).group(1)) >= 1
    notices_page = officer.get("/notices/").get_data(as_text=True)
    assert (
        f'<a href="/dossiers/{dossier.id}">Hồ sơ {dossier.file_code} bị Lưu trữ cơ quan trả lại: Thiếu biên bản họp</a>'
        in (html.unescape(notices_page))
    )
    assert COUNT.search(notices_page).group(1) == "0"  # shown, so seen
    shown = text(officer.get(f"/dossiers/{dossier.id}"))
    assert "Lưu trữ cơ quan trả lại hồ sơ ngày" in shown and "Thiếu biên bản họp" in shown
    assert officer.post(f"/dossiers/{dossier.id}/reopen", {"reason": "Bổ sung biên bản"}).status_code == 302
    assert "Thiếu biên bản họp" not in text(officer.get(f"/dossiers/{dossier.id}"))


def test_each_person_sets_their_own_email_and_bad_input_changes_nothing(browsers, session, world):
    officer = browsers("officer1")
    saved = officer.post("/notices/settings", {"email": " lan.pt@example.gov.vn ", "email_notices": "on"})
    assert saved.status_code == 302
    session.expire_all()
    user = session.get(User, world.users["officer1"].id)
    assert (user.email, user.email_notices) == ("lan.pt@example.gov.vn", True)
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "user.notices_set")) is not None
    for bad in (
        "lan.pt",
        "lan pt@example.gov.vn",
        "a@b",
        "lan\x00@example.gov.vn",
        "x" * 250 + "@example.gov.vn",
        "lan@ví.dụ",  # an accented address stopped every mail round
        "allstaff,me@example.gov.vn",  # a comma added a second recipient
        "me@example.gov.vn>",
    ):
        refused = officer.post("/notices/settings", {"email": bad})
        assert refused.status_code == 422, bad
        session.expire_all()
        assert session.get(User, world.users["officer1"].id).email == "lan.pt@example.gov.vn"
    assert "Nhập địa chỉ thư điện tử dạng" in text(officer.post("/notices/settings", {"email": "lan.pt"}))
    assert officer.post("/notices/settings", {"email": ""}).status_code == 302  # no address, no e-mail
    session.expire_all()
    assert session.get(User, world.users["officer1"].id).email_notices is False
