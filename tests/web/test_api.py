"""The JSON API under /api/v1 (issue 26): tokens, the same rights as the pages, problem+json, pages, ETags."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from erms import api_tokens, search
from erms.models import Dossier
from filing import dossiers
from tests.factories import DOCUMENT, another_agency

PROBLEM = "application/problem+json"


def caller(app):
    """Return a function calling the API of ``app`` with a token (no cookie, no CSRF token: a system, not a
    browser)."""
    client = app.test_client(use_cookies=False)

    def call(method: str, path: str, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def api(app):
    return caller(app)


def test_no_unknown_expired_or_revoked_token_gets_in(api, token_of, now, make_app):
    assert api("GET", "/me").status_code == 401
    answer = api("GET", "/me", "erms_not-a-token")
    assert answer.status_code == 401 and answer.mimetype == PROBLEM
    assert answer.json["detail"] == "The API token is unknown, expired or revoked."
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="erms"'
    token = token_of("officer1", days=1)
    assert api("GET", "/me", token).json["username"] == "officer1"
    # A day later the token has expired.
    later = caller(make_app(CLOCK=lambda: now + timedelta(days=1, seconds=1)))
    assert later("GET", "/me", token).status_code == 401


def test_a_revoked_token_and_a_deactivated_person_are_refused(api, token_of, session, world, now):
    token, other = token_of("officer1"), token_of("officer2")
    mine = api_tokens.tokens_of(session, world.actor("officer1"), world.users["officer1"].id)[0]
    api_tokens.revoke(session, world.actor("officer1"), mine.id, now=now)
    world.users["officer2"].active = False
    session.commit()
    assert api("GET", "/me", token).status_code == 401
    assert api("GET", "/me", other).status_code == 401


def test_a_token_reads_what_its_person_may_read_and_nothing_else(
    api, token_of, make_dossier, session, world, store, now
):
    dossier = make_dossier("open")
    agency = another_agency(session, world, store, now)
    session.commit()
    officer, other_unit = token_of("officer1"), token_of("officer2")
    foreign = token_of("", actor=agency.actors["officer3"])
    assert api("GET", f"/dossiers/{dossier.id}", officer).json["title"] == dossier.title
    for token in (other_unit, foreign):
        refused = api("GET", f"/dossiers/{dossier.id}", token)
        assert refused.status_code == 404 and refused.mimetype == PROBLEM
    listed = api("GET", "/dossiers", officer).json
    assert [item["id"] for item in listed["items"]] == [dossier.id] and listed["total"] == 1
    assert api("GET", "/dossiers", other_unit).json == {"items": [], "total": 0, "page": 1, "per_page": 50}
    assert api("GET", f"/dossiers/{agency.dossier.id}", officer).status_code == 404


def test_lists_come_in_pages_and_bad_page_numbers_are_named(api, token_of, session, world):
    world.approved_list(entries=5)
    session.commit()
    token = token_of("officer1")
    lists = api("GET", "/dossier-lists", token).json
    assert [item["year"] for item in lists["items"]] == [2026]
    list_id = lists["items"][0]["id"]
    second = api("GET", f"/dossier-lists/{list_id}/entries?page=2&per_page=2", token).json
    assert (second["total"], second["page"], second["per_page"]) == (5, 2, 2)
    assert [item["number"] for item in second["items"]] == [3, 4]
    bad = api("GET", "/dossiers?per_page=500", token)
    assert bad.status_code == 400 and bad.json["errors"] == [{"field": "per_page"}]
    assert api("GET", "/dossiers?page=x", token).json["detail"] == "page must be a whole number from 1 to 1000000."


def test_opening_a_dossier_validates_with_the_forms_schema_and_changes_nothing_when_refused(
    api, token_of, session, world
):
    entry = world.approved_list().entries[0]
    session.commit()
    token = token_of("officer1")
    invalid = api(
        "POST",
        "/dossiers",
        token,
        json={"entry_id": entry.id, "metadata": {"title": "", "start_date": "05/01/2026", "colour": "red"}},
    )
    assert invalid.status_code == 422 and invalid.mimetype == PROBLEM
    assert {error["field"] for error in invalid.json["errors"]} == {"title", "start_date", "colour"}
    assert session.query(Dossier).count() == 0
    assert api("POST", "/dossiers", token, data="title=x").status_code == 415
    assert api("POST", "/dossiers", token, json=[1]).status_code == 400
    opened = api("POST", "/dossiers", token, json={"entry_id": entry.id, "metadata": {"keyword": "kế hoạch"}})
    assert opened.status_code == 201
    assert opened.headers["Location"] == f"/api/v1/dossiers/{opened.json['id']}"
    assert re.fullmatch(rf'"dossier-{opened.json["id"]}-r1-d[0-9a-f]{{32}}"', opened.headers["ETag"])
    assert (opened.json["state"], opened.json["keyword"], opened.json["title"]) == ("open", "kế hoạch", entry.title)
    again = api("POST", "/dossiers", token, json={"entry_id": entry.id})
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert api("POST", "/dossiers", token_of("officer2"), json={"entry_id": entry.id}).status_code in (403, 404)


def test_changes_need_the_etag_of_the_record_as_it_is_now(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    read = api("GET", f"/dossiers/{dossier.id}", token)
    tag = read.headers["ETag"]
    change = {"description": "Đã rà soát"}
    missing = api("PATCH", f"/dossiers/{dossier.id}", token, json=change)
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    changed = api("PATCH", f"/dossiers/{dossier.id}", token, json=change, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.json["description"] == "Đã rà soát"
    assert changed.headers["ETag"] != tag
    stale = api("PATCH", f"/dossiers/{dossier.id}", token, json={"keyword": "x"}, headers={"If-Match": tag})
    assert stale.status_code == 412 and "saved this record" in stale.json["detail"]
    assert "If-Match" in stale.json["detail"] and "form" not in stale.json["detail"]  # said to a system, not a form
    assert api("GET", f"/dossiers/{dossier.id}", token).json["keyword"] != "x"
    other = api("PATCH", f"/dossiers/{dossier.id}", token, json=change, headers={"If-Match": '"dossier-999-r1"'})
    assert other.status_code == 412
    closed = api("POST", f"/dossiers/{dossier.id}/close", token, headers={"If-Match": tag})
    assert closed.status_code == 412  # the description changed since that ETag
    closed = api("POST", f"/dossiers/{dossier.id}/close", token, headers={"If-Match": changed.headers["ETag"]})
    assert closed.status_code == 200 and closed.json["state"] == "closed" and closed.json["closed_at"]


def test_a_close_seals_only_the_documents_its_caller_read(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    tag = api("GET", f"/dossiers/{dossier.id}", token).headers["ETag"]
    later = {"metadata": {**DOCUMENT, "medium": "paper", "subject": "Văn bản đồng nghiệp thêm sau"}}
    assert api("POST", f"/dossiers/{dossier.id}/documents", token_of("unithead"), json=later).status_code == 201
    refused = api("POST", f"/dossiers/{dossier.id}/close", token, headers={"If-Match": tag})
    assert refused.status_code == 412 and "documents changed since you read it" in refused.json["detail"]
    unsaying = f'"dossier-{dossier.id}-r{dossier.revision}"'  # an ETag that does not name the documents read
    assert api("POST", f"/dossiers/{dossier.id}/close", token, headers={"If-Match": unsaying}).status_code == 412
    assert api("GET", f"/dossiers/{dossier.id}", token).json["state"] == "open"
    read_again = api("GET", f"/dossiers/{dossier.id}", token).headers["ETag"]
    closed = api("POST", f"/dossiers/{dossier.id}/close", token, headers={"If-Match": read_again})
    assert closed.status_code == 200 and closed.json["state"] == "closed"


def test_errors_speak_the_language_the_caller_accepts(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    body = {"description": "x" * 600}
    tag = {"If-Match": f'"dossier-{dossier.id}-r{dossier.revision}"'}
    english = api("PATCH", f"/dossiers/{dossier.id}", token, json=body, headers=tag)
    vietnamese = api("PATCH", f"/dossiers/{dossier.id}", token, json=body, headers={**tag, "Accept-Language": "vi"})
    assert english.json["errors"][0]["field"] == "description"
    assert english.json["errors"][0]["message"] != vietnamese.json["errors"][0]["message"]
    assert api("GET", "/no-such-thing", token).mimetype == PROBLEM
    assert api("DELETE", "/me", token).status_code == 405
    assert api("PATCH", "/dossiers/0", token, json={}).status_code == 404  # no record has id 0


def test_search_finds_with_the_same_rights(api, token_of, make_dossier, session):
    make_dossier("open")
    session.commit()
    search.catch_up(session)
    found = api("GET", "/search?q=van+thu", token_of("officer1")).json
    assert found["total"] >= 1 and found["items"][0]["kind"] in ("dossier", "document")
    assert api("GET", "/search?q=van+thu", token_of("officer2")).json["total"] == 0


def test_search_takes_the_pages_filters_and_names_a_value_it_cannot_take(api, token_of, make_dossier, session):
    make_dossier("open")
    session.commit()
    search.catch_up(session)
    token = token_of("officer1")
    everything = api("GET", "/search?q=quy+che", token).json
    counted = {facet["value"]: facet["count"] for facet in everything["facets"]["kind"]}
    assert everything["total"] > 0
    for kind in ("dossier", "document"):  # the filter answers what its facet counted, nothing else
        only = api("GET", f"/search?q=quy+che&kind={kind}", token).json
        assert only["total"] == counted.get(kind, 0) and {item["kind"] for item in only["items"]} <= {kind}
    assert api("GET", "/search?q=quy+che&year=1999", token).json["total"] == 0
    wrong = api("GET", "/search?q=quy+che&year=abc&date_from=31/02/2026&sort=best", token)
    assert wrong.status_code == 400 and wrong.mimetype == PROBLEM
    assert [error["field"] for error in wrong.json["errors"]] == ["date_from", "sort", "year"]


def test_a_document_found_names_a_dossier_holding_it_that_the_caller_reads(api, token_of, session, world, store, now,
                                                                         make_dossier):  # fmt: skip
    from tests.web.test_removal_and_edit_rights import crossed

    line, mine, theirs = crossed(session, world, store, now, make_dossier)
    session.commit()
    search.catch_up(session)
    for reader, dossier in (("officer1", mine), ("officer2", theirs)):
        found = api("GET", "/search?q=boi+thuong+giai+phong", token_of(reader)).json["items"]
        assert {"kind": "document", "id": line.document_id, "dossier_id": dossier.id} in [
            {key: item[key] for key in ("kind", "id", "dossier_id")} for item in found
        ], reader


def test_the_description_and_its_page_are_public(api):
    document = api("GET", "/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert "/dossiers/{dossier_id}" in document["paths"]
    opening = document["paths"]["/dossiers"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert opening == {"$ref": "#/components/schemas/OpenDossier"}
    assert document["components"]["schemas"]["DossierMetadata"]["properties"]["title"]["maxLength"] == 500
    page = api("GET", "/")
    assert page.status_code == 200 and "GET /api/v1/dossiers" in page.text


def test_two_changes_at_the_same_moment_get_a_problem_not_a_page(api, token_of, make_dossier, session, monkeypatch):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")

    def collide(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'dossiers' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(dossiers, "update_dossier", collide)
    tag = {"If-Match": f'"dossier-{dossier.id}-r{dossier.revision}"'}
    answer = api("PATCH", f"/dossiers/{dossier.id}", token, json={"keyword": "x"}, headers=tag)
    assert answer.status_code == 409 and answer.mimetype == PROBLEM
    assert answer.json["detail"].startswith("Someone else changed the same record at the same moment")
