"""The API's registers (sổ đăng ký văn bản đi, văn bản đến): where a document-workflow system registers what arrives
and what is sent, and reads the register back."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flask import jsonify, request, url_for
from sqlalchemy.orm import Session

from administration import access_statistics
from erms import metadata
from erms.models.register import RegisterEntry, RegisterKind, RegisterSeries
from erms.web.api import base, shapes
from erms.web.api import dossiers as dossier_api
from erms.web.api import uploads as api_uploads
from erms.web.api.spec import NOT_A_BODY, PAGE, Parameter, operation
from erms.web.common import LARGEST_INTEGER, integer, setting, store, transaction, utcnow
from filing import documents, registers, uploads
from filing.dossiers import Upload

KINDS = f"<any({', '.join(kind.value for kind in RegisterKind)}):kind>"
ORGANISATION = Parameter(
    "organisation_id", "query", {"type": "integer", "minimum": 1}, "Your organisation (needed if you have several)."
)
YEAR = Parameter("year", "query", {"type": "integer", "minimum": 1900, "maximum": 2999}, "The register's year.")
SERIES = Parameter(
    "series", "query", {"enum": [series.value for series in RegisterSeries]}, "Ordinary or classified (regular)."
)
BODY_KEYS = ("organisation_id", "metadata", "supplementary", "document_code", "allow_duplicate", "upload_id")


def _organisation(given: object) -> int:
    """Return the organisation asked for, or the caller's only one."""
    if given is None:
        mine = base.actor().organisation_ids()
        if len(mine) != 1:
            raise base.ApiError(422, "Name the organisation: organisation_id.", errors=[{"field": "organisation_id"}])
        return next(iter(mine))
    if not isinstance(given, int) or isinstance(given, bool) or not 1 <= given <= LARGEST_INTEGER:
        raise base.ApiError(422, "organisation_id is not an organisation's id.", errors=[{"field": "organisation_id"}])
    return given


@operation(
    "GET",
    f"/registers/{KINDS}",
    "One register's lines of a year (incoming or outgoing), in number order.",
    {200: ("A page of register lines.", "RegisterLinePage"), 400: ("A bad page, year or series.", "Problem")},
    parameters=(ORGANISATION, YEAR, SERIES, *PAGE),
)
def list_register(kind: str):
    page, per_page = base.page_arguments()
    register = RegisterKind(kind)
    organisation_id = _organisation(_number("organisation_id"))
    year = _number("year") or utcnow().year
    series = request.args.get("series", RegisterSeries.REGULAR.value)
    if series not in {item.value for item in RegisterSeries}:
        raise base.ApiError(400, "series is regular or classified.", errors=[{"field": "series"}])
    with transaction() as session:
        found, total = registers.register_page(
            session, base.actor(), organisation_id, register, year, RegisterSeries(series), page, per_page
        )
        withheld = registers.withheld_summaries(session, base.actor(), found)
        handled = documents.handled_for(session, [line.document_id for line in found])
        items = [shapes.register_line(line, withheld, handled) for line in found]
    return base.paged(items, total, page, per_page)


def _line(session: Session, line: RegisterEntry) -> dict:
    """One line as its reader sees it, with its document's handling."""
    withheld = registers.withheld_summaries(session, base.actor(), [line])
    return shapes.register_line(line, withheld, documents.handled_for(session, [line.document_id]))


def _number(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    number = integer(raw)  # None for text that is no number the database holds (5,000 digits, "²")
    if number is None or number < 1:
        raise base.ApiError(400, f"{name} must be a whole number.", errors=[{"field": name}])
    if name == "year" and not metadata.EARLIEST_DAY.year <= number <= metadata.LATEST_DAY.year:
        first, last = metadata.EARLIEST_DAY.year, metadata.LATEST_DAY.year
        raise base.ApiError(400, f"year must be a year from {first} to {last}.", errors=[{"field": name}])
    return number


@operation(
    "GET",
    "/register-lines/<int:entry_id>",
    "One register line and its document (the register's readers, and the unit it was sent to).",
    {200: ("The register line.", "RegisterLine")},
)
def get_register_line(entry_id: int):
    with transaction() as session:
        line = registers.readable_line(session, base.actor(), entry_id)
        answer = jsonify(_line(session, line))
    with transaction(write=True) as session:  # a view of its document, as the line's page counts it (PL6 III.6.a)
        access_statistics.register_line_viewed(session, base.actor(), entry_id, now=utcnow())
    return answer


@operation(
    "POST",
    f"/registers/{KINDS}",
    "Register a document that arrived or is sent (the registry): it gets the next number of its register and series; "
    "its file, if any, from a completed upload.",
    {
        201: ("The register line made.", "RegisterLine"),
        **NOT_A_BODY,
        409: ("A rule refused it (a classified document's file, an upload not complete …).", "Problem"),
        422: ("Invalid metadata, or a likely duplicate (duplicate): every field at fault is listed.", "Problem"),
    },
    body="RegisterDocument",
)
def register(kind: str):
    register_kind = RegisterKind(kind)
    data = base.body()
    unknown = [{"field": name} for name in data if name not in BODY_KEYS]
    if unknown:
        raise base.ApiError(422, "Unknown members in the body.", errors=unknown)
    organisation_id = _organisation(data.get("organisation_id"))
    values, code, duplicate, upload_id = _registration(data)
    now = utcnow()
    with transaction() as session:
        upload = _taken(session, upload_id, now) if upload_id else None
        try:
            line = uploads.upload_named(
                lambda: registers.register_document(
                    session,
                    base.actor(),
                    organisation_id,
                    register_kind,
                    values,
                    upload,
                    store=store(),
                    document_code=code,
                    allow_duplicate=duplicate,
                    now=now,
                )
            )
        finally:
            if upload is not None:
                upload.stream.close()  # the part file is removed once the registration commits
        session.flush()
        answer = jsonify(_line(session, line))
        answer.status_code = 201
        answer.headers["Location"] = url_for(".get_register_line", entry_id=line.id)
    return answer


def _taken(session: Session, upload_id: int, now: datetime) -> Upload:
    """Use up the caller's complete upload as the registered document's file."""
    limit = int(setting("MAX_CONTENT_LENGTH"))
    return uploads.take(session, base.actor(), upload_id, folder=api_uploads.folder(), max_size=limit, now=now)


def _registration(data: dict) -> tuple[dict, str, bool, int | None]:
    """Return the metadata, document code, duplicate confirmation and upload of a registration, or refuse."""
    problems = []
    values, code = data.get("metadata"), data.get("document_code", "")
    duplicate, upload_id = data.get("allow_duplicate", False), data.get("upload_id")
    if not isinstance(values, dict):
        problems.append({"field": "metadata"})
    if not isinstance(code, str):
        problems.append({"field": "document_code"})
    if not isinstance(duplicate, bool):
        problems.append({"field": "allow_duplicate"})
    valid_upload = isinstance(upload_id, int) and not isinstance(upload_id, bool) and 1 <= upload_id <= LARGEST_INTEGER
    if upload_id is not None and not valid_upload:
        problems.append({"field": "upload_id"})
    if problems:
        raise base.ApiError(422, "The registration's members are of the wrong kind.", errors=problems)
    values = dossier_api.with_supplementary(cast(dict, values), data.get("supplementary", {}))
    return values, cast(str, code), cast(bool, duplicate), cast("int | None", upload_id)
