"""Documents through the JSON API (issue 26): a file sent in resumable chunks (a subset of tus 1.0), the document
made from it by the web form's service, read and downloaded back with the dossier pages' rights."""

from __future__ import annotations

import hashlib
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from erms import api_tokens, db
from erms.app import create_app
from erms.errors import PermissionDenied
from erms.models import ApiUpload, AuditEvent, Document
from filing import uploads
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World
from tests.live_server import serving
from tests.web.test_api import PROBLEM, caller

CHUNK = "application/offset+octet-stream"
BYTES = os.urandom(200_000)  # three chunks of ~66 KB


@pytest.fixture
def api(app):
    return caller(app)


def start(api, token, data: bytes = BYTES, **declared):
    answer = api("POST", "/uploads", token, json={"filename": "Quyết định 15.pdf", "size": len(data), **declared})
    assert answer.status_code == 201, answer.json
    return answer


def send(api, token, upload_id: int, offset: int, chunk: bytes, media_type: str = CHUNK):
    headers = {"Upload-Offset": str(offset), "Content-Type": media_type}
    return api("PATCH", f"/uploads/{upload_id}", token, data=chunk, headers=headers)


def upload_all(api, token, data: bytes = BYTES, **declared) -> int:
    upload_id = start(api, token, data, **declared).json["id"]
    assert send(api, token, upload_id, 0, data).status_code == 204
    return upload_id


def test_a_file_resumed_after_a_dropped_chunk_becomes_a_document_with_the_same_bytes(
    api, token_of, make_dossier, session, tmp_path
):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    started = start(api, token, sha256=hashlib.sha256(BYTES).hexdigest())
    upload_id = started.json["id"]
    assert started.headers["Location"] == f"/api/v1/uploads/{upload_id}"
    assert started.json == {
        "id": upload_id,
        "filename": "Quyết định 15.pdf",
        "size": len(BYTES),
        "offset": 0,
        "complete": False,
        "expires_at": started.json["expires_at"],
    }
    thirds = [BYTES[:66_000], BYTES[66_000:132_000], BYTES[132_000:]]
    first = send(api, token, upload_id, 0, thirds[0])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "66000"
    # The second chunk is "dropped": the client does not know whether it arrived, so it asks.
    assert send(api, token, upload_id, 66_000, thirds[1]).status_code == 204
    where = api("GET", f"/uploads/{upload_id}", token)
    assert where.json["offset"] == 132_000 and where.headers["Upload-Offset"] == "132000"
    assert send(api, token, upload_id, 132_000, thirds[2]).headers["Upload-Offset"] == str(len(BYTES))
    assert api("GET", f"/uploads/{upload_id}", token).json["complete"] is True
    part = tmp_path / "uploads" / f"{upload_id}.part"
    assert stat.S_IMODE(part.stat().st_mode) == 0o600 and part.read_bytes() == BYTES

    added = api(
        "POST",
        f"/dossiers/{dossier.id}/documents",
        token,
        json={"metadata": dict(DOCUMENT, code_number="77"), "upload_id": upload_id},
    )
    assert added.status_code == 201, added.json
    document = added.json
    assert added.headers["Location"] == f"/api/v1/documents/{document['id']}"
    assert added.headers["ETag"] == f'"document-{document["id"]}-r{document["revision"]}"'
    assert document["code_number"] == "77" and document["subject"] == DOCUMENT["subject"]
    [version] = document["versions"]
    assert version["sha256"] == hashlib.sha256(BYTES).hexdigest() and version["size"] == len(BYTES)
    assert version["filename"] == "Quyết định 15.pdf"
    assert not part.exists()  # removed once the document committed

    read = api("GET", f"/documents/{document['id']}", token)
    assert read.json == document and read.headers["ETag"] == added.headers["ETag"]
    listed = api("GET", f"/dossiers/{dossier.id}/documents", token).json
    assert [item["id"] for item in listed["items"]][-1] == document["id"] and listed["total"] == 2
    downloaded = api("GET", f"/documents/{document['id']}/versions/{version['id']}/file", token)
    assert downloaded.status_code == 200 and downloaded.data == BYTES
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    session.expire_all()
    audited = session.query(AuditEvent).filter_by(action="document.downloaded", subject_id=document["id"]).count()
    assert audited == 1
    # Used up: no second document from the same upload.
    again = api("POST", f"/dossiers/{dossier.id}/documents", token, json={"metadata": DOCUMENT, "upload_id": upload_id})
    assert again.status_code == 409 and again.mimetype == PROBLEM


def test_a_chunk_for_the_wrong_offset_is_refused_with_the_offset_to_resume_from(api, token_of):
    token = token_of("officer1")
    upload_id = start(api, token).json["id"]
    assert send(api, token, upload_id, 0, BYTES[:1000]).status_code == 204
    refused = send(api, token, upload_id, 0, BYTES[:1000])
    assert refused.status_code == 409 and refused.mimetype == PROBLEM and refused.json["offset"] == 1000
    assert send(api, token, upload_id, 5000, BYTES[5000:6000]).json["offset"] == 1000
    assert api("GET", f"/uploads/{upload_id}", token).json["offset"] == 1000


