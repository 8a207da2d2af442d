"""The submission pages (issue 22): choose against the reconciled list, confirm, submit; the transfer's page with
its mục lục; the joint check signed by the registry and the archivist; bad choices refused, nothing submitted."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from erms.models import Transfer


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def transfers_made(session) -> int:
    return session.scalar(select(func.count()).select_from(Transfer))


def test_choose_confirm_submit_then_sign_the_joint_check(browsers, session, make_dossier, world):
    first, second = make_dossier("closed"), make_dossier("closed")
    officer = browsers("officer1")
    chooser = officer.get("/transfers/new?year=2026")
    shown = " ".join(text(chooser).split())
    assert "Đối chiếu với Danh mục hồ sơ năm 2026" in shown and "Sẵn sàng nộp lưu: 2" in shown
    assert "Có trong Danh mục nhưng chưa mở hồ sơ: 3" in shown  # the list's three planned entries
    # Opened from the menu, every ready dossier of the unit is ticked, and the page says so above them.
    assert "Đang chọn sẵn 2 hồ sơ, tất cả hồ sơ sẵn sàng nộp lưu: hãy bỏ chọn những hồ sơ chưa nộp lúc này." in shown
    own = " ".join(text(officer.get(f"/transfers/new?dossier={first.id}")).split())
    assert "Đang chọn sẵn" not in own  # from a dossier's own page, that one only
    # Every column is named, the ticks' too, for a screen reader reading the table.
    assert re.findall(r"<th[^>]*>\s*</th>", chooser.get_data(as_text=True)) == []
    before = transfers_made(session)
    assert officer.post("/transfers/new", {"unit_id": str(world.unit_a.id), "year": "2026"}).status_code == 422
    unconfirmed = officer.post("/transfers/new", {"dossier_id": str(first.id), "year": "2026"})
    assert unconfirmed.status_code == 422 and transfers_made(session) == before
    form = {"dossier_id": [str(first.id), str(second.id)], "confirm": "yes", "year": "2026"}
    done = officer.post("/transfers/new", form)
    assert done.status_code == 302 and transfers_made(session) == before + 1
    page = done.headers["Location"]
    assert "Nộp lưu của Văn phòng HĐND và UBND" in text(officer.get(page))
    listed = officer.get(page + "/list.pdf")
    assert listed.mimetype == "application/pdf" and listed.headers["Content-Disposition"].startswith("attachment")

    archivist = browsers("archivist")
    one, last = session.scalar(select(Transfer).order_by(Transfer.id.desc())).items
    assert archivist.post(f"/archive/items/{one.id}/accept", {"confirm": "yes"}).headers["Location"] == "/archive/"
    decided = archivist.post(f"/archive/items/{last.id}/accept", {"confirm": "yes"})  # the last: on to its signature
    assert decided.status_code == 302 and decided.headers["Location"] == page
    told = " ".join(text(archivist.get(page)).split())
    assert "Mọi hồ sơ của đợt nộp lưu này đã được kiểm tra: hãy ký xác nhận kiểm tra chung bên dưới" in told
    assert officer.post(page + "/sign", {"confirm": "yes"}).status_code == 403
    assert browsers("registry").post(page + "/sign", {"confirm": "yes"}).status_code == 302
    assert archivist.get(page + "/record.pdf").status_code == 404  # one signature: no record yet
    assert archivist.post(page + "/sign", {"confirm": "yes"}).status_code == 302
    record = officer.get(page + "/record.pdf")
    assert record.status_code == 200 and record.data.startswith(b"%PDF")
    assert "đã ký biên bản" in text(officer.get("/transfers/"))


def test_another_units_dossier_cannot_be_chosen(browsers, session, make_dossier):
    closed = make_dossier("closed")
    before = transfers_made(session)
    stranger = browsers("officer2")
    answer = stranger.post("/transfers/new", {"dossier_id": str(closed.id), "confirm": "yes"})
    assert answer.status_code == 404 and transfers_made(session) == before
    assert browsers("council1").get("/transfers/new").status_code == 404


def test_keeping_a_dossier_back_from_its_page(browsers, session, make_dossier):
    dossier = make_dossier("closed")
    officer = browsers("officer1")
    page = " ".join(text(officer.get(f"/dossiers/{dossier.id}")).split())
    assert "Phải nộp lưu vào Lưu trữ cơ quan trước ngày 31/12/2027." in page
    too_late = officer.post(
        f"/transfers/dossiers/{dossier.id}/keep-back", {"until": "01/01/2030", "reason": "Thanh tra"}
    )
    assert too_late.status_code == 422 and "không quá 02 năm, tức là đến ngày 31/12/2029" in text(too_late)
    impossible = officer.post(f"/transfers/dossiers/{dossier.id}/keep-back", {"until": "31/02/2029", "reason": "x"})
    assert impossible.status_code == 422
    asked = officer.post(f"/transfers/dossiers/{dossier.id}/keep-back", {"until": "30/06/2029", "reason": "Thanh tra"})
    assert asked.status_code == 302
    head = browsers("head")
    home = " ".join(text(head.get("/")).split())
    assert "Hồ sơ đơn vị đề nghị giữ lại" in home and "Đến ngày 30/06/2029: Thanh tra" in home
    shown = " ".join(text(head.get(f"/dossiers/{dossier.id}")).split())
    assert "Đã đề nghị giữ lại đến ngày 30/06/2029: Thanh tra — đang chờ người đứng đầu đồng ý." in shown
    keep_id = re.search(
        r"/transfers/keep-backs/(\d+)/decide", head.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    )
    assert head.post(f"/transfers/keep-backs/{keep_id.group(1)}/decide", {"decision": "refuse"}).status_code == 422
    decided = head.post(f"/transfers/keep-backs/{keep_id.group(1)}/decide", {"decision": "approve", "note": ""})
    assert decided.status_code == 302
    assert "Phải nộp lưu vào Lưu trữ cơ quan trước ngày 30/06/2029." in " ".join(
        text(officer.get(f"/dossiers/{dossier.id}")).split()
    )
    assert dossier.file_notation in text(officer.get("/transfers/kept"))
    assert dossier.file_notation not in text(browsers("officer2").get("/transfers/kept"))
    settled = officer.post(f"/transfers/dossiers/{dossier.id}/settlement", {"settled_on": "hôm qua"})
    assert settled.status_code == 422


def test_the_chooser_opens_on_the_oldest_year_with_dossiers_waiting(browsers, make_dossier):
    make_dossier("closed")  # work of 2026, the year of the app's clock
    shown = " ".join(text(browsers("officer1").get("/transfers/new")).split())
    assert "Đối chiếu với Danh mục hồ sơ năm 2026" in shown and "Sẵn sàng nộp lưu: 1" in shown


def test_a_transfer_whose_every_dossier_was_returned_asks_for_no_signature(browsers, session, make_dossier, world):
    dossier = make_dossier("closed")
    officer, archivist, registry = browsers("officer1"), browsers("archivist"), browsers("registry")
    form = {"dossier_id": [str(dossier.id)], "confirm": "yes", "year": "2026"}
    page = officer.post("/transfers/new", form).headers["Location"]
    (item,) = session.scalar(select(Transfer).order_by(Transfer.id.desc())).items
    returned = archivist.post(f"/archive/items/{item.id}/reject", {"reason": "Thiếu biên bản họp", "confirm": "yes"})
    assert returned.headers["Location"] == "/archive/"  # not on to a signature: nothing was handed over
    shown = " ".join(text(registry.get(page)).split())
    assert "Mọi hồ sơ của lần nộp lưu này đã bị trả lại: không có gì được giao nhận" in shown
    assert 'action="' + page + '/sign"' not in registry.get(page).get_data(as_text=True)
    refused = registry.post(page + "/sign", {"confirm": "yes"}, follow_redirects=True)
    assert "không có biên bản giao nhận để ký" in " ".join(text(refused).split())
    assert "chờ bạn ký" not in " ".join(text(registry.get("/")).split())  # no step waits on the home page
    listed = " ".join(text(registry.get("/transfers/")).split())
    assert "mọi hồ sơ đã bị trả lại: không có gì được giao nhận" in listed and "chờ ký biên bản" not in listed
    session.expire_all()
    assert session.get(Transfer, item.transfer_id).registry_signed_at is None
