"""A file over the upload limit is refused before any field is read (413): the page says the limit and leads back to
the form the person came from, a page of this site only, never one the Referer names elsewhere."""

from __future__ import annotations

import html
import re

import pytest
from erms_browser import DOCUMENT_FORM, Browser, file_field

LIMIT = 4096  # 4 kB, as the page says it


@pytest.fixture
def too_big(make_app, make_dossier):
    """Send the dossier's document form a file over the limit, with the Referer given (None: no Referer)."""
    client = Browser(make_app(MAX_CONTENT_LENGTH=LIMIT).test_client())
    client.login("officer1")
    dossier = make_dossier("open")

    def send(referer: str | None):
        headers = {"Referer": referer} if referer else {}
        data = {**DOCUMENT_FORM, "file": file_field(b"%PDF-1.4\n" + b"0" * 2 * LIMIT, "lớn.pdf")}
        response = client.post(f"/dossiers/{dossier.id}/documents", data, headers=headers)
        assert response.status_code == 413
        page = response.get_data(as_text=True)
        links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', page.split('<main id="main"', 1)[1])
        return html.unescape(re.sub(r"<[^>]+>", " ", page)), dict((words, href) for href, words in links)

    return send, dossier


def test_the_page_names_the_limit_and_leads_back_to_the_form(too_big):
    send, dossier = too_big
    page, links = send(f"http://localhost/dossiers/{dossier.id}?tab=documents#add-document")
    assert "Tệp vượt quá giới hạn 4 kB." in page
    assert links["Quay lại"] == f"/dossiers/{dossier.id}?tab=documents#add-document"


@pytest.mark.parametrize(
    "referer",
    [None, "https://evil.example/dossiers/1", "http://localhost.evil.example/x", "//evil.example/", "javascript:x"],
)
def test_a_referer_off_this_site_leads_home_instead(too_big, referer):
    send, _ = too_big
    page, links = send(referer)
    assert links["Quay lại"] == "/" and "Tệp vượt quá giới hạn 4 kB." in page
