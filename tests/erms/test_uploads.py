"""Upload sessions of the JSON API (filing.uploads): chunks appended in order under the row's lock, the document
made from a complete upload by the web form's service, and the sweep of expired sessions."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta

import pytest

from erms.errors import InvalidMetadata, NotFound, RuleViolation
from erms.models import ApiUpload
from filing import uploads
from tests.factories import DOCUMENT

DATA = bytes(range(256)) * 40  # 10 240 bytes


def append(session, actor, upload, offset: int, chunk: bytes, folder, now):
    """Spool ``chunk`` as the API does, then append it; return the upload."""
    with uploads.spooled(folder, upload, io.BytesIO(chunk)) as spool:
        return uploads.append(session, actor, upload.id, offset, spool, folder, now=now)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "uploads"


def test_chunks_are_appended_at_the_offset_held_and_nothing_past_the_size(session, world, now, folder):
    officer = world.actor("officer1")
    upload = uploads.start(session, officer, "Tờ trình.pdf", len(DATA), None, now=now)
    assert upload.received == 0 and upload.expires_at == now + timedelta(hours=24)
    append(session, officer, upload, 0, DATA[:4000], folder, now)
    with pytest.raises(uploads.WrongOffset) as wrong:
        append(session, officer, upload, 0, DATA[:4000], folder, now)
    assert wrong.value.offset == 4000
    with pytest.raises(uploads.PastSize):
        append(session, officer, upload, 4000, DATA[4000:] + b"!", folder, now)
    assert upload.received == 4000
    append(session, officer, upload, 4000, DATA[4000:], folder, now)
    part = uploads.part_path(folder, upload.id)
    assert upload.received == len(DATA) and part.read_bytes() == DATA
    assert oct(part.stat().st_mode & 0o777) == "0o600"
    assert sorted(path.name for path in folder.iterdir()) == [part.name]  # the spools are gone


def test_bytes_of_a_chunk_that_never_committed_are_cut_off(session, world, now, folder):
    officer = world.actor("officer1")
    upload = uploads.start(session, officer, "a.pdf", len(DATA), None, now=now)
    append(session, officer, upload, 0, DATA[:100], folder, now)
    with uploads.part_path(folder, upload.id).open("ab") as part:
        part.write(b"garbage of a rolled-back chunk")
    append(session, officer, upload, 100, DATA[100:], folder, now)
    assert uploads.part_path(folder, upload.id).read_bytes() == DATA


def test_an_upload_is_its_senders_until_it_expires(session, world, now):
    upload = uploads.start(session, world.actor("officer1"), "a.pdf", 10, None, now=now)
    assert uploads.get_upload(session, world.actor("officer1"), upload.id, now=now) is upload
    with pytest.raises(NotFound):
        uploads.get_upload(session, world.actor("officer2"), upload.id, now=now)
    with pytest.raises(NotFound):
        uploads.get_upload(session, world.actor("officer1"), upload.id, now=now + timedelta(hours=24))
    with pytest.raises(InvalidMetadata) as invalid:
        uploads.start(session, world.actor("officer1"), "a.pdf", 10, "not-hex", now=now)
    assert [problem.field for problem in invalid.value.problems] == ["sha256"]


def test_a_complete_upload_becomes_a_document_once(session, world, now, folder, store, make_dossier):
    dossier = make_dossier("open")
    officer = world.actor("officer1")
    upload = uploads.start(session, officer, "Quyết định.pdf", len(DATA), hashlib.sha256(DATA).hexdigest(), now=now)

    def add():
        return uploads.add_document(
            session, officer, dossier.id, dict(DOCUMENT), upload.id, folder=folder, store=store, max_size=10**6, now=now
        )

    with pytest.raises(RuleViolation):  # nothing arrived yet
        add()
    append(session, officer, upload, 0, DATA, folder, now)
    document = add()
    [version] = document.versions
    assert version.file.sha256 == hashlib.sha256(DATA).hexdigest() and version.filename == "Quyết định.pdf"
    assert store.path_for(version.file.sha256).read_bytes() == DATA
    assert upload.used_at == now
    with pytest.raises(RuleViolation):
        add()
    session.commit()
    assert not uploads.part_path(folder, upload.id).exists()  # removed once the document committed


def test_bytes_that_differ_from_the_declared_digest_are_refused_and_not_stored(
    session, world, now, folder, store, make_dossier
):
    dossier = make_dossier("open")
    officer = world.actor("officer1")
    upload = uploads.start(session, officer, "a.pdf", len(DATA), hashlib.sha256(b"else").hexdigest(), now=now)
    append(session, officer, upload, 0, DATA, folder, now)
    with pytest.raises(InvalidMetadata) as invalid:
        uploads.add_document(
            session, officer, dossier.id, dict(DOCUMENT), upload.id, folder=folder, store=store, max_size=10**6, now=now
        )
    assert [problem.field for problem in invalid.value.problems] == ["upload_id"]
    assert not store.path_for(hashlib.sha256(DATA).hexdigest()).exists()  # the caller's rollback undoes the rest


def test_a_document_without_an_upload_is_refused_naming_upload_id(session, world, now, folder, store, make_dossier):
    dossier = make_dossier("open")
    with pytest.raises(InvalidMetadata) as invalid:
        uploads.add_document(
            session,
            world.actor("officer1"),
            dossier.id,
            dict(DOCUMENT),
            None,
            folder=folder,
            store=store,
            max_size=10**6,
            now=now,
        )
    assert [problem.field for problem in invalid.value.problems] == ["upload_id"]


def test_the_sweep_removes_expired_uploads_and_stale_files(session, world, now, folder):
    officer = world.actor("officer1")
    old = uploads.start(session, officer, "old.pdf", 100, None, now=now - timedelta(hours=25))
    append(session, officer, old, 0, DATA[:10], folder, now - timedelta(hours=25))
    live = uploads.start(session, officer, "new.pdf", 100, None, now=now)
    append(session, officer, live, 0, DATA[:10], folder, now)
    stale = folder / "999999.abc.chunk"  # a spool a killed process left behind
    stale.write_bytes(b"x")
    two_days_ago = (now - timedelta(days=2)).timestamp()
    os.utime(stale, (two_days_ago, two_days_ago))
    fresh = folder / "999998.def.chunk"  # one still arriving
    fresh.write_bytes(b"x")
    assert uploads.sweep(session, folder, now=now) == 1
    session.commit()
    assert session.get(ApiUpload, old.id) is None and session.get(ApiUpload, live.id) is live
    assert sorted(path.name for path in folder.iterdir()) == sorted([f"{live.id}.part", fresh.name])
