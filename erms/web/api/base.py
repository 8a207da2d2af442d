"""What every route of the JSON API shares: the token that says who calls, errors as ``application/problem+json``
(RFC 9457), pages of lists, and ETags.

A caller authenticates with ``Authorization: Bearer <token>`` (``erms.api_tokens``: per user, hashed at rest,
revocable, expiring) and acts with that user's rights, decided in ``erms.permissions`` as for the web pages. The
browser's session cookie is never read here, so a page of another site cannot make a logged-in browser call the API
(the forms' CSRF tokens are not needed, and the blueprint is exempt from them).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from erms import api_tokens, metadata
from erms.errors import N_, Conflict, ERMSError, InvalidMetadata, NotFound, PermissionDenied, Problem
from erms.permissions import Actor
from erms.web import security
from erms.web.common import integer, transaction, utcnow
from erms.web.errors import FULL_DISK, translate

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
PER_PAGE, MAX_PER_PAGE = 50, 200
# A JSON body holds metadata and ids, never a file (files come in chunks through /uploads): read at most this much of
# it, not the MAX_CONTENT_LENGTH a file may have, which parsed as JSON would take many times its size in memory.
JSON_LIMIT = 1024 * 1024
# No body of ours nests more than three deep (the body, its metadata, a list of ids); a deeper one is refused before
# anything walks it (a schema's error message prints the value it refuses, recursively).
JSON_DEPTH = 16
STATUS_OF: dict[type[ERMSError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    InvalidMetadata: 422,
    Conflict: 412,
}
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Refused by a rule",
    412: "Changed since you read it",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "If-Match required",
    500: "Server error",
    503: "Busy",
    507: "Insufficient storage",
}


class ApiError(Exception):
    """A refusal of the API itself (no token, a bad header, a body that is not JSON)."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem(status: int, detail: str, **extra: Any) -> Response:
    """Return an RFC 9457 problem answer; ``extra`` adds members (``errors`` for the fields at fault)."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="erms"'
    return response


def field_errors(problems: list[Problem]) -> list[dict[str, str]]:
    """Return each problem as ``{"field", "message"}``, the message in the request's language."""
    return [{"field": item.field, "message": translate(item.template, item.params)} for item in problems]


API_CONFLICT = N_(
    "%(who)s saved this record at %(when)s, after the version your If-Match names: nothing was saved. Read it again "
    "(its ETag) and send the change anew."
)


def refused(error: ERMSError) -> Response:
    """Answer a refusal of the domain: its status, its message and, for invalid input, every field at fault."""
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 409)
    if status in (403, 404):
        security.record_refusal("security.denied", status=status)
    detail = translate(error.template, error.params)
    if isinstance(error, Conflict) and error.template == Conflict.template:
        # A form's wording ("after you opened the form … your form differs in") says nothing to a system.
        detail = translate(API_CONFLICT, {"who": error.params.get("who", ""), "when": error.params.get("when", "")})
    if isinstance(error, InvalidMetadata):
        return problem(status, detail, errors=field_errors(error.problems))
    return problem(status, detail)


def http_problem(error: HTTPException) -> Response:
    code = error.code or 500
    return problem(code, TITLES.get(code, error.name) + ".")


def api_error(error: ApiError) -> Response:
    return problem(error.status, error.detail, **error.extra)


def collided(error: Exception) -> Response:
    """Two callers changed the same record at the same moment and the database kept the first."""
    log.warning("conflicting write, API call refused with 409: %s", getattr(error, "orig", error))
    return problem(409, "Someone else changed the same record at the same moment; nothing was saved: read it again.")


def busy(error: Exception) -> Response:
    """The database stayed busy past the wait: nothing was saved, the caller tries again."""
    log.warning("database busy, API call refused with 503: %s", getattr(error, "orig", error))
    response = problem(503, "The database is busy; nothing was saved: try again in a few seconds.")
    response.headers["Retry-After"] = "5"
    return response


def no_room(error: OSError) -> Response:
    """A full disk while storing: nothing was saved and no partial file is left (as ``errors.handle_disk`` says on the
    web); any other OS error stays a server error."""
    if error.errno not in FULL_DISK:
        raise error
    log.error("no room to store files, API call refused with 507: %s", error)
    return problem(
        507, "There is no room left to store files; nothing was saved: tell the administrator, then try again."
    )


