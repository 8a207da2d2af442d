"""Reading through the JSON API is logged and counted as on the pages (NĐ 30 PL6 III.6.a): a dossier or a document
read, a dossier's documents listed, a version downloaded, each writes its page's event and shows in the access
statistics; a register line counts as a view of its document, as its page; a search writes nothing, as its page; a
refused read writes no view, only the security event the page's refusal writes.
A full disk while storing answers a problem (507) like every other API error, not the web's HTML page."""

from __future__ import annotations

import errno
import json
import os

import pytest
from sqlalchemy import func, select

from administration import access_statistics
from erms import search, storage
from erms.config import LOCAL_TZ
from erms.models import AuditEvent, Document
from erms.models.register import RegisterKind
from filing import registers, uploads
from tests.factories import DOCUMENT, another_agency, upload
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_uploads import BYTES, send, start, upload_all

READS = ("dossier.viewed", "document.viewed", "document.downloaded")


def counted(session, world, now, kind: str) -> dict[int, tuple[int, int]]:
    """Return the views and downloads of each record of ``kind`` today, as the statistics page counts them."""
    today = now.astimezone(LOCAL_TZ).date()
    lines = access_statistics.statistics(session, world.actor("admin"), access_statistics.Query(kind, today, today))
    return {line.record_id: (line.views, line.downloads) for line in lines}


def reads_logged(session) -> list[tuple[str, str, int | None]]:
    """Return who read what, in the order the audit log holds it."""
    session.expire_all()
    query = select(AuditEvent.action, AuditEvent.actor_name, AuditEvent.subject_id).order_by(AuditEvent.id)
    return [tuple(row) for row in session.execute(query.where(AuditEvent.action.in_(READS)))]


def full(_fd) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_dossier_read_through_the_api_is_logged_and_counted_as_a_page_view(
    app, token_of, browsers, make_dossier, session, world, now
):
    dossier = make_dossier("open")
    session.commit()
    api, token = caller(app), token_of("officer1")
    assert browsers("officer1").get(f"/dossiers/{dossier.id}").status_code == 200
    first, second = api("GET", f"/dossiers/{dossier.id}", token), api("GET", f"/dossiers/{dossier.id}", token)
    assert first.status_code == 200 and first.json["title"] == dossier.title
    # Logging the read changes nothing the caller sees: the same body, the same ETag (no new revision).
    assert second.json == first.json and second.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"].startswith(f'"dossier-{dossier.id}-r1-d')
    assert reads_logged(session) == [("dossier.viewed", "officer1", dossier.id)] * 3
    assert counted(session, world, now, "dossiers") == {dossier.id: (3, 0)}


def test_a_document_read_and_downloaded_through_the_api_is_logged_and_counted(
    app, token_of, make_dossier, session, world, now
):
    dossier = make_dossier("open")
    document = dossier.links[0].document
    version = document.versions[0]
    session.commit()
    api, token = caller(app), token_of("officer1")
    read = api("GET", f"/documents/{document.id}", token)
    assert read.status_code == 200 and read.json["id"] == document.id and read.json["subject"] == document.subject
    downloaded = api("GET", f"/documents/{document.id}/versions/{version.id}/file", token)
    assert downloaded.status_code == 200 and downloaded.headers["Content-Disposition"].startswith("attachment")
    assert api("GET", f"/documents/{document.id}", token).json == read.json
    assert reads_logged(session) == [
        ("document.viewed", "officer1", document.id),
        ("document.downloaded", "officer1", document.id),
        ("document.viewed", "officer1", document.id),
    ]
    viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.viewed")).first()
    assert viewed is not None and json.loads(viewed.details) == {"dossier_id": dossier.id}  # where, as on the page
    assert counted(session, world, now, "documents") == {document.id: (2, 1)}


def test_a_refused_read_through_the_api_logs_no_view_and_counts_nothing(
    app, token_of, make_dossier, session, world, store, now
):
    dossier = make_dossier("open")
    document = dossier.links[0].document
    version = document.versions[0]
    foreign = token_of("", actor=another_agency(session, world, store, now).actors["officer3"])
    api = caller(app)
    for token in (token_of("officer2"), foreign):  # another unit's officer, another agency's
        for path in (
            f"/dossiers/{dossier.id}",
            f"/documents/{document.id}",
            f"/documents/{document.id}/versions/{version.id}/file",
        ):
            refused = api("GET", path, token)
            assert refused.status_code == 404 and refused.mimetype == PROBLEM, path
    assert api("GET", "/dossiers/999999", token_of("officer1")).status_code == 404
    assert reads_logged(session) == []
    assert counted(session, world, now, "dossiers") == counted(session, world, now, "documents") == {}


