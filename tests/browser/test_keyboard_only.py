"""Keyboard-only use of the everyday tasks (NĐ 30/2020 Phụ lục VI II.7): an officer, the registry and the head do their
most frequent work in Debian's chromium with Tab, Shift+Tab, Enter, Space, Escape and the arrow keys only, never a
click. At every stop of the keyboard the test checks what a person without a mouse needs: the focused element is on the
screen with a visible focus ring, focus moves in the reading order (never back up the page, never into the footer),
every widget lets the focus leave it, a details section and the calendar open and close from the keyboard, and a form
sent back with a problem puts the focus on its summary, which links to the field to put right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright import sync_api as playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms.app import create_app
from erms.models import Dossier, DossierList, RegisterEntry
from erms.models.dossier import DossierState
from tests.browser.instance import seeded
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, pytestmark  # noqa: F401
from tests.factories import make_dossier, require
from tests.live_server import serving

# What a keyboard user sees of the element that has the focus (on the screen and not covered, with its ring), and
# whether it came after the one focused before.
FOCUSED = """() => {
  const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
  const box = e.getClientRects()[0] || r, bottom = innerHeight - 1;  // a link over two lines: its first line's middle
  const after = !window.kbLast || window.kbLast === e || !!(window.kbLast.compareDocumentPosition(e) & 4);
  window.kbLast = e;
  return {
    what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || '').trim().slice(0, 60),
    shown: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && s.visibility !== 'hidden'
      && e.contains(document.elementFromPoint(box.left + box.width / 2, Math.min(box.top + box.height / 2, bottom))),
    ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
    after: after, footer: !!e.closest('footer'), body: e === document.body,
  };
}"""


@pytest.fixture
def office(tmp_path):
    """officer1's open dossier of one document, ready to close; next year's dossier list waiting for the head."""
    made: dict[str, int] = {}

    def build(session, world, store):
        made["dossier"] = make_dossier(session, world, store, NOW, "open", "10y", 1).id
        waiting = dossier_lists.copy_forward(session, world.actor("registry"), world.org.id, 2027, now=NOW)
        dossier_lists.submit_for_approval(session, world.actor("registry"), waiting.id, now=NOW)
        made["waiting_list"] = waiting.id

    url, engine, store = seeded(tmp_path, NOW, PASSWORD, build)
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
            "STORAGE_ROOT": str(store.root),
            "SECRET_KEY": "keyboard",
            "CLOCK": lambda: NOW,
        }
    )
    try:
        with serving(app) as base:
            yield base, engine, made
    finally:
        engine.dispose()


@pytest.fixture
def page():
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        browser.close()


def stop(page) -> dict:
    """The focused element as a keyboard user meets it; fails if hidden, unmarked, out of order or in the footer."""
    seen = page.evaluate(FOCUSED)
    assert not seen["body"], f"the focus left the page at {page.url}"
    assert seen["shown"] and seen["ring"], f"focused but not seen, or without its ring: {seen}"
    assert seen["after"] and not seen["footer"], f"the focus jumped out of the reading order: {seen}"
    return seen


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element ``selector`` has the focus (unless it has it already), checking every element the
    focus passes through."""
    for _press in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
        stop(page)
    raise AssertionError(f"{selector} never got the focus from the keyboard on {page.url}")


def press(page, key: str, then_url: str | re.Pattern | None = None) -> None:
    """Press ``key`` on the focused element; with ``then_url``, wait for the page it leads to."""
    if then_url is None:
        page.keyboard.press(key)
        return
    with page.expect_navigation(url=then_url):
        page.keyboard.press(key)


