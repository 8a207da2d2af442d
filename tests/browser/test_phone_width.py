"""Pages fit a 390 px phone (issue 22): search results read as cards, the audit log's hashes wrap, a subject or a
file name with no space breaks inside its card."""

from __future__ import annotations

from pathlib import Path

from playwright import sync_api as playwright
from sqlalchemy.orm import Session

from erms import search
from erms.app import create_app
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, SHOTS, login, pytestmark  # noqa: F401
from tests.factories import make_dossier, require
from tests.live_server import serving

# The page's width, or wider when a table is wider than the box it scrolls in (every card cut at its right edge).
WIDEST = """Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('table.cards')].map(
    table => document.documentElement.clientWidth + table.scrollWidth - table.parentElement.clientWidth))"""


def test_search_results_the_dossier_page_and_the_audit_log_fit_a_phone(tmp_path):
    require(Path(CHROMIUM).exists(), "Debian's chromium")

    def dossier_with_a_long_word(session, world, store):
        dossier = make_dossier(session, world, store, NOW, "open", "10y", 2)
        dossier.links[0].document.subject = "Quyet_dinh_thanh_lap_to_cong_tac_kiem_tra_van_thu_luu_tru_" * 3

    url, engine, store = seeded(tmp_path, NOW, PASSWORD, dossier_with_a_long_word)
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "STORAGE_ROOT": str(store.root), "SECRET_KEY": "phone"}
    )
    with app.app_context(), Session(engine) as session:
        search.catch_up(session)
    SHOTS.mkdir(parents=True, exist_ok=True)
    widths, contents = {}, {}
    with serving(app) as base, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
        pages = (("officer1", "/search/?q=h%E1%BB%93+s%C6%A1"), ("officer1", "/dossiers/1"), ("admin", "/audit/"))
        for username, path in pages:
            login(page, base, username)
            page.goto(base + path)
            widths[path] = page.evaluate(WIDEST)
            contents[path] = page.content()
            page.screenshot(path=str(SHOTS / f"31-phone-{username}.png"), full_page=True)
        browser.close()
    engine.dispose()
    search.install(None)
    assert "000.00.00.H26.2026" in contents["/search/?q=h%E1%BB%93+s%C6%A1"]  # results were shown
    assert widths == {"/search/?q=h%E1%BB%93+s%C6%A1": 390, "/dossiers/1": 390, "/audit/": 390}
