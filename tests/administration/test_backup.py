"""Backup sets: made while people work, incremental, verified against their digests, restored into an empty
instance that holds exactly what the backup held; a missing medium or a full disk leaves no set behind."""

from __future__ import annotations

import errno
import fcntl
import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from administration import backup, backup_register, restore
from erms import audit, background, db, jobs
from erms.db import make_session_factory
from erms.models import AuditEvent, BackupSet, Document, DocumentVersion, Dossier, Notification, StoredFile, User
from erms.models.background import JobState
from erms.models.dossier import DossierState
from erms.permissions import load_actor
from erms.storage import FileStore
from filing import dossiers
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World, make_dossier, upload


@pytest.fixture
def instance(database_url, tmp_path):
    """A live instance of its own (committed data): two dossiers, one closed, their files in a store."""
    with own_database(database_url, tmp_path, "backed_up") as url:
        engine = db.make_engine(url)
        store = FileStore(tmp_path / "files")
        with Session(engine) as session:
            world = World(session, NOW)
            make_dossier(session, world, store, NOW, "closed", documents=2)
            make_dossier(session, world, store, NOW, "open", documents=1)
            session.commit()
        yield (
            engine,
            {
                "STORAGE_ROOT": str(store.root),
                "DATA_DIR": str(tmp_path),
                "DATABASE_URL": url,
                "SECRET_KEY": "never-in-a-backup",
            },
        )
        engine.dispose()


@pytest.fixture
def target(tmp_path) -> backup.Target:
    path = tmp_path / "usb"
    path.mkdir()
    return backup.Target("usb", path)


def contents(engine) -> dict:
    """What a person would check was restored: every record's identity and digests, the audit chain's head."""
    with Session(engine) as session:
        return {
            "dossiers": session.execute(select(Dossier.id, Dossier.file_code, Dossier.title, Dossier.state)).all(),
            "documents": session.execute(select(Document.id, Document.subject, Document.code_number)).all(),
            "versions": session.execute(select(DocumentVersion.id, DocumentVersion.file_id)).all(),
            "files": session.execute(select(StoredFile.sha256, StoredFile.sha512, StoredFile.size)).all(),
            "audit_head": audit.head_hash(session),
            "audit_events": session.scalar(select(func.count()).select_from(AuditEvent)),
        }


def test_a_set_restores_into_an_instance_holding_exactly_what_was_backed_up(instance, target, database_url, tmp_path):
    engine, settings = instance
    made = backup.create(engine, settings, target, now=NOW)
    assert made.copied == len(made.manifest.files) == 3  # two documents' bytes (both dossiers share them), an index
    assert made.manifest.counts["dossiers"] == 2 and made.manifest.audit_head["hash"]
    with engine.connect() as connection:  # the schema the copy was taken at, for a restore to start from
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert made.manifest.database["revision"] == revision and len(made.manifest.database["sha256"]) == 64
    config = json.loads((target.path / "sets" / made.manifest.name / "config.json").read_text())
    assert "SECRET_KEY" not in config and config["STORAGE_ROOT"] == settings["STORAGE_ROOT"]
    with own_database(database_url, tmp_path, "restored", migrated=False) as empty:
        restored = restore.restore(
            target,
            made.manifest.name,
            tmp_path / "restored",
            database_url="" if database_url.startswith("sqlite") else empty,
        )
        url = restored.database_url or f"sqlite:///{tmp_path / 'restored' / 'erms.sqlite3'}"
        copy = db.make_engine(url)
        try:
            assert contents(copy) == contents(engine)
            with Session(copy) as session:
                assert audit.verify(session).ok
        finally:
            copy.dispose()
    store = FileStore(tmp_path / "restored" / "files")
    assert all(store.digest(sha256) == sha256 for sha256, _ in made.manifest.files)


def test_a_second_set_copies_only_the_files_the_first_lacks(instance, target):
    engine, settings = instance
    first = backup.create(engine, settings, target, now=NOW)
    with Session(engine) as session:  # an officer files one more document
        officer = load_actor(session, session.scalar(select(User.id).where(User.username == "officer1")))
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.state == DossierState.OPEN))
        data = dict(DOCUMENT, code_number="999")
        store = FileStore(settings["STORAGE_ROOT"])
        dossiers.add_document(session, officer, dossier_id, data, upload(b"new bytes"), store=store, now=NOW)
        session.commit()
    second = backup.create(engine, settings, target, now=NOW.replace(second=NOW.second + 1))
    assert (first.copied, second.copied) == (3, 1)
    assert second.copied_bytes == len(b"new bytes") and len(second.manifest.files) == 4
    assert [manifest.name for manifest in backup.sets(target)] == [first.manifest.name, second.manifest.name]


