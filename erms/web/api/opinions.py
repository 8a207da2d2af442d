"""The API's opinions on a document (ý kiến xử lý, NĐ 30 PL6 III.5.a): where a document-exchange or e-office system
records the direction, comment, approval or draft sent back it received, on a document of a dossier or on a register
line before the document is filed.

The body is checked against ``schemas/opinion-v1.json``; the opinion is then given by ``filing.opinions``, as from
the document's page or the line's: the same rights, refusals, audit and notice to a draft's author.
"""

from __future__ import annotations

from flask import Response, jsonify, url_for

from erms.models import DocumentOpinion
from erms.web.api import base, shapes
from erms.web.api.spec import NOT_A_BODY, operation
from erms.web.common import transaction, utcnow
from filing import opinions

# A 403 (REFUSALS: their rights) names the kinds the caller may give, or says they do not read the document.
ANSWERS: dict[int, tuple[str, str | None]] = {
    201: ("The opinion given, as the document's JSON shows it; Location is where it is read.", "Opinion"),
    **NOT_A_BODY,
    409: ("A rule refused it: a dossier holding the document is closed, or a final document is sent back.", "Problem"),
    422: ("The body breaks the GiveOpinion schema, or the text is empty once trimmed: each field is named.", "Problem"),
}


def _asked() -> tuple[str, str]:
    """Return the kind and text of the body, or refuse (422) naming every field at fault."""
    given = base.checked("opinion", base.body())
    return given["kind"], given["text"]


def _given(opinion: DocumentOpinion, shown: bool, location: str) -> Response:
    answer = jsonify(shapes.opinion(opinion, shown))
    answer.status_code = 201
    answer.headers["Location"] = location
    return answer


@operation(
    "POST",
    "/dossiers/<int:dossier_id>/documents/<int:document_id>/opinions",
    "Give an opinion on a document of an open dossier you read, as its page does: a comment if you read its content; "
    "a direction, an approval of its content or form, or a draft sent back to its author (who is told) if you are "
    "the head or the head of a unit it belongs to. Audited; never changed afterwards.",
    ANSWERS,
    body="GiveOpinion",
    headers={"Location": "The document's address, whose JSON lists its opinions."},
)
def give_opinion(dossier_id: int, document_id: int):
    kind, text = _asked()
    with transaction() as session:
        opinion = opinions.give(session, base.actor(), dossier_id, document_id, kind, text, now=utcnow())
        # Its giver reads the document's content (else refused), so its text shows where the subject does.
        answer = _given(
            opinion,
            shapes.subject_shown(True, opinion.document.marking),
            url_for(".get_document", document_id=document_id),
        )
    return answer


@operation(
    "POST",
    "/register-lines/<int:entry_id>/opinions",
    "Give an opinion on a register line's document, filed or not (the leader directs an incoming document as soon as "
    "it is registered), as the line's page does: a comment if you read its summary; a direction or an approval if "
    "you are the head or the head of the unit it was sent to. Audited; never changed afterwards.",
    ANSWERS,
    body="GiveOpinion",
    headers={"Location": "The register line's address, whose JSON lists its document's opinions."},
)
def give_line_opinion(entry_id: int):
    kind, text = _asked()
    actor = base.actor()
    with transaction() as session:
        reached = opinions.on_line(session, actor, entry_id)
        opinion = opinions.add(session, actor, reached, kind, text, now=utcnow())
        # Its giver reads the line's summary (else refused), and the line's JSON shows its opinions' text to them.
        answer = _given(opinion, True, url_for(".get_register_line", entry_id=entry_id))
    return answer
