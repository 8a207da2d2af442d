"""The report pages (issue 25): who reads which units' figures, each number a link to its list, the downloads as
attachments of the right type, bad input answered in Vietnamese words and never with a server error."""

from __future__ import annotations

import base64
import html
import io
import re

import pytest
from erms_browser import Browser
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import search
from erms.app import create_app
from erms.models import Dossier, Organisation, RegisterEntry, Unit
from tests.factories import NOW
from tests.reports.dataset import built
from tests.web.conftest import COMPILED_TEMPLATES

READERS = ("head", "archivist", "unithead")
OTHERS = ("officer1", "officer2", "registry", "council1", "admin")
PAGES = (
    "/reports/",
    "/reports/compliance",
    "/reports/holdings",
    "/reports/flow",
    "/reports/compliance/opened?year=2026",
    "/reports/yearly.pdf?year=2026",
)
VP, TCKH = "Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def site(engine, password_hash, tmp_path_factory):
    """The known agency behind an app on its connection; one logged-in browser per person."""
    folder = tmp_path_factory.mktemp("report-pages")
    with built(engine, folder, password_hash) as agency:
        connection = agency.connection

        def factory() -> Session:
            return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

        app = create_app(
            {
                "TESTING": True,
                "SESSION_FACTORY": factory,
                "DATA_DIR": str(folder),
                "STORAGE_ROOT": str(agency.store.root),
                "SECRET_KEY": "test",
                "CLOCK": lambda: NOW,
            }
        )
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        browsers = {}
        for name in (*READERS, *OTHERS):
            browsers[name] = Browser(app.test_client())
            browsers[name].login(name)
        yield agency, browsers
        search.install(None)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_head_the_archivist_and_a_unit_head_read_the_reports_and_nobody_else(site):
    _agency, browsers = site
    for name in READERS:
        assert 'href="/reports/"' in browsers[name].get("/").get_data(as_text=True)  # the menu offers them
        for url in PAGES:
            assert browsers[name].get(url).status_code == 200, (name, url)
    for name in OTHERS:
        assert 'href="/reports/"' not in browsers[name].get("/").get_data(as_text=True)
        for url in PAGES:
            assert browsers[name].get(url).status_code == 403, (name, url)


def test_a_unit_head_never_gets_another_units_figures(site):
    agency, browsers = site
    world, session = agency.world, agency.session
    unit_b = world.unit_b.id
    before = [session.scalar(select(func.count()).select_from(model)) for model in (Dossier, RegisterEntry)]
    unithead, head = browsers["unithead"], browsers["head"]
    for url in (
        f"/reports/compliance?unit={unit_b}",
        f"/reports/holdings?unit={unit_b}",
        f"/reports/flow?unit={unit_b}",
        f"/reports/yearly.pdf?unit={unit_b}",
        f"/reports/compliance/opened?year=2026&unit={unit_b}",
        "/reports/compliance/registered?year=2026&unit=none",
        f"/reports/flow/registered?start=2026-01-01&end=2026-06-30&to={unit_b}",
    ):
        refused = unithead.get(url)
        assert refused.status_code == 403, url
        assert TCKH not in text_of(refused)
    assert unithead.get("/reports/compliance?unit=987654").status_code == 404  # no such unit
    with session.begin_nested() as savepoint:
        other = Organisation(code="000.00.00.H99", name="UBND quận khác", created_at=NOW)
        session.add(other)
        session.flush()
        foreign = Unit(organisation_id=other.id, code="VP", name="Văn phòng quận khác")
        session.add(foreign)
        session.flush()
        for name in ("unithead", "head"):
            assert browsers[name].get(f"/reports/compliance?unit={foreign.id}").status_code == 404
        savepoint.rollback()
    own = text_of(unithead.get("/reports/compliance"))
    assert VP in own and TCKH not in own
    listed = text_of(unithead.get("/reports/compliance/opened?year=2026"))
    assert "4 mục" in listed and TCKH not in listed
    assert TCKH in text_of(head.get(f"/reports/compliance?unit={unit_b}"))
    assert [session.scalar(select(func.count()).select_from(model)) for model in (Dossier, RegisterEntry)] == before


def test_every_number_is_a_link_to_the_list_it_counts(site):
    _agency, browsers = site
    head = browsers["head"]
    page = text_of(head.get("/reports/compliance?year=2026"))
    assert "Tình hình lập hồ sơ" in page and "Hồ sơ đã lập" in page and "Văn bản chưa được lập hồ sơ" in page
    table = page[page.index('id="table-units"') :]
    table = table[: table.index("</table>")]
    links = re.findall(r'<a href="(/reports/compliance/[^"]+)">([\d.]+)</a>', table)
    assert len(links) == 7 + 10 + 2 + 10  # every count but the zeros: TCKH, VP, no unit, total
    for url, number in links:
        listed = text_of(head.get(url))
        assert f"{number} mục" in listed, url


