"""Web wiring of issue 4: the dossier-list pages, the registers, multi-file upload, the closing wizard."""

from __future__ import annotations

import html
import io
from datetime import date

from erms_browser import REGISTER_FORM, closing_form, file_field, make_pdf
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from erms.models import DossierList, DossierListEntry, RegisterEntry
from erms.models.dossier import DossierState


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_registry_copies_last_years_list_forward_and_the_head_approves_it(client, world, session):
    world.approved_list(2026, entries=2)
    client.login("registry")
    assert "Danh mục hồ sơ năm 2026" in text_of(client.get("/dossier-lists/"))
    created = client.post("/dossier-lists/create", {"year": "2027", "source": "copy"})
    assert created.status_code == 302
    draft = session.scalar(select(DossierList).where(DossierList.year == 2027))
    assert [entry.file_notation for entry in draft.entries] == ["01.TH", "02.TH"]
    sheet = load_workbook(io.BytesIO(client.get(f"/dossier-lists/{draft.id}/export.xlsx").data)).active
    assert sheet["A4"].value == "DANH MỤC HỒ SƠ CỦA UBND QUẬN ĐỐNG ĐA NĂM 2027"
    assert client.get(f"/dossier-lists/{draft.id}/export.pdf").data.startswith(b"%PDF")
    client.logout()
    client.login("head")
    unconfirmed = client.post(f"/dossier-lists/{draft.id}/approve", {"decision_ref": "05/QĐ-UBND"})
    assert unconfirmed.status_code == 422 and "Trường này là bắt buộc." in text_of(unconfirmed)
    form = {"decision_ref": "05/QĐ-UBND", "decision_date": "05/01/2026", "confirm": "yes"}
    approved = client.post(f"/dossier-lists/{draft.id}/approve", form)
    assert approved.status_code == 302
    session.refresh(draft)
    assert draft.state.value == "approved" and draft.decision_ref == "05/QĐ-UBND"
    assert draft.decision_date == date(2026, 1, 5)
    shown = text_of(client.get(f"/dossier-lists/{draft.id}"))
    assert "Ban hành kèm theo Quyết định số 05/QĐ-UBND ngày 05/01/2026" in shown
    printed = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(client.get(f"/dossier-lists/{draft.id}/export.pdf").data)).pages
    )
    assert "(Kèm theo Quyết định số 05/QĐ-UBND ngày 05/01/2026)" in printed


def test_an_import_with_bad_lines_names_each_line_and_imports_nothing(client, world, session, now):
    client.login("registry")
    client.post("/dossier-lists/create", {"year": "2027", "source": "empty"})
    draft = session.scalar(select(DossierList).where(DossierList.year == 2027))
    page = client.get(f"/dossier-lists/{draft.id}")
    assert page.status_code == 200
    bad = (
        "Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị\n"
        "Hồ sơ hội nghị,Vĩnh viễn,VP\n"
        ",10 năm,VP\n"
        "Hồ sơ thi đua,mãi mãi,KHONGCO\n"
    )
    refused = client.post(
        f"/dossier-lists/{draft.id}/import", {"file": file_field(bad.encode(), "dmhs.csv", "text/csv")}
    )
    text = text_of(refused)
    assert refused.status_code == 422
    assert "Chưa nhập dòng nào" in text
    assert "<td>3</td><td>Tiêu đề hồ sơ</td>" in text and "<td>4</td><td>Đơn vị</td>" in text
    assert session.scalar(select(func.count()).select_from(DossierListEntry)) == 0


