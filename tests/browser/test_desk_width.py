"""Forms read on an old office PC's 1024 px screen: a tick box's label keeps its width beside its hint."""

from __future__ import annotations

from pathlib import Path

from playwright import sync_api as playwright

from erms.app import create_app
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, SHOTS, login, pytestmark  # noqa: F401
from tests.factories import make_dossier, require
from tests.live_server import serving


def test_the_certified_copy_tick_keeps_its_label_readable_at_1024_px(tmp_path):
    """Its hint once took the row beside it, squeezing "Bản sao điện tử chứng thực" to a word per line."""
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    made: dict[str, int] = {}

    def build(session, world, store):
        dossier = make_dossier(session, world, store, NOW, "open", "10y", 1)
        made.update(dossier=dossier.id, document=dossier.links[0].document_id)

    url, engine, store = seeded(tmp_path, NOW, PASSWORD, build)
    dossier_id, document_id = made["dossier"], made["document"]
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "STORAGE_ROOT": str(store.root), "SECRET_KEY": "desk"}
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    boxes = {}
    with serving(app) as base, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN").new_page()
        login(page, base, "officer1")
        for path in (f"/dossiers/{dossier_id}", f"/dossiers/{dossier_id}/documents/{document_id}/edit"):
            page.goto(base + path)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            tick = page.locator("#doc-certified_copy").locator("xpath=..")
            boxes[path] = (tick.locator("label").bounding_box(), tick.locator(".hint").bounding_box())
        page.screenshot(path=str(SHOTS / "32-desk-edit-document.png"), full_page=True)
        browser.close()
    engine.dispose()
    for path, (label, hint) in boxes.items():
        assert label is not None and hint is not None, path  # both shown
        assert label["width"] > 600 and label["height"] < 40, path  # one line across the form
        assert hint["y"] >= label["y"] + label["height"], path  # the hint under it