def test_downloads_are_attachments_of_their_type_in_vietnamese(site):
    _agency, browsers = site
    head = browsers["head"]
    for url, media_type, suffix in (
        ("/reports/compliance?year=2026&format=xlsx", XLSX, ".xlsx"),
        ("/reports/holdings?format=xlsx", XLSX, ".xlsx"),
        ("/reports/flow?start=2026-01-01&end=2026-06-30&format=csv", "text/csv", ".csv"),
        ("/reports/compliance?year=2026&format=csv", "text/csv", ".csv"),
        ("/reports/yearly.pdf?year=2026", "application/pdf", ".pdf"),
    ):
        response = head.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == media_type
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and disposition.endswith(suffix)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    book = load_workbook(io.BytesIO(head.get("/reports/compliance?year=2026&format=xlsx").data))
    assert book.sheetnames == ["Theo đơn vị", "Theo cá nhân"]
    assert [cell.value for cell in book["Theo đơn vị"][1]][:4] == [
        "Mã",
        "Đơn vị",
        "Hồ sơ trong Danh mục",
        "Chưa lập hồ sơ",
    ]
    assert [cell.value for cell in book["Theo đơn vị"][5]] == [None, "Tổng số", 9, 2, 7, 5, 3, 2, 1, 1, 5, 4]
    flow = head.get("/reports/flow?start=2026-01-01&end=2026-06-30&format=csv").data.decode("utf-8-sig")
    assert "Văn bản đến,4,3,1,4,1,1,1,1" in flow
    pdf = head.get("/reports/yearly.pdf?year=2026").data
    assert "Bảng 1. Thống kê tổng số văn bản đi, văn bản đến" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_bad_input_is_answered_in_words_never_with_a_server_error(site):
    _agency, browsers = site
    head = browsers["head"]
    for url, status, words in (
        ("/reports/compliance?year=abc", 422, "Hãy nhập năm gồm bốn chữ số."),
        ("/reports/compliance?year=20266", 422, "Hãy nhập năm gồm bốn chữ số."),
        ("/reports/holdings?year=-1", 422, "Hãy nhập năm gồm bốn chữ số."),
        ("/reports/compliance?unit=abc", 422, "Hãy chọn một đơn vị trong danh sách."),
        ("/reports/compliance?format=pdf", 422, "Hãy chọn định dạng XLSX hoặc CSV."),
        ("/reports/flow?start=2026-06-30&end=2026-01-01", 422, "Thời gian kết thúc sớm hơn thời gian bắt đầu."),
        ("/reports/flow?start=31/02/2026", 422, "Không có ngày 31/02/2026 trong lịch"),
        ("/reports/flow?start=2001-01-01&end=2026-01-01", 422, "không quá 60 tháng"),
        ("/reports/yearly.pdf?year=abc", 422, "Hãy nhập năm gồm bốn chữ số."),
        ("/reports/yearly.pdf?year=9999", 422, "Hãy nhập năm từ 1900 đến 2100."),
        ("/reports/flow?start=2026-01-01&end=9999-12-31", 422, "Ngày phải từ 01/01/1900 đến 31/12/2100"),
        ("/reports/compliance/opened?year=abc", 422, "Hãy nhập năm gồm bốn chữ số."),
        ("/reports/compliance/opened?year=2026&page=abc", 404, ""),
        ("/reports/compliance/opened?year=2026&page=99", 404, ""),
        ("/reports/compliance/nothing?year=2026", 404, ""),
        ("/reports/elsewhere/opened", 404, ""),
        ("/reports/holdings/custody?state=open", 422, "Hãy chọn một trạng thái trong danh sách."),
        ("/reports/holdings/destroyed?decision=abc", 404, ""),
        ("/reports/flow/registered?start=2026-01-01&end=2026-06-30&month=2026-99", 422, "Hãy chọn một tháng"),
    ):
        response = head.get(url)
        assert response.status_code == status, url
        assert words in text_of(response), url


def test_the_dashboard_shows_its_charts_with_their_numbers(site):
    _agency, browsers = site
    page = text_of(browsers["head"].get("/reports/"))
    assert "Báo cáo" in page and "Hồ sơ trong năm theo đơn vị" in page
    pictures = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert [alt for _, alt in pictures] == ["Hồ sơ trong năm theo đơn vị", "Văn bản đến, văn bản đi theo tháng"]
    for encoded, _alt in pictures:
        svg = base64.b64decode(encoded).decode()
        assert svg.startswith("<svg") and "<script" not in svg
    assert "Hồ sơ trong Danh mục" in base64.b64decode(pictures[0][0]).decode()  # the series, in Vietnamese
    numbers = page[page.index('id="chart-units"') :]
    numbers = numbers[: numbers.index("</table>")]
    # The chart's table: each unit's entries, dossiers opened, closed, accepted this year.
    cells = re.findall(r"<td[^>]*>(?:<a [^>]+>)?([^<]*)", numbers)
    assert cells == ["TCKH", "3", "3", "3", "1", "VP", "6", "4", "2", "1"]
