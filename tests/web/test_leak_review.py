"""What a reader may not read stays out of every page, print and API answer they get (security review): the summary
of a document restricted on its own leaves the registers (the pages, the printed register, the API's register lines,
the unit's incoming list on the home page) for those who do not read its content, and the access statistics keep a
restricted dossier's title and a restricted document's summary to those who read them, as the drill-downs do."""

from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from administration import access_statistics
from classification import dossier_list as dossier_lists
from erms.models import DossierList
from erms.models.register import RegisterKind
from filing import access, dossiers, registers
from tests.factories import DOCUMENT, upload
from tests.web.test_api import caller

SUMMARY = "Phương án bồi thường giải phóng mặt bằng khu tái định cư"
TITLE = "Hồ sơ thanh tra nội bộ về cán bộ lãnh đạo"


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def pdf_text(data: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def restrict(session, world, who: str, dossier_id: int, document_id: int | None, now) -> None:
    """Restrict a dossier (or one document of it), proposed by ``who`` and confirmed by the head."""
    form = {"kind": "restrict", "reason": "Tài liệu nhạy cảm"}
    if document_id is not None:
        form["document_id"] = str(document_id)
    change = access.propose(session, world.actor(who), dossier_id, form, now=now)
    access.decide(session, world.actor("head"), change.id, True, now=now)


def registered(session, world, store, now, number: str, unit):
    """Register an incoming document with the summary SUMMARY and send it to ``unit``; return its line."""
    registry = world.actor("registry")
    line = registers.register_document(
        session,
        registry,
        world.org.id,
        RegisterKind.INCOMING,
        dict(DOCUMENT, subject=SUMMARY, code_number=number),
        upload(b"%PDF-1.4 boi thuong " + number.encode(), "phuong-an.pdf"),
        store=store,
        now=now,
    )
    registers.assign_unit(session, registry, world.org.id, line.year, line.series, line.number, unit.id, now=now)
    return line


def registered_restricted(session, world, store, now, make_dossier):
    """Return the register line of an incoming document sent to unit A, filed in unit A's dossier and restricted there
    on its own (committed)."""
    line = registered(session, world, store, now, "321", world.unit_a)
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    restrict(session, world, "officer1", dossier.id, line.document_id, now)
    session.commit()
    return line


def test_a_restricted_summary_leaves_the_register_pages_and_print(browsers, session, world, store, now, make_dossier):
    line = registered_restricted(session, world, store, now, make_dossier)
    registry = browsers("registry")
    register = text_of(registry.get("/registers/incoming"))
    assert f"/registers/entries/{line.id}" in registry.get("/registers/incoming").get_data(as_text=True)
    assert SUMMARY not in register and "(hạn chế sử dụng: trích yếu và tệp chỉ dành cho" in register
    entry = text_of(registry.get(f"/registers/entries/{line.id}"))
    assert SUMMARY not in entry and "(hạn chế sử dụng: trích yếu và tệp chỉ dành cho" in entry
    assert "phuong-an.pdf" not in entry  # nor its file's name, often the summary, nor a link it would be refused
    for page in (f"/registers/entries/{line.id}", "/registers/incoming"):
        assert f"/registers/entries/{line.id}/file" not in registry.get(page).get_data(as_text=True), page
    assert "phuong-an.pdf" in text_of(browsers("officer1").get(f"/registers/entries/{line.id}"))
    printed = pdf_text(registry.get("/registers/incoming/print.pdf").data)
    assert SUMMARY not in printed and "chỉ dành cho người được chỉ định" in printed
    for reader in ("officer1", "head"):  # who forms its dossier, and the head, read it as before
        assert SUMMARY in text_of(browsers(reader).get(f"/registers/entries/{line.id}")), reader
    assert SUMMARY in text_of(browsers("head").get("/registers/incoming"))
    assert SUMMARY in pdf_text(browsers("head").get("/registers/incoming/print.pdf").data)


def test_a_restricted_summary_leaves_the_apis_register_lines(app, token_of, session, world, store, now, make_dossier):
    line = registered_restricted(session, world, store, now, make_dossier)
    api, token = caller(app), token_of("archivist")
    one = api("GET", f"/register-lines/{line.id}", token)
    assert one.status_code == 200 and one.json["subject"] == ""
    listed = api("GET", "/registers/incoming", token)
    assert listed.status_code == 200
    assert [item["subject"] for item in listed.json["items"] if item["id"] == line.id] == [""]
    assert api("GET", f"/register-lines/{line.id}", token_of("head")).json["subject"] == SUMMARY


def sent_on_restricted(session, world, store, now):
    """Return the register line of an incoming document sent first to unit B, filed and restricted there on its own,
    then sent on to unit A (committed)."""
    registry, officer2 = world.actor("registry"), world.actor("officer2")
    line = registered(session, world, store, now, "322", world.unit_b)
    listed = session.query(DossierList).filter_by(organisation_id=world.org.id, year=2026).one_or_none()
    listed = listed or world.approved_list()
    entry = dossier_lists.add_ad_hoc_entry(
        session, officer2, listed.id, title="Hồ sơ bồi thường", retention_row_id=world.rows["10y"].id, now=now
    )
    dossier = dossiers.open_dossier(session, officer2, entry.id, {"start_date": "2026-01-05"}, now=now)
    dossiers.link_document(session, officer2, dossier.id, line.document_id, now=now)
    restrict(session, world, "officer2", dossier.id, line.document_id, now)
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now, elsewhere=True
    )
    session.commit()
    return line


