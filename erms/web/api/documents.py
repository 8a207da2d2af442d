"""The API's documents (văn bản): add one to an open dossier with the file of a complete upload, read one, list a
dossier's, download a version's bytes."""

from __future__ import annotations

from typing import cast

from flask import Response, jsonify, url_for
from sqlalchemy.orm import Session

from administration import access_statistics
from erms.web.api import base, shapes
from erms.web.api import dossiers as dossier_api
from erms.web.api.spec import NO_ROOM, NOT_A_BODY, PAGE, operation
from erms.web.api.uploads import folder
from erms.web.common import LARGEST_INTEGER, attachment, setting, store, transaction, utcnow
from filing import documents, uploads


def _answer(session: Session, found: documents.Readable, status: int = 200) -> Response:
    response = jsonify(
        shapes.document(found, documents.checks_of(session, [found]), documents.handled_of(session, [found]))
    )
    response.status_code = status
    return base.with_etag(response, base.etag_of("document", found.document.id, found.document.revision))


@operation(
    "POST",
    "/dossiers/<int:dossier_id>/documents",
    "Add a document to an open dossier, numbered next in line: its metadata (as the web form's), its supplementary "
    "values and, in upload_id, a complete upload of yours as its file (used up by it). An unclassified document needs "
    "its file.",
    {
        201: ("The document added; Location is its address.", "Document"),
        409: ("A rule refused it (the dossier is not open, the upload is incomplete or used …).", "Problem"),
        **NOT_A_BODY,
        422: ("Invalid metadata, or bytes that differ from the declared SHA-256: each field is named.", "Problem"),
        **NO_ROOM,
    },
    body="AddDocument",
    etag=True,
    headers={"Location": "The document's address."},
)
def add_document(dossier_id: int):
    values, upload_id, flags = _adding(base.body())
    actor, now = base.actor(), utcnow()
    with transaction() as session:
        document = uploads.add_document(
            session,
            actor,
            dossier_id,
            values,
            upload_id,
            folder=folder(),
            store=store(),
            max_size=int(setting("MAX_CONTENT_LENGTH")),
            now=now,
            **flags,
        )
        session.flush()
        answer = _answer(session, documents.get_document(session, actor, document.id), 201)
    answer.headers["Location"] = url_for(".get_document", document_id=document.id)
    return answer


def _adding(data: dict) -> tuple[dict, int | None, dict[str, bool]]:
    flags = {name: data.get(name, False) for name in ("scan", "certified_copy")}
    problems = [{"field": name} for name in data if name not in ("metadata", "upload_id", "supplementary", *flags)]
    problems += [{"field": name} for name, value in flags.items() if not isinstance(value, bool)]
    values, upload_id = data.get("metadata"), data.get("upload_id")
    if not isinstance(values, dict):
        problems.append({"field": "metadata"})
    if upload_id is not None and (
        not isinstance(upload_id, int) or isinstance(upload_id, bool) or not 1 <= upload_id <= LARGEST_INTEGER
    ):
        problems.append({"field": "upload_id"})
    if problems:
        raise base.ApiError(
            422,
            "metadata must be an object, upload_id an upload's id, scan and certified_copy true or false.",
            errors=problems,
        )
    values = dossier_api.with_supplementary(cast(dict, values), data.get("supplementary", {}))
    return values, cast(int | None, upload_id), cast(dict[str, bool], flags)


@operation(
    "GET",
    "/documents/<int:document_id>",
    "One document: its metadata, its versions' files (name, size, SHA-256), the opinions given on it and an outgoing "
    "one's recipients with their codes, if you read a dossier holding it (the read is audited, as the document's "
    "page).",
    {200: ("The document.", "Document")},
    etag=True,
)
def get_document(document_id: int):
    with transaction() as session:
        found = documents.get_document(session, base.actor(), document_id)
        answer, dossier_id = _answer(session, found), found.dossier.id
    # Only once the read was allowed, in a short write of its own, counted as a view of the page (PL6 III.6.a).
    with transaction(write=True) as session:
        access_statistics.document_viewed(session, base.actor(), dossier_id, document_id, now=utcnow())
    return answer


@operation(
    "GET",
    "/dossiers/<int:dossier_id>/documents",
    "The documents of a dossier, in its order (each page read is audited, as a view of the dossier's page, which "
    "lists them).",
    {200: ("A page of documents.", "DocumentPage"), 400: ("A bad page.", "Problem")},
    parameters=PAGE,
)
def list_documents(dossier_id: int):
    page, per_page = base.page_arguments()
    with transaction() as session:
        found, total = documents.dossier_documents(session, base.actor(), dossier_id, page, per_page)
        checks, handled = documents.checks_of(session, found), documents.handled_of(session, found)
        answer = base.paged([shapes.document(item, checks, handled) for item in found], total, page, per_page)
    dossier_api.viewed(dossier_id)
    return answer


@operation(
    "GET",
    "/documents/<int:document_id>/versions/<int:version_id>/file",
    "Download a version's bytes, as an attachment (the download is audited, as on the dossier page).",
    {
        200: ("The bytes (their media type, never sniffed).", None),
        409: ("The dossier's files are gone (destroyed, or handed over).", "Problem"),
    },
    headers={"Content-Disposition": "attachment, with the version's file name."},
)
def download_version(document_id: int, version_id: int):
    with transaction(write=True) as session:
        stream, version = documents.open_version(
            session, base.actor(), document_id, version_id, store=store(), now=utcnow()
        )
        name, media_type = version.filename, version.file.media_type
    return attachment(stream, name, media_type)
