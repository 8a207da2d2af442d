"""Preservation copies on the pages (PL6 III.5.e): the document page lists a file's PDF/A copy beside it, downloaded
as an attachment and audited as a download, or says why there is none; the whole-dossier PDF joins the copy's pages
for a Word file instead of leaving it out; another unit's officer cannot download the copy."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader
from sqlalchemy import select

from erms.models import AuditEvent, PreservationCopy
from tests.filing.test_preservation_copies import broken_word_document, run, word_document
from tests.web.test_whole_dossier import add

WORDS = "Quyết định phê duyệt kế hoạch lưu trữ"


def copied(session, session_factory, world, store, now, make_dossier, content: bytes, name: str):
    """An open dossier of unit A with one document whose file the worker has tried to copy into PDF/A."""
    dossier = make_dossier("open", documents=0)
    add(session, world, store, now, dossier, "30", "2026-02-01", "Kế hoạch lưu trữ", content, name)
    run(session, session_factory, store)
    link = dossier.links[0]
    return dossier, link.document, link.document.versions[0]


def test_the_document_page_offers_the_pdf_a_copy_beside_the_file_and_its_download_is_audited(
    client, session, session_factory, world, store, now, make_dossier
):
    dossier, document, version = copied(
        session, session_factory, world, store, now, make_dossier, word_document(WORDS), "quyết định.docx"
    )
    made = session.scalars(select(PreservationCopy)).one()
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}/documents/{document.id}").get_data(as_text=True)
    url = f"/dossiers/{dossier.id}/versions/{version.id}/preservation-copy.pdf"
    assert "quyết định.docx" in page and f'href="{url}"' in page and "Bản sao bảo quản PDF/A" in page
    assert "LibreOffice 7" in page
    answer = client.get(url)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert "(PDF-A).pdf" in answer.headers["Content-Disposition"]
    assert answer.data == store.path_for(made.copy.sha256).read_bytes()
    assert WORDS in " ".join(PdfReader(io.BytesIO(answer.data)).pages[0].extract_text().split())
    original = client.get(f"/dossiers/{dossier.id}/versions/{version.id}")
    assert original.data == store.path_for(version.file.sha256).read_bytes()  # the original, as uploaded
    downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.downloaded")).all()
    details = [json.loads(event.details) for event in downloads]
    assert [detail.get("preservation_copy") for detail in details] == [made.copy.sha256, None]
    assert all(event.subject_id == document.id for event in downloads)


def test_a_file_that_could_not_be_copied_says_why_and_offers_no_copy(
    client, session, session_factory, world, store, now, make_dossier
):
    dossier, document, version = copied(
        session, session_factory, world, store, now, make_dossier, broken_word_document(), "hỏng.docx"
    )
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}/documents/{document.id}").get_data(as_text=True)
    assert "Không tạo được bản sao bảo quản PDF/A: LibreOffice made no PDF" in page
    assert "preservation-copy.pdf" not in page
    assert client.get(f"/dossiers/{dossier.id}/versions/{version.id}/preservation-copy.pdf").status_code == 404


def test_another_units_officer_cannot_download_the_copy(
    client, browsers, session, session_factory, world, store, now, make_dossier
):
    dossier, _document, version = copied(
        session, session_factory, world, store, now, make_dossier, word_document(WORDS), "quyết định.docx"
    )
    url = f"/dossiers/{dossier.id}/versions/{version.id}/preservation-copy.pdf"
    answer = browsers("officer2").get(url)
    assert answer.status_code == 404 and WORDS not in answer.get_data(as_text=True)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "document.downloaded")).all() == []
    client.login("officer1")
    assert client.get(url).status_code == 200


def test_the_whole_dossier_pdf_joins_the_copy_of_a_word_file_and_still_names_what_it_leaves_out(
    client, session, session_factory, world, store, now, make_dossier
):
    dossier, _document, _version = copied(
        session, session_factory, world, store, now, make_dossier, word_document(WORDS), "quyết định.docx"
    )
    add(session, world, store, now, dossier, "31", "2026-03-01", "Giấy mời", b"hop luc 8 gio", "giay-moi.txt")
    session.commit()
    client.login("officer1")
    answer = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert answer.status_code == 200
    reader = PdfReader(io.BytesIO(answer.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert WORDS in text  # the Word file's own words, from its copy's page
    assert "Các trang tiếp theo là bản sao PDF/A của tệp quyết định.docx (1 trang)." in text
    assert "Tệp giay-moi.txt không phải tệp PDF mở được" in text
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.exported_pdf")).all()
    assert '"joined": 1' in event.details and '"documents": 2' in event.details