def fill(page, selector: str, text: str) -> None:
    """Reach a text field with Tab and type into it what is not there yet."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, selector: str, label: str) -> None:
    """Reach a select with Tab and move through its options with the down arrow to the one named ``label``."""
    tab_to(page, selector)
    for _press in range(30):
        if page.evaluate("() => document.activeElement.selectedOptions[0].label") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} is not among the options of {selector}")


def paper(folder: Path, name: str) -> str:
    """A small PDF to give the focused file field (no browser lets a test type a file's path)."""
    path = folder / name
    path.write_bytes(b"%PDF-1.4\n% " + name.encode() + b"\n%%EOF\n")
    return str(path)


def log_in(page, base: str, username: str) -> None:
    """The log-in page puts the cursor in the user name: type it, Tab to the password, Enter."""
    page.goto(f"{base}/auth/login")
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type(username)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    press(page, "Enter", f"{base}/")


def skip_to_content(page) -> None:
    """The first Tab shows the skip link; Enter on it gives the focus to the main content itself (a screen reader reads
    on from there, in every browser), unringed, and the next Tab goes into it, past the menus."""
    page.evaluate("window.kbLast = null")
    page.keyboard.press("Tab")
    assert stop(page)["what"].startswith("a "), "the first Tab does not reach the skip link"
    page.keyboard.press("Enter")
    landed = "() => [document.activeElement.id, getComputedStyle(document.activeElement).outlineStyle]"
    assert page.evaluate(landed) == ["main", "none"], "the skip link leaves the focus where it was"
    page.keyboard.press("Tab")
    stop(page)
    assert page.evaluate("!!document.activeElement.closest('main')"), "the skip link does not lead into the content"


def test_an_officer_opens_a_dossier_adds_a_document_and_closes_it(office, page, tmp_path):
    base, engine, made = office
    log_in(page, base, "officer1")
    skip_to_content(page)
    dossier_url = f"{base}/dossiers/{made['dossier']}"
    tab_to(page, f"#my-open a[href='/dossiers/{made['dossier']}']")
    press(page, "Enter", dossier_url)

    tab_to(page, "#add-document > summary")
    for opened in (True, False, True):  # Enter opens the section, closes it and opens it again
        page.keyboard.press("Enter")
        assert page.evaluate("document.getElementById('add-document').open") is opened
    fill(page, "#doc-type_name", "Thông báo")
    fill(page, "#doc-code_number", "27")
    fill(page, "#doc-code_notation", "TB-VP")
    fill(page, "#doc-issued_date", "10/06/2026")
    fill(page, "#doc-organ_name", "Văn phòng UBND thành phố")
    fill(page, "#doc-subject", "Thông báo lịch họp giao ban tháng 7")
    tab_to(page, "#doc-file")
    page.locator(":focus").set_input_files(paper(tmp_path, "thong-bao-27.pdf"))
    tab_to(page, "#add-document button[type=submit]")
    # The page lands on the dossier's documents, on the page listing the new one.
    press(page, "Enter", re.compile(rf"{re.escape(dossier_url)}\?document=\d+#documents$"))
    assert "Đã thêm văn bản vào hồ sơ." in page.inner_text(".flashes")

    tab_to(page, "#close a.button")
    press(page, "Enter", f"{dossier_url}/close")
    tab_to(page, "#confirm")
    page.keyboard.press("Space")
    tab_to(page, "#step-confirm button[type=submit]")
    press(page, "Enter", dossier_url)
    assert "Đã kết thúc hồ sơ và lập mục lục văn bản." in page.inner_text(".flashes")
    with Session(engine) as session:
        dossier = session.get_one(Dossier, made["dossier"])
        assert dossier.state is DossierState.CLOSED
        assert sorted(link.document.code_number for link in dossier.links) == ["100", "27"]


def summary_leads_to(page, field: str) -> None:
    """The page a form came back on gives the focus to its summary; the summary's link puts the cursor in ``field``."""
    summary = stop(page)
    assert summary["what"].startswith("div"), f"after the form came back the focus is on {summary}"
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    tab_to(page, f".form-error a[href='#{field}']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == field


def test_a_document_sent_back_puts_the_focus_on_its_summary_which_leads_to_the_field(office, page):
    """A day that does not exist passes the browser's own check; the server sends the form back, with the dossier's
    whole page above it. The keyboard user must not hunt for what went wrong."""
    base, engine, made = office
    log_in(page, base, "officer1")
    page.goto(f"{base}/dossiers/{made['dossier']}")
    tab_to(page, "#add-document > summary")
    page.keyboard.press("Enter")
    fill(page, "#doc-type_name", "Thông báo")
    fill(page, "#doc-issued_date", "31/02/2026")
    fill(page, "#doc-organ_name", "Văn phòng UBND thành phố")
    fill(page, "#doc-subject", "Thông báo lịch họp")
    tab_to(page, "#add-document button[type=submit]")
    press(page, "Enter", f"{base}/dossiers/{made['dossier']}/documents")
    summary_leads_to(page, "doc-issued_date")
    with Session(engine) as session:
        assert len(session.get_one(Dossier, made["dossier"]).links) == 1


def test_a_registration_sent_back_puts_the_focus_on_its_summary_above_the_register(office, page):
    """The register's form is below the whole year's register: sent back for its missing file, the page must not
    leave the registry at its top, Tab after Tab through every line, to find the problem."""
    base, engine, _made = office
    log_in(page, base, "registry")
    page.goto(f"{base}/registers/incoming#register")
    fill(page, "#reg-type_name", "Công văn")
    fill(page, "#reg-organ_name", "Sở Nội vụ")
    fill(page, "#reg-subject", "Về việc báo cáo công tác văn thư")
    tab_to(page, "#register button[type=submit]")
    press(page, "Enter", f"{base}/registers/incoming")
    summary_leads_to(page, "reg-file")
    with Session(engine) as session:
        assert session.scalar(select(RegisterEntry)) is None


def test_the_registry_registers_an_incoming_document_and_sends_it_to_a_unit(office, page, tmp_path):
    base, engine, _made = office
    log_in(page, base, "registry")
    tab_to(page, "nav a[href^='/registers/incoming']")
    press(page, "Enter", f"{base}/registers/incoming")
    tab_to(page, "a[href='#register']")
    page.keyboard.press("Enter")
    fill(page, "#reg-type_name", "Công văn")
    fill(page, "#reg-code_number", "412")
    fill(page, "#reg-code_notation", "SNV-VP")
    fill(page, "#reg-organ_name", "Sở Nội vụ")
    fill(page, "#reg-subject", "Về việc báo cáo công tác văn thư, lưu trữ năm 2026")
    tab_to(page, "#reg-file")
    page.locator(":focus").set_input_files(paper(tmp_path, "cong-van-412.pdf"))
    tab_to(page, "#register button[type=submit]")
    press(page, "Enter", f"{base}/registers/incoming")
    assert "Đã đăng ký số 1." in page.inner_text(".flashes")

    page.evaluate("window.kbLast = null")
    tab_to(page, "a[href$='#send']")
    press(page, "Enter", f"{base}/registers/entries/*")
    tab_to(page, "#target")
    page.keyboard.press("ArrowDown")  # the first unit as a whole
    unit = page.evaluate("() => document.activeElement.selectedOptions[0].parentElement.label")
    tab_to(page, "#send button[type=submit]")
    press(page, "Enter", f"{base}/registers/entries/*")  # back on the line it sent, the message on top
    assert page.inner_text(".flashes") == f"Đã chuyển văn bản số 1 cho {unit}."
    with Session(engine) as session:
        entry = session.scalars(select(RegisterEntry)).one()
        sent_to = entry.assigned_unit.name if entry.assigned_unit else None
        assert (entry.document.code_number, sent_to) == ("412", unit)


def test_the_head_approves_the_list_waiting_for_him(office, page):
    """From the home page's "waiting for you" to the approval, putting right a wrong day on the way."""
    base, engine, made = office
    log_in(page, base, "head")
    skip_to_content(page)
    list_url = f"{base}/dossier-lists/{made['waiting_list']}"
    tab_to(page, f"#waiting a[href^='/dossier-lists/{made['waiting_list']}']")
    press(page, "Enter", f"{list_url}*")
    tab_to(page, "a[href='#approve']")
    page.keyboard.press("Enter")
    fill(page, "#ap-decision_ref", "12/QĐ-UBND")
    fill(page, "#ap-decision_date", "31/02/2026")  # a day that does not exist: the list comes back …
    tab_to(page, "#ap-confirm")
    page.keyboard.press("Space")
    tab_to(page, "#approve button[type=submit]")
    press(page, "Enter", f"{list_url}/approve")
    summary_leads_to(page, "ap-decision_date")  # … with the focus above its long list of entries
    page.keyboard.press("Control+A")
    page.keyboard.type("12/06/2026")
    tab_to(page, "#ap-decision_date + button.calendar-open")
    page.keyboard.press("Enter")  # the calendar opens with the focus on its first day …
    assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Escape")  # … and Escape closes it, giving the focus back to its button
    assert page.locator(".calendar").count() == 0
    assert page.evaluate("document.activeElement.matches('button.calendar-open')")
    assert page.is_checked("#ap-confirm")  # the box ticked before the problem is still ticked
    tab_to(page, "#approve button[type=submit]")
    press(page, "Enter", list_url)
    assert "Danh mục hồ sơ đã được phê duyệt và ban hành." in page.inner_text(".flashes")
    with Session(engine) as session:
        assert session.get_one(DossierList, made["waiting_list"]).approved_at is not None


@pytest.mark.parametrize("username", ["officer1", "registry", "head", "archivist", "admin"])
def test_everyone_switches_the_language_and_logs_out_from_the_keyboard(office, page, username):
    """The header's language choice and the log-out button come before the content, in the order they are read."""
    base, _engine, _made = office
    log_in(page, base, username)
    page.evaluate("window.kbLast = null")
    tab_to(page, "a[lang=en]")
    press(page, "Enter", f"{base}/*")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.evaluate("window.kbLast = null")
    tab_to(page, "header form.inline button")
    assert page.evaluate("document.activeElement.innerText") == "Log out"
    page.keyboard.press("Shift+Tab")  # back to the person's name, the stop before it
    assert page.evaluate("document.activeElement.closest('.who') !== null")
    page.keyboard.press("Tab")
    press(page, "Enter", f"{base}/auth/login")
    assert page.evaluate("document.activeElement.id") == "username"


def test_a_refused_log_in_says_so_first_and_leaves_the_cursor_in_the_user_name(office, page):
    """The one form everyone meets: refused, it says why above the form, and the cursor is where to start again."""
    base, _engine, _made = office
    page.goto(f"{base}/auth/login")
    page.keyboard.type("officer1")
    tab_to(page, "#password")
    page.keyboard.type("không-phải-mật-khẩu")
    press(page, "Enter", f"{base}/auth/login")
    assert page.evaluate("document.activeElement.id") == "username"
    assert page.input_value("#username") == "officer1"
    said = page.evaluate("document.querySelector('main h1').nextElementSibling.getAttribute('role')")
    assert said == "alert", "the refusal is not said first, under the page's heading"
    assert page.inner_text("main [role=alert]") == "Tên đăng nhập hoặc mật khẩu không đúng."
