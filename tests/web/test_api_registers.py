"""Registers through the JSON API (issue 26): a document-workflow system registers what arrives, with its file from
a resumable upload; the register is read with the register pages' rights."""

from __future__ import annotations

import hashlib

from erms.models import RegisterEntry
from erms.models.register import RegisterKind
from filing import registers
from tests.factories import DOCUMENT, upload
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_uploads import upload_all

ARRIVED = {
    "type_name": "Công văn",
    "code_number": "777",
    "code_notation": "SNV-VP",
    "issued_date": "2026-06-01",
    "organ_name": "Sở Nội vụ",
    "subject": "Về việc kiểm tra công tác văn thư",
    "page_amount": 2,
    "urgency": "normal",
    "marking": "none",
    "language": "Tiếng Việt",
}


def register(api, token, metadata: dict, **extra):
    """Register ``metadata`` with a small file of its own."""
    upload_id = upload_all(api, token, metadata["code_number"].encode() * 100)
    return api("POST", "/registers/incoming", token, json={"metadata": metadata, "upload_id": upload_id, **extra})


def test_the_registry_registers_an_arrival_with_its_file_and_gets_its_number(app, token_of, session, store):
    api, token = caller(app), token_of("registry")
    data = b"%PDF-1.7 cong van den " * 500
    upload_id = upload_all(api, token, data)
    made = api("POST", "/registers/incoming", token, json={"metadata": ARRIVED, "upload_id": upload_id})
    assert made.status_code == 201, made.json
    line = made.json
    assert (line["kind"], line["series"], line["number"], line["subject"]) == (
        "incoming",
        "regular",
        1,
        ARRIVED["subject"],
    )
    assert made.headers["Location"] == f"/api/v1/register-lines/{line['id']}"
    entry = session.get(RegisterEntry, line["id"])
    (version,) = entry.document.versions
    assert version.file.sha256 == hashlib.sha256(data).hexdigest()
    # The next one the same day gets the next number; the same document again is a likely duplicate, named.
    second = register(api, token, dict(ARRIVED, code_number="778"))
    assert second.status_code == 201 and second.json["number"] == 2
    again = register(api, token, ARRIVED)
    assert again.status_code == 422 and again.mimetype == PROBLEM
    assert [error["field"] for error in again.json["errors"]] == ["duplicate"]
    forced = register(api, token, ARRIVED, allow_duplicate=True)
    assert forced.status_code == 201 and forced.json["number"] == 3
    without = api("POST", "/registers/incoming", token, json={"metadata": dict(ARRIVED, code_number="779")})
    assert without.status_code == 422 and [error["field"] for error in without.json["errors"]] == ["upload_id"]
    listed = api("GET", "/registers/incoming?year=2026&per_page=2&page=2", token).json
    assert (listed["total"], [item["number"] for item in listed["items"]]) == (3, [3])


def test_only_the_registry_registers_and_bad_input_changes_nothing(app, token_of, session):
    api = caller(app)
    refused = api("POST", "/registers/outgoing", token_of("officer1"), json={"metadata": ARRIVED})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    token = token_of("registry")
    bad = api(
        "POST",
        "/registers/incoming",
        token,
        json={"metadata": dict(ARRIVED, issued_date="31/02/2026", subject=""), "colour": "red", "upload_id": 0},
    )
    assert bad.status_code == 422 and {error["field"] for error in bad.json["errors"]} == {"colour"}
    bad = api("POST", "/registers/incoming", token, json={"metadata": dict(ARRIVED, issued_date="31/02/2026")})
    assert bad.status_code == 422 and [error["field"] for error in bad.json["errors"]] == ["issued_date"]
    assert api("POST", "/registers/sideways", token, json={"metadata": ARRIVED}).status_code == 404
    assert session.query(RegisterEntry).count() == 0


def test_a_unit_reads_the_line_sent_to_it_and_no_other(app, token_of, session, world, store, now):
    registry = world.actor("registry")
    line = registers.register_document(
        session, registry, world.org.id, RegisterKind.INCOMING, dict(DOCUMENT), upload(b"%PDF-"), store=store, now=now
    )
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    session.commit()
    api = caller(app)
    mine = api("GET", f"/register-lines/{line.id}", token_of("officer1"))
    assert mine.status_code == 200 and mine.json["assigned_unit_id"] == world.unit_a.id
    assert api("GET", f"/register-lines/{line.id}", token_of("officer2")).status_code == 404
    assert api("GET", "/registers/incoming", token_of("officer1")).status_code == 403
