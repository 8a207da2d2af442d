"""A system gives an opinion through the JSON API (PL6 III.5.a; TT 02/2019 field 17): the document-exchange or
e-office system records the leader's direction it received, on a register line or a document of a dossier, with the
rules of the pages — the same rights, refusals, audit and notice to a draft's author — and nothing is kept when it is
refused."""

from __future__ import annotations

import jsonschema
from sqlalchemy import select

from erms import metadata
from erms.models import Notification, OpinionKind
from filing import dossiers
from filing import opinions as filing_opinions
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_opinions import COMMENT
from tests.web.test_document_opinions import draft_of, handling_of, opinions, text_of
from tests.web.test_document_rights_pages import sent  # noqa: F401
from tests.web.test_leak_review import registered
from tests.web.test_opinion_attacks import DIRECTION, opinion_events

REASON = "Chưa nêu rõ nguồn kinh phí; đề nghị soạn lại mục 3."


def given_as_described(api, answer) -> dict:
    """Return a 201 answer's opinion once checked against the Opinion schema the API's description gives."""
    assert answer.status_code == 201, answer.json
    components = api("GET", "/openapi.json").json["components"]
    jsonschema.validate(answer.json, {"$ref": "#/components/schemas/Opinion", "components": components})
    return answer.json


def refused(answer, status: int) -> dict:
    """Return a refusal's problem once checked to be one, of ``status``."""
    assert (answer.status_code, answer.mimetype) == (status, PROBLEM), answer.get_data(as_text=True)
    return answer.json


def test_the_head_directs_a_registered_line_and_the_officer_reads_it_on_the_page_and_in_json(
    app, browsers, token_of, session, world, store, now, make_dossier
):
    line = registered(session, world, store, now, "90", world.unit_a)
    session.commit()
    api = caller(app)
    body = {"kind": "direction", "text": f"  {DIRECTION}\n"}  # trimmed, as the page's form
    given = api("POST", f"/register-lines/{line.id}/opinions", token_of("head"), json=body)
    opinion = given_as_described(api, given)
    assert opinion == {"kind": "direction", "text": DIRECTION, "author": "Nguyễn Văn head", "given_at": now.isoformat()}
    assert given.headers["Location"] == f"/api/v1/register-lines/{line.id}"
    officer = token_of("officer1")  # of the unit it was sent to, who files it
    assert api("GET", f"/register-lines/{line.id}", officer).json["opinions"] == [opinion]
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    session.commit()
    assert api("GET", f"/documents/{line.document_id}", officer).json["opinions"] == [opinion]
    steps = handling_of(browsers("officer1").get(f"/dossiers/{dossier.id}/documents/{line.document_id}"))
    assert "Ý kiến chỉ đạo" in steps and DIRECTION in steps and "Nguyễn Văn head" in steps
    (event,) = opinion_events(session, line.document_id)
    assert (event["register_entry_id"], event["kind"], event["opinion_text"]) == (line.id, "direction", DIRECTION)


