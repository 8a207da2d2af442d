"""The fixity audit: every stored file re-read against both digests, oldest-checked first, each check kept as an
event; a flipped byte or a deleted file is named, told to the archivists and makes the command exit 1."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from administration import fixity
from erms import db, notices, search
from erms.cli import erms_group
from erms.models import AuditEvent, Dossier, FixityEvent, FixityOutcome, StoredFile
from erms.storage import FileStore
from tests.factories import NOW, World, make_dossier


def flip_a_byte(store: FileStore, sha256: str) -> None:
    path = store.path_for(sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def files(make_dossier, session):
    """The three stored files of a closed dossier: its two documents' and its index's."""
    dossier = make_dossier("closed", documents=2)
    return [version.file.sha256 for link in dossier.links for version in link.document.versions] + [
        dossier.index_file.sha256
    ]


def files_dossier_code(session) -> str:
    return session.scalar(select(Dossier.file_code).where(Dossier.index_file_id.is_not(None)))


def test_a_flipped_byte_and_a_deleted_file_are_found_recorded_and_told(files, session_factory, session, store, world):
    altered, missing, intact = files
    flip_a_byte(store, altered)
    store.path_for(missing).unlink()
    found = fixity.check(session_factory, store, agent="test", clock=lambda: NOW)
    assert {item.sha256: item.outcome for item in found} == {
        altered: FixityOutcome.ALTERED,
        missing: FixityOutcome.MISSING,
        intact: FixityOutcome.INTACT,
    }
    events = session.execute(
        select(StoredFile.sha256, FixityEvent.outcome, FixityEvent.agent).join_from(FixityEvent, StoredFile)
    ).all()
    assert sorted(events) == sorted((item.sha256, item.outcome, "test") for item in found)
    assert set(session.scalars(select(StoredFile.fixity_checked_at))) == {NOW}
    told = notices.newest(session, world.users["archivist"].id)
    assert sorted(notice.template.split(" (")[0] for notice in told) == [
        "A stored file has other bytes than at capture",
        "A stored file is missing from the store",
    ]
    code = files_dossier_code(session)  # the notice names the dossier and the document's number, no summary
    assert sorted(json.loads(notice.params)["held_by"] for notice in told) == [f"{code} #1", f"{code} #2"]
    assert not [notice for notice in notices.newest(session, world.users["officer1"].id) if "fixity" in notice.kind]


def test_the_oldest_checked_go_first_and_the_audit_leaves_recent_checks_alone(files, session_factory, store):
    first = fixity.check(session_factory, store, agent="test", clock=lambda: NOW, limit=2)
    second = fixity.check(session_factory, store, agent="test", clock=lambda: NOW + timedelta(hours=1), limit=2)
    assert [item.sha256 for item in first] == files[:2]
    assert [item.sha256 for item in second] == [files[2], files[0]]  # never checked, then checked longest ago
    recent = NOW - timedelta(days=30)
    assert fixity.check(session_factory, store, agent="test", clock=lambda: NOW, checked_before=recent) == []


def test_a_round_keeps_its_rate_and_stops_at_its_time(files, session_factory, store, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(fixity.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(fixity.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    sizes = {sha256: store.path_for(sha256).stat().st_size for sha256 in files}
    pace = fixity.Pace(bytes_per_second=1000)
    found = fixity.check(session_factory, store, agent="test", clock=lambda: NOW, pace=pace)
    assert clock[0] == pytest.approx(sum(sizes.values()) / 1000)  # no faster than 1000 bytes a second
    clock[0] = 0.0
    later = NOW + timedelta(days=31)
    first_only = fixity.Pace(bytes_per_second=1000, until=sizes[found[0].sha256] / 1000)
    again = fixity.check(session_factory, store, agent="test", clock=lambda: later, pace=first_only)
    assert [item.sha256 for item in again] == [found[0].sha256]  # its time was up after the first file


@pytest.fixture
def runner(tmp_path):
    """A SQLite instance with a closed dossier (three stored files)."""
    data = tmp_path / "instance"
    runner = CliRunner(env={"ERMS_DATA_DIR": str(data), "DATABASE_URL": ""})
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    engine = db.make_engine(f"sqlite:///{data / 'erms.sqlite3'}")
    with Session(engine) as session:
        dossier = make_dossier(session, World(session, NOW), FileStore(data / "files"), NOW, "closed", documents=2)
        runner.index_sha256 = dossier.index_file.sha256  # type: ignore[attr-defined]
        session.commit()
    engine.dispose()
    runner.store = FileStore(data / "files")  # type: ignore[attr-defined]
    yield runner
    search.install(None)


def test_the_command_names_each_failure_and_exits_1(runner):
    intact = runner.invoke(erms_group, ["fixity", "check"])
    assert intact.exit_code == 0 and "fixity intact: 3 files re-read" in intact.output
    flip_a_byte(runner.store, runner.index_sha256)
    failed = runner.invoke(erms_group, ["fixity", "check", "--file", runner.index_sha256.upper()])
    assert failed.exit_code == 1
    assert f"altered  {runner.index_sha256}" in failed.output and "fixity FAILED: 1 of 1 files" in failed.output
    unknown = runner.invoke(erms_group, ["fixity", "check", "--file", "0" * 64])
    assert unknown.exit_code == 1 and f"error: No stored file has the SHA-256 {'0' * 64}" in unknown.output
    limited = runner.invoke(erms_group, ["fixity", "check", "--limit", "2"])
    assert "2 files" in limited.output


def test_an_altered_or_missing_file_is_put_back_from_a_backup_medium(files, session, store, tmp_path):
    altered, missing, never_backed_up = files
    media = [("usb", tmp_path / "usb"), ("nas", tmp_path / "nas")]
    for sha256 in (altered, missing):  # the nas holds both intact; the usb copy of one has rotted
        kept = tmp_path / "nas" / sha256[:2] / sha256[2:4] / sha256
        kept.parent.mkdir(parents=True)
        kept.write_bytes(store.path_for(sha256).read_bytes())
    rotted = tmp_path / "usb" / missing[:2] / missing[2:4] / missing
    rotted.parent.mkdir(parents=True)
    rotted.write_bytes(b"rotted")
    flip_a_byte(store, altered)
    store.path_for(missing).unlink()
    assert fixity.repair(session, store, altered, media, agent="test", now=NOW) == "nas"
    assert fixity.repair(session, store, missing, media, agent="test", now=NOW) == "nas"
    assert store.digest(altered) == altered and store.digest(missing) == missing
    repaired = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "stored_file.repaired")).all()
    assert len(repaired) == 2
    with pytest.raises(fixity.NotRepaired, match=r"looked in usb \(not there\), nas \(not there\)"):
        fixity.repair(session, store, never_backed_up, media, agent="test", now=NOW)
    with pytest.raises(fixity.UnknownFile):
        fixity.repair(session, store, "0" * 64, media, agent="test", now=NOW)
