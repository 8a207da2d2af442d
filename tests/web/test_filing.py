"""The smaller filing forms: ad-hoc dossiers, editing metadata, draft versions."""

from __future__ import annotations

import html
import re

from erms_browser import DOCUMENT_FORM, closing_form, file_field, make_pdf
from sqlalchemy import select

from erms import search
from erms.models import Dossier, DossierListEntry
from erms.models.dossier import DossierState
from filing import dossiers
from tests.factories import DOCUMENT, upload


def test_an_officer_adds_an_ad_hoc_dossier_and_opens_it(client, world, session):
    dossier_list = world.approved_list(entries=1)
    client.login("officer1")
    form = client.get("/dossiers/ad-hoc")
    text = html.unescape(form.get_data(as_text=True))
    assert form.status_code == 200
    assert "Tập thông báo ý kiến, kết luận cuộc họp (10 năm)" in text  # rows of the schedule the list uses
    assert "ĐÃ HẾT HIỆU LỰC" not in text
    world.schedule.superseded = True
    session.flush()
    relabelled = html.unescape(client.get("/dossiers/ad-hoc").get_data(as_text=True))
    assert "Bảng thời hạn thử — ĐÃ HẾT HIỆU LỰC, chỉ dùng để minh họa" in relabelled

    refused = client.post(
        "/dossiers/ad-hoc",
        {"list_id": str(dossier_list.id), "title": "", "retention_row_id": str(world.rows["10y"].id)},
    )
    assert refused.status_code == 422
    assert "Trường này là bắt buộc." in refused.get_data(as_text=True)

    added = client.post(
        "/dossiers/ad-hoc",
        {
            "list_id": str(dossier_list.id),
            "title": "Hồ sơ phát sinh về phòng chống thiên tai",
            "retention_row_id": str(world.rows["permanent"].id),
        },
    )
    assert added.status_code == 302
    entry = session.scalar(select(DossierListEntry).where(DossierListEntry.ad_hoc.is_(True)))
    assert entry.title == "Hồ sơ phát sinh về phòng chống thiên tai" and entry.retention_permanent
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "Hồ sơ phát sinh về phòng chống thiên tai" in home and "hồ sơ phát sinh" in home
    opened = client.post(
        f"/dossiers/open/{entry.id}",
        {"title": entry.title, "start_date": "2026-02-01", "rights": "public", "language": "Tiếng Việt"},
    )
    assert opened.status_code == 302


def test_opening_twice_is_refused_in_words(client, world):
    entry = world.approved_list(entries=1).entries[0]
    client.login("officer1")
    data = {"title": entry.title, "start_date": "2026-01-05", "rights": "public", "language": "Tiếng Việt"}
    assert client.post(f"/dossiers/open/{entry.id}", data).status_code == 302
    again = client.post(f"/dossiers/open/{entry.id}", data)
    assert again.status_code == 422
    assert f"Hồ sơ số, ký hiệu {entry.file_notation} trong danh mục đã được mở." in html.unescape(
        again.get_data(as_text=True)
    )


