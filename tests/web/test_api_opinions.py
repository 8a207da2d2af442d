"""A document's handling through the JSON API (PL6 III.5.a; TT 02/2019 field 17): its JSON carries the opinions given
on it (kind, text, author, time) and an outgoing one's recipients with their codes (PL6 III.1.g), as the description
says; an opinion's text is withheld (null) wherever the document's subject is."""

from __future__ import annotations

import jsonschema

from filing import dossiers, opinions
from tests.factories import DOCUMENT, upload
from tests.web.test_api import caller
from tests.web.test_document_rights_pages import sent  # noqa: F401
from tests.web.test_leak_review import restrict
from tests.web.test_opinion_attacks import DIRECTION

COMMENT = "Đề nghị bổ sung số liệu quý I."


def described(api, answer: dict) -> dict:
    """Return ``answer`` once checked against the Document schema the API's description gives."""
    components = api("GET", "/openapi.json").json["components"]
    jsonschema.validate(answer, {"$ref": "#/components/schemas/Document", "components": components})
    return answer


def test_a_documents_json_carries_its_opinions_and_an_outgoing_ones_recipients(
    app, token_of, session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    data = dict(DOCUMENT, direction="outgoing", recipients="- UBND quận Đống Đa;\n- Như trên;\n- Lưu: VT, VP.")
    officer = world.actor("officer1")
    document = dossiers.add_document(session, officer, dossier.id, data, upload(b"%PDF-1.4 cv"), store=store, now=now)
    opinions.give(session, world.actor("head"), dossier.id, document.id, "direction", DIRECTION, now=now)
    opinions.give(session, officer, dossier.id, document.id, "comment", COMMENT, now=now)
    session.commit()
    api, token = caller(app), token_of("officer1")
    read = described(api, api("GET", f"/documents/{document.id}", token).json)
    assert read["opinions"] == [
        {"kind": "direction", "text": DIRECTION, "author": "Nguyễn Văn head", "given_at": now.isoformat()},
        {"kind": "comment", "text": COMMENT, "author": "Nguyễn Văn officer1", "given_at": now.isoformat()},
    ]
    assert read["recipients"] == [
        {"name": "UBND quận Đống Đa", "code": "000.00.00.H26"},  # the deployment's own organisation, by its name
        {"name": "Như trên", "code": ""},
        {"name": "Lưu: VT, VP", "code": ""},
    ]
    (listed,) = api("GET", f"/dossiers/{dossier.id}/documents", token).json["items"]
    assert (listed["opinions"], listed["recipients"]) == (read["opinions"], read["recipients"])


def test_the_api_withholds_an_opinions_text_where_the_summary_is_withheld(
    app,
    token_of,
    session,
    world,
    now,
    make_dossier,
    sent,  # noqa: F811
):
    dossier = make_dossier("open")
    (link,) = dossier.links
    opinions.give(session, world.actor("head"), dossier.id, link.document_id, "direction", DIRECTION, now=now)
    restrict(session, world, "officer1", dossier.id, link.document_id, now)
    secret = sent(world.unit_a, marking="tuyet_mat")
    dossiers.link_document(session, world.actor("officer1"), dossier.id, secret.document_id, now=now)
    opinions.give(session, world.actor("head"), dossier.id, secret.document_id, "direction", DIRECTION, now=now)
    session.commit()
    api = caller(app)
    restricted = described(api, api("GET", f"/documents/{link.document_id}", token_of("archivist")).json)
    assert restricted["subject"] == "" and restricted["opinions"] == [
        {"kind": "direction", "text": None, "author": "Nguyễn Văn head", "given_at": now.isoformat()}
    ]  # the archivist reads the dossier, not the document restricted on its own
    assert api("GET", f"/documents/{link.document_id}", token_of("officer1")).json["opinions"][0]["text"] == DIRECTION
    for reader in ("officer1", "head"):  # a tuyệt mật subject is left out of every answer, and so is its opinion
        top_secret = api("GET", f"/documents/{secret.document_id}", token_of(reader)).json
        assert top_secret["subject"] == "" and [o["text"] for o in top_secret["opinions"]] == [None], reader
    for item in api("GET", f"/dossiers/{dossier.id}/documents", token_of("archivist")).json["items"]:
        assert [opinion["text"] for opinion in item["opinions"]] == [None], item["id"]
