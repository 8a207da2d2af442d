"""The search pages: the box on every page, facets, chosen columns, saved searches, DOCX and PDF exports."""

from __future__ import annotations

import dataclasses
import html
import io
import re

import docx
import pytest
from pypdf import PdfReader

from erms import search
from erms.models import Document, SignatureCheck
from erms.models.register import RegisterKind
from filing import dossiers, registers
from tests.factories import DOCUMENT, upload


@pytest.fixture
def filed(make_dossier, session, client, world, store, now):
    """Two documents in a dossier of unit A, committed and indexed by the app's search service."""
    dossier = make_dossier("open", documents=0)
    for subject, kind in (
        ("Kế hoạch phòng chống lụt bão năm 2026", "Kế hoạch"),
        ("Báo cáo tổng kết phòng chống lụt bão", "Báo cáo"),
    ):
        dossiers.add_document(
            session,
            world.actor("officer1"),
            dossier.id,
            dict(DOCUMENT, subject=subject, type_name=kind),
            upload(subject.encode(), "a.txt"),
            store=store,
            now=now,
        )
    session.commit()
    search.catch_up(session)
    return dossier


def test_search_box_on_every_page_and_results_with_facets(filed, client):
    client.login("officer1")
    home = client.get("/")
    assert 'action="/search/"' in home.text
    page = client.get("/search/?q=lut+bao")
    assert page.status_code == 200
    assert "Kế hoạch phòng chống lụt bão năm 2026" in page.text
    assert "<mark" in page.text
    assert "Báo cáo</a> (1)" in page.text  # the type facet with its count


def test_other_units_see_nothing(filed, client):
    client.login("officer2")
    page = client.get("/search/?q=lut+bao").text
    assert "lụt bão" not in page
    assert "Không tìm thấy kết quả nào. Hãy thử bớt từ, gõ không dấu hoặc bỏ bớt bộ lọc." in page  # what to try next


def test_chosen_columns_and_bad_input(filed, client):
    client.login("officer1")
    page = client.get("/search/?q=lut+bao&col=code&col=people")
    assert "UBND thành phố Hà Nội" in page.text and '<th scope="col">Ngày văn bản</th>' not in page.text
    bad = client.get("/search/?q=x&year=abc&date_from=31-02-2026")
    assert bad.status_code == 400
    assert bad.text.count('class="flash error"') == 2


def test_save_and_reuse_a_search(filed, client):
    client.login("officer1")
    client.get("/search/?q=lut+bao&type=Báo+cáo")
    saved = client.post(
        "/search/saved", {"name": "Lụt bão", "query": "q=lut+bao&type=B%C3%A1o+c%C3%A1o"}, follow_redirects=True
    )
    assert "Lụt bão" in saved.text
    assert "Báo cáo tổng kết phòng chống lụt bão" in saved.text
    assert "Kế hoạch phòng chống lụt bão năm 2026" not in saved.text


def test_a_search_that_no_page_sends_is_not_saved(filed, client, session):
    """A query with a line break or thousands of characters is no search of the page: said, and nothing saved."""
    client.login("officer1")
    for query in ("q=x\r\nX-Evil: 1", "q=" + "a" * 3000, "q=lụt bão"):
        refused = client.post("/search/saved", {"name": "Lạ", "query": query}, follow_redirects=True)
        assert "Đây không phải một tìm kiếm của trang tìm kiếm" in refused.text, query
    assert "Lạ" not in client.get("/search/").text


def test_exports(filed, client):
    client.login("officer1")
    word = client.get("/search/export.docx?q=lut+bao")
    table = docx.Document(io.BytesIO(word.data)).tables[0]
    assert len(table.rows) == 3 and "lụt bão" in table.rows[1].cells[1].text
    doc = client.get("/search/export.doc?q=lut+bao")
    assert doc.mimetype == "application/msword" and doc.data.startswith(b"{\\rtf1")
    assert doc.headers["Content-Disposition"] == "attachment; filename=ket-qua-tim-kiem.doc"
    text = re.sub(rb"\\u(-?\d+)\?", lambda m: chr(int(m.group(1)) % 0x10000).encode(), doc.data).decode()
    assert text.count("\\row") == 3 and "lụt bão" in text  # the heading row and two results
    pdf = client.get("/search/export.pdf?q=lut+bao")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Báo cáo tổng kết phòng" in text and "In từ Hệ thống ERMS" in text


