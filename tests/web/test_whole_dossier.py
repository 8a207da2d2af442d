"""A whole dossier as one PDF (PL6 III.4.g): its metadata, its index, then each document in date order — its
metadata, then its file's pages when the file is a PDF — a bookmark each; what the reader may not read stays out,
another unit's dossier is not found, a dossier whose files are gone or too large is refused in words."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import select

from erms.models import AuditEvent
from erms.models.dossier import DossierState
from exports.pdf import whole_dossier
from filing import dossiers, whole_pdf
from tests.factories import DOCUMENT, upload
from tests.signing import plain_pdf
from tests.web.test_document_rights_pages import SECRET, linked, sent  # noqa: F401


def add(session, world, store, now, dossier, number: str, day: str, subject: str, content: bytes, name: str):
    fields = dict(DOCUMENT, code_number=number, issued_date=day, subject=subject)
    dossiers.add_document(
        session, world.actor("officer1"), dossier.id, fields, upload(content, name), store=store, now=now
    )


def test_the_whole_dossier_is_one_pdf_in_date_order_with_what_the_reader_may_read(
    client,
    session,
    world,
    store,
    now,
    make_dossier,
    sent,  # noqa: F811
):
    dossier, _entry = linked(client, world, make_dossier, sent)  # a tuyệt mật register entry, issued 2026-03-02
    plan = plain_pdf("Trang kế hoạch")
    add(session, world, store, now, dossier, "20", "2026-03-05", "Kế hoạch tổng kết", plan, "kh.pdf")
    add(session, world, store, now, dossier, "21", "2026-01-10", "Giấy mời họp", b"hop luc 8 gio", "giay-moi.txt")
    session.commit()
    assert "Tải toàn bộ hồ sơ (một tệp PDF)" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    answer = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(answer.data))
    # Date order: the invitation (10/01), the register entry (02/03), the plan (05/03), whatever the filing order.
    assert [item.title for item in reader.outline] == [
        "Dữ liệu đặc tả hồ sơ",
        "Mục lục văn bản",
        "Văn bản số 1: Quyết định 21/QĐ-UBND",
        f"Văn bản số 2: {_entry.document.type_name} {_entry.document.code_number}/{_entry.document.code_notation}",
        "Văn bản số 3: Quyết định 20/QĐ-UBND",
    ]
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert dossier.title in text and "Trang kế hoạch" in text  # the plan's own page, joined
    assert "Các trang tiếp theo là tệp kh.pdf (1 trang)." in text
    assert "Tệp giay-moi.txt không phải tệp PDF mở được" in text
    assert SECRET not in text and "(không hiển thị trích yếu: văn bản Tuyệt mật)" in text
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.exported_pdf")).all()
    assert '"joined": 1' in event.details and '"documents": 3' in event.details


def test_another_unit_finds_nothing_and_too_large_or_gone_is_refused_in_words(
    client, browsers, session, make_dossier, monkeypatch
):
    dossier = make_dossier("closed")
    assert browsers("officer2").get(f"/dossiers/{dossier.id}/dossier.pdf").status_code == 404
    client.login("officer1")
    monkeypatch.setattr(whole_pdf, "MAX_BYTES", 5)  # its one file has 6 bytes
    refused = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert refused.status_code == 302
    assert "hãy tải từng tệp trên trang hồ sơ" in client.get(refused.headers["Location"]).get_data(as_text=True)
    dossier.state = DossierState.DESTROYED
    session.commit()
    gone = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert gone.status_code == 302
    assert "tệp của hồ sơ không còn" in client.get(gone.headers["Location"]).get_data(as_text=True)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.exported_pdf")).all() == []


def test_a_file_whose_pages_cannot_be_copied_is_refused_in_words(
    client, session, world, store, now, make_dossier, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    add(session, world, store, now, dossier, "30", "2026-02-01", "Kế hoạch", plain_pdf("Trang"), "kh.pdf")
    session.commit()
    copy = whole_dossier.PdfWriter.append

    def failing(self, source, *args, **kwargs):  # the documents' files are joined with import_outline=False
        if kwargs.get("import_outline") is False:
            raise PyPdfError("a page object is missing")
        return copy(self, source, *args, **kwargs)

    monkeypatch.setattr(whole_dossier.PdfWriter, "append", failing)
    client.login("officer1")
    refused = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Văn bản số 1: Quyết định 30/QĐ-UBND" in page and "hãy tải từng tệp của hồ sơ" in page
