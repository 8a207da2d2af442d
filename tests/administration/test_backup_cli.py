"""``erms backup``: create on every configured target, list, verify, restore with its report; refusals in words."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, db, search
from erms.cli import erms_group
from erms.models import AuditEvent
from erms.storage import FileStore
from tests.factories import NOW, World, make_dossier


@pytest.fixture
def instance(tmp_path):
    """A SQLite instance with a closed dossier, and two backup media."""
    data = tmp_path / "instance"
    (tmp_path / "usb").mkdir()
    (tmp_path / "nas").mkdir()
    environment = {
        "ERMS_DATA_DIR": str(data),
        "DATABASE_URL": "",
        "ERMS_BACKUP_TARGETS": f"usb={tmp_path / 'usb'};nas={tmp_path / 'nas'}",
    }
    runner = CliRunner(env=environment)
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    engine = db.make_engine(f"sqlite:///{data / 'erms.sqlite3'}")
    with Session(engine) as session:
        make_dossier(session, World(session, NOW), FileStore(data / "files"), NOW, "closed", documents=2)
        session.commit()
    engine.dispose()
    yield runner
    search.install(None)


def test_back_up_to_both_media_then_verify_and_restore_with_a_report(instance, tmp_path):
    made = instance.invoke(erms_group, ["backup", "create"])
    assert made.exit_code == 0, made.output
    assert "on usb" in made.output and "on nas" in made.output and "1 dossiers" in made.output
    listed = instance.invoke(erms_group, ["backup", "list"]).output.splitlines()
    assert [line.split()[0] for line in listed] == ["usb", "nas"]
    name = listed[0].split()[1]
    verified = instance.invoke(erms_group, ["backup", "verify", name, "--from", "nas"])
    assert (
        verified.exit_code == 0 and f"backup set {name} on nas intact: database and 3 files verified" in verified.output
    )
    # Without --from, every medium holding the set is read: one damaged copy among them is named (and set aside).
    files = sorted((tmp_path / "nas" / "files").glob("*/*/*"))
    files[0].write_bytes(b"bit rot")
    both = instance.invoke(erms_group, ["backup", "verify", name])
    assert both.exit_code == 1 and f"backup set {name} on usb intact: database and 3 files verified" in both.output
    assert f"file {files[0].name}: its copy on the medium is damaged; it was set aside" in both.output
    assert f"backup set {name} on nas is DAMAGED: 1 problems" in both.output
    time.sleep(1.1)  # a set is named by its second
    again = instance.invoke(erms_group, ["backup", "create", "--to", "nas"])  # copies it again from the store
    assert again.exit_code == 0, again.output
    assert instance.invoke(erms_group, ["backup", "verify", name]).exit_code == 0
    restored = instance.invoke(erms_group, ["backup", "restore", name, "--into", str(tmp_path / "restored")])
    assert restored.exit_code == 0, restored.output
    report = restored.output
    assert f"restored backup set {name}" in report and "dossiers       1" in report
    assert "files          3" in report and "search index   3 records" in report and "audit chain    intact" in report
    assert "fixity         3 of 3 files intact" in report
    # The restored instance's own log says, after the events it came back with, which set it came from.
    engine = db.make_engine(f"sqlite:///{tmp_path / 'restored' / 'erms.sqlite3'}")
    with Session(engine) as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert last.action == "backup.restored" and audit.verify(session).ok
        details = json.loads(last.details)
        assert (details["name"], details["target"], details["files"], details["files_intact"]) == (name, "usb", 3, 3)
    engine.dispose()
    assert "the restore is recorded in the restored instance's log" in report


def test_a_set_whose_database_lacks_the_manifests_newest_event_is_not_called_restored(instance, tmp_path):
    made = instance.invoke(erms_group, ["backup", "create", "--to", "usb"])
    assert made.exit_code == 0, made.output
    name = sets_on(tmp_path / "usb")[0]
    manifest_path = tmp_path / "usb" / "sets" / name / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["audit_head"]["hash"] = "0" * 64  # a manifest written for another copy of the database
    manifest_path.write_text(json.dumps(manifest))
    restored = instance.invoke(erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(tmp_path / "r")])
    assert restored.exit_code == 1
    assert "audit chain    intact but without the set's newest event (0000000000000000…)" in restored.output
    assert "recorded in the restored instance's log" not in restored.output


def test_refusals_say_why_and_exit_1(instance, tmp_path):
    unknown = instance.invoke(erms_group, ["backup", "create", "--to", "tape"])
    assert unknown.exit_code == 1
    assert 'error: No backup target is called "tape" (configured: usb, nas)' in unknown.output
    missing = instance.invoke(erms_group, ["backup", "verify", "20000101T000000Z"])
    assert missing.exit_code == 1 and "No configured backup target holds a set 20000101T000000Z" in missing.output
    unplugged = instance.invoke(erms_group, ["backup", "create", "--to", str(tmp_path / "unplugged")])
    assert unplugged.exit_code == 1 and "is not there (is the medium mounted?)" in unplugged.output


def sets_on(medium) -> list[str]:
    folder = medium / "sets"
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith(".")) if folder.is_dir() else []


def test_a_medium_not_mounted_leaves_the_others_backed_up_and_is_named(instance, tmp_path):
    targets = f"usb={tmp_path / 'not-mounted'};nas={tmp_path / 'nas'}"
    made = instance.invoke(erms_group, ["backup", "create"], env={"ERMS_BACKUP_TARGETS": targets})
    assert made.exit_code == 1 and "is not there (is the medium mounted?)" in made.output
    assert "on nas" in made.output and "error: no backup set was made on usb" in made.output
    assert len(sets_on(tmp_path / "nas")) == 1


def test_a_damaged_set_is_named_and_neither_hides_the_others_nor_stops_a_backup(instance, tmp_path):
    first = instance.invoke(erms_group, ["backup", "create"])
    assert first.exit_code == 0, first.output
    damaged = sets_on(tmp_path / "usb")[0]
    manifest = tmp_path / "usb" / "sets" / damaged / "manifest.json"
    manifest.write_text(manifest.read_text()[:200])  # a torn write
    listed = instance.invoke(erms_group, ["backup", "list"])
    assert listed.exit_code == 0
    assert f"usb  DAMAGED  Backup set {damaged} on usb is damaged: its manifest cannot be read" in listed.output
    assert f"nas  {damaged}" in listed.output  # the other medium's copy of the same set
    time.sleep(1.1)  # a set is named by its second
    later = instance.invoke(erms_group, ["backup", "create"], env={"ERMS_BACKUP_KEEP_DAYS": "0"})
    assert later.exit_code == 0, later.output
    assert f"warning: Backup set {damaged} on usb is damaged" in later.output
    assert len(sets_on(tmp_path / "usb")) == 2 and len(sets_on(tmp_path / "nas")) >= 1
    refused = instance.invoke(erms_group, ["backup", "verify", damaged, "--from", "usb"])
    assert refused.exit_code == 1 and "is damaged: its manifest cannot be read" in refused.output


def test_pruning_removes_no_file_while_a_damaged_set_may_list_it(tmp_path):
    from datetime import date

    from administration import backup

    target = backup.Target("usb", tmp_path)
    only_there = tmp_path / "files" / "ab" / "cd" / ("abcd" + "0" * 60)
    only_there.parent.mkdir(parents=True)
    only_there.write_bytes(b"a file the damaged set listed")
    damaged = tmp_path / "sets" / "20260101T000000Z"
    damaged.mkdir(parents=True)
    (damaged / "manifest.json").write_text('{"format": "erms-backup-1", "files": [["abcd')  # torn
    assert backup.prune(target, 0, date(2026, 12, 7)) == [] and only_there.exists()
    assert backup.damaged(target) == ["Backup set 20260101T000000Z on usb is damaged: its manifest cannot be read"]
    (damaged / "manifest.json").unlink()  # the administrator removes it
    backup.prune(target, 0, date(2026, 12, 7))
    assert not only_there.exists()


def test_a_set_a_newer_erms_made_is_refused_before_anything_is_written(instance, tmp_path):
    import json

    assert instance.invoke(erms_group, ["backup", "create"]).exit_code == 0
    name = sets_on(tmp_path / "usb")[0]
    manifest = tmp_path / "usb" / "sets" / name / "manifest.json"
    data = json.loads(manifest.read_text())
    data["database"]["revision"] = "0099_future_release"
    manifest.write_text(json.dumps(data))
    into = tmp_path / "restored"
    refused = instance.invoke(erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(into)])
    assert refused.exit_code == 1, refused.output
    said = f"Backup set {name} was made by a newer ERMS (database schema 0099_future_release; this version knows up to"
    assert said in refused.output and "Nothing was restored." in refused.output and "Traceback" not in refused.output
    assert not into.exists()


def test_a_set_restores_into_the_folder_erms_data_dir_names(instance, tmp_path):
    assert instance.invoke(erms_group, ["backup", "create"]).exit_code == 0
    name = sets_on(tmp_path / "usb")[0]
    into = tmp_path / "new-machine"
    restored = instance.invoke(
        erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(into)], env={"ERMS_DATA_DIR": str(into)}
    )
    assert restored.exit_code == 0, restored.output
    assert (into / "erms.sqlite3").is_file() and "audit chain    intact" in restored.output
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("an instance's folder is not empty")
    refused = instance.invoke(erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(elsewhere)])
    assert refused.exit_code == 1 and "is not an empty folder" in refused.output


def test_a_restored_copy_makes_no_set_on_the_original_media_until_it_takes_them_over(instance, tmp_path):
    assert instance.invoke(erms_group, ["backup", "create"]).exit_code == 0
    name = sets_on(tmp_path / "usb")[0]
    into = tmp_path / "restored"
    assert instance.invoke(erms_group, ["backup", "restore", name, "--into", str(into)]).exit_code == 0
    copy = CliRunner(env={**instance.env, "ERMS_DATA_DIR": str(into)})  # a restore drill: the same media configured
    time.sleep(1.1)  # a set is named by its second

    refused = copy.invoke(erms_group, ["backup", "create"])
    assert refused.exit_code == 1
    said = refused.output
    assert f"This instance was restored from set {name} on usb, and nas holds the sets of the instance" in said
    assert "run `erms backup take-over` once" in refused.output
    assert sets_on(tmp_path / "usb") == sets_on(tmp_path / "nas") == [name]  # nothing written beside the original's
    (tmp_path / "own").mkdir()
    assert copy.invoke(erms_group, ["backup", "create", "--to", str(tmp_path / "own")]).exit_code == 0

    took = copy.invoke(erms_group, ["backup", "take-over"])
    assert took.exit_code == 0 and f"restored from set {name} on usb, now backs up to that medium" in took.output
    engine = db.make_engine(f"sqlite:///{into / 'erms.sqlite3'}")
    with Session(engine) as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert last.action == "backup.taken_over" and json.loads(last.details) == {"name": name, "target": "usb"}
    engine.dispose()
    time.sleep(1.1)
    assert copy.invoke(erms_group, ["backup", "create"]).exit_code == 0  # after a disaster: it is production now
    assert len(sets_on(tmp_path / "nas")) == 2
    again = copy.invoke(erms_group, ["backup", "take-over"])
    assert again.exit_code == 1 and "This instance was not restored from a backup set" in again.output
    time.sleep(1.1)
    assert instance.invoke(erms_group, ["backup", "create"]).exit_code == 0  # the original was never held back


def test_a_restore_builds_its_index_and_checks_its_files_in_its_own_folder_whatever_the_shell_names(instance, tmp_path):
    assert instance.invoke(erms_group, ["backup", "create", "--to", "usb"]).exit_code == 0
    name = sets_on(tmp_path / "usb")[0]
    production_index = tmp_path / "production-search"
    production_index.mkdir()
    (production_index / "current").write_text("gen-7")
    shell = {  # the shell of production's administrator
        **instance.env,
        "ERMS_STORAGE_ROOT": str(tmp_path / "instance" / "files"),
        "ERMS_SEARCH_INDEX_DIR": str(production_index),
    }
    into = tmp_path / "restored"
    restored = CliRunner(env=shell).invoke(
        erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(into)]
    )
    assert restored.exit_code == 0, restored.output
    assert [path.name for path in production_index.iterdir()] == ["current"]
    assert (production_index / "current").read_text() == "gen-7"
    assert (into / "search").is_dir() and "search index   3 records" in restored.output


def test_a_restore_refused_keeps_the_fresh_instances_key_and_copies_nothing(instance, tmp_path):
    assert instance.invoke(erms_group, ["backup", "create", "--to", "usb"]).exit_code == 0
    name = sets_on(tmp_path / "usb")[0]
    into = tmp_path / "fresh"
    into.mkdir()
    (into / "secret_key").write_text("the new machine's own key")
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    refused = instance.invoke(
        erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(into), "--database-url", url]
    )
    assert refused.exit_code == 1 and "This set holds a SQLite database" in refused.output
    assert [path.name for path in into.iterdir()] == ["secret_key"]
    assert (into / "secret_key").read_text() == "the new machine's own key"
    restored = instance.invoke(erms_group, ["backup", "restore", name, "--from", "usb", "--into", str(into)])
    assert restored.exit_code == 0, restored.output
    assert (into / "secret_key").read_text() == "the new machine's own key"


def test_listing_says_when_no_medium_is_configured_and_lists_a_folder_given(instance, tmp_path):
    assert instance.invoke(erms_group, ["backup", "create", "--to", "usb"]).exit_code == 0
    bare = CliRunner(env={**instance.env, "ERMS_BACKUP_TARGETS": ""})
    nothing = bare.invoke(erms_group, ["backup", "list"])
    assert nothing.exit_code == 1 and "No backup target is configured" in nothing.output  # it printed nothing, exit 0
    folder = bare.invoke(erms_group, ["backup", "list", "--from", str(tmp_path / "usb")])
    assert folder.exit_code == 0 and sets_on(tmp_path / "usb")[0] in folder.output
    (tmp_path / "a-file").write_text("not a medium")
    refused = bare.invoke(erms_group, ["backup", "create", "--to", str(tmp_path / "a-file")])
    assert refused.exit_code == 1 and "is a file, not a folder" in refused.output