def test_a_document_added_onto_a_full_disk_answers_a_problem_and_its_upload_stays_usable(
    app, token_of, make_dossier, session, store, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    session.commit()
    api, token = caller(app), token_of("officer1")
    upload_id = upload_all(api, token)
    adding = {"metadata": DOCUMENT, "upload_id": upload_id}
    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "fsync", full)  # the disk fills as the file is flushed into the store
        refused = api("POST", f"/dossiers/{dossier.id}/documents", token, json=adding)
    assert refused.status_code == 507 and refused.mimetype == PROBLEM
    assert refused.json["title"] == "Insufficient storage"
    assert refused.json["detail"].startswith("There is no room left to store files; nothing was saved")
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert list((store.root / "incoming").iterdir()) == []  # no half-written file
    assert api("POST", f"/dossiers/{dossier.id}/documents", token, json=adding).status_code == 201


def test_a_dossier_closed_onto_a_full_disk_answers_a_problem_and_stays_open(
    app, token_of, make_dossier, session, monkeypatch
):
    dossier = make_dossier("open")
    session.commit()
    api, token = caller(app), token_of("officer1")
    closing = {"headers": {"If-Match": api("GET", f"/dossiers/{dossier.id}", token).headers["ETag"]}}
    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "fsync", full)  # the disk fills as the index PDF is stored
        refused = api("POST", f"/dossiers/{dossier.id}/close", token, **closing)
    assert refused.status_code == 507 and refused.mimetype == PROBLEM
    assert api("GET", f"/dossiers/{dossier.id}", token).json["state"] == "open"
    assert api("POST", f"/dossiers/{dossier.id}/close", token, **closing).json["state"] == "closed"


def test_a_chunk_sent_onto_a_full_disk_answers_a_problem_and_is_sent_again(app, token_of, monkeypatch):
    api, token = caller(app), token_of("officer1")
    upload_id = start(api, token).json["id"]
    with monkeypatch.context() as patch:
        patch.setattr(uploads.os, "fsync", full)  # the disk fills as the chunk is appended
        refused = send(api, token, upload_id, 0, BYTES)
    assert refused.status_code == 507 and refused.mimetype == PROBLEM and refused.json["status"] == 507
    assert api("GET", f"/uploads/{upload_id}", token).json["offset"] == 0
    assert send(api, token, upload_id, 0, BYTES).headers["Upload-Offset"] == str(len(BYTES))


