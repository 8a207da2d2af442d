"""Supplementary metadata through the JSON API (dữ liệu đặc tả bổ sung, NĐ 30 Phụ lục VI III.7.c): a system reads
an organisation's fields, opens and changes a dossier with their values, reads them back on dossiers and documents,
and a document's are withheld from whoever may not read its summary."""

from __future__ import annotations

import pytest

from erms import supplementary
from erms.models import Document, Dossier
from filing import dossiers
from tests.factories import DOCUMENT, another_agency, supplementary_field
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_uploads import upload_all
from tests.web.test_audit_log_withheld import top_secret_later
from tests.web.test_leak_review import restrict


@pytest.fixture
def fields(session, world):
    """The world's organisation's fields: three offered on dossiers, one withdrawn, one on documents."""
    made = {
        "ma_du_an": supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án", position=1),
        "kinh_phi": supplementary_field(session, world.org.id, "dossier", "kinh_phi", "Kinh phí", "number", position=2),
        "linh_vuc": supplementary_field(
            session, world.org.id, "dossier", "linh_vuc", "Lĩnh vực", "choice", position=3, choices="Đất đai\nXây dựng"
        ),
        "ma_cu": supplementary_field(session, world.org.id, "dossier", "ma_cu", "Mã cũ", position=4, active=False),
        "goi_thau": supplementary_field(session, world.org.id, "document", "goi_thau", "Gói thầu", required=True),
    }
    session.commit()
    return made


def changed(api, token, dossier_id: int, body: dict):
    """PATCH the dossier with ``body``, sending the ETag it has now."""
    tag = api("GET", f"/dossiers/{dossier_id}", token).headers["ETag"]
    return api("PATCH", f"/dossiers/{dossier_id}", token, json=body, headers={"If-Match": tag})


def test_a_dossier_is_opened_and_changed_with_its_supplementary_values(app, token_of, session, world, fields):
    entry = world.approved_list().entries[0]
    session.commit()
    api, token = caller(app), token_of("officer1")
    given = {"ma_du_an": "DA-2026/07", "kinh_phi": "12,5", "linh_vuc": "Đất đai"}
    opened = api("POST", "/dossiers", token, json={"entry_id": entry.id, "supplementary": given})
    assert opened.status_code == 201, opened.json
    stored = {"ma_du_an": "DA-2026/07", "kinh_phi": "12.5", "linh_vuc": "Đất đai"}
    assert opened.json["supplementary"] == stored
    dossier_id = opened.json["id"]
    assert api("GET", f"/dossiers/{dossier_id}", token).json["supplementary"] == stored
    # The fields named change (an empty one is cleared), the others keep their values.
    answer = changed(api, token, dossier_id, {"description": "Đã rà soát", "supplementary": {"ma_du_an": ""}})
    assert answer.status_code == 200, answer.json
    assert answer.json["supplementary"] == {"kinh_phi": "12.5", "linh_vuc": "Đất đai"}
    assert answer.json["description"] == "Đã rà soát"
    session.expire_all()
    assert supplementary.values_of(session.get(Dossier, dossier_id)) == {"kinh_phi": "12.5", "linh_vuc": "Đất đai"}
    listed = api("GET", "/dossiers", token).json["items"]
    assert [item["supplementary"] for item in listed] == [{"kinh_phi": "12.5", "linh_vuc": "Đất đai"}]


def test_a_dossier_without_values_and_a_withdrawn_fields_value_are_read(app, token_of, make_dossier, session, fields):
    dossier = make_dossier("open")
    session.commit()
    api, token = caller(app), token_of("officer1")
    assert api("GET", f"/dossiers/{dossier.id}", token).json["supplementary"] == {}
    dossier.supplementary = supplementary.encode({"ma_cu": "HS-2019-4"})  # filled in before it was withdrawn
    session.commit()
    assert api("GET", f"/dossiers/{dossier.id}", token).json["supplementary"] == {"ma_cu": "HS-2019-4"}
    # It keeps its value through a change of the others, and takes no new one.
    kept = changed(api, token, dossier.id, {"supplementary": {"ma_du_an": "DA-1", "ma_cu": "HS-2019-4"}})
    assert kept.status_code == 200 and kept.json["supplementary"] == {"ma_cu": "HS-2019-4", "ma_du_an": "DA-1"}
    refused = changed(api, token, dossier.id, {"supplementary": {"ma_cu": "HS-2020-1"}})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "supplementary.ma_cu"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (
            {"title": "Tên mới", "supplementary": {"kinh_phi": "mười triệu", "linh_vuc": "Giáo dục", "khong_co": "x"}},
            {"supplementary.kinh_phi", "supplementary.linh_vuc", "supplementary.khong_co"},
        ),
        ({"title": "Tên mới", "supplementary": {"kinh_phi": 12}}, {"supplementary.kinh_phi"}),
        ({"title": "Tên mới", "supplementary": ["DA-1"]}, {"supplementary"}),
        ({"title": "Tên mới", "supplementary.ma_du_an": "DA-1"}, {"supplementary.ma_du_an"}),
    ],
)
def test_a_wrong_or_unknown_supplementary_value_is_named_and_nothing_changes(
    app, token_of, make_dossier, session, fields, body, named
):
    dossier = make_dossier("open")
    session.commit()
    title, revision = dossier.title, dossier.revision
    api, token = caller(app), token_of("officer1")
    refused = changed(api, token, dossier.id, body)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert {error["field"] for error in refused.json["errors"]} == named
    session.expire_all()
    assert (dossier.title, dossier.revision, supplementary.values_of(dossier)) == (title, revision, {})


