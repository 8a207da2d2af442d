"""The whole everyday flow in a real browser (Debian's chromium through Playwright): the registry
builds and approves the year's list by copy-forward, an officer opens a dossier, uploads two files
with the file picker, closes it through the wizard and submits it. Screenshots of every step go
to test-output/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright import sync_api as playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.app import create_app
from erms.models import Dossier
from erms.models.dossier import DossierState
from tests.browser.instance import seeded
from tests.factories import require
from tests.live_server import serving

pytestmark = pytest.mark.browser

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
PASSWORD = "mật-khẩu-trình-duyệt-1"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def server(tmp_path):
    """Serve the app on 127.0.0.1 (a free port) over a migrated, seeded SQLite data dir; yield its URL."""
    url, engine, _store = seeded(tmp_path, NOW, PASSWORD, lambda session, world, store: world.approved_list(2025, 2))
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-test",
            "CLOCK": lambda: NOW,
        }
    )
    with serving(app) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture
def page():
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str, password: str = PASSWORD, lands: str = "/") -> None:
    """Log in afresh as ``username`` (every browser test's one log-in), landing on ``lands``.

    A late answer to the previous person's page (its favicon, say) may set their session cookie again after
    clear_cookies(): the login page then shows no form, or the form's CSRF token no longer matches the cookie and the
    log-in is refused. Either way the log-in is tried again from a clean start, three times at most.
    """
    for _attempt in range(3):
        page.context.clear_cookies()
        page.goto(f"{base}/auth/login")
        if not page.locator("#username").count():
            continue
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():  # the log-in's answer, after its redirect
            page.click("form button[type=submit]")
        if page.url == f"{base}{lands}":
            return
    page.wait_for_url(f"{base}{lands}")  # fails, showing where the last try ended


def test_registry_list_then_officer_dossier_from_open_to_submitted(server, page, tmp_path):
    base, engine = server
    external = []
    page.on("request", lambda request: external.append(request.url) if not request.url.startswith(base) else None)

    login(page, base, "registry")
    page.goto(f"{base}/dossier-lists/")
    page.fill("#year", "2026")
    page.select_option("#source", "copy")
    page.click("#create button[type=submit]")
    page.wait_for_selector("text=01.TH")
    shot(page, "01-registry-list-copied-forward")

    login(page, base, "head")
    page.goto(f"{base}/dossier-lists/")
    page.click("#lists a >> nth=0")
    page.fill("#ap-decision_ref", "05/QĐ-UBND")
    page.check("#ap-confirm")
    shot(page, "02-head-before-approval")
    page.click("#approve button[type=submit]")
    # The approval's answer sets the head's session cookie: wait for it before logging in as someone else.
    page.wait_for_selector("text=Danh mục hồ sơ đã được phê duyệt và ban hành.")
    shot(page, "03-head-list-approved")

    login(page, base, "officer1")
    shot(page, "04-officer-workspace")
    page.click("#entries .entry >> nth=0 >> a.button")
    page.wait_for_url(f"{base}/dossiers/open/*")
    shot(page, "05-officer-opens-the-dossier")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/dossiers/\d+$"))
    shot(page, "05-officer-dossier-opened")

    first, second = tmp_path / "to-trinh-01.pdf", tmp_path / "bao-cao-02.pdf"
    first.write_bytes(b"%PDF-1.4\n% to trinh\n%%EOF\n")
    second.write_bytes(b"%PDF-1.4\n% bao cao\n%%EOF\n")
    page.set_input_files("#batch-files", [str(first), str(second)])
    page.click("#add-files button[type=submit]")  # the upload script sends both files with a progress bar
    page.wait_for_selector("text=Đã thêm 2 văn bản vào hồ sơ.")
    # On the list the files went into, as the page would be without the script (a redirect's #documents).
    assert page.url.endswith("#documents")
    assert abs(page.evaluate("document.getElementById('documents').getBoundingClientRect().top")) < 100
    shot(page, "06-officer-two-files-added")

    page.click("#documents a[href$='/edit'] >> nth=0")  # the summary came from the file name: correct it
    page.fill("#doc-subject", "Tờ trình về kế hoạch cải cách hành chính năm 2026")
    shot(page, "06b-officer-edits-a-document")
    page.click("form.grid button[type=submit]")
    page.wait_for_selector("text=Đã lưu thông tin văn bản.")

    page.click("text=Kiểm tra và kết thúc hồ sơ")
    page.wait_for_selector("#step-preview")
    shot(page, "07-closing-wizard-checklist-and-preview")
    page.check("#confirm")
    page.click("#step-confirm button[type=submit]")
    page.wait_for_selector("#submit")
    shot(page, "08-dossier-closed")

    page.click("#submit a.button")
    page.wait_for_selector("#choose")
    shot(page, "09a-submission-chooser")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#choose button[type=submit]")
    shot(page, "09-dossier-submitted")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    shot(page, "10-officer-home-phone")

    with Session(engine) as session:
        dossier = session.scalar(select(Dossier))
        assert dossier.state is DossierState.SUBMITTED
        assert sorted(link.document.subject for link in dossier.links) == [
            "Tờ trình về kế hoạch cải cách hành chính năm 2026",
            "bao-cao-02",
        ]
        assert dossier.index_file_id is not None
    assert external == []
