"""A registered document's handling on its register line (PL6 III.5.a; TT 02/2019 incoming field 17): the leader
directs an incoming document as soon as the registry registers it, long before anyone files it, and the unit it was
sent to reads the direction there and, once filed, on the document's page; the rules are the document page's — the
head and the head of the unit it was sent to direct, whoever reads its summary comments, a tuyệt mật one's opinions
are read by the authorised alone, forged posts keep nothing."""

from __future__ import annotations

import re

from erms import permissions
from filing import dossiers, registers
from tests.web.test_document_opinions import handling_of, opinions, text_of
from tests.web.test_document_rights_pages import sent  # noqa: F401
from tests.web.test_leak_review import registered
from tests.web.test_opinion_attacks import DIRECTION, opinion_events


def kinds_in_form(response) -> list[str]:
    """Return the kinds the handling section's form offers ([] when the section has no form)."""
    page = response.get_data(as_text=True)
    section = re.search(r'<section class="panel" id="handling">.*?</section>', page, flags=re.S)
    assert section is not None, "the page has no handling section"
    return re.findall(r'<option value="(\w+)"', section.group(0))


def test_the_head_directs_a_just_registered_document_its_unit_reads_once_filed(
    browsers, session, world, store, now, make_dossier
):
    line = registered(session, world, store, now, "88", world.unit_a)
    session.commit()
    # Sent to unit A and filed nowhere yet, the document is unit A's: its unit head directs it, as the head does.
    assert permissions.document_units(session, line.document) == {world.unit_a.id}
    url = f"/registers/entries/{line.id}"
    head = browsers("head")
    page = head.get(url)
    steps = handling_of(page)
    assert f"Vào sổ đăng ký, số {line.number}" in steps and "Phân phối xử lý cho Văn phòng HĐND và UBND" in steps
    assert "Phiên bản 1" in steps  # the registered scan
    assert kinds_in_form(page) == ["comment", "direction", "content_approval", "form_approval"]  # not sent back
    saved = head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}#handling")
    assert "Đã ghi ý kiến." in text_of(head.get(saved.headers["Location"]))
    unit_head = browsers("unithead")
    assert kinds_in_form(unit_head.get(url)) == ["comment", "direction", "content_approval", "form_approval"]
    assert unit_head.post(f"{url}/opinions", {"kind": "content_approval", "text": "Đồng ý đề xuất."}).status_code == 302
    officer = browsers("officer1")
    line_page = officer.get(url)
    assert DIRECTION in handling_of(line_page) and kinds_in_form(line_page) == ["comment"]
    (given, approved) = opinion_events(session, line.document_id)
    assert given["register_entry_id"] == line.id and given["opinion_text"] == DIRECTION
    assert approved["kind"] == "content_approval"
    dossier = make_dossier("open", documents=0)
    session.commit()
    assert officer.post(f"/dossiers/{dossier.id}/link", {"document_id": str(line.document_id)}).status_code == 302
    filed = handling_of(officer.get(f"/dossiers/{dossier.id}/documents/{line.document_id}"))
    assert DIRECTION in filed and "Đồng ý đề xuất." in filed and "Nguyễn Văn head" in filed


def test_another_units_head_cannot_direct_it(browsers, session, world, store, now):
    line = registered(session, world, store, now, "89", world.unit_b)
    session.commit()
    url = f"/registers/entries/{line.id}"
    unit_head = browsers("unithead")  # unit A's head: the document is unit B's
    assert unit_head.get(url).status_code == 404
    assert unit_head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION}).status_code == 404
    assert opinions(session, line.document_id) == [] and opinion_events(session, line.document_id) == []
    registry = world.actor("registry")
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now, elsewhere=True
    )
    session.commit()
    assert unit_head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION}).status_code == 302
    assert opinions(session, line.document_id) == [("direction", DIRECTION)]  # sent on to unit A: now theirs


def test_the_registry_comments_but_cannot_direct(browsers, session, world, store, now):
    line = registered(session, world, store, now, "90", world.unit_a)
    session.commit()
    url = f"/registers/entries/{line.id}"
    registry = browsers("registry")
    assert kinds_in_form(registry.get(url)) == ["comment"]
    comment = "Văn bản khẩn, đề nghị lãnh đạo cho ý kiến trong ngày."
    assert registry.post(f"{url}/opinions", {"kind": "comment", "text": comment}).status_code == 302
    for kind in ("direction", "content_approval", "form_approval", "sent_back"):
        assert registry.post(f"{url}/opinions", {"kind": kind, "text": DIRECTION}).status_code == 403, kind
    assert opinions(session, line.document_id) == [("comment", comment)]
    assert comment in handling_of(browsers("officer1").get(url))


def test_a_top_secret_lines_opinions_are_withheld_from_the_registry(browsers, session, world, sent):  # noqa: F811
    line = sent(world.unit_a, marking="tuyet_mat")
    session.commit()
    url = f"/registers/entries/{line.id}"
    head = browsers("head")
    head.get(url)
    assert head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION}).status_code == 302
    assert DIRECTION in handling_of(head.get(url))
    for reader in ("registry", "officer1"):  # they read the line, not a tuyệt mật summary
        page = browsers(reader).get(url)
        steps = handling_of(page)
        assert "Ý kiến chỉ đạo" in steps and DIRECTION not in steps, reader
        assert "(không hiển thị nội dung ý kiến, như trích yếu)" in steps and kinds_in_form(page) == [], reader
    assert browsers("registry").post(f"{url}/opinions", {"kind": "comment", "text": "Xem giúp"}).status_code == 403
    (given,) = opinion_events(session, line.document_id)
    assert given["opinion_text"] is None and given["register_entry_id"] == line.id
    assert opinions(session, line.document_id) == [("direction", DIRECTION)]


def test_forged_posts_on_a_line_change_nothing(browsers, session, world, store, now, make_dossier):
    line = registered(session, world, store, now, "91", world.unit_a)
    session.commit()
    url = f"/registers/entries/{line.id}"
    assert browsers("officer2").post(f"{url}/opinions", {"kind": "comment", "text": "Xem"}).status_code == 404
    head = browsers("head")
    head.get(url)
    assert head.post("/registers/entries/999999/opinions", {"kind": "comment", "text": "Xem"}).status_code == 404
    empty = head.post(f"{url}/opinions", {"kind": "direction", "text": " \n "})
    assert empty.status_code == 422 and "Nhập nội dung ý kiến (chuyển lại dự thảo: nêu lý do)." in text_of(empty)
    unknown = head.post(f"{url}/opinions", {"kind": "veto", "text": "Không đồng ý"})
    assert unknown.status_code == 422 and "Chọn loại ý kiến." in text_of(unknown)
    assert "Không đồng ý" in handling_of(unknown)  # what was typed is kept in the form
    final = head.post(f"{url}/opinions", {"kind": "sent_back", "text": "Soạn lại"})
    assert "Chỉ dự thảo mới được chuyển lại cho người soạn" in text_of(final)
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    session.commit()
    page = head.get(url)
    assert "đã kết thúc: văn bản đã cố định, không nhận thêm ý kiến" in handling_of(page)
    assert kinds_in_form(page) == []
    closed = head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION})
    assert f"Hồ sơ {dossier.file_code} không còn mở" in text_of(closed)
    assert opinions(session, line.document_id) == [] and opinion_events(session, line.document_id) == []