def test_verify_names_a_changed_and_a_missing_file_and_a_damaged_set_is_never_restored(instance, target, tmp_path):
    engine, settings = instance
    made = backup.create(engine, settings, target, now=NOW)
    assert backup.verify(target, made.manifest.name).ok
    (altered, _), (deleted, _) = made.manifest.files[:2]
    path = target.path / "files" / altered[:2] / altered[2:4] / altered
    data = bytearray(path.read_bytes())
    data[0] ^= 1  # one bit of one byte
    path.write_bytes(bytes(data))
    (target.path / "files" / deleted[:2] / deleted[2:4] / deleted).unlink()
    check = backup.verify(target, made.manifest.name)
    assert check.problems == [
        f"file {deleted} is missing: the next backup to usb copies it again",
        f"file {altered}: its copy on the medium is damaged; it was set aside in files/.damaged and the next backup "
        "to usb copies it again from the store",
    ]
    assert (target.path / "files" / ".damaged" / altered).read_bytes() == bytes(data)  # kept for inspection
    into = tmp_path / "restored"
    with pytest.raises(backup.BackupError, match="is damaged, nothing restored"):
        restore.restore(target, made.manifest.name, into)
    assert not into.exists()
    # The next backup copies both again (a set lists them, but they are no longer there): every set is whole again.
    later = backup.create(engine, settings, target, now=NOW + timedelta(minutes=1))
    assert later.copied == 2
    assert backup.verify(target, made.manifest.name).ok and backup.verify(target, later.manifest.name).ok


def test_a_missing_medium_or_a_full_disk_leaves_no_set(instance, target, monkeypatch):
    engine, settings = instance
    gone = backup.Target("nas", target.path / "not-mounted")
    with pytest.raises(backup.BackupError, match=r"not-mounted is not there \(is the medium mounted\?\)"):
        backup.create(engine, settings, gone, now=NOW)

    def full(*_args) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # The disk fills while the files are copied (reported when they are flushed), or at the database copy.
    for where in ("sync_filesystem", "fsync"):
        with monkeypatch.context() as patch:
            patch.setattr(backup if where == "sync_filesystem" else backup.os, where, full)
            with pytest.raises(backup.BackupError, match="Backup to usb .* failed: No space left on device"):
                backup.create(engine, settings, target, now=NOW)
        assert backup.sets(target) == [] and list((target.path / "sets").iterdir()) == []
    made = backup.create(engine, settings, target, now=NOW)  # room again: the next backup is whole
    assert backup.verify(target, made.manifest.name).ok and made.copied == 0  # the files already copied are reused


def test_a_restore_never_writes_over_an_instance(instance, target, tmp_path):
    engine, settings = instance
    made = backup.create(engine, settings, target, now=NOW)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "erms.sqlite3").write_bytes(b"someone's records")
    with pytest.raises(backup.BackupError, match="is not an empty folder"):
        restore.restore(target, made.manifest.name, occupied)
    assert (occupied / "erms.sqlite3").read_bytes() == b"someone's records"
    with pytest.raises(backup.BackupError, match="No backup set 20000101T000000Z on usb"):
        restore.restore(target, "20000101T000000Z", tmp_path / "new")


@pytest.mark.parametrize(
    "setting,message",
    [
        ("usb", 'BACKUP_TARGETS: "usb" is not name=/absolute/path'),
        ("usb=media/usb", 'the path of "usb" must be absolute'),
        ("usb=/a;usb=/b", 'the name "usb" is given twice'),
    ],
)
def test_badly_written_targets_are_refused_with_the_reason(setting, message):
    with pytest.raises(backup.BackupError, match=message):
        backup.targets(setting)


def test_targets_are_chosen_by_name_or_given_as_a_path():
    setting = "usb=/media/usb;nas=/srv/nas"
    assert [target.name for target in backup.choose(setting, None)] == ["usb", "nas"]
    assert backup.choose(setting, "nas") == [backup.Target("nas", Path("/srv/nas"))]
    assert backup.choose(setting, "/mnt/disk") == [backup.Target("/mnt/disk", Path("/mnt/disk"))]
    with pytest.raises(backup.BackupError, match=r'No backup target is called "tape" \(configured: usb, nas\)'):
        backup.choose(setting, "tape")
    with pytest.raises(backup.BackupError, match="No backup target is configured"):
        backup.choose("", None)


def test_the_daily_job_backs_up_to_every_target_and_fails_loudly_for_a_missing_one(instance, tmp_path):
    engine, settings = instance
    factory = make_session_factory(engine)
    (tmp_path / "usb").mkdir()
    settings = dict(
        settings,
        BACKUP_TARGETS=f"usb={tmp_path / 'usb'};nas={tmp_path / 'unplugged'}",
        BACKUP_KEEP_DAYS=30,
        STORE_SWEEP_GRACE_HOURS=24,
    )
    assert jobs.run_due(factory, now=NOW, holder="worker")["queue_backup"] == 1
    ran = background.run_pending(factory, FileStore(settings["STORAGE_ROOT"]), settings, lambda: NOW, "worker")
    assert [(job.kind, job.state) for job in ran] == [
        ("backup.create", JobState.FAILED),
        ("store.sweep", JobState.DONE),
    ]
    assert "unplugged is not there (is the medium mounted?)" in ran[0].error
    assert [manifest.name for manifest in backup.sets(backup.Target("usb", tmp_path / "usb"))] == ["20260615T030000Z"]
    with Session(engine) as session:  # recorded for destruction records, kept 30 days from the day it was made
        recorded = session.execute(select(BackupSet.id, BackupSet.target, BackupSet.name, BackupSet.expires_on)).all()
        made = session.scalar(select(AuditEvent).where(AuditEvent.action == "backup.made"))
    assert [row[1:] for row in recorded] == [("usb", "20260615T030000Z", date(2026, 7, 15))]
    assert (made.subject_type, made.subject_id, made.actor_name) == ("backup_set", recorded[0][0], "system")
    assert json.loads(made.details) == {"target": "usb", "name": "20260615T030000Z", "files": 3}
    assert jobs.run_due(factory, now=NOW, holder="worker") == {}  # once a day


