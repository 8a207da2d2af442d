"""A backup killed (SIGKILL) at any of six points leaves no set that looks finished, and the next one is whole.

The kill is placed by the test: the backup runs in a fresh interpreter whose code wraps one step of
``administration.backup`` so that it kills its own process at that step (nothing in the product knows)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from administration import backup
from erms import db, migrate
from erms.db import make_session_factory, transaction
from erms.storage import FileStore
from filing import dossiers
from tests.factories import DOCUMENT, NOW, World

FILES = 40

# Where to die: (what to wrap, on which call, before or after it runs).
POINTS = {
    "after the database copy": ("_sqlite_copy", 1, "after"),
    "after the first file": ("FileCopier.copy", 1, "after"),
    "half-way through the files": ("FileCopier.copy", FILES // 2, "after"),
    "before the flush of the medium": ("sync_filesystem", 1, "before"),
    "after the settings were written": ("_write_json", 1, "after"),
    "after the manifest, before the rename": ("_write_json", 2, "after"),
}

RUNNER = """
import os, signal, sys
from datetime import datetime, UTC
from administration import backup
from erms import db

name, call, when = sys.argv[4], int(sys.argv[5]), sys.argv[6]
owner = backup.FileCopier if name.startswith("FileCopier.") else backup
attribute = name.split(".")[-1]
original, calls = getattr(owner, attribute), [0]

def dying(*args, **kwargs):
    calls[0] += 1
    if when == "before" and calls[0] == call:
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    if when == "after" and calls[0] == call:
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, attribute, dying)
backup.COPY_THREADS = 1  # one copy at a time: "the first file" is exactly one
engine = db.make_engine(sys.argv[1])
settings = {"STORAGE_ROOT": sys.argv[2], "DATABASE_URL": sys.argv[1]}
backup.create(engine, settings, backup.Target("usb", __import__("pathlib").Path(sys.argv[3])), now=datetime.now(UTC))
"""


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
def test_a_backup_killed_leaves_no_set_and_the_next_is_whole(instance, point):
    engine, url, store, target = instance
    name, call, when = POINTS[point]
    killed = subprocess.run(
        [sys.executable, "-c", RUNNER, url, str(store.root), str(target.path), name, str(call), when],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert backup.sets(target) == []  # nothing that looks like a backup
    made = backup.create(engine, {"STORAGE_ROOT": str(store.root), "DATABASE_URL": url}, target, now=NOW)
    assert [manifest.name for manifest in backup.sets(target)] == [made.manifest.name]
    assert backup.verify(target, made.manifest.name).ok
    assert len(made.manifest.files) == FILES
    assert not list((target.path / "sets").glob(".partial-*"))  # the killed one's leftovers are gone
