"""The whole life of a dossier through the web, as an officer and an archivist click it."""

from __future__ import annotations

import html
import io
import re

from erms_browser import DOCUMENT_FORM, closing_form, dossier_id_from, file_field, make_pdf
from pypdf import PdfReader
from sqlalchemy import func, select

from erms.models import AuditEvent


def test_officer_files_and_archivist_accepts(client, world, session):
    dossier_list = world.approved_list(entries=1)
    entry = dossier_list.entries[0]
    first_event = session.scalar(select(func.max(AuditEvent.id)))

    client.login("officer1")
    home = client.get("/")
    assert home.status_code == 200
    text = html.unescape(home.get_data(as_text=True))
    assert entry.title in text
    assert "Mở hồ sơ" in text
    assert "Nguyễn Văn officer1" in text and "Chuyên viên" in text

    # Open the dossier from the entry, with the form pre-filled from it.
    opened = client.post(
        f"/dossiers/open/{entry.id}",
        {
            "title": entry.title,
            "start_date": "2026-01-05",
            "rights": "public",
            "language": "Tiếng Việt",
            "description": "",
            "keyword": "kế hoạch",
        },
    )
    assert opened.status_code == 302, opened.get_data(as_text=True)
    dossier_id = dossier_id_from(opened)
    page = client.get(f"/dossiers/{dossier_id}")
    text = html.unescape(page.get_data(as_text=True))
    assert "Đang lập" in text
    assert "Hồ sơ chưa có văn bản nào." in text  # the closing checklist names what is missing

    # File a real PDF with the document form.
    added = client.post(
        f"/dossiers/{dossier_id}/documents", {**DOCUMENT_FORM, "file": file_field(make_pdf(), "Quyết định 15.pdf")}
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    page = client.get(f"/dossiers/{dossier_id}")
    text = html.unescape(page.get_data(as_text=True))
    assert DOCUMENT_FORM["subject"] in text
    assert "Quyết định 15.pdf" in text
    assert "Đã đủ điều kiện: có thể kết thúc hồ sơ." in text  # the checklist is empty

    # Close it (confirmed), then read the index PDF made at closing.
    closed = client.post(f"/dossiers/{dossier_id}/close", closing_form(client, dossier_id))
    assert closed.status_code == 302, closed.get_data(as_text=True)
    page = client.get(f"/dossiers/{dossier_id}")
    assert "Đã kết thúc" in page.get_data(as_text=True)
    index = client.get(f"/dossiers/{dossier_id}/index.pdf")
    assert index.status_code == 200
    assert index.mimetype == "application/pdf"
    assert index.headers["Content-Disposition"].startswith("attachment")
    pdf_text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(index.data)).pages).split())
    assert "MỤC LỤC VĂN BẢN" in pdf_text
    assert DOCUMENT_FORM["subject"] in pdf_text

    # Submit it to the agency archive and leave.
    chooser = client.get(f"/transfers/new?dossier={dossier_id}").get_data(as_text=True)
    assert f'value="{dossier_id}" id="d-{dossier_id}" checked' in chooser
    submitted = client.post("/transfers/new", {"dossier_id": str(dossier_id), "confirm": "yes"})
    assert submitted.status_code == 302 and submitted.headers["Location"].startswith("/transfers/")
    page = client.get(f"/dossiers/{dossier_id}")
    assert "Đã nộp lưu, chờ tiếp nhận" in page.get_data(as_text=True)
    assert client.logout().status_code == 302
    assert client.get("/").status_code == 302  # logged out

    # The archivist finds it in the queue and accepts it.
    client.login("archivist")
    home = client.get("/")
    assert "/archive/" in home.get_data(as_text=True)
    queue = client.get("/archive/")
    text = html.unescape(queue.get_data(as_text=True))
    assert queue.status_code == 200
    assert entry.title in text and "Văn phòng HĐND và UBND" in text
    item_id = re.search(r"/archive/items/(\d+)/accept", text).group(1)
    accepted = client.post(f"/archive/items/{item_id}/accept", {"confirm": "yes"})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    assert entry.title not in html.unescape(client.get("/archive/").get_data(as_text=True))
    page = client.get(f"/dossiers/{dossier_id}")
    assert "Đã vào Lưu trữ cơ quan" in page.get_data(as_text=True)

    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.id > first_event).order_by(AuditEvent.id)
    ).all()
    # The changes, in order; the page views between them are audited too (tests/web/test_audit_log_pages.py).
    assert [
        action
        for action in actions
        if action.split(".")[0] in ("dossier", "document") and not action.endswith(".viewed")
    ] == [
        "dossier.opened",
        "document.added",
        "dossier.closed",
        "dossier.index_downloaded",
        "dossier.submitted",
        "dossier.accepted",
    ]
