"""The JSON API attacked as an outside system or a malicious token holder would: each hole found in the review, shown
refused with a precise 4xx and nothing changed (the state after is read back, not only the status)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from administration import people
from erms import search
from erms.models import ApiToken, ApiUpload, BackgroundJob, Dossier, Transfer
from erms.models.dossier import DossierState
from filing import uploads
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_uploads import CHUNK, start, upload_all

MANY_DIGITS = "9" * 5000  # past the 4,300 digits int() reads from text


@pytest.fixture
def api(app):
    return caller(app)


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# ---------------------------------------------------------------- tokens


def test_a_deactivated_persons_tokens_do_not_come_back_with_the_account(api, token_of, session, world, now):
    token = token_of("officer1")
    assert api("GET", "/me", token).status_code == 200
    officer = world.users["officer1"]
    people.set_active(session, world.actor("admin"), officer.id, False, now=now)
    session.commit()
    assert api("GET", "/me", token).status_code == 401
    # Reactivated (a mistake undone, a return): their sessions stay ended, and so do the tokens they had lent.
    people.set_active(session, world.actor("admin"), officer.id, True, now=now + timedelta(days=1))
    session.commit()
    assert api("GET", "/me", token).status_code == 401
    assert _count(session, ApiToken, ApiToken.user_id == officer.id, ApiToken.revoked_at.is_(None)) == 0


# ---------------------------------------------------------------- bodies


def test_a_json_body_above_a_mebibyte_is_refused_and_opens_nothing(api, token_of, session, world):
    entry = world.approved_list().entries[0]
    session.commit()
    token = token_of("officer1")
    # MAX_CONTENT_LENGTH is a file's limit (200 MB): parsed as JSON, such a body would take gigabytes of memory.
    huge = api("POST", "/dossiers", token, json={"entry_id": entry.id, "metadata": {"description": "x" * 2_000_000}})
    assert huge.status_code == 413 and huge.mimetype == PROBLEM
    assert "larger than 1048576 bytes" in huge.json["detail"]
    assert _count(session, Dossier) == 0
    opened = api("POST", "/dossiers", token, json={"entry_id": entry.id, "metadata": {"description": "x" * 500}})
    assert opened.status_code == 201  # a body of ordinary size still goes through


def test_json_nested_deeper_than_the_parser_goes_is_a_bad_request_not_a_crash(api, token_of, session, world):
    entry = world.approved_list().entries[0]
    session.commit()
    token = token_of("officer1")
    headers = {"Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    inside = '{"entry_id": %d, "metadata": {"title": %s}}'
    for text in (deep, inside % (entry.id, deep), inside % (entry.id, "[" * 500 + "]" * 500)):
        answer = api("POST", "/dossiers", token, data=text, headers=headers)
        assert answer.status_code == 400 and answer.mimetype == PROBLEM, answer.status_code
    assert _count(session, Dossier) == 0


# ---------------------------------------------------------------- numbers that are not numbers


def test_numbers_in_a_query_or_a_header_that_int_refuses_are_a_bad_request(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    for query in ({"page": "²"}, {"per_page": "³"}, {"page": MANY_DIGITS}):
        refused = api("GET", "/dossiers", token, query_string=query)
        assert refused.status_code == 400 and refused.mimetype == PROBLEM
        assert refused.json["errors"] == [{"field": next(iter(query))}]
    registry = token_of("registry")
    for query in ({"year": MANY_DIGITS}, {"organisation_id": MANY_DIGITS}):
        refused = api("GET", "/registers/incoming", registry, query_string=query)
        assert refused.status_code == 400 and refused.json["errors"] == [{"field": next(iter(query))}]
    # If-Match: an ETag whose revision only looks like a number changes nothing.
    for revision in ("²", MANY_DIGITS):
        tag = {"If-Match": f'"dossier-{dossier.id}-r{revision}"'}
        refused = api("PATCH", f"/dossiers/{dossier.id}", token, json={"keyword": "đổi"}, headers=tag)
        assert refused.status_code == 412 and refused.mimetype == PROBLEM
    session.expire_all()
    assert session.get(Dossier, dossier.id).keyword != "đổi"
    # Upload-Offset of 5,000 digits: refused before a byte is appended.
    upload_id = start(api, token, b"abc").json["id"]
    headers = {"Upload-Offset": MANY_DIGITS, "Content-Type": CHUNK}
    refused = api("PATCH", f"/uploads/{upload_id}", token, data=b"abc", headers=headers)
    assert refused.status_code == 400 and refused.json["errors"] == [{"field": "Upload-Offset"}]
    assert api("GET", f"/uploads/{upload_id}", token).json["offset"] == 0


# ---------------------------------------------------------------- uploads


def test_a_person_holds_a_bounded_number_of_unfinished_uploads(api, token_of, session, world, make_app, now):
    token = token_of("council1")  # a role that files nothing: uploads are open to everyone, so is the disk
    for _number in range(10):
        start(api, token, b"x" * 100)
    # Each may be declared as large as the upload limit (200 MB) and fills the disk for a day: the 11th is refused.
    refused = api("POST", "/uploads", token, json={"filename": "thêm.pdf", "size": 200_000_000})
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert "10 uploads" in refused.json["detail"] and uploads.MOST_OPEN == 10
    council = world.users["council1"].id
    assert _count(session, ApiUpload, ApiUpload.user_id == council) == 10
    # Those that expired (a day later) no longer count.
    later = caller(make_app(CLOCK=lambda: now + uploads.LIFETIME + timedelta(minutes=1)))
    assert later("POST", "/uploads", token, json={"filename": "sau.pdf", "size": 10}).status_code == 201


def test_a_file_name_no_xml_can_carry_is_refused(api, token_of, session, world):
    token = token_of("officer1")
    for name in ("biên bản\uffff.pdf", "\ufffe.pdf"):
        refused = api("POST", "/uploads", token, json={"filename": name, "size": 10})
        assert refused.status_code == 422 and [error["field"] for error in refused.json["errors"]] == ["filename"]
    assert _count(session, ApiUpload) == 0


def test_an_ingest_for_a_unit_code_with_a_nul_queues_nothing(api, token_of, session):
    token = token_of("archivist")
    upload_id = upload_all(api, token, b"not a bag at all")
    refused = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "VP\u0000"})
    assert refused.status_code == 422 and [error["field"] for error in refused.json["errors"]] == ["unit"]
    assert _count(session, BackgroundJob) == 0
    assert session.get(ApiUpload, upload_id).used_at is None  # still the caller's to use


# ---------------------------------------------------------------- lists


def test_a_transfer_names_at_most_as_many_dossiers_as_the_web_form(api, token_of, make_dossier, session):
    dossier = make_dossier("closed")
    session.commit()
    token = token_of("officer1")
    # 70,000 ids, one bound value each: past what PostgreSQL (65,535) or SQLite built with its default limit (32,766)
    # takes in one statement, whose driver error the API answered as "busy, try again".
    ids = [dossier.id, *range(dossier.id + 1, dossier.id + 70_000)]
    assert len(json.dumps({"dossier_ids": ids})) < 1024 * 1024
    refused = api("POST", "/transfers", token, json={"dossier_ids": ids})
    assert refused.status_code == 422 and refused.json["errors"] == [{"field": "dossier_ids"}]
    assert _count(session, Transfer) == 0
    assert session.get(Dossier, dossier.id).state is DossierState.CLOSED


def test_search_answers_the_page_size_it_paged_by(api, token_of, make_dossier, session):
    make_dossier("open")
    session.commit()
    search.catch_up(session)
    found = api("GET", "/search?q=van+thu&per_page=200", token_of("officer1")).json
    # The engine pages by at most MAX_PER_PAGE: a caller told 200 would skip results 101 to 200 at page 2.
    assert found["per_page"] == search.MAX_PER_PAGE
