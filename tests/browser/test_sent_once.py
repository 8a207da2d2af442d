"""A form is sent once however often its button is pressed while the first sending is on its way: on a slow line a
second press of "Mở hồ sơ" or "Lưu thay đổi" sent it twice (two ad-hoc entries, or a person's own save refused to
them as a colleague's)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright import sync_api as playwright

from tests.browser.test_filing_flow import ARGS, CHROMIUM, login, pytestmark  # noqa: F401
from tests.browser.test_filing_flow import server as server  # noqa: F401  (the fixture)
from tests.factories import require

# A slow line: every request takes most of a second to leave and come back.
SLOW_LINE = {"offline": False, "latency": 800, "downloadThroughput": -1, "uploadThroughput": -1}


def test_a_save_pressed_twice_on_a_slow_line_sends_the_form_once(server):  # noqa: F811
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    base, _engine = server
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        login(page, base, "officer1")
        page.click("#earlier-entries > summary")
        page.click("#earlier-entries .entry >> nth=0 >> a.button")
        page.locator("main form input[name=start_date]").fill("03/12/2025")
        sent: list[str] = []
        page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
        line = context.new_cdp_session(page)
        line.send("Network.emulateNetworkConditions", SLOW_LINE)
        button = page.locator("main form button[type=submit]")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_timeout(400)  # the first sending is on its way: the person presses again
        page.mouse.click(x, y)
        line.send("Network.emulateNetworkConditions", {**SLOW_LINE, "latency": 0})
        page.wait_for_timeout(2500)  # both presses' sendings, had there been two, are answered by now
        landed = page.url
        browser.close()
    assert len(sent) == 1 and re.search(r"/dossiers/open/\d+$", sent[0])
    assert re.fullmatch(rf"{re.escape(base)}/dossiers/\d+", landed)  # the dossier opened, not a refusal of the second
