"""Files added several at once: the worker reads what each file's first page states and counts a PDF's pages, the
officer fills it in at a button, only into the fields still empty (or the summary still the file's name), and never
over someone's save."""

from __future__ import annotations

import html
import json

from erms_browser import file_field, make_pdf
from fpdf import FPDF
from sqlalchemy import select

from erms import jobs
from erms.models import AuditEvent, Document
from tests.filing.test_scans import a4, pillow_pdf

# A decision as an old PDF keeps it: its font lost the diacritics; the two columns of the header share lines.
DECISION = """UY BAN NHAN DAN CONG HOA XA HOI CHU NGHIA VIET NAM
QUAN NAM TU LIEM Doc lap - Tu do - Hanh phuc
So: 15/QD-UBND Nam Tu Liem, ngay 05 thang 01 nam 2026
QUYET DINH
Ve viec thanh lap Hoi dong xac dinh gia tri tai lieu
CHU TICH UY BAN NHAN DAN QUAN NAM TU LIEM
Can cu Luat Luu tru nam 2024;
CHU TICH
Nguyen Van Hung"""
SHARED = {
    "direction": "internal",
    "status": "final",
    "type_name": "Quyết định",
    "issued_date": "2026-03-02",
    "organ_name": "Ủy ban nhân dân quận Nam Từ Liêm",
    "language": "Tiếng Việt",
    "urgency": "normal",
    "marking": "none",
}
# The batch gave every file 2 March; the file prints its own date, offered while nobody has saved the document.
# The decision's PDF has three pages: the count is the file's, whatever its pages state.
OFFERED = (
    "Từ nội dung tệp: Số 15/QD-UBND, ngày 05/01/2026, Ve viec thanh lap Hoi dong xac dinh gia tri tai lieu,"
    " người ký: Nguyen Van Hung, 3 trang"
)


