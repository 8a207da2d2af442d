"""``erms backup``: create on every configured target, list, verify, restore with its report; refusals in words."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from erms import db, search
from erms.cli import erms_group
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
    restored = instance.invoke(erms_group, ["backup", "restore", name, "--into", str(tmp_path / "restored")])
    assert restored.exit_code == 0, restored.output
    report = restored.output
    assert f"restored backup set {name}" in report and "dossiers       1" in report
    assert "files          3" in report and "search index   3 records" in report and "audit chain    intact" in report
    assert "fixity         3 of 3 files intact" in report


def test_refusals_say_why_and_exit_1(instance, tmp_path):
    unknown = instance.invoke(erms_group, ["backup", "create", "--to", "tape"])
    assert unknown.exit_code == 1
    assert 'error: No backup target is called "tape" (configured: usb, nas)' in unknown.output
    missing = instance.invoke(erms_group, ["backup", "verify", "20000101T000000Z"])
    assert missing.exit_code == 1 and "No configured backup target holds a set 20000101T000000Z" in missing.output
    unplugged = instance.invoke(erms_group, ["backup", "create", "--to", str(tmp_path / "unplugged")])
    assert unplugged.exit_code == 1 and "is not there (is the medium mounted?)" in unplugged.output
