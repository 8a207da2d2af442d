"""Issue 28 in a real browser: the archivist arranges ten loose paper dossiers into two boxes, prints the labels and
the catalogue, moves a box; a member of another unit asks to read one, the head approves until a day, and the reader
opens it until that day and no longer. Screenshots at 1366 px and at 390 px go to test-output/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import background
from erms.app import create_app
from erms.models import Dossier, StorageBox
from filing import access
from holdings import storage
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import NOW, PASSWORD, login, pytestmark  # noqa: F401
from tests.browser.test_filing_flow import page as page  # noqa: F401  (the fixture)
from tests.browser.test_submission_and_notices import shots
from tests.intake.test_arrangement import inventory, ten_dossiers
from tests.live_server import serving


@pytest.fixture
def archive(tmp_path):
    """An agency with one repository (K1); the app's clock can be moved on by the test."""

    def build(session, world, store):
        archivist = world.actor("archivist")
        storage.create_repository(session, archivist, world.org.id, {"code": "K1", "name": "Kho tầng 1"}, now=NOW)
        storage.create_repository(session, archivist, world.org.id, {"code": "K2", "name": "Kho tầng 2"}, now=NOW)

    url, engine, _store = seeded(tmp_path, NOW, PASSWORD, build)
    clock = [NOW]
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "issue-28", "CLOCK": lambda: clock[0]}
    )
    with serving(app) as base:
        yield base, engine, app, clock
    engine.dispose()


def work(app) -> None:
    """Do what the worker process does with the queued jobs."""
    services = app.extensions["erms"]
    background.run_pending(services.session_factory, services.store, services.settings, services.clock, "walk")


def test_ten_paper_dossiers_arranged_boxed_moved_asked_for_read_and_closed_again(archive, page):
    base, engine, app, clock = archive
    login(page, base, "archivist")
    page.goto(f"{base}/archive/intake/arrangement")
    page.select_option("#repository_id", label="K1 — Kho tầng 1")
    csv_file = {"name": "chinh-ly-2019.csv", "mimeType": "text/csv", "buffer": inventory(ten_dossiers())}
    page.set_input_files("#inventory", files=[csv_file])
    with page.expect_navigation():
        page.click("button:has-text('Kiểm tra')")
    page.wait_for_selector("text=sẽ tạo 10 hồ sơ giấy trong 2 hộp (số 1, 2)")
    shots(page, "28-01-arrangement-checked")
    with page.expect_navigation():  # the checked inventory is carried: no file to choose again
        page.click("#arrange-checked button:has-text('Chỉnh lý')")
    work(app)
    page.goto(f"{base}/archive/intake/")
    page.wait_for_selector("text=Đã chỉnh lý xong: 10 hồ sơ.")
    with page.expect_download() as catalogue:
        page.click("text=Mục lục hồ sơ (PDF)")
    assert catalogue.value.suggested_filename.startswith("muc-luc-ho-so-")

    page.goto(f"{base}/archive/storage/")
    shots(page, "28-02-two-boxes")
    with page.expect_download() as labels:
        page.click("text=Tải nhãn của mọi hộp (PDF)")
    assert labels.value.suggested_filename.endswith(".pdf")
    with Session(engine) as session:
        box_2 = session.scalar(select(StorageBox).where(StorageBox.number == 2))
        code = session.scalar(select(Dossier.file_code).where(Dossier.file_notation == "07.CL"))
    page.goto(f"{base}/archive/storage/boxes/{box_2.id}")
    page.select_option("#move-repository_id", label="K2 — Kho tầng 2")
    page.fill("#move-shelf_unit", "5")
    with page.expect_navigation():
        page.click("#move button[type=submit]")
    shots(page, "28-03-box-moved")
    with Session(engine) as session:
        assert session.get_one(StorageBox, box_2.id).repository.code == "K2"
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.file_code == code))

    login(page, base, "officer2")  # another unit: the arranged dossiers are VP's
    assert page.goto(f"{base}/dossiers/{dossier_id}").status == 404
    page.goto(f"{base}/use/new")
    page.fill("#codes", code)
    page.fill("#purpose", "Tra cứu số liệu dân số năm 2019")
    with page.expect_navigation():
        page.click("button:has-text('Gửi phiếu yêu cầu')")
    page.wait_for_selector("text=Chờ lãnh đạo duyệt")
    request_url = page.url
    shots(page, "28-04-request-sent")

    login(page, base, "head")
    page.goto(request_url)
    until = NOW.date() + timedelta(days=7)
    page.fill("#until", f"{until:%d/%m/%Y}")
    with page.expect_navigation():
        page.click("button[value=approve]")
    page.wait_for_selector(f"text=Đã duyệt đến ngày {until:%d/%m/%Y}")
    shots(page, "28-05-request-approved")

    login(page, base, "officer2")
    assert page.goto(f"{base}/dossiers/{dossier_id}").status == 200
    page.wait_for_selector("#location")
    assert "Kho K2" in page.inner_text("#location")  # where the moved box now stands
    shots(page, "28-06-reader-opens-the-dossier")
    clock[0] = NOW + timedelta(days=8)  # the day after the last day: the worker's first tick ends the share
    with Session(engine) as session:
        assert access.end_expired(session, until + timedelta(days=1), now=clock[0]) == 1
        session.commit()
    login(page, base, "officer2")  # eight days on, yesterday's session has ended too
    assert page.goto(f"{base}/dossiers/{dossier_id}").status == 404
