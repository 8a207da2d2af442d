"""A direction given on a register line before its document is filed reaches the systems that read the register
through the API (PL6 III.5.a; TT 02/2019 incoming field 17): the line's JSON carries the opinions, their text withheld
(null) wherever the line's summary is, as the description says."""

from __future__ import annotations

import jsonschema

from filing import opinions
from tests.web.test_api import caller
from tests.web.test_document_rights_pages import sent  # noqa: F401
from tests.web.test_leak_review import registered
from tests.web.test_opinion_attacks import DIRECTION


def line_json(api, token: str, line_id: int) -> dict:
    """Return the line's JSON once checked against the RegisterLine schema the API's description gives."""
    answer = api("GET", f"/register-lines/{line_id}", token).json
    components = api("GET", "/openapi.json").json["components"]
    jsonschema.validate(answer, {"$ref": "#/components/schemas/RegisterLine", "components": components})
    return answer


def test_a_direction_on_an_unfiled_line_is_read_through_the_api(app, token_of, session, world, store, now):
    line = registered(session, world, store, now, "90", world.unit_a)
    head = world.actor("head")
    opinions.add(session, head, opinions.on_line(session, head, line.id), "direction", DIRECTION, now=now)
    session.commit()
    api = caller(app)
    read = line_json(api, token_of("officer1"), line.id)  # the officer of the unit it was sent to
    assert read["opinions"] == [
        {"kind": "direction", "text": DIRECTION, "author": "Nguyễn Văn head", "given_at": now.isoformat()}
    ]
    listed = api("GET", f"/registers/incoming?organisation_id={world.org.id}&year={line.year}", token_of("registry"))
    assert [item["opinions"] for item in listed.json["items"] if item["id"] == line.id] == [read["opinions"]]


def test_a_top_secret_lines_direction_is_withheld_from_the_registry(
    app,
    token_of,
    session,
    world,
    now,
    sent,  # noqa: F811
):
    line = sent(world.unit_a, marking="tuyet_mat")
    head = world.actor("head")
    opinions.add(session, head, opinions.on_line(session, head, line.id), "direction", DIRECTION, now=now)
    session.commit()
    api = caller(app)
    (withheld,) = line_json(api, token_of("registry"), line.id)["opinions"]
    assert withheld["kind"] == "direction" and withheld["text"] is None
    (read,) = line_json(api, token_of("head"), line.id)["opinions"]
    assert read["text"] == DIRECTION
