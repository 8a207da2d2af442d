"""The API's dossiers (hồ sơ): list, read, open from a list entry, change, close."""

from __future__ import annotations

from typing import cast

from flask import Response, jsonify, request, url_for

from administration import access_statistics
from erms import supplementary
from erms.errors import RuleViolation
from erms.models.dossier import DossierState
from erms.web.api import base, shapes
from erms.web.api.spec import IF_MATCH, NO_ROOM, NOT_A_BODY, PAGE, Parameter, operation
from erms.web.common import LARGEST_INTEGER, setting, store, transaction, utcnow
from filing import dossiers

STATE = Parameter("state", "query", {"enum": [state.value for state in DossierState]}, "Only dossiers in this state.")
INVALID = {422: ("Invalid metadata: every field at fault is listed.", "Problem")}
CHANGED = {
    **INVALID,
    412: ("The dossier changed since you read it (If-Match).", "Problem"),
    428: ("If-Match is missing.", "Problem"),
}


def _answer(session, dossier, status: int = 200) -> Response:
    response = jsonify(shapes.dossier(dossier))
    response.status_code = status
    # The documents read with the dossier are in its ETag: closing with it seals those and no others.
    documents = dossiers.documents_seen_of(session, dossier.id)
    return base.with_etag(response, base.etag_of("dossier", dossier.id, dossier.revision, documents))


@operation(
    "GET",
    "/dossiers",
    "The dossiers you may read, newest first.",
    {200: ("A page of dossiers.", "DossierPage"), 400: ("A bad page or state.", "Problem")},
    parameters=(*PAGE, STATE),
)
def list_dossiers():
    page, per_page = base.page_arguments()
    state = request.args.get("state", "")
    if state and state not in {item.value for item in DossierState}:
        raise base.ApiError(400, "state is not a dossier state.", errors=[{"field": "state"}])
    states = (DossierState(state),) if state else ()
    with transaction() as session:
        found, total = dossiers.visible_page(session, base.actor(), states, page, per_page)
        items = [shapes.dossier(dossier) for dossier in found]
    return base.paged(items, total, page, per_page)


@operation(
    "GET",
    "/dossiers/<int:dossier_id>",
    "One dossier's metadata and state (the read is audited, as the dossier's page).",
    {200: ("The dossier.", "Dossier")},
    etag=True,
)
def get_dossier(dossier_id: int):
    with transaction() as session:
        answer = _answer(session, dossiers.get_dossier(session, base.actor(), dossier_id, with_documents=False))
    viewed(dossier_id)
    return answer


def viewed(dossier_id: int) -> None:
    """Audit a read of the dossier, or of its documents, as a view of the dossier's page, which shows both
    (PL6 III.6.a): called only once the read was allowed, in a short write of its own."""
    with transaction(write=True) as session:
        access_statistics.dossier_viewed(session, base.actor(), dossier_id, now=utcnow())


@operation(
    "POST",
    "/dossiers",
    "Open the dossier an approved list entry plans (its metadata pre-filled from the entry, overridden by yours).",
    {
        201: ("The dossier opened.", "Dossier"),
        409: ("A rule refused it (the entry has a dossier already, the list is not approved …).", "Problem"),
        **NOT_A_BODY,
        **INVALID,
    },
    body="OpenDossier",
    etag=True,
)
def open_dossier():
    data = base.body()
    entry_id, values = _opening(data)
    with transaction() as session:
        dossier = dossiers.open_dossier(session, base.actor(), entry_id, values, now=utcnow())
        session.flush()
        answer = _answer(session, dossier, 201)
    answer.headers["Location"] = url_for(".get_dossier", dossier_id=dossier.id)
    return answer


def _opening(data: dict) -> tuple[int, dict]:
    problems = [{"field": name} for name in data if name not in ("entry_id", "metadata", "supplementary")]
    entry_id, values = data.get("entry_id"), data.get("metadata", {})
    if not isinstance(entry_id, int) or isinstance(entry_id, bool) or not 1 <= entry_id <= LARGEST_INTEGER:
        problems.append({"field": "entry_id"})
    if not isinstance(values, dict):
        problems.append({"field": "metadata"})
    if problems:
        raise base.ApiError(422, "entry_id must be a list entry's id and metadata an object.", errors=problems)
    return cast(int, entry_id), with_supplementary(cast(dict, values), data.get("supplementary", {}))


def with_supplementary(values: dict, given: object) -> dict:
    """Return the metadata ``values`` with the body's ``supplementary`` object as the ``supplementary.<name>`` keys
    filing takes. The API names supplementary values only inside that object, so the metadata may not carry such
    a key; and each value is text, as the answers give it back."""
    if not isinstance(given, dict):
        raise base.ApiError(422, "supplementary must be an object.", errors=[{"field": "supplementary"}])
    problems = [{"field": name} for name in values if name.startswith(supplementary.PREFIX)]
    problems += [{"field": supplementary.PREFIX + name} for name, value in given.items() if not isinstance(value, str)]
    if problems:
        raise base.ApiError(422, "Supplementary values go in supplementary, each as text.", errors=problems)
    return {**values, **{supplementary.PREFIX + name: value for name, value in given.items()}}


@operation(
    "PATCH",
    "/dossiers/<int:dossier_id>",
    "Change an open dossier's metadata (the fields you send; rights change only by a confirmed access change).",
    {
        200: ("The dossier as changed.", "Dossier"),
        409: ("A rule refused it (the dossier is not open …).", "Problem"),
        **NOT_A_BODY,
        **CHANGED,
    },
    body="DossierChanges",
    parameters=(IF_MATCH,),
    etag=True,
)
def change_dossier(dossier_id: int):
    data = base.body()
    data = with_supplementary(data, data.pop("supplementary", {}))
    seen = base.matched_revision("dossier", dossier_id)
    with transaction() as session:
        dossier = dossiers.update_dossier(session, base.actor(), dossier_id, data, now=utcnow(), seen_revision=seen)
        session.flush()
        return _answer(session, dossier)


@operation(
    "POST",
    "/dossiers/<int:dossier_id>/close",
    "Close the dossier (kết thúc hồ sơ): its checklist is run, its documents numbered, its index made.",
    {
        200: ("The dossier closed.", "Dossier"),
        409: ("A rule refused it (the checklist …).", "Problem"),
        **CHANGED,
        **NO_ROOM,
    },
    parameters=(IF_MATCH,),
    etag=True,
)
def close_dossier(dossier_id: int):
    seen, shown = base.matched_revision("dossier", dossier_id), base.matched_documents(dossier_id)
    now, font = utcnow(), setting("PDF_FONT")
    with transaction(read_only=True) as session:
        prepared = dossiers.prepare_close(session, base.actor(), dossier_id, now=now, font=font)
    with transaction() as session:
        dossiers.refuse_changed_since(session, base.actor(), dossier_id, seen)
        try:
            dossier = dossiers.close_dossier(
                session, base.actor(), dossier_id, store=store(), now=now, font=font, prepared=prepared,
                shown_documents=shown,
            )  # fmt: skip
        except RuleViolation as refused:
            if refused.template == dossiers.DOCUMENTS_CHANGED:
                raise base.ApiError(412, "The dossier's documents changed since you read it: read it again.") from None
            raise
        session.flush()
        return _answer(session, dossier)
