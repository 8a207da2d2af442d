"""An agency sets itself up in a real browser (issue 21): from an empty database and one console step
(``erms admin create``), the administrator adds the organisation, two units and three people with roles, imports
the retention table; the registry lists a dossier with a period picked from that table, the head approves the list
and the officer of the new unit opens the dossier. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from playwright import sync_api as playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import db, search
from erms.app import create_app
from erms.cli import erms_group
from erms.models import Dossier, RetentionRow
from tests.browser.test_filing_flow import ARGS, CHROMIUM, NOW, PASSWORD, SHOTS, login, pytestmark  # noqa: F401
from tests.factories import require
from tests.live_server import serving

TABLE = [
    {"code": "1.1", "title_vi": "Hồ sơ hội nghị tổng kết năm", "permanent": True, "period_years": None},
    {"code": "1.2", "title_vi": "Kế hoạch, báo cáo công tác năm", "permanent": False, "period_years": 20},
]
OWN_PASSWORD = "mat-khau-cua-rieng-2026"
PEOPLE = [  # full name, username, role, unit (None: the whole organisation)
    ("Lê Thị Hoa", "hoa.lt", "registry", None),
    ("Trần Quốc Bảo", "bao.tq", "head", None),
    ("Phạm Thị Lan", "lan.pt", "officer", "TCKH"),
]


def test_an_agency_is_set_up_from_an_empty_instance_in_the_browser(tmp_path):
    require(Path(CHROMIUM).exists(), "Debian's chromium")
    url = f"sqlite:///{tmp_path / 'erms.sqlite3'}"
    console = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": url})
    for step in (
        ["db", "upgrade"],
        ["admin", "create", "quantri", "--name", "Quản trị hệ thống", "--password", PASSWORD],
    ):
        done = console.invoke(erms_group, step)
        assert done.exit_code == 0, done.output
    search.install(None)
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "setup-test", "CLOCK": lambda: NOW})
    table = tmp_path / "bang-thoi-han.json"
    table.write_text(json.dumps(TABLE, ensure_ascii=False), encoding="utf-8")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serving(app) as base, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        external: list[str] = []
        page.on("request", lambda request: external.append(request.url) if not request.url.startswith(base) else None)
        set_up_the_organisation(page, base, table)
        list_and_open_a_dossier(page, base)
        browser.close()
    assert external == []
    engine = db.make_engine(url)
    with Session(engine) as session:
        dossier = session.scalar(select(Dossier))
        assert dossier.title == "Kế hoạch công tác năm 2026 của Phòng Tài chính - Kế hoạch"
        assert dossier.unit.code == "TCKH" and dossier.creator.username == "lan.pt"
        row = session.scalar(select(RetentionRow).where(RetentionRow.code == "1.2"))
        assert dossier.entry.retention_row_id == row.id and row.schedule.organisation_id == dossier.organisation_id
    engine.dispose()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def set_up_the_organisation(page, base: str, table) -> None:
    login(page, base, "quantri")
    page.click("nav >> text=Quản trị")
    page.fill("#code", "000.00.31.H26")
    page.fill("#name", "UBND quận Hoàn Kiếm")
    page.fill("#parent_name", "UBND thành phố Hà Nội")
    shot(page, "20-admin-adds-the-organisation")
    page.click("#create button[type=submit]")
    page.wait_for_selector("text=Đã thêm cơ quan 000.00.31.H26.")
    for code, name in (("VP", "Văn phòng HĐND và UBND quận"), ("TCKH", "Phòng Tài chính - Kế hoạch")):
        page.fill("#new-unit-code", code)
        page.fill("#new-unit-name", name)
        page.click("#add-unit button[type=submit]")
        page.wait_for_selector(f"text=Đã thêm đơn vị {code}.")
    for full_name, username, role, unit in PEOPLE:
        page.fill("#person-full_name", full_name)
        page.fill("#person-username", username)
        page.fill("#person-password", PASSWORD)
        page.select_option("#person-role", role)
        if unit:
            page.select_option("#person-unit_id", label=f"{unit} · Phòng Tài chính - Kế hoạch")
        page.click("#add-person button[type=submit]")
        page.wait_for_selector(f"text=Đã tạo tài khoản {username}.")
        page.click("p.crumbs a >> nth=2")  # back to the organisation
    shot(page, "21-admin-units-and-people")
    page.click("text=Bảng thời hạn bảo quản")
    page.fill("#code", "HK-2026")
    page.fill("#title", "Bảng thời hạn bảo quản hồ sơ, tài liệu của UBND quận Hoàn Kiếm")
    page.set_input_files("#file", str(table))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("text=Mọi dòng đều nhập được.")
    shot(page, "22-admin-previews-the-retention-table")
    page.click("#preview button[type=submit]")
    page.wait_for_selector("text=nay là bảng đang áp dụng")
    shot(page, "23-admin-retention-table-active")


def first_log_in(page, base: str, username: str) -> None:
    """Log in with the password the administrator gave and choose one's own, as the page asks before any other."""
    login(page, base, username, lands="/account/password")
    page.fill("#current", PASSWORD)
    page.fill("#password", OWN_PASSWORD)
    page.fill("#repeat", OWN_PASSWORD)
    shot(page, f"24a-{username}-chooses-a-password")
    with page.expect_navigation():
        page.click("#change-password button[type=submit]")
    page.wait_for_selector("text=Mật khẩu của bạn đã được đổi")


def list_and_open_a_dossier(page, base: str) -> None:
    first_log_in(page, base, "hoa.lt")
    page.goto(f"{base}/dossier-lists/")
    page.fill("#year", "2026")
    page.select_option("#source", "empty")
    page.click("#create button[type=submit]")
    page.wait_for_selector("#add-entry")
    page.fill("#n-title", "Kế hoạch công tác năm 2026 của Phòng Tài chính - Kế hoạch")
    page.select_option("#n-unit_id", label="Phòng Tài chính - Kế hoạch")
    page.select_option("#n-retention", "1.2")  # a row of the organisation's active table
    shot(page, "24-registry-adds-an-entry-from-the-table")
    page.click("#add-entry button[type=submit]")
    page.wait_for_selector("text=Kế hoạch công tác năm 2026 của Phòng Tài chính - Kế hoạch")
    list_page = page.url

    first_log_in(page, base, "bao.tq")
    page.goto(list_page)
    page.fill("#ap-decision_ref", "05/QĐ-UBND")
    page.check("#ap-confirm")
    page.click("#approve button[type=submit]")
    # The approval's answer sets the head's session cookie: wait for it before logging in as someone else.
    page.wait_for_selector("text=Danh mục hồ sơ đã được phê duyệt và ban hành.")

    first_log_in(page, base, "lan.pt")
    shot(page, "25-new-officer-workspace")
    page.click("#entries .entry >> nth=0 >> a.button")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/dossiers/\d+$"))
    shot(page, "26-new-officer-dossier-opened")
