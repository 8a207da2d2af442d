"""A dossier's restriction follows its documents into every dossier they are filed in (security review, PL6 III.3.b,
IV.1.a): a document of a restricted dossier filed by reference into an open one, before or after the restriction,
keeps its summary, files and handling to those who read the restricted dossier — on the open dossier's pages, its
PDFs, the document's own API answer, the search, the register line, and an opinion given on that line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erms import search
from erms.models import DocumentOpinion
from filing import documents, dossiers, opinions
from tests.web.test_leak_review import SUMMARY, pdf_text, registered, restrict, text_of

DIRECTION = "Giao Văn phòng chủ trì, báo cáo trước ngày 15"


@pytest.fixture(params=["linked, then restricted", "restricted, then linked"])
def held(request, session, world, store, now, make_dossier):
    """An incoming document sent to unit A, filed in unit A's dossier ``restricted`` (which the head restricts, after
    directing the document) and by reference in unit A's open dossier ``shown``; committed and indexed."""
    line = registered(session, world, store, now, "77", world.unit_a)
    restricted, shown = make_dossier("open", documents=0), make_dossier("open", documents=0)
    officer = world.actor("officer1")
    dossiers.link_document(session, officer, restricted.id, line.document_id, now=now)
    reached = opinions.in_dossier(session, world.actor("head"), restricted, line.document)
    opinions.add(session, world.actor("head"), reached, "direction", DIRECTION, now=now)
    if request.param == "linked, then restricted":
        dossiers.link_document(session, officer, shown.id, line.document_id, now=now)
        restrict(session, world, "officer1", restricted.id, None, now)
    else:
        restrict(session, world, "officer1", restricted.id, None, now)
        dossiers.link_document(session, officer, shown.id, line.document_id, now=now)
    session.commit()
    session.expire_all()
    search.catch_up(session)
    return line, shown


def test_readers_of_the_open_dossier_get_none_of_the_restricted_documents_content(browsers, held, session, world):
    line, shown = held
    version = line.document.versions[0]
    for reader in ("registry", "archivist"):
        browser = browsers(reader)
        dossier_page = browser.get(f"/dossiers/{shown.id}")
        assert dossier_page.status_code == 200 and SUMMARY not in text_of(dossier_page)
        assert "(hạn chế sử dụng: trích yếu và tệp chỉ dành cho" in text_of(dossier_page)
        document_page = text_of(browser.get(f"/dossiers/{shown.id}/documents/{line.document_id}"))
        assert SUMMARY not in document_page and DIRECTION not in document_page
        assert browser.get(f"/dossiers/{shown.id}/versions/{version.id}").status_code == 404
        assert SUMMARY not in pdf_text(browser.get(f"/dossiers/{shown.id}/index-preview.pdf").data)
        assert not documents.get_document(session, world.actor(reader), line.document_id).content  # the API's answer
        assert "Phương án bồi thường" not in text_of(browser.get("/search/?q=boi+thuong+giai+phong"))


def test_the_register_line_keeps_its_summary_and_handling_from_those_who_do_not_read_the_restricted_dossier(
    browsers, held, session
):
    line, _ = held
    registry = browsers("registry")
    entry = text_of(registry.get(f"/registers/entries/{line.id}"))
    assert SUMMARY not in entry and DIRECTION not in entry
    assert SUMMARY not in text_of(registry.get("/registers/incoming"))
    given = registry.post(f"/registers/entries/{line.id}/opinions", {"kind": "comment", "text": "Đã nhận."})
    assert given.status_code in (403, 404)
    assert session.scalar(select(func.count()).select_from(DocumentOpinion)) == 1  # the head's direction alone


def test_those_who_read_the_restricted_dossier_still_read_the_document_in_both(browsers, held):
    line, shown = held
    for reader in ("officer1", "head"):
        browser = browsers(reader)
        page = text_of(browser.get(f"/dossiers/{shown.id}/documents/{line.document_id}"))
        assert SUMMARY in page and DIRECTION in page
        assert browser.get(f"/dossiers/{shown.id}/versions/{line.document.versions[0].id}").status_code == 200
