"""The registry fills the organisation's own document fields (PL6 III.7.c) when registering, on the page and through
the API; a wrong value registers nothing and takes no number; the line's page and its API read show the values,
withheld wherever the summary is."""

from __future__ import annotations

from erms_browser import REGISTER_FORM, file_field, make_pdf
from sqlalchemy import func, select

from erms import supplementary
from erms.models import RegisterEntry
from tests.factories import supplementary_field
from tests.web.test_api import caller
from tests.web.test_api_registers import ARRIVED, register
from tests.web.test_document_page import text_of


def fields(session, world) -> None:
    supplementary_field(
        session,
        world.org.id,
        "document",
        "hinh_thuc_nhan",
        "Hình thức nhận",
        "choice",
        choices="Bưu điện\nThư điện tử\nTrực tiếp",
    )
    supplementary_field(session, world.org.id, "document", "so_ban", "Số bản", "number")
    session.commit()


def lines(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(RegisterEntry))


def test_the_registry_registers_with_the_own_fields_and_a_wrong_value_takes_no_number(client, session, world):
    fields(session, world)
    client.login("registry")
    assert 'name="supplementary.hinh_thuc_nhan"' in client.get("/registers/incoming").get_data(as_text=True)
    form = {**REGISTER_FORM, "supplementary.hinh_thuc_nhan": "Fax", "supplementary.so_ban": "2"}
    refused = client.post("/registers/incoming", {**form, "file": file_field(make_pdf(), "cv.pdf")})
    assert refused.status_code == 422 and "Hãy chọn một giá trị trong danh sách." in text_of(refused)
    assert lines(session) == 0
    form["supplementary.hinh_thuc_nhan"] = "Bưu điện"
    assert client.post("/registers/incoming", {**form, "file": file_field(make_pdf(), "cv.pdf")}).status_code == 302
    (line,) = session.scalars(select(RegisterEntry)).all()
    assert (line.number, supplementary.values_of(line.document)) == (1, {"hinh_thuc_nhan": "Bưu điện", "so_ban": "2"})
    page = text_of(client.get(f"/registers/entries/{line.id}"))
    assert "Hình thức nhận Bưu điện" in page and "Số bản 2" in page


def test_a_top_secret_lines_values_are_withheld_on_its_page_from_who_may_not_read_its_summary(
    client, browsers, session, world
):
    fields(session, world)
    client.login("registry")
    form = {**REGISTER_FORM, "marking": "tuyet_mat", "supplementary.hinh_thuc_nhan": "Trực tiếp"}
    assert client.post("/registers/incoming", form).status_code == 302
    (line,) = session.scalars(select(RegisterEntry)).all()
    shown = text_of(browsers("archivist").get(f"/registers/entries/{line.id}"))
    assert "Hình thức nhận (không hiển thị)" in shown and "Trực tiếp" not in shown


def test_the_api_registers_with_the_own_fields_and_reads_them_back(app, token_of, session, world):
    fields(session, world)
    api, token = caller(app), token_of("registry")
    wrong = register(api, token, ARRIVED, supplementary={"so_ban": "hai"})
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json["errors"]] == ["supplementary.so_ban"]
    assert lines(session) == 0
    made = register(api, token, ARRIVED, supplementary={"so_ban": "2,5"})
    assert made.status_code == 201 and made.json["supplementary"] == {"so_ban": "2.5"}
    read = api("GET", f"/register-lines/{made.json['id']}", token)
    assert read.json["supplementary"] == {"so_ban": "2.5"}
