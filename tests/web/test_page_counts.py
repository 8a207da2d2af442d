"""The number of pages filled by the system when a dossier closes (PL6 III.1.g, field 10 of NĐ 30 Phụ lục VI Phần
II): a document left without one takes the page count the worker read from its PDF, the wizard says so and its index
preview shows it, the dossier's total is the sum, and a number the officer typed is kept."""

from __future__ import annotations

import json

from erms_browser import closing_form, file_field
from sqlalchemy import select

from erms import jobs
from erms.models import AuditEvent, Document, Dossier
from tests.web.test_document_page import text_of
from tests.web.test_file_suggestions import DECISION, SHARED, pdf_of
from tests.web.test_index_summaries import pdf_text


def test_closing_fills_each_documents_pages_from_its_file_and_the_dossiers_total(
    client, session, session_factory, make_dossier
):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    files = [file_field(pdf_of(DECISION, 3), "qd_15.pdf"), file_field(pdf_of("Ghi chu", 2), "ghi_chu.pdf")]
    assert client.post(f"/dossiers/{dossier.id}/documents/batch", {**SHARED, "files": files}).status_code == 302
    jobs.index_queued(session_factory)  # the worker reads the files and counts their pages
    session.expire_all()
    decision, note = (link.document for link in session.get(Dossier, dossier.id).links)
    edit = f"/dossiers/{dossier.id}/documents/{note.id}/edit"
    form = {"revision": str(note.revision), "page_amount": "5"}  # the officer counts the note's pages as 5
    assert client.post(edit, form).status_code == 302

    wizard = text_of(client.get(f"/dossiers/{dossier.id}/close"))
    assert "Khi kết thúc hồ sơ, số trang của văn bản số 1 được điền theo số trang của tệp" in wizard
    preview = pdf_text(client.get(f"/dossiers/{dossier.id}/index-preview.pdf").data)
    assert client.post(f"/dossiers/{dossier.id}/close", closing_form(client, dossier.id)).status_code == 302

    session.expire_all()
    closed = session.get(Dossier, dossier.id)
    assert closed.state.value == "closed"
    assert (session.get(Document, decision.id).page_amount, session.get(Document, note.id).page_amount) == (3, 5)
    assert closed.page_total == 8
    filled = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.updated", AuditEvent.subject_id == decision.id)
    ).all()
    assert [json.loads(event.details)["changes"] for event in filled] == [{"page_amount": [None, 3]}]
    index = pdf_text(client.get(f"/dossiers/{dossier.id}/index.pdf").data)
    assert "Quyết định qd 15 Ủy ban nhân dân quận Nam Từ Liêm 3 2" in index  # the row's pages: the file's 3
    assert preview.split("In từ")[0] == index.split("In từ")[0]  # the index previewed is the index kept