def test_a_chunk_past_the_declared_size_appends_nothing(api, token_of, tmp_path):
    token = token_of("officer1")
    upload_id = start(api, token, BYTES[:10_000]).json["id"]
    assert send(api, token, upload_id, 0, BYTES[:4000]).status_code == 204
    refused = send(api, token, upload_id, 4000, BYTES[4000:12_000])
    assert refused.status_code == 413 and refused.mimetype == PROBLEM
    assert api("GET", f"/uploads/{upload_id}", token).json["offset"] == 4000
    assert (tmp_path / "uploads" / f"{upload_id}.part").read_bytes() == BYTES[:4000]
    assert [path.name for path in (tmp_path / "uploads").iterdir()] == [f"{upload_id}.part"]  # no spool left


def test_bad_headers_and_bad_starts_are_named(api, token_of, app):
    token = token_of("officer1")
    upload_id = start(api, token).json["id"]
    missing = api("PATCH", f"/uploads/{upload_id}", token, data=b"x", headers={"Content-Type": CHUNK})
    assert missing.status_code == 400 and missing.json["errors"] == [{"field": "Upload-Offset"}]
    assert send(api, token, upload_id, 0, b"x", "application/json").status_code == 415
    assert send(api, token, upload_id, 0, b"x").status_code == 204
    too_large = api("POST", "/uploads", token, json={"filename": "a.pdf", "size": app.config["MAX_CONTENT_LENGTH"] + 1})
    assert too_large.status_code == 413 and too_large.json["errors"] == [{"field": "size"}]
    control = api("POST", "/uploads", token, json={"filename": "a\u202egpj.exe", "size": 10})
    assert control.status_code == 422 and [item["field"] for item in control.json["errors"]] == ["filename"]
    nameless = api("POST", "/uploads", token, json={"filename": "..", "size": 10})
    assert nameless.status_code == 422 and nameless.json["errors"][0]["field"] == "filename"
    wrong = api("POST", "/uploads", token, json={"filename": "a.pdf", "size": 0, "sha256": "xyz", "extra": 1})
    assert sorted(item["field"] for item in wrong.json["errors"]) == ["extra", "sha256", "size"]
    # A path sent as a name keeps its last part only, as the web form does.
    assert start(api, token, filename="C:\\fakepath\\Tờ trình.docx").json["filename"] == "Tờ trình.docx"


def test_bytes_that_differ_from_the_declared_digest_make_no_document(api, token_of, make_dossier, session, store):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    upload_id = upload_all(api, token, sha256=hashlib.sha256(b"other bytes").hexdigest())
    before = session.query(Document).count()
    refused = api(
        "POST", f"/dossiers/{dossier.id}/documents", token, json={"metadata": DOCUMENT, "upload_id": upload_id}
    )
    assert refused.status_code == 422 and [item["field"] for item in refused.json["errors"]] == ["upload_id"]
    session.expire_all()
    assert session.query(Document).count() == before
    assert not store.path_for(hashlib.sha256(BYTES).hexdigest()).exists()


