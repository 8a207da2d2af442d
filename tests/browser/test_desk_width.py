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


# The header's lines: the distinct heights at which its links, buttons and the search field sit (a name with its role
# beneath counts as one line, as the search field beside it does).
HEADER_LINES = """() => {
  const middles = [...document.querySelectorAll('header.top a, header.top button, header.top input')]
    .map(element => element.getBoundingClientRect()).filter(box => box.width > 0)
    .map(box => box.top + box.height / 2).sort((a, b) => a - b);
  return middles.filter((middle, index) => index === 0 || middle - middles[index - 1] > 16).length;
}"""

NAME_LINKS = """() => [...document.querySelectorAll('header.top .account a')]
  .filter(link => !link.lang).map(link => [link.textContent.trim(), link.getAttribute('href')])"""


def test_the_header_takes_three_lines_at_1024_px_for_the_roles_with_the_longest_menus(tmp_path):
    """The head's and the archivist's header took four and five lines of a 768 px high screen."""
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    url, engine, store = seeded(tmp_path, NOW, PASSWORD, lambda session, world, store: None)
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "STORAGE_ROOT": str(store.root), "SECRET_KEY": "desk"}
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    lines, account = {}, {}
    with serving(app) as base, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN").new_page()
        for username in ("head", "archivist"):
            login(page, base, username)
            lines[username] = page.evaluate(HEADER_LINES)
            account[username] = page.evaluate(NAME_LINKS)
            page.locator("header.top").screenshot(path=str(SHOTS / f"33-desk-header-{username}.png"))
        browser.close()
    engine.dispose()
    assert lines == {"head": 3, "archivist": 3}  # the brand, search box and account; then two lines of menu
    # The name leads to the person's account; the password and API tokens links no longer take room beside it.
    assert account == {"head": [["Nguyễn Văn head", "/account/"]], "archivist": [["Nguyễn Văn archivist", "/account/"]]}