@pytest.fixture
def registered(session, world, store, now, app):
    """An incoming document registered and sent to unit A, filed in no dossier yet, indexed by the app's service."""
    registry = world.actor("registry")
    data = dict(DOCUMENT, subject="Về việc phòng cháy chữa cháy mùa khô", recipients="Ban Chỉ huy quân sự quận")
    line = registers.register_document(
        session, registry, world.org.id, RegisterKind.INCOMING, data, upload(), store=store, now=now
    )
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    session.commit()
    search.catch_up(session)
    return line


def test_an_unfiled_registered_document_links_to_its_register_line_for_those_who_find_it(registered, browsers):
    entry = f"/registers/entries/{registered.id}"
    for name in ("officer1", "head", "registry"):
        browser = browsers(name)
        page = browser.get("/search/?q=chi+huy+quan+su&col=title&col=people&col=retention")
        assert f'<a href="{entry}">Về việc phòng cháy chữa cháy mùa khô</a>' in page.text, name
        assert "<mark" in page.text and '<td data-label="Thời hạn bảo quản"></td>' in page.text, name  # none yet
        line = browser.get(entry)
        assert line.status_code == 200 and "Ban Chỉ huy quân sự quận" in line.text, name
        assert ("Chuyển cho đơn vị hoặc cá nhân" in line.text) is (name == "registry"), name  # the registry's forms
    officer2 = browsers("officer2")
    assert "phòng cháy" not in officer2.get("/search/?q=phong+chay").text
    assert officer2.get(entry).status_code == 404


def test_a_search_whose_counting_stopped_says_there_are_more(filed, client, monkeypatch):
    real = search.query

    def stopped(session, actor, request):
        return dataclasses.replace(real(session, actor, request), total=1, pages=1, more=True)

    monkeypatch.setattr(search, "query", stopped)
    client.login("officer1")
    page = client.get("/search/?q=lut+bao")
    assert "Tìm thấy hơn 1 kết quả" in page.text
    assert "Việc đếm dừng ở 1 kết quả: thêm từ khóa hoặc điều kiện lọc để đếm đủ." in page.text


def test_the_signature_filter_and_facet(filed, client, session, now):
    plan = session.query(Document).filter(Document.subject.startswith("Kế hoạch")).one()
    stored = plan.versions[-1].file
    stored.has_pdf_signature = True
    session.add(SignatureCheck(stored_file_id=stored.id, checked_at=now, status="valid", findings="[]", roots=""))
    session.commit()
    search.catch_up(session)
    client.login("officer1")
    page = client.get("/search/?q=lut+bao")
    assert '<select id="signature" name="signature">' in page.text
    assert "Chữ ký số hợp lệ</a> (1)" in page.text  # the signature facet: the unsigned report has no value
    chosen = client.get("/search/?q=lut+bao&signature=valid")
    assert "Kế hoạch phòng chống lụt bão năm 2026" in chosen.text and "Báo cáo tổng kết" not in chosen.text
    assert '<option value="valid" selected>' in chosen.text


def test_results_come_before_the_advanced_filters_which_open_when_one_is_in_use(filed, client):
    client.login("officer1")
    plain = client.get("/search/?q=lut+bao")
    first_result, first_filter = plain.text.index("phòng chống lụt bão"), plain.text.index('id="kind"')
    assert first_result < first_filter  # a 1366×768 screen shows the results, not eight filters, under the box
    assert '<details id="advanced-filters">' in plain.text and "<summary>Lọc nâng cao</summary>" in plain.text
    for filtered in ("kind=document", "signature=valid", "date_from=01%2F01%2F2026", "state=open"):
        page = client.get(f"/search/?q=lut+bao&{filtered}")
        assert '<details id="advanced-filters" open>' in page.text, filtered  # the search shows what filters it


def test_a_document_filed_in_two_units_dossiers_links_each_reader_to_their_own(browsers, session, world, store, now,
                                                                                make_dossier):  # fmt: skip
    from tests.web.test_removal_and_edit_rights import crossed

    line, mine, theirs = crossed(session, world, store, now, make_dossier)
    session.commit()
    search.catch_up(session)
    row = f"?document={line.document_id}#document-{line.document_id}"
    for reader, dossier in (("officer1", mine), ("officer2", theirs)):
        found = html.unescape(browsers(reader).get("/search/?q=boi+thuong+giai+phong").get_data(as_text=True))
        assert f'href="/dossiers/{dossier.id}{row}"' in found, reader
        assert browsers(reader).get(f"/dossiers/{dossier.id}?document={line.document_id}").status_code == 200
