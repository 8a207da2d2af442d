"""Receiving organisations' codes on the pages (NĐ 30 PL6 III.1.g, field 13.1): the deployment's administrator keeps
the directory (a wrong code, a taken one or a file with a bad line is said, nothing is saved; an organisation's
administrator and a forged form are refused); the officer's and the registry's forms offer its names and the
document's page shows each recipient of an outgoing document with its code."""

from __future__ import annotations

import io
import re

import pytest
from erms_browser import DOCUMENT_FORM, Browser, file_field, make_pdf
from sqlalchemy import select

from erms.models import Document, RecipientOrganisation, User
from tests.web.test_document_page import text_of


@pytest.fixture
def root(app, session, now, password_hash) -> Browser:
    """The deployment's administrator, logged in, with Bộ Tài chính in the directory."""
    session.add(
        User(username="quantri", full_name="Quản trị", password_hash=password_hash, created_at=now, system_admin=True)
    )
    session.flush()
    browser = Browser(app.test_client())
    browser.login("quantri")
    browser.get("/admin/recipients")
    assert browser.post("/admin/recipients", {"code": "000.00.00.G09", "name": "Bộ Tài chính"}).status_code == 302
    return browser


def directory(session) -> list[tuple[str, str, bool]]:
    session.expire_all()
    rows = session.execute(select(RecipientOrganisation.code, RecipientOrganisation.name, RecipientOrganisation.active))
    return sorted(tuple(row) for row in rows)


def csv_upload(*lines: str) -> tuple:
    return (io.BytesIO("\n".join(lines).encode("utf-8-sig")), "danh bạ.csv", "text/csv")


def test_the_deployment_administrator_keeps_the_directory(root, session):
    page = text_of(root.get("/admin/recipients"))
    assert "Danh bạ mã định danh cơ quan, tổ chức nhận văn bản" in page and "UBND quận Đống Đa" in page
    refused = root.post("/admin/recipients", {"code": "G10", "name": "Bộ Tư pháp"})
    assert refused.status_code == 422 and "Mã định danh có dạng 000.00.00.G09 (OrganId)." in text_of(refused)
    taken = root.post("/admin/recipients", {"code": "000.00.00.G09", "name": "Bộ Tư pháp"})
    assert taken.status_code == 422 and "Mã 000.00.00.G09 đã là mã định danh của Bộ Tài chính." in text_of(taken)
    bad_line = root.post(
        "/admin/recipients/import",
        {"file": csv_upload("Mã định danh,Tên", "000.00.00.G10,Bộ Tư pháp", "000.00.00.X1,Bộ Nội vụ")},
    )
    assert bad_line.status_code == 422 and "Dòng 3, Mã: Mã định danh có dạng 000.00.00.G09" in text_of(bad_line)
    assert directory(session) == [("000.00.00.G09", "Bộ Tài chính", True)]
    imported = root.post(
        "/admin/recipients/import", {"file": csv_upload("Mã định danh,Tên", "000.00.00.G10,Bộ Tư pháp")}
    )
    assert imported.status_code == 302
    root.post("/admin/recipients/name", {"code": "000.00.00.G10", "name": "Bộ Tư pháp (Văn phòng Bộ)"})
    root.post("/admin/recipients/offered", {"code": "000.00.00.G09", "active": "no"})
    assert directory(session) == [
        ("000.00.00.G09", "Bộ Tài chính", False),
        ("000.00.00.G10", "Bộ Tư pháp (Văn phòng Bộ)", True),
    ]
    assert root.post("/admin/recipients/offered", {"code": "000.00.00.G99", "active": "no"}).status_code == 404


def test_an_organisations_administrator_and_a_forged_form_change_nothing(root, app, session, browsers):
    admin = browsers("admin")
    assert admin.get("/admin/recipients").status_code == 403
    attempts = [
        ("/admin/recipients", {"code": "000.00.00.G10", "name": "Bộ Tư pháp"}),
        ("/admin/recipients/import", {"file": csv_upload("Mã,Tên", "000.00.00.G10,Bộ Tư pháp")}),
        # A file the upload refuses by its name: refused as not theirs to send, never shown the directory.
        ("/admin/recipients/import", {"file": (io.BytesIO(b"x"), " ", "text/csv")}),
        ("/admin/recipients/name", {"code": "000.00.00.G09", "name": "Bộ Công an"}),
        ("/admin/recipients/offered", {"code": "000.00.00.G09", "active": "no"}),
    ]
    assert [admin.post(url, form).status_code for url, form in attempts] == [403] * len(attempts)
    # The deployment's administrator's own session, without the form's token (another site's page posting it).
    forged = root.client.post("/admin/recipients", data={"code": "000.00.00.G10", "name": "Bộ Tư pháp"})
    assert forged.status_code == 400
    assert directory(session) == [("000.00.00.G09", "Bộ Tài chính", True)]


def test_the_forms_offer_the_directory_and_the_document_page_shows_each_recipients_code(
    root, client, session, world, make_dossier
):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    form_page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    # The form links the directory's own page, opened beside it, and carries none of its lines.
    assert 'id="recipient-directory"' in form_page and 'href="/registers/recipient-codes" target="_blank"' in form_page
    assert "000.00.00.G09" not in form_page
    codes = client.get("/registers/recipient-codes").get_data(as_text=True)
    assert "000.00.00.G09</span> Bộ Tài chính" in codes
    form = {
        **DOCUMENT_FORM,
        "direction": "outgoing",
        "recipients": "- Bộ tài chính;\n- Sở Y tế;\n- Lưu: VT.",
        "file": file_field(make_pdf("Cong van"), "công văn.pdf"),
    }
    assert client.post(f"/dossiers/{dossier.id}/documents", form).status_code == 302
    (document,) = session.scalars(select(Document)).all()
    page = text_of(client.get(f"/dossiers/{dossier.id}/documents/{document.id}"))
    assert "Bộ tài chính mã định danh 000.00.00.G09 Sở Y tế Lưu: VT" in page
    registry = Browser(client.client.application.test_client())
    registry.login("registry")
    outgoing = registry.get("/registers/outgoing").get_data(as_text=True)
    assert 'id="recipient-directory"' in outgoing
    assert 'id="recipient-directory"' not in registry.get("/registers/incoming").get_data(as_text=True)


def test_the_directory_page_finds_an_organisation_by_a_name_s_words_or_a_code_s_start(root, client, world):
    assert root.post("/admin/recipients", {"code": "000.00.00.G10", "name": "Bộ Tư pháp"}).status_code == 302
    client.login("officer1")

    def listed(query: str) -> list[str]:
        page = client.get("/registers/recipient-codes", query_string={"q": query}).get_data(as_text=True)
        return re.findall(r'<li><span class="code">([^<]+)</span>', page)

    assert {"000.00.00.G09", "000.00.00.G10"} <= set(listed(""))
    assert listed("bo tai CHINH") == ["000.00.00.G09"]  # without case or diacritics, as search compares
    assert listed("000.00.00.G1") == ["000.00.00.G10"]
    page = text_of(client.get("/registers/recipient-codes", query_string={"q": "<Bộ Quốc phòng>"}))
    assert "Không có cơ quan, tổ chức nào trong danh bạ khớp với “<Bộ Quốc phòng>”." in page