def test_a_dossier_is_not_opened_with_a_wrong_value(app, token_of, session, world, fields):
    entry = world.approved_list().entries[0]
    session.commit()
    api, token = caller(app), token_of("officer1")
    for given, field in (({"kinh_phi": "nhiều"}, "supplementary.kinh_phi"), ("DA-1", "supplementary")):
        refused = api("POST", "/dossiers", token, json={"entry_id": entry.id, "supplementary": given})
        assert refused.status_code == 422 and [error["field"] for error in refused.json["errors"]] == [field]
    inside = api("POST", "/dossiers", token, json={"entry_id": entry.id, "metadata": {"supplementary.ma_du_an": "x"}})
    assert inside.status_code == 422 and inside.json["errors"] == [{"field": "supplementary.ma_du_an"}]
    assert session.query(Dossier).count() == 0


def test_a_document_is_added_with_its_supplementary_values(app, token_of, make_dossier, session, fields):
    dossier = make_dossier("open", documents=0)
    session.commit()
    api, token = caller(app), token_of("officer1")
    path = f"/dossiers/{dossier.id}/documents"
    wrong = {"goi_thau": "Gói thầu số 3", "khong_co": "x"}
    refused = api(
        "POST", path, token, json={"metadata": DOCUMENT, "supplementary": wrong, "upload_id": upload_all(api, token)}
    )
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "supplementary.khong_co"
    assert session.query(Document).count() == 0
    given = {"goi_thau": "Gói thầu số 3"}
    added = api(
        "POST", path, token, json={"metadata": DOCUMENT, "supplementary": given, "upload_id": upload_all(api, token)}
    )
    assert added.status_code == 201, added.json
    assert added.json["supplementary"] == given
    assert api("GET", f"/documents/{added.json['id']}", token).json["supplementary"] == given


def test_a_documents_values_are_withheld_exactly_when_its_subject_is(
    app, token_of, make_dossier, session, world, fields, now
):
    dossier = make_dossier("open")
    document = dossier.links[0].document
    data = {"supplementary.goi_thau": "Gói thầu số 3"}
    dossiers.update_document(session, world.actor("officer1"), dossier.id, document.id, data, now=now)
    session.commit()
    api = caller(app)
    path = f"/documents/{document.id}"
    read = api("GET", path, token_of("officer1")).json
    assert (read["supplementary"], read["subject"]) == ({"goi_thau": "Gói thầu số 3"}, document.subject)
    restrict(session, world, "officer1", dossier.id, document.id, now)
    session.commit()
    archivist = token_of("archivist")  # reads the dossier, not the document restricted on its own
    for answer in (api("GET", path, archivist).json, api("GET", f"/dossiers/{dossier.id}/documents", archivist).json):
        shown = answer["items"][0] if "items" in answer else answer
        assert (shown["content_readable"], shown["subject"], shown["supplementary"]) == (False, "", {})
    for reader in ("officer1", "head"):
        assert api("GET", path, token_of(reader)).json["supplementary"] == {"goi_thau": "Gói thầu số 3"}, reader


def test_a_top_secret_documents_values_are_withheld_from_everyone_as_its_subject(
    app, token_of, make_dossier, session, world, store, fields, now
):
    dossier = make_dossier("open", documents=0)
    document_id = top_secret_later(session, world, store, now, dossier.id)
    data = {"supplementary.goi_thau": "Gói thầu số 3"}
    dossiers.update_document(session, world.actor("officer1"), dossier.id, document_id, data, now=now)
    session.commit()
    api = caller(app)
    for reader in ("officer1", "head"):
        read = api("GET", f"/documents/{document_id}", token_of(reader)).json
        assert (read["subject"], read["supplementary"]) == ("", {}), reader


def test_the_fields_of_the_callers_organisations_are_listed(app, token_of, session, world, store, now, fields):
    agency = another_agency(session, world, store, now)
    supplementary_field(session, agency.org.id, "dossier", "so_quyet_dinh", "Số quyết định")
    session.commit()
    api = caller(app)
    listed = api("GET", "/supplementary-fields", token_of("officer1"))
    assert listed.status_code == 200
    items = listed.json["items"]
    assert [(item["applies_to"], item["name"]) for item in items] == [
        ("dossier", "ma_du_an"),
        ("dossier", "kinh_phi"),
        ("dossier", "linh_vuc"),
        ("dossier", "ma_cu"),
        ("document", "goi_thau"),
    ]
    assert items[2] == {
        "organisation_id": world.org.id,
        "applies_to": "dossier",
        "name": "linh_vuc",
        "label": "Lĩnh vực",
        "data_type": "choice",
        "choices": ["Đất đai", "Xây dựng"],
        "required": False,
        "offered": True,
    }
    assert (items[3]["offered"], items[4]["required"]) == (False, True)
    theirs = api("GET", "/supplementary-fields", token_of("", actor=agency.actors["officer3"])).json["items"]
    assert [item["name"] for item in theirs] == ["so_quyet_dinh"]