def test_an_officer_comments_on_a_document_of_their_dossier(
    app, browsers, token_of, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    api, officer = caller(app), token_of("officer1")
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    given = api("POST", f"{url}/opinions", officer, json={"kind": "comment", "text": COMMENT})
    opinion = given_as_described(api, given)
    assert opinion == {"kind": "comment", "text": COMMENT, "author": "Nguyễn Văn officer1", "given_at": now.isoformat()}
    assert given.headers["Location"] == f"/api/v1/documents/{document.id}"
    assert api("GET", f"/documents/{document.id}", officer).json["opinions"] == [opinion]
    assert opinions(session, document.id) == [("comment", COMMENT)]
    assert COMMENT in handling_of(browsers("unithead").get(url))
    (event,) = opinion_events(session, document.id)
    assert (event["dossier_id"], event["kind"], event["opinion_text"]) == (dossier.id, "comment", COMMENT)


def test_a_leaders_kind_is_refused_to_an_officer_naming_the_kinds_they_may_give(
    app, token_of, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    line = registered(session, world, store, now, "91", world.unit_a)
    session.commit()
    api, officer = caller(app), token_of("officer1")
    for path in (f"/dossiers/{dossier.id}/documents/{document.id}", f"/register-lines/{line.id}"):
        for kind in ("direction", "content_approval", "form_approval", "sent_back"):
            problem = refused(api("POST", f"{path}/opinions", officer, json={"kind": kind, "text": "Đồng ý"}), 403)
            assert problem["detail"] == (
                f"An opinion of kind {kind} on this document is not yours to give: the head of the organisation and "
                "the heads of the units it was sent to or filed by give directions, approvals and drafts sent back. "
                "You may give: comment."
            ), path
    body, vi = {"kind": "direction", "text": "Đồng ý"}, {"Accept-Language": "vi"}
    vietnamese = api("POST", f"{path}/opinions", officer, json=body, headers=vi)
    assert refused(vietnamese, 403)["detail"].startswith("Bạn không được ghi ý kiến loại direction")
    for document_id in (document.id, line.document_id):
        assert opinions(session, document_id) == [] and opinion_events(session, document_id) == []


def test_another_units_document_and_line_are_not_found_as_on_reading(
    app, token_of, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    other = make_dossier("open")  # unit A's too: a document named under a dossier not holding it is no document
    line = registered(session, world, store, now, "92", world.unit_a)
    session.commit()
    api, stranger = caller(app), token_of("officer2")  # of unit B
    body = {"kind": "comment", "text": "Xem giúp"}
    assert api("GET", f"/documents/{document.id}", stranger).status_code == 404
    refused(api("POST", f"/dossiers/{dossier.id}/documents/{document.id}/opinions", stranger, json=body), 404)
    refused(api("POST", f"/register-lines/{line.id}/opinions", stranger, json=body), 404)
    wrong = f"/dossiers/{other.id}/documents/{document.id}/opinions"
    refused(api("POST", wrong, token_of("officer1"), json=body), 404)
    for document_id in (document.id, line.document_id):
        assert opinions(session, document_id) == [] and opinion_events(session, document_id) == []


def test_a_closed_dossiers_document_and_a_final_one_sent_back_are_refused_by_the_rule(
    app, token_of, session, make_dossier
):
    closed, final = make_dossier("closed"), make_dossier("open")
    session.commit()
    api, head = caller(app), token_of("head")
    (fixed,), (link,) = closed.links, final.links
    url = f"/dossiers/{closed.id}/documents/{fixed.document_id}/opinions"
    problem = refused(api("POST", url, head, json={"kind": "direction", "text": DIRECTION}), 409)
    assert problem["detail"] == (
        f"Dossier {closed.file_code} is no longer open: the record of its documents is fixed and takes no new opinion."
    )
    url = f"/dossiers/{final.id}/documents/{link.document_id}/opinions"
    problem = refused(api("POST", url, head, json={"kind": "sent_back", "text": REASON}), 409)
    assert problem["detail"] == "Only a draft is sent back to its author; this document is final."
    for document_id in (fixed.document_id, link.document_id):
        assert opinions(session, document_id) == [] and opinion_events(session, document_id) == []


def test_bad_bodies_are_refused_naming_the_field_and_nothing_is_kept(
    app, token_of, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    api, head = caller(app), token_of("head")
    url = f"/dossiers/{dossier.id}/documents/{document.id}/opinions"
    bodies = [
        ({"text": DIRECTION}, "kind", "This field is required."),
        ({"kind": "veto", "text": DIRECTION}, "kind", "Choose one of the listed values."),
        ({"kind": "direction", "text": " \n "}, "text", "This field is required."),
        ({"kind": "direction", "text": "ý" * 2001}, "text", "At most 2000 characters."),
        ({"kind": "direction", "text": "Giao\x00"}, "text", "Contains a control character that is not allowed."),
        ({"kind": "direction", "text": DIRECTION, "visible": True}, "visible", "Unknown field."),
    ]
    for body, field, message in bodies:
        problem = refused(api("POST", url, head, json=body), 422)
        assert problem["errors"] == [{"field": field, "message": message}], body
    assert refused(api("POST", url, head, data="kind=direction&text=x"), 415)["detail"] == (
        "Send the body as application/json."
    )
    not_json = api("POST", url, head, data='{"kind": "direction",', content_type="application/json")
    assert refused(not_json, 400)["detail"] == "The body is not a JSON object."
    assert opinions(session, document.id) == [] and opinion_events(session, document.id) == []
    longest = api("POST", url, head, json={"kind": "direction", "text": "ý" * 2000})
    assert longest.status_code == 201  # the schema's bound is the column's, the page's
    schema = metadata.schema("opinion")["properties"]
    assert schema["text"]["maxLength"] == filing_opinions.TEXT_LENGTH
    assert schema["kind"]["enum"] == [kind.value for kind in OpinionKind]


def test_a_draft_sent_back_through_the_api_tells_its_author(
    app, browsers, token_of, session, world, store, now, make_dossier
):
    dossier, document = draft_of(session, world, store, now, make_dossier)
    api = caller(app)
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    given = api("POST", f"{url}/opinions", token_of("unithead"), json={"kind": "sent_back", "text": REASON})
    assert given_as_described(api, given)["text"] == REASON
    notice = session.scalar(select(Notification).where(Notification.kind == "draft_sent_back"))
    assert notice.user_id == world.users["officer1"].id and notice.subject_id == dossier.id
    officer = browsers("officer1")
    assert "Dự thảo số 1 của hồ sơ" in text_of(officer.get("/notices/"))
    assert "Đã chuyển lại dự thảo, bởi Nguyễn Văn unithead" in text_of(officer.get(url))
    (event,) = opinion_events(session, document.id)
    assert (event["kind"], event["opinion_text"]) == ("sent_back", REASON)


def test_a_top_secret_documents_direction_answers_as_each_place_reads_it(
    app,
    token_of,
    session,
    world,
    now,
    make_dossier,
    sent,  # noqa: F811
):
    line = sent(world.unit_a, marking="tuyet_mat")
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    session.commit()
    api, head = caller(app), token_of("head")
    body = {"kind": "direction", "text": DIRECTION}
    on_document = api("POST", f"/dossiers/{dossier.id}/documents/{line.document_id}/opinions", head, json=body)
    assert given_as_described(api, on_document)["text"] is None  # a document's JSON leaves a tuyệt mật subject out
    on_line = api("POST", f"/register-lines/{line.id}/opinions", head, json=body)
    assert given_as_described(api, on_line)["text"] == DIRECTION  # the line's shows it to the head, who reads it
    assert [event["opinion_text"] for event in opinion_events(session, line.document_id)] == [None, None]
    officer = token_of("officer1")  # forms the dossier, reads no tuyệt mật summary: gives no opinion on it
    url = f"/dossiers/{dossier.id}/documents/{line.document_id}/opinions"
    assert refused(api("POST", url, officer, json=body), 403)["detail"] == (
        "You do not read this document's summary, so you give no opinion on it: an opinion is read where it is."
    )