def authenticate() -> None:
    """Find the caller of the token in the Authorization header (``g.api_actor``), or refuse with 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send an API token: Authorization: Bearer <token>.")
    now = utcnow()
    with transaction(read_only=True) as session:
        found = api_tokens.bearer(session, token.strip(), now=now)
    if found is None:
        raise ApiError(401, "The API token is unknown, expired or revoked.")
    if found.touch_due:  # at most once a minute a token: most calls only read
        with transaction(write=True) as session:
            api_tokens.touch(session, found.token_id, now=now)
    g.api_actor = found.actor


def actor() -> Actor:
    return g.api_actor


def body() -> dict[str, Any]:
    """Return the request's JSON object, or refuse one that is not a JSON object, is nested deeper than the parser
    goes, or is larger than JSON_LIMIT (413, before it is read)."""
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.")
    request.max_content_length = min(JSON_LIMIT, request.max_content_length or JSON_LIMIT)
    try:
        data = request.get_json(silent=True)
    except RequestEntityTooLarge:
        raise ApiError(
            413, f"The JSON body is larger than {JSON_LIMIT} bytes; files are sent through /uploads."
        ) from None
    except RecursionError:
        data = None  # "[[[[…": nested past the parser's depth, no object any route takes
    if not isinstance(data, dict):
        raise ApiError(400, "The body is not a JSON object.")
    if _deeper_than(data, JSON_DEPTH):
        raise ApiError(400, f"The body is nested deeper than {JSON_DEPTH} levels.")
    return data


def _deeper_than(data: Any, most: int) -> bool:
    """Return True if ``data`` nests objects or arrays more than ``most`` levels deep (walked without recursion)."""
    waiting: list[tuple[Any, int]] = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if depth > most:
            return True
        inside = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        waiting.extend((item, depth + 1) for item in inside if isinstance(item, dict | list))
    return False


def checked(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` with the schema of ``kind`` (the same the web forms use), listing every problem."""
    return metadata.check(kind, data)


def page_arguments() -> tuple[int, int]:
    """Return the page (from 1) and its size asked for in the query, or refuse values that are not numbers."""
    values = []
    for name, default, highest in (("page", 1, 1_000_000), ("per_page", PER_PAGE, MAX_PER_PAGE)):
        # ASCII digits only, of a bounded length: "²" passes str.isdigit, and int() refuses both it and 5,000 digits.
        number = integer(request.args.get(name, str(default)))
        if number is None or not 1 <= number <= highest:
            raise ApiError(400, f"{name} must be a whole number from 1 to {highest}.", errors=[{"field": name}])
        values.append(number)
    return values[0], values[1]


def paged(items: list[dict], total: int, page: int, per_page: int) -> Response:
    """Return one page of a list with its total and the page numbers."""
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


def etag_of(kind: str, record_id: int, revision: int, documents: str = "") -> str:
    """Return a record's ETag: its revision, and for a dossier the digest of its documents as they were read."""
    return f'"{kind}-{record_id}-r{revision}' + (f"-d{documents}" if documents else "") + '"'


def with_etag(response: Response, tag: str) -> Response:
    response.headers["ETag"] = tag
    return response


def matched_revision(kind: str, record_id: int) -> int:
    """Return the revision the If-Match header names for this record: a change is refused without it (428), with
    an ETag of another record (412), or when the record changed since (412, by the service)."""
    return _matched(kind, record_id)[0]


def matched_documents(dossier_id: int) -> str:
    """Return the digest of a dossier's documents the If-Match header names (closing seals exactly those; empty in an
    ETag made before ETags carried it, which then matches no dossier's documents)."""
    return _matched("dossier", dossier_id)[1]


def _matched(kind: str, record_id: int) -> tuple[int, str]:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        raise ApiError(428, "Send If-Match with the ETag of the record you read, so no change of another is lost.")
    prefix = f'"{kind}-{record_id}-r'
    tag = wanted.strip()
    inside = tag[len(prefix) : -1] if tag.startswith(prefix) and tag.endswith('"') else ""
    revision, _, documents = inside.partition("-d")
    number = integer(revision)
    if number is None:
        raise ApiError(412, "If-Match is not an ETag of this record: read it, then send its ETag.")
    return number, documents
