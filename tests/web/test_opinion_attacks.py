"""Opinions attacked (PL6 III.5.a, security review): another unit's officer, a reader of a restricted or tuyệt mật
document, a forged post to a closed dossier, a kind the person may not give, a text empty or too long — each gets a
clear answer and nothing is kept; an opinion's text stays with those who read the document's summary, in the page
and in the audit log."""

from __future__ import annotations

import json

from sqlalchemy import select

from erms.models import AuditEvent
from tests.web.test_document_opinions import draft_of, handling_of, opinions, text_of
from tests.web.test_document_rights_pages import linked, sent  # noqa: F401
from tests.web.test_leak_review import restrict

DIRECTION = "Giao phòng Tài chính thẩm định trước khi trình ký."


def opinion_events(session, document_id: int) -> list[dict]:
    session.expire_all()
    query = select(AuditEvent).where(
        AuditEvent.action == "document.opinion_given", AuditEvent.subject_id == document_id
    )
    return [json.loads(event.details) for event in session.scalars(query.order_by(AuditEvent.id))]


def test_forged_opinions_are_refused_and_nothing_is_kept(browsers, session, world, store, now, make_dossier):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    other_unit = browsers("officer2")
    other_unit.get("/")
    assert other_unit.post(f"{url}/opinions", {"kind": "comment", "text": "Xem giúp"}).status_code == 404
    officer = browsers("officer1")
    officer.get(url)
    for kind in ("direction", "content_approval", "form_approval", "sent_back"):  # the leaders' kinds
        assert officer.post(f"{url}/opinions", {"kind": kind, "text": "Đồng ý"}).status_code == 403, kind
    empty = officer.post(f"{url}/opinions", {"kind": "comment", "text": "  \n "})
    assert empty.status_code == 422 and "Nhập nội dung ý kiến (chuyển lại dự thảo: nêu lý do)." in text_of(empty)
    long = officer.post(f"{url}/opinions", {"kind": "comment", "text": "ý" * 2001})
    assert long.status_code == 422 and "Tối đa 2000 ký tự." in text_of(long)
    unknown = officer.post(f"{url}/opinions", {"kind": "veto", "text": "Không đồng ý"})
    assert unknown.status_code == 422 and "Chọn loại ý kiến." in text_of(unknown)
    assert "Không đồng ý" in unknown.get_data(as_text=True)  # what was typed is kept in the form
    assert opinions(session, document.id) == [] and opinion_events(session, document.id) == []


def test_a_final_document_is_not_sent_back(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open")
    (link,) = dossier.links
    session.commit()
    url = f"/dossiers/{dossier.id}/documents/{link.document_id}"
    head = browsers("head")
    assert ">Chuyển lại dự thảo<" not in head.get(url).get_data(as_text=True)  # not offered
    refused = head.post(f"{url}/opinions", {"kind": "sent_back", "text": "Soạn lại"})
    assert "Chỉ dự thảo mới được chuyển lại cho người soạn" in text_of(refused)
    assert opinions(session, link.document_id) == []


def test_a_closed_dossiers_documents_take_no_new_opinion(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("closed")
    (link,) = dossier.links
    session.commit()
    url = f"/dossiers/{dossier.id}/documents/{link.document_id}"
    head = browsers("head")
    page = head.get(url)
    assert "đã kết thúc: văn bản đã cố định, không nhận thêm ý kiến" in handling_of(page)
    assert f'action="{url}/opinions"' not in page.get_data(as_text=True)
    forged = head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION})
    assert f"Hồ sơ {dossier.file_code} không còn mở" in text_of(forged)
    assert opinions(session, link.document_id) == [] and opinion_events(session, link.document_id) == []


def test_a_restricted_documents_opinions_stay_with_its_readers(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open")
    (link,) = dossier.links
    session.commit()
    url = f"/dossiers/{dossier.id}/documents/{link.document_id}"
    head = browsers("head")
    head.get(url)
    assert head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION}).status_code == 302
    restrict(session, world, "officer1", dossier.id, link.document_id, now)
    session.commit()
    assert head.post(f"{url}/opinions", {"kind": "content_approval", "text": "Nội dung đạt."}).status_code == 302
    registry = browsers("registry")  # reads the dossier, not the document restricted on its own
    steps = handling_of(registry.get(url))
    assert DIRECTION not in steps and "Nội dung đạt." not in steps
    assert "Ý kiến chỉ đạo" in steps and "(không hiển thị nội dung ý kiến, như trích yếu)" in steps
    assert registry.post(f"{url}/opinions", {"kind": "comment", "text": "Xem giúp"}).status_code == 403
    assert DIRECTION in handling_of(browsers("officer1").get(url))  # who forms the dossier reads them
    given_before, given_after = opinion_events(session, link.document_id)
    assert given_before["opinion_text"] == DIRECTION and given_after["opinion_text"] is None
    assert given_after["kind"] == "content_approval"  # the log names the kind, never a restricted one's text
    log = text_of(browsers("archivist").get("/audit/"))
    assert "Ghi ý kiến xử lý văn bản" in log and DIRECTION not in log  # masked as its summary is
    assert DIRECTION in text_of(head.get("/audit/"))  # the head reads the document, and the log as recorded


def test_a_top_secret_documents_opinions_are_the_heads(client, browsers, session, world, make_dossier, sent):  # noqa: F811
    dossier, entry = linked(client, world, make_dossier, sent)
    url = f"/dossiers/{dossier.id}/documents/{entry.document_id}"
    assert client.post(f"{url}/opinions", {"kind": "comment", "text": "Xem giúp"}).status_code == 403
    head = browsers("head")
    head.get(url)
    assert head.post(f"{url}/opinions", {"kind": "direction", "text": DIRECTION}).status_code == 302
    assert DIRECTION in handling_of(head.get(url))
    steps = handling_of(client.get(url))  # officer1 forms the dossier but reads no tuyệt mật summary
    assert "Ý kiến chỉ đạo" in steps and DIRECTION not in steps
    (given,) = opinion_events(session, entry.document_id)
    assert given["opinion_text"] is None and given["kind"] == "direction"