def pdf_of(text: str, pages: int = 1) -> bytes:
    """Return a PDF that prints ``text`` on its first page, followed by blank pages up to ``pages``."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.splitlines():
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for _page in range(pages - 1):
        pdf.add_page()
    return bytes(pdf.output())


def page_of(client, url: str) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def added_in_a_batch(client, session, dossier) -> tuple[Document, Document]:
    """Add the decision and a note that is no document, as an officer adds files several at once."""
    client.login("officer1")
    files = [file_field(pdf_of(DECISION, 3), "qd_15.pdf"), file_field(make_pdf("Ghi chu cuoc hop"), "ghi_chu.pdf")]
    assert client.post(f"/dossiers/{dossier.id}/documents/batch", {**SHARED, "files": files}).status_code == 302
    session.expire_all()
    decision, note = (link.document for link in dossier.links)
    return decision, note


def test_the_worker_reads_the_file_and_the_officer_fills_in_what_it_states(
    client, session, session_factory, make_dossier
):
    dossier = make_dossier("open", documents=0)
    decision, note = added_in_a_batch(client, session, dossier)
    dossier_page = f"/dossiers/{dossier.id}"
    just_added = page_of(client, dossier_page)
    assert "Từ nội dung tệp" not in just_added  # the upload's request parsed nothing, and says it waits
    assert "Đang đọc trang đầu của 2 tệp mới để gợi ý thông tin… Trang này sẽ báo khi xong." in just_added
    assert f'data-poll="/dossiers/{dossier.id}/being-read"' in just_added
    assert client.get(f"/dossiers/{dossier.id}/being-read").json == {"pending": 2}

    jobs.index_queued(session_factory)  # the worker extracts the texts for the index, and reads them
    assert client.get(f"/dossiers/{dossier.id}/being-read").json == {"pending": 0}  # the page says: reload
    page = page_of(client, dossier_page)
    assert "Đang đọc trang đầu" not in page
    assert page.count("Từ nội dung tệp") == 2 and OFFERED in page
    assert "Từ nội dung tệp: 1 trang" in page  # the note states nothing but its file's page count
    assert "Dùng các thông tin này" in page
    edit_page = f"/dossiers/{dossier.id}/documents/{decision.id}/edit"
    assert OFFERED in page_of(client, edit_page)

    used = client.post(
        f"/dossiers/{dossier.id}/documents/{decision.id}/suggestion",
        {"revision": str(decision.revision)},
        headers={"Referer": f"http://localhost{dossier_page}"},
    )
    assert used.status_code == 302 and used.headers["Location"].endswith(edit_page)
    form = page_of(client, edit_page)
    assert "Đã điền thông tin từ nội dung tệp: hãy đối chiếu với văn bản và sửa nếu cần." in form
    assert "Từ nội dung tệp:" not in form  # nothing left to offer
    session.expire_all()
    filled = session.get(Document, decision.id)
    assert (filled.code_number, filled.code_notation, filled.signer_name) == ("15", "QD-UBND", "Nguyen Van Hung")
    assert filled.subject == "Ve viec thanh lap Hoi dong xac dinh gia tri tai lieu"
    # The date the batch gave every file gives way to the file's own; the type it states is the batch's already, and
    # the organ typed for the batch stays (the file prints it in capitals).
    assert (filled.type_name, filled.issued_date.isoformat()) == ("Quyết định", "2026-01-05")
    assert filled.organ_name == "Ủy ban nhân dân quận Nam Từ Liêm" and filled.page_amount == 3
    assert session.get(Document, note.id).subject == "ghi chu"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.updated", AuditEvent.subject_id == decision.id)
    ).one()
    assert json.loads(event.details)["changes"]["code_notation"] == [None, "QD-UBND"]


def test_a_document_saved_since_the_page_was_read_is_not_filled_over(client, session, session_factory, make_dossier):
    dossier = make_dossier("open", documents=0)
    decision, _note = added_in_a_batch(client, session, dossier)
    jobs.index_queued(session_factory)
    seen = decision.revision
    edit_page = f"/dossiers/{dossier.id}/documents/{decision.id}/edit"
    form = {name: value for name, value in SHARED.items() if name != "status"}
    typed = {**form, "subject": "Về việc thành lập Hội đồng xác định giá trị tài liệu", "revision": str(seen)}
    assert client.post(edit_page, typed).status_code == 302  # a colleague types the summary meanwhile

    late = client.post(
        f"/dossiers/{dossier.id}/documents/{decision.id}/suggestion",
        {"revision": str(seen)},
        headers={"Referer": f"http://localhost/dossiers/{dossier.id}"},
    )
    assert late.status_code == 302
    assert "sau khi bạn mở biểu mẫu" in page_of(client, f"/dossiers/{dossier.id}")
    session.expire_all()
    kept = session.get(Document, decision.id)
    assert (kept.subject, kept.code_number) == ("Về việc thành lập Hội đồng xác định giá trị tài liệu", "")
    # Read again, the page offers what is still empty, and the summary typed is no longer offered to replace.
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert "Từ nội dung tệp: Số 15/QD-UBND, người ký: Nguyen Van Hung, 3 trang" in page


def test_a_page_count_typed_is_not_offered_over(client, session, session_factory, make_dossier):
    dossier = make_dossier("open", documents=0)
    decision, note = added_in_a_batch(client, session, dossier)
    edit_page = f"/dossiers/{dossier.id}/documents/{decision.id}/edit"
    form = {name: value for name, value in SHARED.items() if name != "status"}
    # The officer counts the pages before the worker reads the file: the paper original has an annex.
    typed = {**form, "subject": "qd 15", "page_amount": "4", "revision": str(decision.revision)}
    assert client.post(edit_page, typed).status_code == 302
    jobs.index_queued(session_factory)

    page = page_of(client, f"/dossiers/{dossier.id}")
    assert "Từ nội dung tệp: Số 15/QD-UBND, Ve viec thanh lap Hoi dong xac dinh gia tri tai lieu," in page
    assert "3 trang" not in page and "Từ nội dung tệp: 1 trang" in page  # the note's count is still offered
    english = page_of(client, f"/dossiers/{dossier.id}?lang=en")
    assert "From the file's content: 1 page" in english and "1 pages" not in english
    page_of(client, f"/dossiers/{dossier.id}?lang=vi")
    session.expire_all()
    seen = session.get(Document, decision.id).revision
    used = client.post(f"/dossiers/{dossier.id}/documents/{decision.id}/suggestion", {"revision": str(seen)})
    assert used.status_code == 302
    session.expire_all()
    filled = session.get(Document, decision.id)
    assert (filled.code_number, filled.page_amount) == ("15", 4)


def test_a_scan_is_counted_and_a_file_that_is_no_pdf_gives_no_count(client, session, session_factory, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    scan = file_field(pillow_pdf(a4(200), a4(200), resolution=200), "bien_ban_giay.pdf")
    batch = f"/dossiers/{dossier.id}/documents/batch"
    assert client.post(batch, {**SHARED, "scan": "yes", "files": [scan]}).status_code == 302
    garbage = file_field(b"%PDF-1.4 not a PDF at all \x00\xff", "hong.pdf")
    assert client.post(batch, {**SHARED, "files": [garbage]}).status_code == 302

    assert jobs.index_queued(session_factory) > 0  # the broken file stops nothing
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert page.count("Từ nội dung tệp") == 1 and "Từ nội dung tệp: 2 trang" in page  # a scan has no text
    session.expire_all()
    broken = next(link.document for link in dossier.links if link.document.subject == "hong")
    assert broken.page_amount is None and broken.versions[-1].file.recognised == "{}"


def test_another_units_officer_is_offered_nothing_and_fills_nothing(client, session, session_factory, make_dossier):
    dossier = make_dossier("open", documents=0)
    decision, _note = added_in_a_batch(client, session, dossier)
    jobs.index_queued(session_factory)
    client.logout()
    client.login("officer2")
    refused = client.post(
        f"/dossiers/{dossier.id}/documents/{decision.id}/suggestion", {"revision": str(decision.revision)}
    )
    assert refused.status_code == 404
    session.expire_all()
    assert session.get(Document, decision.id).code_number == ""
