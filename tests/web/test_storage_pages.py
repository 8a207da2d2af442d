"""Paper dossiers from the officer's open form to a box on the archive's shelves, and the storage pages (issue 28)."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from erms_browser import closing_form
from pypdf import PdfReader
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms.models import AuditEvent, Dossier, Repository, StorageBox
from erms.models.dossier import DossierState, Medium
from filing import dossiers
from holdings import storage
from tests.factories import TODAY


@pytest.fixture
def officer(browsers):
    return browsers("officer1")


@pytest.fixture
def archivist(browsers):
    return browsers("archivist")


def open_paper(officer, session, world, now, **form) -> Dossier:
    """Open a paper dossier through the officer's form and return it."""
    listed = world.approved_list()
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        listed.id,
        title="Hồ sơ giấy về tuyển dụng",
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    officer.get(f"/dossiers/open/{entry.id}")
    values = {
        "title": "Hồ sơ giấy về tuyển dụng",
        "start_date": "05/01/2026",
        "rights": "public",
        "language": "Tiếng Việt",
        "medium": "paper",
        **form,
    }
    response = officer.post(f"/dossiers/open/{entry.id}", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    return session.scalar(select(Dossier).where(Dossier.entry_id == entry.id))


def test_a_paper_dossier_is_opened_and_closed_without_files(officer, session, world, now):
    dossier = open_paper(officer, session, world, now, sheet_total="35", page_total="60")
    assert (dossier.medium, dossier.sheet_total, dossier.page_total) == (Medium.PAPER, 35, 60)
    page = officer.get(f"/dossiers/{dossier.id}")
    assert page.status_code == 200
    # The checklist asks for no document: the close form is offered and closing works.
    response = officer.post(f"/dossiers/{dossier.id}/close", closing_form(officer, dossier.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(dossier)
    assert dossier.state is DossierState.CLOSED and dossier.links == []


def test_a_paper_dossier_without_its_sheet_count_is_not_closed(officer, session, world, now):
    dossier = open_paper(officer, session, world, now)
    wizard = officer.get(f"/dossiers/{dossier.id}/close")
    assert wizard.status_code == 200 and 'name="dates"' not in wizard.get_data(as_text=True)
    session.refresh(dossier)
    assert dossier.state is DossierState.OPEN
    # Giving it through the metadata form makes the dossier closable.
    officer.get(f"/dossiers/{dossier.id}")
    edited = officer.post(
        f"/dossiers/{dossier.id}/edit",
        {
            "revision": str(dossier.revision),
            "title": dossier.title,
            "start_date": "05/01/2026",
            "language": "Tiếng Việt",
            "medium": "hybrid",
            "sheet_total": "12",
        },
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    session.refresh(dossier)
    assert (dossier.medium, dossier.sheet_total) == (Medium.HYBRID, 12)
    assert dossiers.closing_problems(dossier, today=TODAY) == []


def archived_paper(officer, session, world, store, now) -> Dossier:
    dossier = open_paper(officer, session, world, now, sheet_total="20")
    actor = world.actor("officer1")
    dossiers.close_dossier(session, actor, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, actor, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    session.flush()
    return dossier


def test_the_archivist_shelves_a_paper_dossier_and_moves_its_box(officer, archivist, session, world, store, now):
    dossier = archived_paper(officer, session, world, store, now)
    assert archivist.get("/archive/storage/").status_code == 200
    assert archivist.post("/archive/storage/repositories", {"code": "K1", "name": "Kho tầng 1"}).status_code == 302
    assert archivist.post("/archive/storage/repositories", {"code": "K2", "name": "Kho tầng 2"}).status_code == 302
    first, second = session.scalars(select(Repository).order_by(Repository.code))
    response = archivist.post(
        "/archive/storage/boxes",
        {"repository_id": str(first.id), "number": "7", "shelf_unit": "2", "shelf": "4", "label": "Tuyển dụng"},
    )
    assert response.status_code == 302
    box = session.scalar(select(StorageBox))
    page = archivist.get(f"/archive/storage/boxes/{box.id}").get_data(as_text=True)
    assert dossier.file_code in page  # offered to be put in the box
    placed = archivist.post(
        f"/archive/storage/boxes/{box.id}/place", {"dossier_id": str(dossier.id), "file_number": ""}
    )
    assert placed.status_code == 302
    assert storage.placement_of(session, dossier.id).file_number == 1
    archivist.get(f"/archive/storage/boxes/{box.id}")
    moved = archivist.post(
        f"/archive/storage/boxes/{box.id}/move",
        {"revision": str(box.revision), "repository_id": str(second.id), "shelf_unit": "5", "shelf": ""},
    )
    assert moved.status_code == 302, moved.get_data(as_text=True)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "dossier.relocated", AuditEvent.subject_id == dossier.id)
    )
    assert json.loads(event.details)["place"].startswith("Kho K2, giá 5, hộp số 07")
    # The dossier page says where it is.
    shown = archivist.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'id="location"' in shown and "K2" in shown
    # Taken out again (put there by mistake): the box page offers it, the dossier then waits in no box.
    page = archivist.get(f"/archive/storage/boxes/{box.id}").get_data(as_text=True)
    assert "Lấy ra khỏi hộp" in page
    taken = archivist.post(f"/archive/storage/boxes/{box.id}/take-out", {"dossier_id": str(dossier.id)})
    assert taken.status_code == 302 and storage.placement_of(session, dossier.id) is None
    assert "Hộp chưa có hồ sơ." in archivist.get(f"/archive/storage/boxes/{box.id}").get_data(as_text=True)


def test_bad_box_forms_are_shown_again_and_write_nothing(archivist, session):
    archivist.get("/archive/storage/")
    archivist.post("/archive/storage/repositories", {"code": "K1", "name": "Kho"})
    response = archivist.post("/archive/storage/boxes", {"repository_id": "", "number": "abc", "shelf_unit": ""})
    assert response.status_code == 422
    assert session.scalar(select(StorageBox)) is None
    refused = archivist.post("/archive/storage/repositories", {"code": "", "name": ""})
    assert refused.status_code == 422


def test_the_labels_are_a_pdf_download_with_the_box_number(officer, archivist, session, world, store, now):
    dossier = archived_paper(officer, session, world, store, now)
    keeper = world.actor("archivist")
    repository = storage.create_repository(session, keeper, world.org.id, {"code": "K1", "name": "Kho"}, now=now)
    box = storage.create_box(
        session, keeper, world.org.id, {"repository_id": repository.id, "number": "23", "shelf_unit": "1"}, now=now
    )
    storage.place_dossier(session, keeper, box.id, dossier.id, now=now)
    session.flush()
    for url in (f"/archive/storage/boxes/{box.id}/label.pdf", f"/archive/storage/labels.pdf?box={box.id}"):
        response = archivist.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert "HỘP SỐ" in text and "23" in text and dossier.file_notation in text


def test_a_box_id_that_is_not_a_number_prints_no_label(archivist, session, world, now):
    """``?box=abc`` once printed every box of the organisation, as if nothing had been chosen."""
    keeper = world.actor("archivist")
    repository = storage.create_repository(session, keeper, world.org.id, {"code": "K1", "name": "Kho"}, now=now)
    box = storage.create_box(
        session, keeper, world.org.id, {"repository_id": repository.id, "number": "23", "shelf_unit": "1"}, now=now
    )
    session.flush()
    for query in ("box=abc", f"box={box.id}&box=abc"):
        response = archivist.get(f"/archive/storage/labels.pdf?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
        page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
        assert "“abc” không phải là số hộp nên chưa in nhãn nào." in page


def test_storage_is_the_archivists_only(browsers):
    for name in ("officer1", "head", "registry"):
        assert browsers(name).get("/archive/storage/").status_code == 403
