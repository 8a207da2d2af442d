"""A document's handling ("quá trình xử lý", NĐ 30 PL6 III.5.a, III.1.n): the opinions given on it — a comment by
whoever reads it, a direction or an approval by the head or its unit's head, a draft sent back with a reason that
tells its author and shows on the page until a new version — listed in time order with its versions and the
register's distribution on the document's page."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from erms.models import DocumentOpinion, Notification
from filing import dossiers
from tests.factories import DOCUMENT, upload
from tests.web.test_leak_review import registered

DRAFT_SUBJECT = "Dự thảo kế hoạch cải cách hành chính năm 2026"


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def handling_of(response) -> str:
    """Return the text of the page's "Quá trình xử lý" section."""
    page = response.get_data(as_text=True)
    section = re.search(r'<section class="panel" id="handling">.*?</section>', page, flags=re.S)
    assert section is not None, "the page has no handling section"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section.group(0))).split())


def draft_of(session, world, store, now, make_dossier):
    """Return an open dossier of unit A holding one draft (version 1 by officer1), committed."""
    dossier = make_dossier("open", documents=0)
    data = dict(DOCUMENT, status="draft", subject=DRAFT_SUBJECT, code_number="")
    document = dossiers.add_document(
        session, world.actor("officer1"), dossier.id, data, upload(b"%PDF-1.4 du thao 1"), store=store, now=now
    )
    session.commit()
    return dossier, document


def opinions(session, document_id: int) -> list[tuple[str, str]]:
    session.expire_all()
    query = select(DocumentOpinion).where(DocumentOpinion.document_id == document_id).order_by(DocumentOpinion.id)
    return [(opinion.kind.value, opinion.text) for opinion in session.scalars(query)]


def test_comments_directions_and_approvals_are_listed_in_time_order(browsers, session, world, store, now, make_dossier):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    officer, head, unit_head = browsers("officer1"), browsers("head"), browsers("unithead")
    kinds = re.findall(r'<option value="(\w+)"', officer.get(url).get_data(as_text=True))
    assert kinds == ["comment"]  # an officer comments; directing and approving are the leaders'
    assert (
        officer.post(f"{url}/opinions", {"kind": "comment", "text": "Đề nghị bổ sung số liệu quý I."}).status_code
        == 302
    )
    assert head.get(url).status_code == 200
    saved = head.post(f"{url}/opinions", {"kind": "direction", "text": "Giao Văn phòng hoàn thiện trước ngày 15/3."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#handling")
    unit_head.get(url)
    assert (
        unit_head.post(f"{url}/opinions", {"kind": "form_approval", "text": "Thể thức đúng quy định."}).status_code
        == 302
    )
    steps = handling_of(officer.get(url))
    order = ["Dự thảo lần 1", "Ý kiến góp ý", "Đề nghị bổ sung số liệu quý I.", "Ý kiến chỉ đạo", "Giao Văn phòng",
             "Phê duyệt thể thức", "Thể thức đúng quy định."]  # fmt: skip
    positions = [steps.index(words) for words in order]
    assert positions == sorted(positions), steps
    assert "Nguyễn Văn head" in steps and "Nguyễn Văn officer1" in steps
    assert opinions(session, document.id) == [
        ("comment", "Đề nghị bổ sung số liệu quý I."),
        ("direction", "Giao Văn phòng hoàn thiện trước ngày 15/3."),
        ("form_approval", "Thể thức đúng quy định."),
    ]


def test_a_draft_sent_back_tells_its_author_and_shows_until_a_new_version(
    browsers, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    head = browsers("head")
    head.get(url)
    reason = "Chưa nêu rõ nguồn kinh phí; đề nghị soạn lại mục 3."
    assert head.post(f"{url}/opinions", {"kind": "sent_back", "text": reason}).status_code == 302
    officer = browsers("officer1")
    page = text_of(officer.get(url))
    assert "Đã chuyển lại dự thảo, bởi Nguyễn Văn head" in page and reason in page
    notice = session.scalar(select(Notification).where(Notification.kind == "draft_sent_back"))
    assert notice.user_id == world.users["officer1"].id and notice.subject_id == dossier.id
    assert reason not in notice.params  # the notice may go by e-mail: the page gives the reason
    assert "Dự thảo số 1 của hồ sơ" in text_of(officer.get("/notices/"))
    dossiers.add_version(
        session, world.actor("officer1"), dossier.id, document.id, upload(b"%PDF-1.4 du thao 2"), store=store, now=now
    )
    session.commit()
    again = officer.get(url)
    assert 'id="sent-back"' not in again.get_data(as_text=True)  # answered by version 2
    assert reason in handling_of(again) and "Dự thảo lần 2" in handling_of(again)  # the history stays


def test_an_incoming_documents_distribution_opens_its_handling(browsers, session, world, store, now, make_dossier):
    line = registered(session, world, store, now, "77", world.unit_a)
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    session.commit()
    steps = handling_of(browsers("officer1").get(f"/dossiers/{dossier.id}/documents/{line.document_id}"))
    assert f"Vào sổ đăng ký, số {line.number}" in steps
    assert "Phân phối xử lý cho Văn phòng HĐND và UBND" in steps
    assert steps.index("Vào sổ đăng ký") < steps.index("Phân phối xử lý cho")
    assert "Phiên bản 1" in steps and "Dự thảo" not in steps  # a final document's file is no draft
