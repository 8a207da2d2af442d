"""The arrangement page (issue 28 part 3): the archivist checks an inventory of paper dossiers, starts the
arrangement, the worker makes the dossiers in their boxes, and the catalogue prints them box by box."""

from __future__ import annotations

import base64
import html
import io
import re

import pytest
from erms_browser import Browser, file_field, run_background_jobs
from pypdf import PdfReader
from sqlalchemy import func, select

from erms.models import Dossier, IntakeRun, Repository
from holdings import storage
from tests.intake.test_arrangement import inventory, ten_dossiers


@pytest.fixture
def archivist(app, session, world, now) -> Browser:
    storage.create_repository(session, world.actor("archivist"), world.org.id, {"code": "K1", "name": "Kho 1"}, now=now)
    session.commit()
    browser = Browser(app.test_client())
    browser.login("archivist")
    return browser


def form(session, rows) -> dict:
    (repository_id,) = session.scalars(select(Repository.id)).all()
    return {"repository_id": str(repository_id), "inventory": file_field(inventory(rows), "chinh-ly.csv", "text/csv")}


def carried_form(page) -> dict:
    """The hidden fields of the form that arranges the inventory just checked."""
    (arrange,) = re.findall(r'<form[^>]*id="arrange-checked">(.*?)</form>', page.get_data(as_text=True), re.S)
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', arrange)
    return {name: html.unescape(value) for name, value in fields if name != "csrf_token"}


def test_an_inventory_changed_on_its_way_back_is_checked_again_and_refused_whole(archivist, session):
    checked = archivist.post("/archive/intake/arrangement/check", form(session, ten_dossiers()))
    carried = carried_form(checked)
    bad = ten_dossiers()
    bad[0][3] = "KHONG"
    tampered = {**carried, "checked": base64.b64encode(inventory(bad)).decode()}
    refused = archivist.post("/archive/intake/arrangement/start", tampered)
    assert refused.status_code == 422
    assert "Không có đơn vị nào mang mã KHONG." in refused.get_data(as_text=True)
    garbled = archivist.post("/archive/intake/arrangement/start", {**carried, "checked": "không phải base64!"})
    assert garbled.status_code == 422
    assert session.scalar(select(func.count()).select_from(IntakeRun)) == 0
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_an_inventory_is_checked_arranged_by_the_worker_and_its_catalogue_printed(archivist, app, session):
    page = archivist.get("/archive/intake/arrangement").get_data(as_text=True)
    assert "Chỉnh lý tài liệu giấy tồn đọng" in page and "K1 — Kho 1" in page
    template = archivist.get("/archive/intake/arrangement/template.csv")
    assert template.get_data(as_text=True).lstrip("\ufeff").startswith("Năm hồ sơ,Số và ký hiệu hồ sơ,Tiêu đề hồ sơ")

    bad = ten_dossiers()
    bad[0][3] = "KHONG"
    refused = archivist.post("/archive/intake/arrangement/check", form(session, bad))
    assert refused.status_code == 422
    assert "<td>2</td><td>Đơn vị</td><td>Không có đơn vị nào mang mã KHONG.</td>" in refused.get_data(as_text=True)

    checked = archivist.post("/archive/intake/arrangement/check", form(session, ten_dossiers()))
    assert "sẽ tạo 10 hồ sơ giấy trong 2 hộp (số 1, 2)" in checked.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    # The checked inventory rides in the "Arrange" form: nobody chooses the file again.
    carried = carried_form(checked)
    assert carried["checked_name"] == "chinh-ly.csv"
    assert base64.b64decode(carried["checked"]) == inventory(ten_dossiers())
    started = archivist.post("/archive/intake/arrangement/start", carried)
    assert started.status_code == 302
    run_background_jobs(app)
    assert session.scalar(select(func.count()).select_from(Dossier)) == 10
    (run,) = session.scalars(select(IntakeRun)).all()
    index = archivist.get("/archive/intake/").get_data(as_text=True)
    assert f"/archive/intake/runs/{run.id}/catalogue.pdf" in index
    printed = archivist.get(f"/archive/intake/runs/{run.id}/catalogue.pdf")
    assert printed.headers["Content-Disposition"].startswith("attachment;")
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages).split())
    assert "MỤC LỤC HỒ SƠ" in text and "10 hồ sơ (đơn vị bảo quản) trong 2 hộp" in text