def test_a_restricted_summary_is_not_in_another_units_incoming_list(browsers, session, world, store, now):
    """Unit A's people, who form no dossier holding the document sent on to them, see it arrive without its summary
    (as its register line shows it to them)."""
    line = sent_on_restricted(session, world, store, now)
    officer1 = browsers("officer1")
    home = text_of(officer1.get("/"))
    assert f"Số {line.number}" in home or str(line.number) in home
    assert SUMMARY not in home and "(hạn chế sử dụng: trích yếu và tệp chỉ dành cho" in home
    assert SUMMARY not in text_of(officer1.get(f"/registers/entries/{line.id}"))


def test_the_access_statistics_keep_restricted_titles_and_summaries(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=1)
    dossiers.update_dossier(session, world.actor("officer1"), dossier.id, {"title": TITLE}, now=now)
    restrict(session, world, "officer1", dossier.id, None, now)
    other = make_dossier("open", documents=0)
    document = dossiers.add_document(
        session,
        world.actor("officer1"),
        other.id,
        dict(DOCUMENT, subject=SUMMARY, code_number="323"),
        upload(b"%PDF-1.4 boi thuong c", "phuong-an.pdf"),
        store=store,
        now=now,
    )
    restrict(session, world, "officer1", other.id, document.id, now)
    officer1 = world.actor("officer1")
    access_statistics.dossier_viewed(session, officer1, dossier.id, now=now)
    access_statistics.document_viewed(session, officer1, other.id, document.id, now=now)
    session.commit()
    for reader in ("admin", "archivist"):  # they read neither the restricted dossier nor the restricted document
        browser = browsers(reader)
        listed = text_of(browser.get("/audit/statistics?kind=dossiers"))
        assert dossier.file_code in listed and TITLE not in listed, reader
        documents = text_of(browser.get("/audit/statistics?kind=documents"))
        assert "323/QĐ-UBND" in documents and SUMMARY not in documents, reader
        for kind, hidden in (("dossiers", TITLE), ("documents", SUMMARY)):
            book = load_workbook(io.BytesIO(browser.get(f"/audit/statistics.xlsx?kind={kind}").data))
            cells = [str(cell.value) for row in book.active.iter_rows() for cell in row]
            assert hidden not in cells and any("323" in cell or dossier.file_code in cell for cell in cells), reader
    head = browsers("head")
    assert TITLE in text_of(head.get("/audit/statistics?kind=dossiers"))
    assert SUMMARY in text_of(head.get("/audit/statistics?kind=documents"))


def test_filing_does_not_widen_a_restriction(browsers, session, world, store, now, make_dossier):
    """Unit A's officer, to whom the document was sent on, is not offered it to file, and filing it anyway (its id
    typed into the form) is refused: filing would make them one who forms a dossier holding it, and so a reader."""
    line = sent_on_restricted(session, world, store, now)
    mine = make_dossier("open", documents=0)
    officer1 = browsers("officer1")
    page = officer1.get(f"/dossiers/{mine.id}").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="document_id".*?</select>', page, re.S)
    assert offered is None or f'value="{line.document_id}"' not in offered.group(0)
    answer = officer1.post(f"/dossiers/{mine.id}/link", data={"document_id": str(line.document_id)})
    assert answer.status_code == 422
    assert "chỉ những người này, người lập hồ sơ đang chứa văn bản" in text_of(answer)
    session.expire_all()
    assert [link.document_id for link in session.get(type(mine), mine.id).links] == []
    assert SUMMARY not in text_of(officer1.get(f"/dossiers/{mine.id}"))
