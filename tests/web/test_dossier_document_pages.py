"""A dossier of many documents (a year's file of outgoing copies) lists them 50 at a time, with the pages to the others;
a link or a save that concerns one document lands on the page listing it."""

from __future__ import annotations

import html
import re
from datetime import date

from erms_browser import file_field

from erms import search
from filing import dossiers, removals
from tests.factories import DOCUMENT, upload
from tests.web.test_leak_review import text_of


def large_dossier(session, world, store, now, make_dossier, count: int, last_status: str = "final"):
    """Return an open dossier of unit A holding ``count`` documents (the last one ``last_status``), and their ids in
    the dossier's order."""
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    ids = []
    for number in range(count):
        data = dict(DOCUMENT, code_number=str(500 + number), issued_date=date(2026, 1 + number // 28, 1 + number % 28))
        data["issued_date"] = data["issued_date"].isoformat()
        data["status"] = last_status if number == count - 1 else "final"
        document = dossiers.add_document(
            session, officer, dossier.id, data, upload(f"%PDF-1.4 {number}".encode()), store=store, now=now
        )
        ids.append(document.id)
    session.commit()
    return dossier, ids


def rows(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="document-(\d+)"', page)]


def test_a_dossier_of_55_documents_lists_50_then_5(browsers, session, world, store, now, make_dossier):
    dossier, ids = large_dossier(session, world, store, now, make_dossier, 55)
    officer = browsers("officer1")
    first = officer.get(f"/dossiers/{dossier.id}")
    assert rows(first.get_data(as_text=True)) == ids[:50]
    assert text_of(first).count("Văn bản số 1 đến 50: 50 trong 55 văn bản của hồ sơ.") == 2  # above and below the table
    assert f'href="/dossiers/{dossier.id}?page=2#documents"' in first.get_data(as_text=True)
    second = officer.get(f"/dossiers/{dossier.id}?page=2")
    assert rows(second.get_data(as_text=True)) == ids[50:]
    assert "Văn bản số 51 đến 55: 5 trong 55 văn bản của hồ sơ." in text_of(second)
    # A page past the last shows the last; a page that is not a number, the first.
    assert rows(officer.get(f"/dossiers/{dossier.id}?page=9").get_data(as_text=True)) == ids[50:]
    assert rows(officer.get(f"/dossiers/{dossier.id}?page=x").get_data(as_text=True)) == ids[:50]
    # The closing checklist still counts every document, listed on this page or not.
    assert "55 văn bản" in text_of(officer.get(f"/dossiers/{dossier.id}/close"))
    # Numbers stay with their documents: once two are taken out, the last page says how many of its numbers it lists.
    for document_id in ids[51:53]:
        removals.remove(session, world.actor("officer1"), dossier.id, document_id, "Trùng với văn bản khác", now=now)
    session.commit()
    last = text_of(officer.get(f"/dossiers/{dossier.id}?page=2"))
    assert "Văn bản số 51 đến 55: 3 trong 53 văn bản của hồ sơ." in last


def test_a_link_or_a_save_about_one_document_lands_on_its_page(browsers, session, world, store, now, make_dossier):
    dossier, ids = large_dossier(session, world, store, now, make_dossier, 52, last_status="draft")
    search.catch_up(session)
    officer = browsers("officer1")
    row = f"/dossiers/{dossier.id}?document={ids[51]}#document-{ids[51]}"
    shown = officer.get(f"/dossiers/{dossier.id}?document={ids[51]}")
    assert rows(shown.get_data(as_text=True)) == ids[50:]
    # The closing checklist's "Fix" of the draft, and the search's result, lead to the page listing it.
    assert f'href="{row}"' in html.unescape(officer.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True))
    assert f'href="{row}"' in html.unescape(officer.get("/search/?q=551").get_data(as_text=True))
    document_page = officer.get(f"/dossiers/{dossier.id}/documents/{ids[51]}").get_data(as_text=True)
    assert f'href="/dossiers/{dossier.id}?document={ids[51]}#document-{ids[51]}"' in document_page
    shared = {key: value for key, value in DOCUMENT.items() if key not in ("subject", "code_number")}
    files = [file_field(b"%PDF-1.4 moi", "cong-van-moi.pdf")]
    added = officer.post(f"/dossiers/{dossier.id}/documents/batch", {**shared, "files": files})
    assert added.status_code == 302, text_of(added)
    landed = officer.get(added.headers["Location"])
    assert rows(landed.get_data(as_text=True))[-1] not in ids and len(rows(landed.get_data(as_text=True))) == 3
    # Another unit's officer reads none of it, on any page.
    assert browsers("officer2").get(f"/dossiers/{dossier.id}?page=2").status_code == 404
