"""An accessibility audit (NĐ 30/2020 Phụ lục VI II.7): axe-core's WCAG 2.0 and 2.1 level A and AA rules, run in
Debian's chromium on the pages each role uses most, find nothing serious or critical. Everything else axe reports,
milder or left by it to review, is listed in the failure's message (and printed) with the page and the element, so one
failure says everything there is to fix. Two things axe does not settle are checked beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api as playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import search
from erms.app import create_app
from erms.models import Transfer
from erms.models.register import RegisterKind
from filing import registers
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, login, pytestmark  # noqa: F401
from tests.factories import DOCUMENT, make_dossier, require, supplementary_field, upload
from tests.live_server import serving

# axe-core's own tags for the success criteria of WCAG 2.0 and 2.1 at levels A and AA; "best-practice" is left out.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = ("serious", "critical")

# Who opens which page, in the order they are audited: {…} are the ids of the records the fixture made.
PAGES = (
    (None, "/auth/login"),
    ("officer1", "/"),
    ("officer1", "/dossiers/{dossier}"),  # its add-document form opened, below
    ("officer1", "/search/?q=quy+ch%E1%BA%BF"),
    ("officer1", "/dossiers/{dossier}/close"),
    ("officer1", "/account/"),
    ("officer1", "/help/"),
    ("registry", "/registers/incoming"),
    ("registry", "/registers/entries/{line}"),
    ("archivist", "/archive/"),
    ("archivist", "/transfers/{transfer}"),
    ("head", "/"),
    ("head", "/dossier-lists/{waiting_list}"),
    # The other pages people work in, each once, forms with the agency's own fields included.
    ("officer1", "/dossiers/{dossier}/documents/{document}"),
    ("officer1", "/dossiers/{dossier}/documents/{document}/edit"),
    ("officer1", "/notices/"),
    ("officer1", "/use/new"),
    ("officer1", "/dossier-lists/"),
    ("archivist", "/retention/due"),
    ("archivist", "/retention/lists"),
    ("archivist", "/archive/storage/"),
    ("archivist", "/handover/"),
    ("archivist", "/use/"),
    ("archivist", "/use/register"),
    ("archivist", "/audit/"),
    ("archivist", "/reports/"),
    ("archivist", "/reports/holdings"),
    ("admin", "/admin/"),
    ("admin", "/admin/organisations/{organisation}"),
    ("admin", "/admin/organisations/{organisation}/fields"),
    ("admin", "/admin/organisations/{organisation}/lookups"),
    ("admin", "/security/events"),
)


@pytest.fixture
def agency(tmp_path):
    """An agency at work, keeping two fields of its own: officer1's open dossier of two documents, another submitted
    to the archive, an incoming register line, next year's dossier list waiting for the head; everything indexed for
    search."""
    made: dict[str, int] = {}

    def build(session, world, store):
        dossier = make_dossier(session, world, store, NOW, "open", "10y", 2)
        make_dossier(session, world, store, NOW, "submitted")
        supplementary_field(session, world.org.id, "dossier", "nguon_von", "Nguồn vốn", "choice", choices="A\nB")
        supplementary_field(session, world.org.id, "document", "so_ban", "Số bản", "number", required=True)
        registry = world.actor("registry")
        line = registers.register_document(
            session, registry, world.org.id, RegisterKind.INCOMING, dict(DOCUMENT), upload(), store=store, now=NOW
        )
        waiting = dossier_lists.copy_forward(session, registry, world.org.id, 2027, now=NOW)
        dossier_lists.submit_for_approval(session, registry, waiting.id, now=NOW)
        transfer = session.scalar(select(Transfer.id))
        made.update(dossier=dossier.id, line=line.id, waiting_list=waiting.id, transfer=transfer)
        made.update(document=dossier.links[0].document_id, organisation=world.org.id)

    url, engine, store = seeded(tmp_path, NOW, PASSWORD, build)
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
            "STORAGE_ROOT": str(store.root),
            "SECRET_KEY": "accessibility",
            "CLOCK": lambda: NOW,
        }
    )
    with app.app_context(), Session(engine) as session:
        search.catch_up(session)
    try:
        with serving(app) as base:
            yield base, made
    finally:
        engine.dispose()
        search.install(None)


def findings(page, axe: Axe, where: str) -> list[tuple[str, str]]:
    """Return (impact, what and where) for each element axe finds against a WCAG A/AA rule on the page shown; what it
    leaves to review (a colour it cannot measure, say) comes with impact "review", reported but never failing."""
    results = axe.run(page, options={**WCAG_AA, "resultTypes": ["violations", "incomplete"]}).response
    found = []
    for kind, note in (("violations", ""), ("incomplete", ", needs review")):
        for rule in results[kind]:
            impact = rule["impact"] if kind == "violations" else "review"
            for node in rule["nodes"]:
                element = " ".join(node["target"]) + " " + " ".join(node["html"][:160].split())
                found.append((impact, f"{where}: {rule['id']} ({rule['impact']}{note}) {rule['help']} — {element}"))
    return found


def test_the_pages_each_role_uses_most_have_nothing_serious_for_wcag_a_and_aa(agency):
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    base, made = agency
    axe, found, person, answers = Axe(), [], "", {}
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        for username, path in PAGES:
            if username != person:
                page.context.clear_cookies()
                if username:
                    login(page, base, username)
                person = username
            answers[path] = page.goto(base + path.format(**made)).status
            if path == "/dossiers/{dossier}":
                page.click("#add-document > summary")  # the form as the officer fills it in
            if path.startswith("/search/"):
                answers["found"] = page.inner_text("#results h2")
            found += findings(page, axe, f"{username or 'anonymous'} {path} at 1366 px")
        login(page, base, "officer1")
        page.set_viewport_size({"width": 390, "height": 844})
        found += findings(page, axe, "officer1 / at 390 px")
        browser.close()
    assert answers == {**dict.fromkeys((path for _username, path in PAGES), 200), "found": "Tìm thấy 3 kết quả"}
    report = "\n".join(line for _impact, line in found)
    assert not [line for impact, line in found if impact in BLOCKING], report
    print(report or "axe: nothing found")


def luminance(css: str) -> float:
    """The relative luminance WCAG defines, of a computed colour "rgb(r, g, b)"."""
    channels = [int(part) / 255 for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_what_axe_leaves_to_a_person_the_focus_ring_and_the_language_choice(agency):
    """WCAG 2.1 1.4.11: the ring showing where the keyboard is must contrast 3:1 with the white page around it (it was
    yellow, 1.8:1). 4.1.2: the header's Tiếng Việt · English choice is announced by its name, which a plain span's
    aria-label was not (axe leaves both to review)."""
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    base, _made = agency
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        page.goto(f"{base}/auth/login")
        page.keyboard.press("Tab")  # from the user name, where the page puts the cursor, to the password
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
        focused = page.evaluate("document.activeElement.id")
        languages = page.get_by_role("group", name="Ngôn ngữ").all_inner_texts()
        browser.close()
    assert focused == "password" and contrast(ring, "rgb(255, 255, 255)") >= 3, ring
    assert [" ".join(text.split()) for text in languages] == ["Tiếng Việt · English"]
