"""A backup killed (SIGKILL) at any of six points leaves no set that looks finished, and the next one is whole.

The kill is placed by the test: the backup runs in a forked child that wraps one step of ``administration.backup``
so that it kills its own process at that step (``tests/kill_operations.py``; nothing in the product knows)."""

from __future__ import annotations

import io
import os
import signal

import pytest

from administration import backup
from erms import db, migrate
from erms.db import make_session_factory, transaction
from erms.storage import FileStore
from filing import dossiers
from tests import kill_operations
from tests.factories import DOCUMENT, NOW, World

FILES = 40

# Where to die: (what to wrap, on which call, before or after it runs).
POINTS = {
    "after the database copy": ("administration.backup:_sqlite_copy", 1, "after"),
    "after the first file": ("administration.backup:FileCopier.copy", 1, "after"),
    "half-way through the files": ("administration.backup:FileCopier.copy", FILES // 2, "after"),
    "before the flush of the medium": ("administration.backup:sync_filesystem", 1, "before"),
    "after the settings were written": ("administration.backup:_write_json", 1, "after"),
    "after the manifest, before the rename": ("administration.backup:_write_json", 2, "after"),
}


@pytest.fixture
def instance(tmp_path):
    """A SQLite instance of its own whose dossier holds FILES documents, and an empty medium."""
    url = f"sqlite:///{tmp_path / 'erms.sqlite3'}"
    engine = db.make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    store = FileStore(tmp_path / "files")
    with transaction(make_session_factory(engine)) as session:
        world = World(session, NOW)
        entry = world.approved_list().entries[0]
        officer = world.actor("officer1")
        dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=NOW)
        for number in range(FILES):
            upload = dossiers.Upload(f"vb{number}.pdf", io.BytesIO(b"%PDF-1.4 " + bytes([number]) * 5000), 10**6)
            data = dict(DOCUMENT, code_number=str(number + 1))
            dossiers.add_document(session, officer, dossier.id, data, upload, store=store, now=NOW)
    (tmp_path / "usb").mkdir()
    yield engine, url, store, backup.Target("usb", tmp_path / "usb")
    engine.dispose()


@pytest.mark.parametrize("point", list(POINTS))
def test_a_backup_killed_leaves_no_set_and_the_next_is_whole(instance, point, monkeypatch):
    engine, url, store, target = instance
    name, call, when = POINTS[point]
    monkeypatch.setenv("BACKUP_TARGET", str(target.path))
    status = kill_operations.killed(url, str(store.root), "backup", 0, name, call, when)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert backup.sets(target) == []  # nothing that looks like a backup
    made = backup.create(engine, {"STORAGE_ROOT": str(store.root), "DATABASE_URL": url}, target, now=NOW)
    assert [manifest.name for manifest in backup.sets(target)] == [made.manifest.name]
    assert backup.verify(target, made.manifest.name).ok
    assert len(made.manifest.files) == FILES
    assert not list((target.path / "sets").glob(".partial-*"))  # the killed one's leftovers are gone
