"""The API's resumable uploads, a small subset of tus 1.0 (https://tus.io/protocols/resumable-upload): start one with
the file's name and size, append chunks at the offset the server holds, ask the offset again after a dropped
connection, then make a document from the complete upload (``erms.web.api.documents``). The rules are
``filing.uploads``'."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from flask import Response, jsonify, request, url_for

from erms import metadata
from erms.web.api import base, shapes
from erms.web.api.spec import NO_ROOM, NOT_A_BODY, Parameter, operation
from erms.web.common import setting, transaction, upload_name, utcnow
from filing import uploads

CHUNK_TYPE = "application/offset+octet-stream"
LARGEST_FILE = 2**53 - 1  # JSON's largest exact whole number; the setting refuses far less
OFFSET = Parameter(
    "Upload-Offset",
    "header",
    {"type": "integer", "minimum": 0, "maximum": LARGEST_FILE},
    "The byte of the file the chunk begins at: the upload's offset now.",
    required=True,
)
OFFSET_NOW = {"Upload-Offset": "The bytes received so far: the next chunk starts here."}


def folder() -> Path:
    """Return the folder of the part files, under the deployment's data folder."""
    return Path(setting("DATA_DIR")) / "uploads"


def _answer(upload, status: int = 200) -> Response:
    response = jsonify(shapes.upload(upload))
    response.status_code = status
    response.headers["Upload-Offset"] = str(upload.received)
    response.headers["Cache-Control"] = "no-store"  # tus: the offset is always asked afresh
    return response


@operation(
    "POST",
    "/uploads",
    "Start a resumable upload (tus 1.0, a subset): declare the file's name, its size in bytes and, optionally, its "
    "SHA-256 (checked when the document is made). Then send its bytes with PATCH to the Location answered.",
    {
        201: ("The upload, at offset 0; Location is its address.", "Upload"),
        409: ("You hold the most uploads allowed that no document was made from yet.", "Problem"),
        **NOT_A_BODY,
        413: ("The size is above the deployment's upload limit, or the body above 1 MiB.", "Problem"),
        422: ("A field is missing or invalid: each is named.", "Problem"),
    },
    body="StartUpload",
    headers={"Location": "The upload's address.", **OFFSET_NOW},
)
def start_upload():
    filename, size, sha256 = _declared(base.body())
    limit = int(setting("MAX_CONTENT_LENGTH"))
    if size > limit:
        raise base.ApiError(413, f"The file is larger than the limit of {limit} bytes.", errors=[{"field": "size"}])
    name = upload_name("filename", filename)  # the web form's checks: no control characters, a name at all
    with transaction() as session:
        upload = uploads.start(session, base.actor(), name, size, sha256, now=utcnow())
        answer = _answer(upload, 201)
    answer.headers["Location"] = url_for(".get_upload", upload_id=upload.id)
    return answer


def _declared(data: dict[str, Any]) -> tuple[str, int, str | None]:
    problems = [{"field": name} for name in data if name not in ("filename", "size", "sha256")]
    filename, size, sha256 = data.get("filename"), data.get("size"), data.get("sha256")
    if not isinstance(filename, str):
        problems.append({"field": "filename"})
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= LARGEST_FILE:
        problems.append({"field": "size"})
    if sha256 is not None and not (isinstance(sha256, str) and uploads.SHA256.match(sha256.lower())):
        problems.append({"field": "sha256"})
    if problems:
        raise base.ApiError(
            422, "Send filename (text), size (bytes, from 1) and optionally sha256 (64 hex digits).", errors=problems
        )
    return cast(str, filename), cast(int, size), sha256.lower() if isinstance(sha256, str) else None


@operation(
    "GET",
    "/uploads/<int:upload_id>",
    "Where an upload of yours is (tus: the offset to resume from after a dropped connection), also as Upload-Offset.",
    {200: ("The upload and its offset.", "Upload")},
    headers=OFFSET_NOW,
)
def get_upload(upload_id: int):
    with transaction() as session:
        return _answer(uploads.get_upload(session, base.actor(), upload_id, now=utcnow()))


@operation(
    "PATCH",
    "/uploads/<int:upload_id>",
    "Append a chunk to an upload of yours (tus 1.0): the body is the bytes, Content-Type "
    "application/offset+octet-stream, Upload-Offset the byte they begin at (the upload's offset now). The answer's "
    "Upload-Offset is the new offset. A chunk for another offset is refused with the offset now (409, member "
    "`offset`), one that would pass the declared size with 413; neither appends anything.",
    {
        204: ("Appended and on disk; Upload-Offset says the new offset.", None),
        400: ("Upload-Offset is missing or not a whole number.", "Problem"),
        409: ("The upload is at another offset (member `offset`), or a document was made from it.", "Problem"),
        413: ("The chunk would pass the size declared at the start.", "Problem"),
        415: ("The body is not application/offset+octet-stream.", "Problem"),
        **NO_ROOM,
    },
    body="Chunk",
    media_type=CHUNK_TYPE,
    parameters=(OFFSET,),
    headers=OFFSET_NOW,
)
def append_upload(upload_id: int):
    now, actor = utcnow(), base.actor()
    with transaction(read_only=True) as session:
        upload = uploads.get_upload(session, actor, upload_id, now=now)  # someone else's is refused first
    offset = _offset()
    if request.mimetype != CHUNK_TYPE:
        raise base.ApiError(415, f"Send the chunk as {CHUNK_TYPE}.")
    with _chunk_refusals():
        uploads.refuse_chunk(upload, offset, request.content_length)  # before a byte is read
        # The chunk is read with no lock held, then appended in a short write transaction under the row's lock.
        with uploads.spooled(folder(), upload, request.stream) as chunk, transaction() as session:
            received = uploads.append(session, actor, upload_id, offset, chunk, folder(), now=now).received
    response = Response(status=204)
    response.headers["Upload-Offset"] = str(received)
    return response


@operation(
    "DELETE",
    "/uploads/<int:upload_id>",
    "Give up an upload of yours no document was made from (a file sent by mistake, a SHA-256 declared wrong): its "
    "bytes are removed and it no longer counts towards the uploads you may hold at once (tus: termination).",
    {
        204: ("Given up; the upload no longer exists.", None),
        409: ("A document was made from it: it is that document's now.", "Problem"),
    },
)
def discard_upload(upload_id: int):
    with transaction() as session:
        uploads.discard(session, base.actor(), upload_id, folder(), now=utcnow())
    return Response(status=204)


def _offset() -> int:
    # ASCII digits that fit 64 bits, read without int() on the header's text (5,000 digits would make it raise).
    offset = metadata.whole_number(request.headers.get("Upload-Offset", ""))
    if offset is None or offset > LARGEST_FILE:
        raise base.ApiError(
            400, "Send Upload-Offset: the byte the chunk begins at.", errors=[{"field": "Upload-Offset"}]
        )
    return offset


@contextlib.contextmanager
def _chunk_refusals() -> Iterator[None]:
    """Answer a chunk for the wrong offset with the offset now (the client resumes there), one too large with 413."""
    try:
        yield
    except uploads.WrongOffset as error:
        detail = f"The upload is at byte {error.offset}: send the bytes from there."
        raise base.ApiError(409, detail, offset=error.offset) from None
    except uploads.PastSize as error:
        detail = f"The chunk would make the file larger than the {error.params['size']} bytes declared."
        raise base.ApiError(413, detail + " Nothing was appended.") from None
