"""The administrator's page of supplementary metadata fields (NĐ 30 PL6 III.7.c): fields are added, changed,
withdrawn and offered again from the organisation's administration; problems are said in Vietnamese beside the field,
with what was typed kept; another organisation's administrator finds nothing."""

from __future__ import annotations

import re

import pytest
from erms_browser import Browser
from sqlalchemy import select

from erms.models import SupplementaryField
from tests.factories import another_agency, supplementary_field


@pytest.fixture
def admin(app):
    browser = Browser(app.test_client())
    browser.login("admin")
    return browser


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def page_text(response) -> str:
    return text_of(response.get_data(as_text=True))


def section(response, kind: str) -> str:
    """Return the words of the page's table of ``kind`` ("dossier" or "document")."""
    found = re.search(f'<section class="panel" id="{kind}">(.*?)</section>', response.get_data(as_text=True), re.S)
    assert found, kind
    return text_of(found.group(1))


def test_the_administrator_adds_changes_and_withdraws_a_field(admin, world, session):
    url = f"/admin/organisations/{world.org.id}/fields"
    organisation = page_text(admin.get(f"/admin/organisations/{world.org.id}"))
    assert "Dữ liệu đặc tả bổ sung" in organisation
    empty = admin.get(url)
    assert empty.status_code == 200
    assert "Dữ liệu đặc tả bổ sung" in page_text(empty)
    assert "gói dữ liệu giao nộp" in page_text(empty)
    added = admin.post(
        url,
        {
            "label": "Nguồn vốn",
            "applies_to": "dossier",
            "data_type": "choice",
            "choices": "Ngân sách nhà nước\r\nODA",
            "required": "yes",
        },
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("#dossier")
    page = admin.get(url)
    assert "Nguồn vốn đã được thêm vào biểu mẫu." in page_text(page)
    assert "Nguồn vốn nguon_von Chọn từ danh sách Ngân sách nhà nước, ODA có có" in section(page, "dossier")
    assert "Chưa có trường nào." in section(page, "document")
    field = session.scalar(select(SupplementaryField).where(SupplementaryField.label == "Nguồn vốn"))
    # What the edit form showed comes back with it; a browser sends the choices' line breaks as CRLF.
    shown_then = {
        "seen_label": "Nguồn vốn",
        "seen_choices": "Ngân sách nhà nước\r\nODA",
        "seen_required": "True",
        "seen_position": "1",
    }
    edit = {"label": "Nguồn vốn đầu tư", "choices": "Ngân sách nhà nước\nODA\nVay", "position": "3", **shown_then}
    changed = admin.post(f"/admin/fields/{field.id}", edit)
    assert changed.status_code == 302
    stale = admin.post(f"/admin/fields/{field.id}", {**edit, "label": "Nguồn vốn (cũ)"})
    assert stale.status_code == 409
    assert "khác với bản ghi hiện tại ở: Tên trường, Các giá trị để chọn, Bắt buộc, Thứ tự" in page_text(stale)
    shown = section(admin.get(url), "dossier")
    assert "Nguồn vốn đầu tư nguon_von Chọn từ danh sách Ngân sách nhà nước, ODA, Vay không có" in shown
    withdrawn = admin.post(f"/admin/fields/{field.id}/offered", {"active": "no"})
    assert withdrawn.status_code == 302
    shown = section(admin.get(url), "dossier")
    assert "đã thôi dùng trong biểu mẫu" in shown and "Dùng lại trong biểu mẫu" in shown
    session.refresh(field)
    assert (field.name, field.label, field.required, field.position, field.active) == (
        "nguon_von",
        "Nguồn vốn đầu tư",
        False,
        3,
        False,
    )


def test_problems_are_shown_beside_the_fields_with_what_was_typed(admin, world, session):
    url = f"/admin/organisations/{world.org.id}/fields"
    supplementary_field(session, world.org.id, "document", "so_hop", "Số hộp", "number")
    session.commit()
    refused = admin.post(
        url, {"label": "Số hộp", "applies_to": "document", "data_type": "choice", "choices": "Hộp 1", "position": "x"}
    )
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Một trường khác của loại hồ sơ, văn bản này đã có tên Số hộp." in text
    assert "Hãy liệt kê ít nhất hai giá trị khác nhau để chọn, mỗi dòng một giá trị." in text
    assert "Hãy ghi một số nguyên từ 0 đến 9999." in text
    html = refused.get_data(as_text=True)
    assert 'id="new-field-label"' in html and 'value="Số hộp"' in html and ">Hộp 1</textarea>" in html
    field = session.scalar(select(SupplementaryField).where(SupplementaryField.name == "so_hop"))
    retyped = admin.post(f"/admin/fields/{field.id}", {"label": "Số hộp", "data_type": "text", "position": "1"})
    assert retyped.status_code == 422
    assert "Kiểu dữ liệu của một trường không đổi sau khi đã tạo" in page_text(retyped)
    assert "<details open><summary>Sửa</summary>" in retyped.get_data(as_text=True)
    assert len(session.scalars(select(SupplementaryField)).all()) == 1


def test_another_organisation_s_administrator_finds_nothing(app, world, session, store, now, password_hash):
    field = supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    another_agency(session, world, store, now, password_hash)
    session.commit()
    other = Browser(app.test_client())
    other.login("admin2")
    assert other.get(f"/admin/organisations/{world.org.id}/fields").status_code == 404
    assert other.post(f"/admin/fields/{field.id}", {"label": "Đổi tên"}).status_code == 404
    assert other.post(f"/admin/fields/{field.id}/offered", {"active": "no"}).status_code == 404
    added = other.post(
        f"/admin/organisations/{world.org.id}/fields", {"label": "X", "applies_to": "dossier", "data_type": "text"}
    )
    assert added.status_code == 404
    session.refresh(field)
    assert (field.label, field.active) == ("Mã dự án", True)
    assert len(session.scalars(select(SupplementaryField)).all()) == 1


def test_a_required_field_says_how_many_records_of_open_dossiers_still_lack_it(admin, session, world, make_dossier):
    """Making a field required stops every open dossier lacking it from closing: the page says how many."""
    from erms import supplementary

    make_dossier("open", documents=2)  # lacks both: itself and its two documents
    filled = make_dossier("open", documents=1)
    make_dossier("closed")  # a closed dossier is not held back
    filled.supplementary = supplementary.encode({"so_hieu_du_an": "DA-1"})
    filled.links[0].document.supplementary = supplementary.encode({"so_ban": "2"})
    supplementary_field(session, world.org.id, "dossier", "so_hieu_du_an", "Số hiệu dự án", required=True)
    supplementary_field(session, world.org.id, "document", "so_ban", "Số bản", "number", required=True)
    supplementary_field(session, world.org.id, "document", "ghi_chu_rieng", "Ghi chú riêng")  # not required
    session.commit()
    shown = page_text(admin.get(f"/admin/organisations/{world.org.id}/fields"))
    assert "1 hồ sơ, văn bản của hồ sơ đang mở chưa điền trường này" in shown  # the lacking dossier
    assert "2 hồ sơ, văn bản của hồ sơ đang mở chưa điền trường này" in shown  # its two documents
    assert shown.count("chưa điền trường này") == 2
