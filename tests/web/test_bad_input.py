"""Refused input is explained in Vietnamese next to its field and writes nothing."""

from __future__ import annotations

import html
import re

import pytest
from erms_browser import DOCUMENT_FORM, Browser, file_field, make_pdf, stored_files
from sqlalchemy import func, select

from erms.models import Document, Dossier


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def field_error(page: str, field_id: str) -> str:
    """Return the error text shown for the field with id ``field_id``."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


@pytest.fixture
def dossier(make_dossier):
    return make_dossier("open", documents=0)


def test_an_empty_subject_is_required_next_to_its_field(client, session, dossier):
    client.login("officer1")
    before = count(session, Document)
    response = client.post(
        f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "subject": "  ", "file": file_field(make_pdf(), "a.pdf")}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "doc-subject") == "Trường này là bắt buộc."
    assert 'id="doc-subject"' in page and 'aria-invalid="true"' in page
    # What the user typed is kept.
    assert 'value="UBND thành phố Hà Nội"' in html.unescape(page)
    assert count(session, Document) == before


def test_every_problem_is_shown_at_once(client, session, dossier, store):
    client.login("officer1")
    before = count(session, Document)
    response = client.post(
        f"/dossiers/{dossier.id}/documents",
        {
            **DOCUMENT_FORM,
            "subject": "Trích yếu " * 60,
            "issued_date": "31/02/2026",
            "page_amount": "0",
            "type_name": "",
            "file": file_field(make_pdf(), "a.pdf"),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "doc-subject") == "Tối đa 500 ký tự."
    assert (
        field_error(page, "doc-issued_date") == "Không có ngày 31/02/2026 trong lịch: hãy kiểm tra lại ngày và tháng."
    )
    assert field_error(page, "doc-page_amount") == "Giá trị nhỏ nhất là 1."
    assert field_error(page, "doc-type_name") == "Trường này là bắt buộc."
    assert count(session, Document) == before
    assert stored_files(store) == []


def test_a_missing_file_is_named_on_the_file_field(client, session, dossier):
    client.login("officer1")
    before = count(session, Document)
    response = client.post(f"/dossiers/{dossier.id}/documents", DOCUMENT_FORM)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "doc-file") == "Hãy chọn tệp của văn bản."
    assert count(session, Document) == before


def test_a_classified_file_is_refused_with_the_legal_reason(client, session, dossier, store):
    client.login("officer1")
    before = count(session, Document)
    response = client.post(
        f"/dossiers/{dossier.id}/documents",
        {**DOCUMENT_FORM, "marking": "mat", "file": file_field(make_pdf(), "mật.pdf")},
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "không được lưu tệp trên hệ thống có kết nối mạng" in page
    assert "Luật Bảo vệ bí mật nhà nước" in page
    assert count(session, Document) == before
    assert stored_files(store) == []


def test_a_classified_document_is_left_to_the_registry(client, session, dossier):
    client.login("officer1")
    before = count(session, Document)
    response = client.post(f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "marking": "toi_mat"})
    assert response.status_code == 422
    assert "do văn thư đăng ký vào sổ" in html.unescape(response.get_data(as_text=True))
    assert count(session, Document) == before


def test_a_file_over_the_size_limit_is_refused_and_stores_nothing(make_app, session, dossier, store):
    client = Browser(make_app(MAX_CONTENT_LENGTH=4096).test_client())
    client.login("officer1")
    before = count(session, Document)
    response = client.post(
        f"/dossiers/{dossier.id}/documents",
        {**DOCUMENT_FORM, "file": file_field(b"%PDF-1.4\n" + b"0" * 10_000, "lớn.pdf")},
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    assert count(session, Document) == before
    assert stored_files(store) == []


def test_opening_with_a_date_outside_the_list_year_shows_the_rule(client, session, world):
    entry = world.approved_list(entries=1).entries[0]
    client.login("officer1")
    before = count(session, Dossier)
    response = client.post(
        f"/dossiers/open/{entry.id}",
        {"title": entry.title, "start_date": "2025-12-31", "rights": "public", "language": "Tiếng Việt"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "start_date") == "Thời gian bắt đầu phải thuộc năm 2026, năm của danh mục hồ sơ."
    assert 'value="2025-12-31"' in page or 'value="31/12/2025"' in page  # what was typed is kept
    assert count(session, Dossier) == before


def test_closing_needs_the_confirmation(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    response = client.post(f"/dossiers/{dossier.id}/close", {})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "confirm") == "Trường này là bắt buộc."
    assert "Đang lập" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)


def test_closing_an_empty_dossier_lists_the_checklist(client, session, dossier):
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Chưa thể kết thúc hồ sơ vì:" in page and "Hồ sơ chưa có văn bản nào." in page
    response = client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes"})
    assert response.status_code == 302
    assert "Hồ sơ chưa có văn bản nào." in client.get(response.headers["Location"]).get_data(as_text=True)
    session.refresh(dossier)
    assert dossier.state.value == "open"


def test_reopening_needs_a_reason(client, session, make_dossier):
    dossier = make_dossier("closed")
    client.login("officer1")
    response = client.post(f"/dossiers/{dossier.id}/reopen", {"reason": " "})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "reason") == "Hãy nêu lý do mở lại hồ sơ."
    response = client.post(f"/dossiers/{dossier.id}/reopen", {"reason": "Bổ sung văn bản còn thiếu"})
    assert response.status_code == 302
    assert "Đang lập" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)


def test_a_refused_transition_is_said_in_vietnamese(client, make_dossier):
    dossier = make_dossier("submitted")
    client.login("officer1")
    response = client.post("/transfers/new", {"dossier_id": str(dossier.id), "confirm": "yes"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Hồ sơ ở trạng thái “Đã nộp lưu, chờ tiếp nhận” không thể nộp lưu." in page


def test_returning_needs_a_reason_and_then_goes_back_to_the_unit(client, make_dossier):
    dossier = make_dossier("submitted")
    client.login("archivist")
    queue = client.get("/archive/").get_data(as_text=True)
    item_id = re.search(r"/archive/items/(\d+)/reject", queue).group(1)
    response = client.post(f"/archive/items/{item_id}/reject", {"reason": "", "confirm": "yes"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), f"i{item_id}-reason") == "Hãy nêu lý do trả lại hồ sơ."
    response = client.post(f"/archive/items/{item_id}/reject", {"reason": "Thiếu văn bản số 2", "confirm": "yes"})
    assert response.status_code == 302
    assert "Đã kết thúc" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Không có hồ sơ nào chờ tiếp nhận." in client.get("/archive/").get_data(as_text=True)