def test_uploads_are_their_senders_and_documents_keep_the_dossier_rights(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    officer, other_unit = token_of("officer1"), token_of("officer2")
    mine = upload_all(api, officer)
    # Another person's upload does not exist for them, to read, to append to or to make a document from.
    assert api("GET", f"/uploads/{mine}", other_unit).status_code == 404
    assert send(api, other_unit, mine, len(BYTES), b"x").status_code == 404
    theirs = upload_all(api, other_unit)
    body = {"metadata": DOCUMENT, "upload_id": mine}
    assert api("POST", f"/dossiers/{dossier.id}/documents", other_unit, json=body).status_code == 404
    # With their own upload, an officer of another unit still cannot add to the dossier, nor read its documents.
    body = {"metadata": DOCUMENT, "upload_id": theirs}
    assert api("POST", f"/dossiers/{dossier.id}/documents", other_unit, json=body).status_code == 404
    document_id = dossier.links[0].document_id
    assert api("GET", f"/documents/{document_id}", other_unit).status_code == 404
    assert api("GET", f"/dossiers/{dossier.id}/documents", other_unit).status_code == 404
    version_id = dossier.links[0].document.versions[0].id
    assert api("GET", f"/documents/{document_id}/versions/{version_id}/file", other_unit).status_code == 404
    assert api("GET", f"/documents/{document_id}/versions/{version_id}/file", officer).status_code == 200
    # Their upload is still unused: the refused request wrote nothing.
    assert api("GET", f"/uploads/{theirs}", other_unit).json["complete"] is True
    session.expire_all()
    assert session.get(ApiUpload, theirs).used_at is None


def test_an_incomplete_upload_or_none_at_all_makes_no_document(api, token_of, make_dossier, session):
    dossier = make_dossier("open")
    session.commit()
    token = token_of("officer1")
    upload_id = start(api, token).json["id"]
    assert send(api, token, upload_id, 0, BYTES[:100]).status_code == 204
    body = {"metadata": DOCUMENT, "upload_id": upload_id}
    incomplete = api("POST", f"/dossiers/{dossier.id}/documents", token, json=body)
    assert incomplete.status_code == 409 and incomplete.mimetype == PROBLEM
    # The web form refuses an unclassified document without its file: so does the API, naming upload_id.
    fileless = api("POST", f"/dossiers/{dossier.id}/documents", token, json={"metadata": DOCUMENT})
    assert fileless.status_code == 422 and [item["field"] for item in fileless.json["errors"]] == ["upload_id"]
    invalid = api("POST", f"/dossiers/{dossier.id}/documents", token, json={"metadata": {**DOCUMENT, "subject": ""}})
    assert invalid.status_code == 422 and "subject" in {item["field"] for item in invalid.json["errors"]}


def test_an_upload_expires_after_a_day(api, token_of, make_app, now):
    token = token_of("officer1")
    upload_id = upload_all(api, token, BYTES[:10])
    later = caller(make_app(CLOCK=lambda: now + timedelta(hours=24, seconds=1)))
    assert later("GET", f"/uploads/{upload_id}", token).status_code == 404


@pytest.fixture
def live(database_url, tmp_path):
    """Serve the app on a loopback port from a thread pool, on a database of its own (real commits)."""
    with own_database(database_url, tmp_path, "uploads") as url:
        engine = db.make_engine(url)
        with db.transaction(db.make_session_factory(engine)) as session:
            world = World(session, NOW)
            # The live app runs on the real clock.
            _row, token = api_tokens.create(session, world.actor("officer1"), "live", 30, now=datetime.now(UTC))
        app = create_app({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url, "SECRET_KEY": "live-test"})
        with serving(app) as base:
            yield f"{base}/api/v1", token, tmp_path / "data" / "uploads"
        engine.dispose()


def test_chunks_sent_at_once_to_one_upload_never_interleave(live):
    base, token, folder = live
    auth = {"Authorization": f"Bearer {token}"}
    started = requests.post(f"{base}/uploads", json={"filename": "a.bin", "size": len(BYTES)}, headers=auth)
    upload_id = started.json()["id"]
    chunks = [bytes([number]) * 50_000 for number in range(8)]

    def send_at_zero(chunk: bytes) -> requests.Response:
        headers = {**auth, "Upload-Offset": "0", "Content-Type": CHUNK}
        return requests.patch(f"{base}/uploads/{upload_id}", data=chunk, headers=headers)

    with ThreadPoolExecutor(len(chunks)) as pool:
        answers = list(pool.map(send_at_zero, chunks))
    assert sorted(answer.status_code for answer in answers) == [204] + [409] * 7
    assert {answer.json()["offset"] for answer in answers if answer.status_code == 409} == {50_000}
    [winner] = [chunk for chunk, answer in zip(chunks, answers, strict=True) if answer.status_code == 204]
    assert (folder / f"{upload_id}.part").read_bytes() == winner
    assert requests.get(f"{base}/uploads/{upload_id}", headers=auth).json()["offset"] == 50_000


def test_an_upload_given_up_leaves_the_disk_and_frees_its_place(api, token_of, tmp_path, session, now):
    token = token_of("officer1")
    upload_id = upload_all(api, token)
    part = tmp_path / "uploads" / f"{upload_id}.part"
    assert part.exists()
    theirs = upload_all(api, token_of("officer2"))
    assert api("DELETE", f"/uploads/{theirs}", token).status_code == 404  # another's is no upload at all
    assert (tmp_path / "uploads" / f"{theirs}.part").exists()
    gone = api("DELETE", f"/uploads/{upload_id}", token)
    assert gone.status_code == 204 and not part.exists()
    assert api("GET", f"/uploads/{upload_id}", token).status_code == 404
    assert api("DELETE", f"/uploads/{upload_id}", token).status_code == 404
    held = [start(api, token, b"x" * 10).json["id"] for _ in range(10)]  # the one given up no longer counts
    assert api("POST", "/uploads", token, json={"filename": "a.pdf", "size": 10}).status_code == 409
    session.get(ApiUpload, held[0]).used_at = now  # a document was made from it
    session.commit()
    used = api("DELETE", f"/uploads/{held[0]}", token)
    assert used.status_code == 409 and "A document was already made from this upload." in used.json["detail"]
    assert api("DELETE", f"/uploads/{held[1]}", token).status_code == 204
    assert api("POST", "/uploads", token, json={"filename": "a.pdf", "size": 10}).status_code == 201


def test_a_chunk_that_arrives_after_its_sender_was_deactivated_is_not_appended(api, token_of, tmp_path, session, world):
    token = token_of("officer1")
    upload_id = start(api, token).json["id"]
    sender = world.actor("officer1")  # as the request read the token, before the administrator acted
    world.users["officer1"].active = False  # the administrator, while the chunk was on its way
    session.flush()
    spool = tmp_path / "chunk"
    spool.write_bytes(BYTES)
    with spool.open("rb") as chunk, pytest.raises(PermissionDenied):
        uploads.append(session, sender, upload_id, 0, chunk, tmp_path / "uploads", now=NOW)
    assert session.get(ApiUpload, upload_id).received == 0
