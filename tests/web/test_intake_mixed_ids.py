"""An arrangement names records by id and number (security review: write routes fed another organisation's ids): the
repository where its new boxes stand is one of the archivist's own organisation — not another's, even one the same
person also manages, nor an id that is no repository — and a box or file number is one a box can have. Each refusal is
said on the form before anything is queued, and leaves the records as they were; another organisation's arrangement
catalogue, boxes and labels stay out of reach by id."""

from __future__ import annotations

import pytest
from erms_browser import file_field, run_background_jobs
from sqlalchemy import func, select

from erms import intake_runner
from erms.models import (
    AuditEvent,
    BackgroundJob,
    Dossier,
    DossierPlacement,
    IntakeRun,
    Repository,
    RoleMembership,
    StorageBox,
)
from erms.models.org import Role
from holdings import storage
from intake import arrangement
from tests.factories import another_agency
from tests.intake.test_arrangement import inventory, ten_dossiers
from tests.web.test_arrangement_pages import carried_form
from tests.web.test_mixed_ids import own_table_row, text_of

NOT_OURS = "Hãy chọn một kho của Lưu trữ cơ quan."
NO_REPOSITORY = "Hãy chọn kho đặt các hộp mới."
ROUTES = ("/archive/intake/arrangement/check", "/archive/intake/arrangement/start")


@pytest.fixture
def agencies(session, world, store, now):
    """The world's archive with its repository K1, and Ba Đình's with its repository B1 holding box no. 7."""
    ours = storage.create_repository(
        session, world.actor("archivist"), world.org.id, {"code": "K1", "name": "Kho 1"}, now=now
    )
    agency = another_agency(session, world, store, now)
    theirs = storage.create_repository(
        session, agency.actors["archivist2"], agency.org.id, {"code": "B1", "name": "Kho Ba Đình"}, now=now
    )
    box = {"repository_id": theirs.id, "number": 7, "shelf_unit": "1"}
    storage.create_box(session, agency.actors["archivist2"], agency.org.id, box, now=now)
    session.commit()
    return ours, agency, theirs


def form(repository_id: str, rows: list[list[str]] | None = None, name: str = "chinh-ly.csv") -> dict:
    chosen = inventory(ten_dossiers() if rows is None else rows)
    return {"repository_id": repository_id, "inventory": file_field(chosen, name, "text/csv")}


def records(session) -> dict[str, int]:
    """What an arrangement writes, counted: a refused one leaves every figure as it was."""
    session.expire_all()
    tables = (AuditEvent, BackgroundJob, Dossier, DossierPlacement, IntakeRun, Repository, StorageBox)
    return {table.__name__: session.scalar(select(func.count()).select_from(table)) for table in tables}


# ---------------------------------------------------------------- the repository where new boxes stand


def test_a_repository_of_another_organisation_is_refused_to_one_who_manages_both(
    app, browsers, session, world, agencies
):
    _, agency, theirs = agencies
    world.users["archivist"].memberships.append(
        RoleMembership(organisation_id=agency.org.id, unit_id=None, role=Role.ARCHIVIST)
    )
    session.commit()
    archivist = browsers("archivist")  # arranges for the world's archive, the first of the two it works in
    before = records(session)

    for route in ROUTES:
        refused = archivist.post(route, form(str(theirs.id)))
        assert refused.status_code == 422
        assert NOT_OURS in text_of(refused)
    run_background_jobs(app)
    assert records(session) == before


@pytest.mark.parametrize(
    ("chosen", "said"),
    [
        ("theirs", NOT_OURS),
        ("0", NOT_OURS),
        ("999999", NOT_OURS),
        ("2147483647", NOT_OURS),
        ("-1", NO_REPOSITORY),
        ("1e3", NO_REPOSITORY),
        ("abc", NO_REPOSITORY),
        ("99999999999999999999", NO_REPOSITORY),
        ("", NO_REPOSITORY),
    ],
)
def test_a_repository_id_that_is_not_one_of_the_archives_is_said_on_the_form(browsers, session, agencies, chosen, said):
    _, _, theirs = agencies
    archivist = browsers("archivist")
    before = records(session)

    for route in ROUTES:
        refused = archivist.post(route, form(str(theirs.id) if chosen == "theirs" else chosen))
        assert refused.status_code == 422
        page = text_of(refused)
        assert said in page and "Chỉnh lý tài liệu giấy tồn đọng" in page
    assert records(session) == before


