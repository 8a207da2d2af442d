"""The pages of using archived records (issue 28): a staff member asks, the head decides, the reader opens the
dossier until the day approved; the archivist lends paper against a printed slip; the register counts it all."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from erms.models import UseRequest
from erms.models.dossier import Medium
from filing import access


def text_of(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_a_staff_member_asks_the_head_approves_and_the_dossier_opens_until_the_day(
    browsers, session, make_dossier, now
):
    archived = make_dossier("archived")
    officer = browsers("officer2")
    assert officer.get(f"/dossiers/{archived.id}").status_code == 404
    assert "Khai thác tài liệu" in text_of(officer.get("/"))  # the menu link
    refused = officer.post("/use/new", {"codes": "KHONG.CO", "purpose": ""})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Không có trong Lưu trữ cơ quan: KHONG.CO." in page and "Hãy nói rõ mục đích khai thác" in page
    assert session.scalars(select(UseRequest)).all() == []
    sent = officer.post("/use/new", {"codes": archived.file_code, "purpose": "Tra cứu phục vụ thanh tra"})
    assert sent.status_code == 302
    (asked,) = session.scalars(select(UseRequest)).all()
    assert "Phiếu 1/2026 đã được gửi" in text_of(officer.get(sent.headers["Location"]))

    head = browsers("head")
    waiting = text_of(head.get("/use/"))
    assert "Phiếu chờ bạn quyết định" in waiting and "Tra cứu phục vụ thanh tra" in waiting
    until = (now.date() + timedelta(days=5)).strftime("%d/%m/%Y")
    bad = head.post(f"/use/{asked.id}/decision", {"decision": "refuse", "note": ""})
    assert bad.status_code == 422 and "Hãy nêu lý do không đồng ý" in text_of(bad)
    # An impossible day is said to be one, and the form keeps what was typed.
    typed = {"decision": "approve", "until": "31/02/2027", "note": "Đồng ý, lưu ý không sao chụp"}
    impossible = head.post(f"/use/{asked.id}/decision", typed)
    assert impossible.status_code == 422 and "Ngày tháng không hợp lệ (ngày/tháng/năm)." in text_of(impossible)
    assert "Hãy ghi ngày cuối cùng" not in text_of(impossible)
    assert 'value="31/02/2027"' in impossible.get_data(as_text=True)
    assert "Đồng ý, lưu ý không sao chụp</textarea>" in impossible.get_data(as_text=True)
    head.post(f"/use/{asked.id}/decision", {"decision": "approve", "until": until, "note": ""})
    page = text_of(officer.get(f"/use/{asked.id}"))
    assert f"Đã duyệt đến ngày {until}" in page and f'href="/dossiers/{archived.id}"' in officer.get(
        f"/use/{asked.id}"
    ).get_data(as_text=True)
    assert officer.get(f"/dossiers/{archived.id}").status_code == 200
    access.end_expired(session, now.date() + timedelta(days=6), now=now)
    session.commit()
    assert officer.get(f"/dossiers/{archived.id}").status_code == 404


def test_the_archivist_lends_paper_against_a_slip_and_the_register_counts_it(browsers, session, make_dossier, now):
    paper = make_dossier("archived")
    paper.medium = Medium.PAPER
    session.commit()
    registry = browsers("registry")
    form = registry.get("/use/new").get_data(as_text=True)
    assert "Người đọc là công dân" in form
    registry.post(
        "/use/new",
        {
            "codes": paper.file_code,
            "purpose": "Xác minh hồ sơ đất đai",
            "for_citizen": "yes",
            "reader_name": "Trần Thị Bình",
            "reader_identity": "001190012345",
        },
    )
    (asked,) = session.scalars(select(UseRequest)).all()
    until = (now.date() + timedelta(days=7)).strftime("%d/%m/%Y")
    browsers("head").post(f"/use/{asked.id}/decision", {"decision": "approve", "until": until, "note": ""})
    archivist = browsers("archivist")
    (item,) = asked.items
    archivist.post(f"/use/items/{item.id}/lent")
    page = text_of(archivist.get(f"/use/{asked.id}"))
    assert "Trần Thị Bình" in page and "đã cho mượn" in page
    slip = archivist.get(f"/use/{asked.id}/slip.pdf")
    assert slip.headers["Content-Disposition"].startswith("attachment;")
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(slip.data)).pages).split())
    assert "PHIẾU MƯỢN TÀI LIỆU" in text and "Trần Thị Bình" in text and paper.file_code in text.replace(" ", "")
    assert f"Hạn trả: {until}" in text
    assert 'href="/use/register?year=2026"' in archivist.get("/reports/").get_data(as_text=True)
    register = text_of(archivist.get("/use/register"))
    assert "Trần Thị Bình" in register and "1 (1 do công dân yêu cầu)" in register
    assert "<dt>Hồ sơ phục vụ đọc trực tuyến</dt><dd>0</dd>" in register  # the paper one is lent, not served online
    archivist.post(f"/use/items/{item.id}/returned")
    assert "đã trả" in text_of(archivist.get(f"/use/{asked.id}"))
    assert browsers("officer1").get(f"/use/{asked.id}").status_code == 404


def test_the_head_leaves_out_a_dossier_on_the_page_and_it_is_neither_opened_nor_on_the_slip(
    browsers, session, make_dossier, now
):
    online, paper, secret = make_dossier("archived"), make_dossier("archived"), make_dossier("archived")
    paper.medium = secret.medium = Medium.PAPER
    session.commit()
    officer = browsers("officer2")
    officer.post("/use/new", {"codes": f"{online.file_code} {paper.file_code} {secret.file_code}", "purpose": "Ôn"})
    (asked,) = session.scalars(select(UseRequest)).all()
    left_out = next(item for item in asked.items if item.dossier_id == secret.id)
    head = browsers("head")
    form = head.get(f"/use/{asked.id}").get_data(as_text=True)
    assert f'name="refused" type="checkbox" value="{left_out.id}"' in form
    until = (now.date() + timedelta(days=5)).strftime("%d/%m/%Y")
    decision = {"decision": "approve", "until": until, "refused": str(left_out.id)}
    bad = head.post(f"/use/{asked.id}/decision", {**decision, "note": ""})
    assert bad.status_code == 422 and "Hãy nêu lý do không duyệt các hồ sơ này." in text_of(bad)
    assert f'value="{left_out.id}" checked' in bad.get_data(as_text=True)  # the dossier ticked stays ticked
    hostile = head.post(f"/use/{asked.id}/decision", {**decision, "refused": "một", "note": "Mật"})
    assert "Hãy chọn hồ sơ của chính phiếu này." in text_of(hostile)
    session.expire_all()
    assert session.get(UseRequest, asked.id).state.value == "requested"
    done = head.post(f"/use/{asked.id}/decision", {**decision, "note": "Hồ sơ mật"})
    assert "Đã duyệt phiếu, trừ 1 hồ sơ." in text_of(head.get(done.headers["Location"]))
    page = officer.get(f"/use/{asked.id}").get_data(as_text=True)
    assert f'href="/dossiers/{online.id}"' in page and f'href="/dossiers/{secret.id}"' not in page
    assert "không duyệt" in text_of(officer.get(f"/use/{asked.id}"))
    assert officer.get(f"/dossiers/{secret.id}").status_code == 404
    slip = browsers("archivist").get(f"/use/{asked.id}/slip.pdf")
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(slip.data)).pages).split())
    assert paper.file_code.replace(" ", "") in text and secret.file_code.replace(" ", "") not in text


def test_the_head_takes_back_a_refusal_from_the_request_page(browsers, session, make_dossier):
    archived = make_dossier("archived")
    session.commit()
    officer, head = browsers("officer2"), browsers("head")
    officer.post("/use/new", {"codes": archived.file_code, "purpose": "Tra cứu"})
    (asked,) = session.scalars(select(UseRequest)).all()
    head.post(f"/use/{asked.id}/decision", {"decision": "refuse", "note": "Nhầm"})
    page = head.get(f"/use/{asked.id}").get_data(as_text=True)
    assert f'action="/use/{asked.id}/reconsider"' in page
    assert f'action="/use/{asked.id}/reconsider"' not in officer.get(f"/use/{asked.id}").get_data(as_text=True)
    assert officer.post(f"/use/{asked.id}/reconsider").status_code == 403
    back = head.post(f"/use/{asked.id}/reconsider")
    assert "Đã rút lại quyết định không duyệt" in text_of(head.get(back.headers["Location"]))
    session.expire_all()
    assert session.get(UseRequest, asked.id).state.value == "requested"