def test_one_backup_at_a_time_writes_to_a_medium(instance, target):
    engine, settings = instance
    with (target.path / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another backup is writing there
        with pytest.raises(backup.BackupError, match="Another backup is being written to usb; try again when it ends"):
            backup.create(engine, settings, target, now=NOW)
    assert backup.sets(target) == []
    assert backup.create(engine, settings, target, now=NOW).manifest.name == "20260615T030000Z"


def test_sets_past_their_days_leave_the_medium_with_the_files_only_they_listed(instance, target):
    engine, settings = instance
    old = backup.create(engine, settings, target, now=NOW - timedelta(days=40))
    path = target.path / "files" / old.manifest.files[0][0][:2]
    orphan = target.path / "files" / "ab" / "cd" / ("abcd" + "0" * 60)  # listed by no set (its set was removed)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"gone")
    newest = backup.create(engine, settings, target, now=NOW)
    assert backup.prune(target, 30, date(2026, 6, 15)) == [old.manifest.name]
    assert [manifest.name for manifest in backup.sets(target)] == [newest.manifest.name]
    assert not orphan.exists() and path.is_dir() and backup.verify(target, newest.manifest.name).ok
    assert backup.prune(target, 0, date(2030, 1, 1)) == []  # the newest set always stays


def test_a_backup_stopped_half_way_leaves_no_set_and_records_none(instance, tmp_path):
    engine, settings = instance
    factory = make_session_factory(engine)
    settings = dict(settings, BACKUP_TARGETS=f"usb={tmp_path / 'usb'}", BACKUP_KEEP_DAYS=30)
    (tmp_path / "usb").mkdir()
    with Session(engine) as session:
        job = background.enqueue(session, None, jobs.BACKUP_JOB, "backup:2026-06-15", {}, now=NOW)
        # Begun by a worker (its heartbeat old: the next worker takes it up), then the administrator asked it to stop.
        job.state, job.heartbeat_at, job.cancel_requested = JobState.RUNNING, NOW - timedelta(hours=1), True
        session.commit()
    ran = background.run_pending(factory, FileStore(settings["STORAGE_ROOT"]), settings, lambda: NOW, "worker")
    assert [(done.kind, done.state, done.progress) for done in ran] == [("backup.create", JobState.CANCELLED, "1/3")]
    assert backup.sets(backup.Target("usb", tmp_path / "usb")) == []
    assert list((tmp_path / "usb" / "sets").iterdir()) == []  # its partial set removed
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(BackupSet)) == 0


def test_a_night_without_backup_fails_and_tells_the_deployments_administrators(instance, tmp_path):
    engine, settings = instance
    factory = make_session_factory(engine)
    settings = dict(settings, BACKUP_TARGETS="", BACKUP_KEEP_DAYS=30, STORE_SWEEP_GRACE_HOURS=24)
    with Session(engine) as session:
        session.add(
            User(username="quantri", full_name="Quản trị", password_hash="!", created_at=NOW, system_admin=True)
        )
        session.commit()
    assert jobs.run_due(factory, now=NOW, holder="worker")["queue_backup"] == 1
    ran = background.run_pending(factory, FileStore(settings["STORAGE_ROOT"]), settings, lambda: NOW, "worker")
    assert [(job.kind, job.state) for job in ran] == [
        ("backup.create", JobState.FAILED),
        ("store.sweep", JobState.DONE),
    ]
    (refusal,) = json.loads(ran[0].error)  # said in the reader's language on the background-work page
    assert refusal == {"template": backup_register.NOT_CONFIGURED, "params": {"day": "15/06/2026"}}
    (tmp_path / "usb").mkdir()
    settings["BACKUP_TARGETS"] = f"usb={tmp_path / 'usb'};nas={tmp_path / 'unplugged'}"
    tomorrow = NOW + timedelta(days=1)
    assert jobs.run_due(factory, now=tomorrow, holder="worker")["queue_backup"] == 1
    failed = background.run_pending(factory, FileStore(settings["STORAGE_ROOT"]), settings, lambda: tomorrow, "w")[0]
    assert failed.state is JobState.FAILED and "unplugged is not there" in failed.error
    with Session(engine) as session:
        told = session.execute(select(Notification.template, Notification.params).join(User).where(User.system_admin))
        assert [(template, json.loads(params)) for template, params in told] == [
            (backup_register.NOT_CONFIGURED, {"day": "15/06/2026", "reason": ""}),
            (backup_register.FAILED, {"day": "16/06/2026", "reason": failed.error.removeprefix("BackupError: ")}),
        ]