# ---------------------------------------------------------------- the inventory's numbers and codes


def test_a_box_or_file_number_zero_is_refused_at_the_check(app, browsers, session, agencies):
    ours, _, _ = agencies
    rows = ten_dossiers()
    rows[0][8] = "0"  # box no. 0
    rows[6][9] = "00"  # file no. 0 of box 2
    archivist = browsers("archivist")
    before = records(session)

    for route in ROUTES:
        refused = archivist.post(route, form(str(ours.id), rows))
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert "<td>2</td><td>Hộp số</td><td>Hãy ghi một số nguyên từ 1 đến 99999.</td>" in page
        assert "<td>8</td><td>Hồ sơ số</td><td>Hãy ghi một số nguyên từ 1 đến 99999.</td>" in page
    run_background_jobs(app)
    assert records(session) == before


def test_another_organisations_box_number_and_retention_row_are_not_the_archives(
    app, browsers, session, world, agencies, now
):
    ours, agency, theirs = agencies
    own_table_row(session, agency.org.id, now)  # Ba Đình's own row BD.7
    session.commit()
    rows = ten_dossiers()[:2]
    rows[0][8], rows[0][10] = "7", ""  # Ba Đình's box no. 7, no shelf: not a box of this fonds
    rows[1][4] = "BD.7"
    archivist = browsers("archivist")
    before = records(session)

    refused = archivist.post(ROUTES[0], form(str(ours.id), rows))
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Hộp 7 chưa có trong phông: hãy ghi giá đặt hộp." in page
    assert "3 Thời hạn bảo quản" in page
    assert records(session) == before

    rows[0][10], rows[1][4] = "4", "10 năm"
    assert archivist.post(ROUTES[1], form(str(ours.id), rows)).status_code == 302
    run_background_jobs(app)
    boxes = session.execute(select(StorageBox.number, StorageBox.organisation_id, StorageBox.repository_id))
    assert set(boxes) == {(1, world.org.id, ours.id), (7, world.org.id, ours.id), (7, agency.org.id, theirs.id)}


def test_an_inventory_name_with_a_control_character_is_refused_on_the_form(app, browsers, session, agencies):
    ours, _, _ = agencies
    archivist = browsers("archivist")
    checked = archivist.post(ROUTES[0], form(str(ours.id)))
    before = records(session)

    named = {**carried_form(checked), "checked_name": "chinh-ly\x00.csv"}
    sent = [(route, form(str(ours.id), name="chinh\x1bly.csv")) for route in ROUTES]
    for route, data in [(ROUTES[1], named), *sent]:
        refused = archivist.post(route, data)
        assert refused.status_code == 422
        assert "Tên tệp có ký tự điều khiển. Hãy đổi tên tệp rồi chọn lại." in text_of(refused)
    run_background_jobs(app)
    assert records(session) == before


# ---------------------------------------------------------------- reads by id


def test_another_organisations_catalogue_boxes_and_labels_are_not_found(
    browsers, session, session_factory, agencies, store, now
):
    _, agency, theirs = agencies
    theirs_archivist = agency.actors["archivist2"]
    rows = inventory(ten_dossiers())
    planned = arrangement.plan(session, theirs_archivist, agency.org.id, theirs.id, "ba-dinh.csv", rows, now=now)
    session.commit()
    intake_runner.take_in(session_factory, theirs_archivist.user_id, planned, store=store, clock=lambda: now)
    (run_id,) = session.scalars(select(IntakeRun.id))
    box_id = session.scalar(select(StorageBox.id).where(StorageBox.number == 7))
    archivist = browsers("archivist")

    for url in (
        f"/archive/intake/runs/{run_id}/catalogue.pdf",
        f"/archive/storage/boxes/{box_id}",
        f"/archive/storage/boxes/{box_id}/label.pdf",
        f"/archive/storage/labels.pdf?box={box_id}",
    ):
        assert archivist.get(url).status_code == 404, url
    page = text_of(archivist.get("/archive/intake/arrangement"))
    assert "K1 — Kho 1" in page and "Kho Ba Đình" not in page
    assert "ba-dinh.csv" not in text_of(archivist.get("/archive/intake/"))