def test_too_large_a_wrong_method_and_a_server_error_answer_problems(app, token_of, monkeypatch):
    """Each error the web shows as a page is a problem under /api/v1 (an OS error other than a full disk too)."""
    api, token = caller(app), token_of("officer1")
    upload_id = start(api, token).json["id"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    assert send(api, token, upload_id, 0, BYTES).status_code == 413
    assert api("PUT", "/me", token).status_code == 405
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error is answered, not raised to the test
    with monkeypatch.context() as patch:
        patch.setattr(uploads.os, "fsync", lambda _fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
        failed = send(api, token, upload_id, 0, BYTES[:500])
    assert failed.status_code == 500 and failed.mimetype == PROBLEM and failed.json["title"] == "Server error"
    for answer in (send(api, token, upload_id, 0, BYTES), api("PUT", "/me", token)):
        assert answer.mimetype == PROBLEM and answer.json["status"] == answer.status_code


def written_since(session, last: int) -> list[tuple[str, str, str, int | None, dict]]:
    """Return what the audit log gained after event ``last``: the action, who, the record and the details."""
    session.expire_all()
    query = select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id)
    return [
        (row.action, row.actor_name, row.subject_type, row.subject_id, json.loads(row.details))
        for row in session.scalars(query)
    ]


def last_event(session) -> int:
    session.expire_all()
    return session.scalar(select(func.max(AuditEvent.id))) or 0


def one_of_each(session, world, store, now, make_dossier):
    """Return a dossier of unit A with its document and version, and an incoming line sent to unit A, committed,
    the search index caught up."""
    dossier = make_dossier("open")
    document = dossier.links[0].document
    registry = world.actor("registry")
    line = registers.register_document(
        session, registry, world.org.id, RegisterKind.INCOMING, dict(DOCUMENT), upload(b"%PDF-"), store=store, now=now
    )
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    session.commit()
    search.catch_up(session)
    return dossier, document, document.versions[0], line


def ids_of(dossier, document, version, line) -> dict[str, int]:
    """The ids the pages' and the API's paths name (PAIRS)."""
    return {"dossier": dossier.id, "document": document.id, "version": version.id, "line": line.id}


# Each API read beside the page that shows the same records: (what is read, the page's path, the API's path).
PAIRS = (
    ("a dossier", "/dossiers/{dossier}", "/dossiers/{dossier}"),
    ("a dossier's documents", "/dossiers/{dossier}", "/dossiers/{dossier}/documents"),
    ("a document", "/dossiers/{dossier}/documents/{document}", "/documents/{document}"),
    ("a version's file", "/dossiers/{dossier}/versions/{version}", "/documents/{document}/versions/{version}/file"),
    ("a search", "/search/?q=van+thu", "/search?q=van+thu"),
    ("a register line", "/registers/entries/{line}", "/register-lines/{line}"),
)


@pytest.mark.parametrize(("read", "page", "path"), PAIRS, ids=[read for read, _, _ in PAIRS])
def test_each_api_read_writes_to_the_audit_log_exactly_what_its_page_writes(
    app, token_of, browsers, make_dossier, session, world, store, now, read, page, path
):
    dossier, document, version, line = one_of_each(session, world, store, now, make_dossier)
    ids = ids_of(dossier, document, version, line)
    api, token, officer = caller(app), token_of("officer1"), browsers("officer1")
    before = last_event(session)
    assert officer.get(page.format(**ids)).status_code == 200
    on_the_page, before = written_since(session, before), last_event(session)
    answer = api("GET", path.format(**ids), token)
    assert answer.status_code == 200, answer.json
    if read == "a search":
        assert answer.json["total"] >= 1  # it found the dossier, and still wrote nothing, as the search page
    assert written_since(session, before) == on_the_page
    expected = {  # the reads the page logs (a search's page logs none)
        "/dossiers/{dossier}": [("dossier.viewed", "officer1", "dossier", dossier.id, {})],
        "/dossiers/{dossier}/documents/{document}": [
            ("document.viewed", "officer1", "document", document.id, {"dossier_id": dossier.id})
        ],
        "/dossiers/{dossier}/versions/{version}": [
            ("document.downloaded", "officer1", "document", document.id, {"dossier_id": dossier.id, "version": 1})
        ],
        "/registers/entries/{line}": [
            ("document.viewed", "officer1", "document", line.document_id, {"register_entry_id": line.id})
        ],
    }
    assert on_the_page == expected.get(page, [])


def test_a_register_line_read_counts_as_a_view_of_its_document_on_the_page_and_through_the_api(
    app, token_of, browsers, make_dossier, session, world, store, now
):
    """PL6 III.6.a counts access to each document: a registered document not filed yet is read on its register line."""
    _dossier, _document, _version, line = one_of_each(session, world, store, now, make_dossier)
    assert browsers("officer1").get(f"/registers/entries/{line.id}").status_code == 200
    assert caller(app)("GET", f"/register-lines/{line.id}", token_of("officer1")).status_code == 200
    assert counted(session, world, now, "documents") == {line.document_id: (2, 0)}


def test_a_dossiers_documents_listed_through_the_api_count_as_a_view_of_its_page(
    app, token_of, make_dossier, session, world, now
):
    dossier = make_dossier("open")
    session.commit()
    api, token = caller(app), token_of("officer1")
    listed = api("GET", f"/dossiers/{dossier.id}/documents", token)
    assert listed.status_code == 200 and listed.json["total"] == len(dossier.links) == 1
    assert api("GET", f"/dossiers/{dossier.id}/documents?page=2", token).json["items"] == []
    assert reads_logged(session) == [("dossier.viewed", "officer1", dossier.id)] * 2
    assert counted(session, world, now, "dossiers") == {dossier.id: (2, 0)}
    assert counted(session, world, now, "documents") == {}  # the page's list of documents opens none of them


REFUSED = tuple((read, page, path) for read, page, path in PAIRS if read != "a search")


@pytest.mark.parametrize(("read", "page", "path"), REFUSED, ids=[read for read, _, _ in REFUSED])
def test_a_read_of_another_units_record_refused_through_the_api_is_recorded_as_the_pages_refusal(
    app, token_of, browsers, make_dossier, session, world, store, now, read, page, path
):
    dossier, document, version, line = one_of_each(session, world, store, now, make_dossier)
    ids = ids_of(dossier, document, version, line)
    api, token, officer = caller(app), token_of("officer2"), browsers("officer2")
    before = last_event(session)
    assert officer.get(page.format(**ids)).status_code == 404
    on_the_page, before = written_since(session, before), last_event(session)
    refused = api("GET", path.format(**ids), token)
    assert refused.status_code == 404 and refused.mimetype == PROBLEM
    through_the_api = written_since(session, before)
    asked = {"path": f"/api/v1{path.format(**ids)}"}
    assert through_the_api == [(*event[:4], {**event[4], **asked}) for event in on_the_page]
    source = f"user:{world.users['officer2'].id}"
    assert [(action, who, details["status"], details["source"]) for action, who, _, _, details in on_the_page] == [
        ("security.denied", "officer2", 404, source)
    ]
