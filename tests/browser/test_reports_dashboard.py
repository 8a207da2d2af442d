"""The reports' dashboard and a report in a real browser at 1366 px and at 390 px (issue 25): the charts (SVG
pictures drawn on the server) show beside their numbers, legibly, and nothing scrolls sideways on a phone.
Screenshots go to test-output/screenshots/40-*."""

from __future__ import annotations

from pathlib import Path

from playwright import sync_api as playwright
from sqlalchemy.orm import Session

from erms import search
from erms.app import create_app
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, SHOTS, login, pytestmark  # noqa: F401
from tests.factories import require
from tests.live_server import serving
from tests.reports.dataset import build

SIZES = ((1366, 768, ""), (390, 844, "-phone"))
PAGES = (
    ("/reports/", "40-reports-dashboard"),
    ("/reports/compliance", "41-reports-compliance"),
    ("/reports/holdings", "42-reports-holdings"),
    ("/reports/flow?start=01/01/2026&end=30/06/2026", "43-reports-flow"),
    ("/reports/compliance/opened?year=2026", "44-reports-list-behind-a-number"),
)


def test_the_dashboard_and_a_report_read_on_a_laptop_and_a_phone(tmp_path):
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    url, engine, store = seeded(
        tmp_path,
        NOW,
        PASSWORD,
        lambda session, world, store: build(session, world, store, lambda: Session(session.get_bind())),
    )
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
            "STORAGE_ROOT": str(store.root),
            "SECRET_KEY": "reports",
            "CLOCK": lambda: NOW,
        }
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, dict] = {}
    lists: dict[str, int] = {}
    with serving(app) as base, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, height, suffix in SIZES:
            page = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN").new_page()
            login(page, base, "head")
            for path, name in PAGES:
                page.goto(base + path)
                if not page.locator(".chart").count():  # the list behind a number: a table only
                    lists[f"{name}{suffix}"] = page.evaluate("document.documentElement.scrollWidth")
                    page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
                    continue
                chart = page.locator(".chart").first
                picture, numbers = chart.locator("img"), chart.locator("table")
                seen[f"{name}{suffix}"] = {
                    "picture": picture.is_visible(),
                    "drawn": page.evaluate("document.querySelector('.chart img').naturalWidth > 0"),  # decoded
                    "numbers": numbers.is_visible(),
                    "side by side": picture.bounding_box()["y"] == numbers.bounding_box()["y"],
                    "picture width": picture.bounding_box()["width"],
                    "scroll width": page.evaluate("document.documentElement.scrollWidth"),
                }
                page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
            page.context.close()
        browser.close()
    engine.dispose()
    search.install(None)
    for name, state in seen.items():
        phone = name.endswith("-phone")
        assert state["picture"] and state["numbers"] and state["drawn"], name
        assert state["side by side"] is not phone, name  # beside its numbers on a laptop, above them on a phone
        assert state["picture width"] >= (340 if phone else 600), name  # the chart keeps a legible size
        assert state["scroll width"] == (390 if phone else 1366), name
    assert lists == {"44-reports-list-behind-a-number": 1366, "44-reports-list-behind-a-number-phone": 390}