def test_the_registry_registers_documents_and_is_warned_of_duplicates(client, world, session):
    client.login("registry")
    assert client.get("/registers/incoming").status_code == 200
    first = client.post(
        "/registers/incoming",
        {**REGISTER_FORM, "urgency": "hoa_toc", "due_date": "2026-06-20", "file": file_field(make_pdf(), "cv-15.pdf")},
    )
    assert first.status_code == 302
    again = client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf("2"), "cv-15b.pdf")})
    assert again.status_code == 422
    assert "Văn bản này có vẻ đã được đăng ký: số 1 năm 2026" in text_of(again) and "Vẫn đăng ký" in text_of(again)
    confirmed = client.post(
        "/registers/incoming",
        {**REGISTER_FORM, "allow_duplicate": "yes", "file": file_field(make_pdf("2"), "cv-15b.pdf")},
    )
    assert confirmed.status_code == 302
    page = text_of(client.get("/registers/incoming"))
    assert "Hỏa tốc" in page and "20/06/2026" in page and "đăng ký lại" in page
    assert client.get("/registers/incoming/print.pdf").data.startswith(b"%PDF")
    assert sorted(session.scalars(select(RegisterEntry.number))) == [1, 2]


def test_a_classified_upload_is_refused_with_the_legal_reason(client, world, session):
    client.login("registry")
    refused = client.post(
        "/registers/incoming",
        {**REGISTER_FORM, "marking": "mat", "file": file_field(make_pdf(), "mat.pdf")},
        follow_redirects=True,
    )
    assert "Luật Bảo vệ bí mật nhà nước" in text_of(refused) or "bí mật" in text_of(refused)
    assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 0
    registered = client.post("/registers/incoming", {**REGISTER_FORM, "marking": "tuyet_mat"})
    assert registered.status_code == 302
    page = text_of(client.get("/registers/incoming"))
    assert "(ẩn trích yếu: tuyệt mật)" in page and REGISTER_FORM["subject"] not in page


