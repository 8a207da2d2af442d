"""Issue 22 in a real browser: a unit submits two dossiers together and the submission ends with the biên bản giao
nhận signed by the registry and the archivist; a returned dossier's reason reaches its officer; a destruction list's
notices reach the council, the head and the archivist in turn, each linked to the list, and one is caught by a local
mail server. Screenshots at 1366 px and at 390 px go to test-output/screenshots/."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from erms import mail
from erms.app import create_app
from erms.config import DEFAULTS
from erms.models import Dossier, Transfer, User
from erms.permissions import load_actor
from retention import destruction
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import NOW, PASSWORD, SHOTS, login, pytestmark  # noqa: F401
from tests.browser.test_filing_flow import page as page  # noqa: F401  (the fixture)
from tests.factories import make_dossier
from tests.live_server import serving
from tests.local_smtp import listening

LATER = datetime(2029, 3, 2, 3, 0, tzinfo=UTC)  # the 2-year dossiers of 2026 are due for appraisal


@pytest.fixture
def agency(tmp_path):
    """An agency whose unit A has two closed dossiers of 2026 (kept 10 years) and two closed for 2 years; the
    app's clock reads 2 March 2029."""

    def build(session, world, store):
        for row in ("10y", "10y", "2y", "2y"):
            make_dossier(session, world, store, NOW, "closed", row=row)

    url, engine, store = seeded(tmp_path, NOW, PASSWORD, build)
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "issue-22", "CLOCK": lambda: LATER})
    with serving(app) as base:
        yield base, engine, store
    engine.dispose()


