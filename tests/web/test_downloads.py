"""Stored files are always downloaded as attachments, never rendered by the browser."""

from __future__ import annotations

from urllib.parse import unquote

from erms_browser import DOCUMENT_FORM, file_field, make_pdf
from sqlalchemy import select

from erms.models import AuditEvent


def versions_of(dossier):
    return [version for link in dossier.links for version in link.document.versions]


def test_a_document_downloads_as_an_attachment_with_its_vietnamese_name(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    content = make_pdf()
    client.post(
        f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "file": file_field(content, "Quyết định 15.pdf")}
    )
    session.refresh(dossier)
    [version] = versions_of(dossier)
    response = client.get(f"/dossiers/{dossier.id}/versions/{version.id}")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "Quyết định 15.pdf" in unquote(disposition)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == "document.downloaded"


def test_an_uploaded_html_file_is_never_served_as_html(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    payload = b"<html><script>alert('xss')</script></html>"
    response = client.post(
        f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "file": file_field(payload, "trang.html", "text/html")}
    )
    assert response.status_code == 302
    session.refresh(dossier)
    [version] = versions_of(dossier)
    response = client.get(f"/dossiers/{dossier.id}/versions/{version.id}")
    assert response.status_code == 200
    assert response.mimetype != "text/html"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_the_index_pdf_is_an_attachment(client, make_dossier):
    dossier = make_dossier("closed")
    client.login("officer1")
    response = client.get(f"/dossiers/{dossier.id}/index.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_open_dossier_has_no_index_yet(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    assert client.get(f"/dossiers/{dossier.id}/index.pdf").status_code == 404


def test_a_version_of_another_dossier_is_not_found(client, make_dossier):
    first = make_dossier("open")
    second = make_dossier("open")
    client.login("officer1")
    other_version = versions_of(second)[0]
    assert client.get(f"/dossiers/{first.id}/versions/{other_version.id}").status_code == 404