def test_the_home_links_each_waiting_entry_to_its_own_form_prefilled_from_the_entry(client, world):
    entry = world.approved_list(entries=1).entries[0]
    client.login("officer1")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/dossiers/open/{entry.id}"' in home and 'action="/dossiers/open/' not in home
    page = client.get(f"/dossiers/open/{entry.id}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert re.search(r'<textarea id="title" name="title"[^>]*>' + re.escape(entry.title) + "</textarea>", text)
    assert 'value="Tiếng Việt"' in text and f"<strong>{entry.file_notation}</strong>" in text

    opened = client.post(
        f"/dossiers/open/{entry.id}",
        {"title": entry.title, "start_date": "2026-01-05", "rights": "public", "language": "Tiếng Việt"},
    )
    assert opened.status_code == 302
    # Opened meanwhile (another tab, a colleague): the form is not offered again, and the reason is said.
    again = client.get(f"/dossiers/open/{entry.id}", headers={"Referer": "/"})
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert f"Hồ sơ số, ký hiệu {entry.file_notation} trong danh mục đã được mở." in html.unescape(
        client.get("/").get_data(as_text=True)
    )
    assert f'href="/dossiers/open/{entry.id}"' not in client.get("/").get_data(as_text=True)


def test_another_units_entry_form_is_not_found(client, world):
    entry = world.approved_list(entries=1).entries[0]
    client.login("officer2")
    assert client.get(f"/dossiers/open/{entry.id}").status_code in (403, 404)
    assert client.get("/dossiers/open/999999").status_code == 404


def test_the_metadata_of_an_open_dossier_can_be_edited(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    data = {
        "title": "Hồ sơ hội nghị tổng kết công tác năm 2026",
        "start_date": "2026-01-05",
        "language": "Tiếng Việt",
        "keyword": "tổng kết",
        "page_total": "12",
    }
    assert client.post(f"/dossiers/{dossier.id}/edit", data).status_code == 302
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Hồ sơ hội nghị tổng kết công tác năm 2026" in page and "tổng kết" in page
    refused = client.post(f"/dossiers/{dossier.id}/edit", {**data, "end_date": "2026-01-01"})
    assert refused.status_code == 422
    assert "Thời gian kết thúc sớm hơn thời gian bắt đầu." in refused.get_data(as_text=True)


def test_an_optional_field_left_blank_in_the_edit_form_is_cleared(client, session, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    edit = f"/dossiers/{dossier.id}/edit"
    form = {"title": dossier.title, "start_date": "2026-01-05", "language": "Tiếng Việt", "medium": "paper"}
    filled = {**form, "description": "Ghi chú cần xóa", "keyword": "từ khóa cũ", "sheet_total": "14", "page_total": "9"}
    assert client.post(edit, {**filled, "end_date": "2026-02-01"}).status_code == 302
    blank = dict.fromkeys(("description", "keyword", "sheet_total", "page_total", "end_date"), "")
    assert client.post(edit, {**form, **blank, "medium": ""}).status_code == 302
    session.expire_all()
    saved = session.get(Dossier, dossier.id)
    assert (saved.description, saved.keyword, saved.sheet_total, saved.page_total, saved.end_date) == (
        "",
        "",
        None,
        None,
        None,
    )
    assert saved.medium.value == "electronic"  # a medium sent blank is the default, as when opening
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Đã lưu thông tin hồ sơ." in page and "Ghi chú cần xóa" not in page and "từ khóa cũ" not in page
    # A required field left blank is refused on its field and nothing changes; a field the request did not carry
    # keeps its value.
    assert client.post(edit, {**form, "keyword": "giữ lại"}).status_code == 302
    refused = client.post(edit, {**form, "title": " ", "keyword": ""})
    assert refused.status_code == 422 and "Trường này là bắt buộc." in refused.get_data(as_text=True)
    assert client.post(edit, {"title": "Tiêu đề mới", "start_date": "2026-01-05"}).status_code == 302
    session.expire_all()
    saved = session.get(Dossier, dossier.id)
    assert (saved.title, saved.keyword, saved.language) == ("Tiêu đề mới", "giữ lại", "Tiếng Việt")


def test_a_draft_gets_versions_then_becomes_final(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    client.post(
        f"/dossiers/{dossier.id}/documents",
        {**DOCUMENT_FORM, "status": "draft", "file": file_field(make_pdf("Du thao lan 1"), "dự thảo 1.pdf")},
    )
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Văn bản số thứ tự 1 (15/QĐ-UBND) vẫn là dự thảo." in page  # the checklist
    document_id = re.search(r"/documents/(\d+)/versions", page).group(1)
    missing = client.post(f"/dossiers/{dossier.id}/documents/{document_id}/versions", {})
    assert missing.status_code == 422
    assert "Hãy chọn tệp của văn bản." in missing.get_data(as_text=True)
    added = client.post(
        f"/dossiers/{dossier.id}/documents/{document_id}/versions",
        {"file": file_field(make_pdf("Du thao lan 2"), "dự thảo 2.pdf")},
    )
    assert added.status_code == 302
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "dự thảo 1.pdf" in page and "dự thảo 2.pdf" in page and "(lần 2)" in page
    assert client.post(f"/dossiers/{dossier.id}/documents/{document_id}/finalise").status_code == 302
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Đã đủ điều kiện: có thể kết thúc hồ sơ." in page
    again = client.post(
        f"/dossiers/{dossier.id}/documents/{document_id}/finalise",
        headers={"Referer": f"http://localhost/dossiers/{dossier.id}"},
    )
    assert again.status_code == 302
    assert "Văn bản đã là bản chính thức." in html.unescape(
        client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    )


def test_a_batch_uploaded_document_gets_its_real_summary(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    client.post(
        f"/dossiers/{dossier.id}/documents/batch",
        {
            "direction": "incoming",
            "status": "final",
            "type_name": "Công văn",
            "issued_date": "2026-03-02",
            "organ_name": "Sở Nội vụ",
            "language": "Tiếng Việt",
            "urgency": "normal",
            "marking": "none",
            "files": [file_field(make_pdf("cv"), "cv_123.pdf")],
        },
    )
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    edit_url = re.search(r'href="(/dossiers/\d+/documents/\d+/edit)"', page).group(1)
    search.catch_up(session)
    assert "cv 123" in html.unescape(client.get("/search/?q=cv").get_data(as_text=True))
    form = html.unescape(client.get(edit_url).get_data(as_text=True))
    assert "Sửa thông tin văn bản" in form and ">cv 123</textarea>" in form and "cv_123.pdf" in form
    data = {
        **DOCUMENT_FORM,
        "type_name": "Công văn",
        "organ_name": "Sở Nội vụ",
        "subject": "Về việc cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ lưu trữ",
        "code_number": "123",
    }
    data.pop("status")
    empty = client.post(edit_url, {**data, "subject": ""})
    assert empty.status_code == 422 and "Trường này là bắt buộc." in empty.get_data(as_text=True)
    saved = client.post(edit_url, data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#document-{dossier.links[0].document_id}")
    page = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Đã lưu thông tin văn bản." in page
    assert "Về việc cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ lưu trữ" in page and "cv 123" not in page
    assert "123/QĐ-UBND" in page
    search.catch_up(session)  # the worker indexes the commit: the new summary is found, the file-name one is gone
    found = html.unescape(client.get("/search/?q=boi+duong+nghiep+vu+luu+tru").get_data(as_text=True))
    assert "lớp bồi dưỡng nghiệp vụ lưu trữ" in found
    assert "cv 123" not in html.unescape(client.get("/search/?q=cv").get_data(as_text=True))
    client.logout()
    client.login("officer2")  # another unit: the dossier is not theirs to see
    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, data).status_code == 404


def test_a_closed_dossier_offers_no_edit_and_refuses_one(client, make_dossier):
    dossier = make_dossier("closed")
    document = dossier.links[0].document
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert f"/documents/{document.id}/edit" not in page
    refused = client.get(
        f"/dossiers/{dossier.id}/documents/{document.id}/edit",
        headers={"Referer": f"http://localhost/dossiers/{dossier.id}"},
    )
    assert refused.status_code == 302
    assert "Chỉ được sửa đổi hồ sơ đang lập" in html.unescape(
        client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    )


def file_from_the_year_before(session, world, store, now, dossier_id: int) -> None:
    """File a document dated 20/11/2025 into the dossier, as officer1: it moves the dates closing will set."""
    dossiers.add_document(
        session,
        world.actor("officer1"),
        dossier_id,
        dict(DOCUMENT, code_number="88", issued_date="2025-11-20"),
        upload(b"older", "cu.pdf"),
        store=store,
        now=now,
    )


def test_closing_refuses_dates_that_changed_since_the_page_showed_them(
    client, session, world, store, now, make_dossier
):
    dossier = make_dossier("open")
    client.login("officer1")
    shown = closing_form(client, dossier.id)
    file_from_the_year_before(session, world, store, now, dossier.id)  # meanwhile, by a colleague
    refused = client.post(f"/dossiers/{dossier.id}/close", shown, follow_redirects=True)
    assert "Các văn bản nay cho hồ sơ thời gian 20/11/2025 –" in html.unescape(refused.get_data(as_text=True))
    session.expire_all()
    assert session.get(Dossier, dossier.id).state is DossierState.OPEN


def test_a_form_that_comes_back_with_a_problem_asks_for_its_file_again(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    refused = client.post(
        f"/dossiers/{dossier.id}/documents",
        {**DOCUMENT_FORM, "issued_date": "31/02/2026", "file": file_field(make_pdf("Ban chinh"), "bản chính.pdf")},
    )
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Hãy chọn lại tệp: trình duyệt không giữ tệp đã chọn khi biểu mẫu báo lỗi." in page
    assert DOCUMENT_FORM["subject"] in page  # what was typed is kept
    assert session.get(Dossier, dossier.id).links == []  # nothing saved
    fresh = html.unescape(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert "Hãy chọn lại tệp" not in fresh
    # No file was chosen: there is none to choose again, only the problem to put right.
    fileless = client.post(f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "issued_date": "31/02/2026"})
    assert fileless.status_code == 422 and "Hãy chọn lại tệp" not in html.unescape(fileless.get_data(as_text=True))


def test_the_dates_closing_will_set_are_told_as_a_notice_not_as_an_error(
    client, session, world, store, now, make_dossier
):
    dossier = make_dossier("open")
    file_from_the_year_before(session, world, store, now, dossier.id)  # closing will move the start date
    session.commit()
    client.login("officer1")
    page = html.unescape(client.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True))
    notice = re.search(r'<div class="([^"]+)" role="(\w+)" id="date-change"><p>([^<]+)', page)
    assert notice.groups()[:2] == ("flash warn", "status")
    assert "Khi kết thúc, thời gian của hồ sơ được" in notice.group(3) and "20/11/2025" in notice.group(3)


def test_the_ad_hoc_form_offers_this_years_list_first_even_when_next_years_is_approved(client, world):
    this_year, next_year = world.approved_list(year=2026, entries=1), world.approved_list(year=2027, entries=1)
    client.login("officer1")
    form = client.get("/dossiers/ad-hoc").get_data(as_text=True)
    assert f'<option value="{this_year.id}" selected' in form and f'<option value="{next_year.id}" selected' not in form