def test_an_officer_adds_two_files_at_once_and_closes_through_the_wizard(client, world, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    home = text_of(client.get("/"))
    assert "Hồ sơ tôi đang lập" in home and dossier.file_code in home
    added = client.post(
        f"/dossiers/{dossier.id}/documents/batch",
        {
            "direction": "internal",
            "status": "final",
            "type_name": "Báo cáo",
            "issued_date": "2026-03-02",
            "organ_name": "UBND quận Đống Đa",
            "language": "Tiếng Việt",
            "urgency": "normal",
            "marking": "none",
            "files": [file_field(make_pdf("a"), "bao_cao_quy_1.pdf"), file_field(make_pdf("b"), "bao cao quy 2.pdf")],
        },
    )
    assert added.status_code == 302
    assert [link.document.subject for link in dossier.links] == ["bao cao quy 1", "bao cao quy 2"]
    wizard = text_of(client.get(f"/dossiers/{dossier.id}/close"))
    assert "Bước 1/3" in wizard and "Bước 2/3" in wizard and "bao cao quy 2" in wizard
    preview = client.get(f"/dossiers/{dossier.id}/index-preview.pdf")
    assert preview.mimetype == "application/pdf" and dossier.index_file_id is None
    unconfirmed = client.post(f"/dossiers/{dossier.id}/close", {})
    assert unconfirmed.status_code == 422 and "Bước 3/3" in text_of(unconfirmed)
    # The date closing sets is shown before it is confirmed.
    assert "Thời gian kết thúc sẽ là 02/03/2026, ngày của văn bản muộn nhất." in wizard
    assert client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes"}).status_code == 302  # without the dates
    session.refresh(dossier)
    assert dossier.state is DossierState.OPEN
    assert client.post(f"/dossiers/{dossier.id}/close", closing_form(client, dossier.id)).status_code == 302
    session.refresh(dossier)
    assert dossier.state is DossierState.CLOSED and dossier.end_date.isoformat() == "2026-03-02"


def test_pages_stay_small(client, world, make_dossier):
    make_dossier("open")
    for user, url in (("registry", "/dossier-lists/"), ("registry", "/registers/incoming"), ("officer1", "/")):
        client.login(user)
        assert len(client.get(url).data) < 200_000
        client.logout()


def test_the_handling_report_shows_on_a_page_and_prints_marked(client, world, session):
    client.login("registry")
    client.post(
        "/registers/incoming",
        {**REGISTER_FORM, "due_date": "2026-06-10", "urgency": "khan", "file": file_field(make_pdf(), "cv-15.pdf")},
    )
    assert "Báo cáo tình hình giải quyết" in text_of(client.get("/registers/incoming"))
    page = text_of(client.get("/registers/incoming/report?start=2026-01-01&end=2026-06-30"))
    assert "Tình hình giải quyết văn bản đến" in page
    assert "Từ ngày 01/01/2026 đến ngày 30/06/2026, số liệu tính đến ngày 15/06/2026" in page
    assert '<td data-label="Quá hạn, chưa giải quyết">1</td>' in page
    assert '<span class="tag urgent">quá hạn</span>' in text_of(client.get("/registers/incoming"))
    unknown = client.post(
        "/registers/incoming/handled?year=2026", {"series": "regular", "number": "9", "handled_on": "2026-06-15"}
    )
    assert unknown.status_code == 422 and "Sổ năm 2026 không có văn bản số 9." in text_of(unknown)
    recorded = client.post(
        "/registers/incoming/handled?year=2026", {"series": "regular", "number": "1", "handled_on": "2026-06-15"}
    )
    assert recorded.status_code == 302
    register = text_of(client.get("/registers/incoming"))
    assert "Đã ghi nhận văn bản số 1 được giải quyết ngày 15/06/2026." in register
    assert '15/06/2026 <span class="tag urgent">sau hạn</span>' in register
    page = text_of(client.get("/registers/incoming/report?start=2026-01-01&end=2026-06-30"))
    assert '<td data-label="Đã giải quyết">1</td>' in page and '<td data-label="Giải quyết sau hạn">1</td>' in page
    assert '<td data-label="Quá hạn, chưa giải quyết">0</td>' in page
    printed = client.get("/registers/incoming/report.pdf?start=2026-01-01&end=2026-06-30")
    assert printed.headers["Content-Disposition"].startswith("attachment;")  # register lines: never a cached page
    assert (
        printed.headers["Cache-Control"] == "private, no-store"
        and "sandbox" in printed.headers["Content-Security-Policy"]
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages)
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text and "In từ Hệ thống ERMS" in text
    refused = client.get("/registers/incoming/report?start=2026-13-01&end=2026-06-30")
    assert refused.status_code == 422 and "Không có ngày 2026-13-01 trong lịch" in text_of(refused)
    # A year typed wrong overflowed the period's last midnight (a 500).
    far = client.get("/registers/incoming/report?start=2026-01-01&end=9999-12-31")
    assert far.status_code == 422 and "Ngày phải từ 01/01/1900 đến 31/12/2100" in text_of(far)
    far = client.get("/registers/incoming/report.pdf?start=2026-01-01&end=9999-12-31", follow_redirects=True)
    assert "Ngày phải từ 01/01/1900 đến 31/12/2100" in text_of(far)


def test_past_years_unopened_entries_wait_folded_under_earlier_years(client, world, session):
    world.approved_list(2025, entries=2)
    world.approved_list(2026, entries=1)
    client.login("officer1")
    home = text_of(client.get("/"))
    current, earlier = home.split('id="earlier-entries"')
    assert "Danh mục hồ sơ năm 2026" in current and "Danh mục hồ sơ năm 2025" not in current
    assert "Năm trước" in earlier and "2 hồ sơ chưa được mở" in earlier and "Danh mục hồ sơ năm 2025" in earlier


def test_the_registry_sends_an_incoming_document_to_a_unit_and_its_officers_see_it(client, world, session):
    client.login("registry")
    client.post(
        "/registers/incoming", {**REGISTER_FORM, "due_date": "2026-06-10", "file": file_field(make_pdf(), "cv-15.pdf")}
    )
    missing = client.post("/registers/incoming/assign?year=2026", {"series": "regular", "number": "1", "unit_id": ""})
    assert missing.status_code == 422 and "Hãy chọn một giá trị trong danh sách." in text_of(missing)
    sent = client.post(
        "/registers/incoming/assign?year=2026", {"series": "regular", "number": "1", "unit_id": str(world.unit_a.id)}
    )
    assert sent.status_code == 302
    register = text_of(client.get("/registers/incoming"))
    assert "Đã chuyển văn bản số 1 cho Văn phòng HĐND và UBND." in register
    assert '<td data-label="Đơn vị nhận">Văn phòng HĐND và UBND <small>15/06/2026</small></td>' in register
    client.logout()
    client.login("officer1")
    home = text_of(client.get("/"))
    assert "Văn bản đến được chuyển cho đơn vị" in home and REGISTER_FORM["subject"] in home
    assert '<span class="tag urgent">quá hạn</span>' in home.split('id="incoming"')[1]
    entry_id = session.scalar(select(RegisterEntry.id))
    client.logout()
    client.login("officer2")  # another unit: neither listed nor theirs to mark
    assert "Văn bản đến được chuyển cho đơn vị" not in text_of(client.get("/"))
    assert client.post(f"/registers/entries/{entry_id}/handled").status_code == 404
    client.logout()
    client.login("officer1")
    assert client.post(f"/registers/entries/{entry_id}/handled").status_code == 302
    home = text_of(client.get("/"))
    assert "Đã ghi nhận văn bản số 1 được giải quyết hôm nay." in home and 'id="incoming"' not in home
    again = client.post(f"/registers/entries/{entry_id}/handled", headers={"Referer": "http://localhost/"})
    assert again.status_code == 302
    assert "Văn bản số 1 đã được ghi nhận giải quyết ngày 15/06/2026." in text_of(client.get("/"))
    assert session.get(RegisterEntry, entry_id).handled_on.isoformat() == "2026-06-15"


def test_the_unit_head_says_why_an_ad_hoc_dossier_is_not_accepted(client, world, session, now):
    from classification import dossier_list as dossier_lists

    approved = world.approved_list(2026, entries=1)
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        approved.id,
        title="Hồ sơ tổ chức Tết",
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    session.commit()
    client.login("unithead")
    form = {"list_id": str(approved.id), "note": " ", "decision": "refuse"}
    refused = client.post(f"/dossier-lists/entries/{ad_hoc.id}/review", form)
    assert refused.status_code == 422
    assert "Hãy ghi lý do không chấp nhận hồ sơ phát sinh" in text_of(refused)
    assert f'href="#r{ad_hoc.id}-note"' in text_of(refused)  # the summary leads to the entry's own box
    reviewed = client.post(f"/dossier-lists/entries/{ad_hoc.id}/review", {**form, "note": "Đưa vào hồ sơ 01.TH"})
    assert reviewed.status_code == 302
    client.logout()
    client.login("officer1")
    told = text_of(client.get("/notices/"))
    said = f'Lãnh đạo đơn vị không chấp nhận hồ sơ phát sinh {ad_hoc.file_notation} "Hồ sơ tổ chức Tết"'
    assert f"{said}: Đưa vào hồ sơ 01.TH" in told
    assert f"/dossiers/open/{ad_hoc.id}" not in text_of(client.get("/"))


def test_a_reader_sees_the_closing_checklist_without_the_confirmation_and_is_refused_closing(
    client, world, make_dossier
):
    dossier = make_dossier("open")
    client.login("registry")  # reads the organisation's dossiers, forms none
    shown = text_of(client.get(f"/dossiers/{dossier.id}/close"))
    assert "Bước 1/3: kiểm tra" in shown
    assert 'name="confirm"' not in shown
    assert "Chỉ người lập hồ sơ của đơn vị mới kết thúc hồ sơ này" in shown
    for form in ({}, {"confirm": "yes"}):
        assert client.post(f"/dossiers/{dossier.id}/close", form).status_code == 403
    client.logout()
    client.login("officer1")
    assert 'name="confirm"' in text_of(client.get(f"/dossiers/{dossier.id}/close"))


def test_a_file_the_dossier_already_holds_is_warned_of_as_it_is_added(client, world, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    batch = {
        "direction": "internal",
        "status": "final",
        "type_name": "Công văn",
        "issued_date": "2026-03-02",
        "organ_name": "UBND quận Đống Đa",
        "language": "Tiếng Việt",
        "urgency": "normal",
        "marking": "none",
    }
    cv = make_pdf("cv")  # once: a PDF made a second later carries another creation date, so other bytes
    first = client.post(f"/dossiers/{dossier.id}/documents/batch", {**batch, "files": [file_field(cv, "cv.pdf")]})
    assert "Hãy gỡ văn bản thừa" not in text_of(client.get(first.headers["Location"]))
    again = client.post(
        f"/dossiers/{dossier.id}/documents/batch",
        {**batch, "files": [file_field(make_pdf("other"), "khac.pdf"), file_field(cv, "cv (1).pdf")]},
    )
    shown = text_of(client.get(again.headers["Location"]))
    assert (
        "Văn bản số thứ tự 3 có cùng tệp với văn bản số thứ tự 1. Hãy gỡ văn bản thừa trước khi kết thúc hồ sơ."
        in shown
    )
    assert "số thứ tự 2 có cùng tệp" not in shown


def test_a_closed_unit_is_neither_offered_nor_sent_a_document_nor_given_an_entry(client, world, session):
    entry = world.approved_list().entries[0]
    world.unit_b.active = False  # closed (giải thể) by the administrator, its people moved first
    session.commit()
    client.login("registry")
    client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf(), "cv-15.pdf")})
    line = session.scalar(select(RegisterEntry.id))
    offered = text_of(client.get(f"/registers/entries/{line}"))
    assert world.unit_a.name in offered and world.unit_b.name not in offered
    sent = client.post(
        "/registers/incoming/assign?year=2026", {"series": "regular", "number": "1", "unit_id": str(world.unit_b.id)}
    )
    assert sent.status_code == 422 and "Đơn vị này đã giải thể" in text_of(sent)
    assert world.unit_b.name not in text_of(client.get(f"/dossier-lists/{entry.dossier_list_id}"))
    revision = session.get(DossierListEntry, entry.id).revision
    given = client.post(
        f"/dossier-lists/entries/{entry.id}/assign",
        {"list_id": entry.dossier_list_id, "unit_id": world.unit_b.id, "revision": revision},
        follow_redirects=True,
    )
    assert "Đơn vị này đã giải thể" in text_of(given)
    session.expire_all()
    assert session.get(DossierListEntry, entry.id).unit_id != world.unit_b.id
    assert session.scalar(select(RegisterEntry.assigned_unit_id)) is None


def test_the_list_page_opens_an_entrys_dossier_or_shows_it_to_who_forms_them(browsers, world, make_dossier):
    opened = make_dossier("open")
    list_id, entry_id = opened.entry.dossier_list_id, opened.entry_id
    officer = text_of(browsers("officer1").get(f"/dossier-lists/{list_id}"))
    assert f'<a href="/dossiers/{opened.id}">Xem hồ sơ</a>' in officer
    planned = [e.id for e in opened.entry.dossier_list.entries if e.id != entry_id and e.unit_id == world.unit_a.id]
    assert planned and all(f'href="/dossiers/open/{e}">Mở hồ sơ</a>' in officer for e in planned)
    for other in ("officer2", "registry"):  # another unit's officer, and who plans but forms none
        assert "Mở hồ sơ</a>" not in text_of(browsers(other).get(f"/dossier-lists/{list_id}"))