def shots(page, name: str) -> None:
    """Screenshot the page at 1366 px and at 390 px, and check nothing is wider than the phone."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def unread(page) -> int:
    return int(page.inner_text("nav .count"))


def test_a_batch_goes_from_the_choice_to_the_signed_record(agency, page):
    base, engine, _store = agency
    login(page, base, "officer1")
    page.goto(f"{base}/transfers/new?year=2026")
    page.wait_for_selector("#reconciliation")
    assert page.locator("#choose input[name=dossier_id]:checked").count() == 2
    shots(page, "22-01-officer-chooses-the-batch")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#choose button[type=submit]")
    page.wait_for_selector("text=Đã nộp lưu 2 hồ sơ vào Lưu trữ cơ quan.")
    transfer_url = page.url
    shots(page, "22-02-submission-waiting")

    login(page, base, "archivist")
    assert unread(page) >= 1
    page.goto(f"{base}/notices/")
    page.click("#notices a:has-text('đã nộp 2 hồ sơ')")
    page.wait_for_url(transfer_url)
    page.click("text=Kiểm tra trong hàng chờ tiếp nhận")
    page.wait_for_url(f"{base}/archive/")
    first = page.locator(".queue li").first.get_attribute("id")
    shots(page, "22-02b-archive-queue")
    page.click(f"#{first} button:has-text('Tiếp nhận')")  # unconfirmed: the browser keeps the form, nothing is sent
    assert page.url == f"{base}/archive/" and page.locator(f"#{first}").count() == 1
    page.check(f"#{first} input[name=confirm]")
    with page.expect_navigation():
        page.click(f"#{first} button:has-text('Tiếp nhận')")
    page.wait_for_selector("text=đã được tiếp nhận vào Lưu trữ cơ quan")
    assert page.locator(f"#{first}").count() == 0
    page.click(".queue li >> nth=0 >> summary")
    page.fill(".queue li >> nth=0 >> textarea", "Thiếu văn bản kết luận")
    page.check(".queue li >> nth=0 >> details input[name=confirm]")
    page.click(".queue li >> nth=0 >> details button[type=submit]")
    page.wait_for_url(transfer_url)  # the batch's last dossier decided: on to its joint check
    page.wait_for_selector("text=Mọi hồ sơ của đợt nộp lưu này đã được kiểm tra: hãy ký xác nhận kiểm tra chung")
    page.check("#sign-confirm")
    page.click("#joint-check button[type=submit]")
    page.wait_for_selector("text=Đã ký. Chờ bên còn lại ký.")

    login(page, base, "registry")
    page.goto(f"{base}/notices/")
    page.click("#notices a:has-text('chờ bạn ký xác nhận')")
    page.wait_for_url(transfer_url)
    page.check("#sign-confirm")
    page.click("#joint-check button[type=submit]")
    page.wait_for_selector("text=Đã ký. Biên bản giao nhận đã được lập.")
    shots(page, "22-03-transfer-signed")
    with page.expect_download() as download:
        page.click("text=Biên bản giao nhận (PDF)")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    login(page, base, "officer1")  # the returned dossier's officer reads why, on the dossier page too
    page.goto(f"{base}/notices/")
    page.click("#notices a:has-text('Thiếu văn bản kết luận')")
    page.wait_for_selector("#returned")
    assert "Thiếu văn bản kết luận" in page.inner_text("#returned")
    shots(page, "22-04-officer-reads-the-return")
    with Session(engine) as session:
        transfer = session.query(Transfer).one()
        assert transfer.record_file_id is not None and transfer.registry_signed_at and transfer.archive_signed_at


def test_a_destruction_lists_notices_reach_the_council_the_head_and_the_archivist_in_turn(agency, page):
    base, engine, store = agency
    with listening() as (inbox, port):
        with Session(engine) as session:
            council = session.query(User).filter_by(username="council1").one()
            council.email = "hoi.dong@example.gov.vn"
            archivist = load_actor(session, session.query(User).filter_by(username="archivist").one().id)
            due = [dossier.id for dossier in session.query(Dossier).filter_by(retention_years=2)]
            listed = destruction.propose(
                session, archivist, archivist.organisation_ids().pop(), due, "Danh mục hủy 2029", "Hết hạn", now=LATER
            )
            session.commit()
            list_id = listed.id
        settings = dict(DEFAULTS, SMTP_HOST="127.0.0.1", SMTP_PORT=port, BASE_URL=base)
        assert mail.send_due(lambda: Session(engine), settings, now=LATER) == 1
        (received,) = inbox.messages
        assert received["To"] == "hoi.dong@example.gov.vn"
        assert (
            "Danh mục hủy 2029" in received["Subject"] and f"{base}/retention/lists/{list_id}" in received.get_content()
        )

    login(page, base, "council1")
    assert unread(page) == 1
    page.goto(f"{base}/notices/")
    shots(page, "22-05-council-notices")
    page.click("#notices a:has-text('đang chờ ý kiến của bạn')")
    page.wait_for_url(f"{base}/retention/lists/{list_id}")
    assert unread(page) == 0
    page.select_option("#agrees", "yes")
    page.click("#opinion button[type=submit]")
    page.wait_for_selector("text=Ý kiến của bạn đã được ghi nhận.")

    with Session(engine) as session:
        archivist = load_actor(session, session.query(User).filter_by(username="archivist").one().id)
        scan = io.BytesIO(b"%PDF-1.4 appraisal scan")
        paper = destruction.Paper("12/SNV", LATER.date(), scan, "")
        destruction.record_appraisal(session, archivist, list_id, paper, store=store, now=LATER)
        session.commit()
    login(page, base, "head")
    page.goto(f"{base}/notices/")
    page.click("#notices a:has-text('đang chờ bạn quyết định')")
    page.wait_for_url(f"{base}/retention/lists/{list_id}")

    with Session(engine) as session:
        head = load_actor(session, session.query(User).filter_by(username="head").one().id)
        paper = destruction.Paper("15/QĐ", LATER.date(), io.BytesIO(b"%PDF-1.4 decision scan"), "Bà Hà")
        destruction.approve(session, head, list_id, paper, store=store, now=LATER)
        session.commit()
    login(page, base, "archivist")
    page.goto(f"{base}/notices/")
    page.click("#notices a:has-text('hãy tổ chức thực hiện')")
    page.wait_for_url(f"{base}/retention/lists/{list_id}")
    shots(page, "22-06-archivist-told-to-execute")
