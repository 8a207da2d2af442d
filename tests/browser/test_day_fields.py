"""A day typed in an English Chromium is stored as the day meant (issue 22): our own day field, not the browser's
date input, which follows the browser's language (mm/dd/yyyy) whatever the page says."""

from __future__ import annotations

import re
from pathlib import Path

from playwright import sync_api as playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.models import Dossier
from tests.browser.test_filing_flow import ARGS, CHROMIUM, SHOTS, login, pytestmark  # noqa: F401
from tests.browser.test_filing_flow import server as server  # noqa: F401  (the fixture)
from tests.factories import require


def test_typing_03_12_2025_in_an_english_browser_stores_3_december(server):  # noqa: F811
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    base, engine = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US").new_page()
        login(page, base, "officer1")
        page.click("#earlier-entries > summary")  # the fixture's list is of 2025, a past year
        page.click("#earlier-entries .entry >> nth=0 >> a.button")
        field = page.locator("main form input[name=start_date]")
        field.fill("")
        field.type("03/12/2025")
        page.screenshot(path=str(SHOTS / "30-day-typed-in-an-english-browser.png"), full_page=True)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(rf"{re.escape(base)}/dossiers/\d+$"))
        shown = page.content()
        browser.close()
    with Session(engine) as session:
        dossier = session.scalar(select(Dossier))
        assert dossier.start_date.isoformat() == "2025-12-03"
    assert "03/12/2025" in shown


def test_a_day_picked_from_the_calendar_is_the_day_stored(server):  # noqa: F811
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    base, engine = server
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
        login(page, base, "officer1")
        page.click("#earlier-entries > summary")
        page.click("#earlier-entries .entry >> nth=0 >> a.button")
        entry = page.locator("main form")
        entry.locator("input[name=start_date]").fill("20/05/2025")
        entry.locator("button.calendar-open").click()  # opens on May 2025, the month typed
        assert "5/2025" in entry.locator(".calendar").inner_text()
        entry.locator(".calendar-grid button", has_text="14").first.click()
        picked = entry.locator("input[name=start_date]").input_value()
        page.screenshot(path=str(SHOTS / "32-day-picked-from-the-calendar.png"), full_page=True)
        entry.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(rf"{re.escape(base)}/dossiers/\d+$"))
        browser.close()
    with Session(engine) as session:
        dossier = session.scalar(select(Dossier))
        assert (picked, dossier.start_date.isoformat()) == ("14/05/2025", "2025-05-14")
