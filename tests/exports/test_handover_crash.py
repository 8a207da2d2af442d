"""A hand-over export killed (SIGKILL) at random points, then run again, still gives one valid package."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import bagit

from erms import migrate
from erms.db import make_engine, make_session_factory, transaction
from erms.storage import FileStore
from filing import dossiers
from tests.factories import DOCUMENT, NOW, World, require, upload

ERMS = Path(sys.executable).parent / "erms"
KILLS = 5


def _seed(data_dir: Path) -> str:
    """Commit an organisation with permanent archived dossiers holding a few MB of files."""
    engine = make_engine(f"sqlite:///{data_dir / 'erms.sqlite3'}")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    store = FileStore(data_dir / "files")
    with transaction(make_session_factory(engine)) as session:
        world = World(session, NOW)
        dossier_list = world.approved_list(entries=3, row="permanent")
        officer, archivist = world.actor("officer1"), world.actor("archivist")
        for number, entry in enumerate(dossier_list.entries):
            dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=NOW)
            for ordinal in range(4):
                content = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)
                dossiers.add_document(
                    session,
                    officer,
                    dossier.id,
                    dict(DOCUMENT, code_number=str(10 * number + ordinal)),
                    upload(content, f"tờ trình số {number}-{ordinal}.pdf"),
                    store=store,
                    now=NOW,
                )
            dossiers.close_dossier(session, officer, dossier.id, store=store, now=NOW)
            transfer = dossiers.submit(session, officer, [dossier.id], now=NOW)
            dossiers.accept(session, archivist, transfer.items[0].id, store=store, now=NOW)
        code = world.org.code
    engine.dispose()
    return code


def _run(data_dir: Path, code: str, out: Path) -> list[str]:
    return [str(ERMS), "export", "handover", "--org", code, "--year", "2031", "--out", str(out)]


def _env(data_dir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "ERMS_DATABASE_URL")}
    return {**env, "ERMS_DATA_DIR": str(data_dir)}


def test_killed_export_then_rerun_gives_a_valid_package(tmp_path):
    require(ERMS.exists(), "the erms console script")
    timing, data = tmp_path / "timing", tmp_path / "data"
    timing.mkdir()
    data.mkdir()
    started = time.monotonic()
    first = subprocess.run(
        _run(timing, _seed(timing), tmp_path / "timing-out"), env=_env(timing), capture_output=True, text=True
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert "verifying (checksums, profile, schemas, E-ARK)" in first.stdout  # the bar says what follows the copy
    assert "BagIt profile passed" in first.stdout  # and each check as it ends
    duration = time.monotonic() - started
    code, out = _seed(data), tmp_path / "out"
    final = out / f"{code}_2031_1"
    random.seed(20260615)
    for point in sorted(random.uniform(0.05, 0.7) * duration for _ in range(KILLS)):
        process = subprocess.Popen(
            _run(data, code, out), env=_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(point)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Whatever the kill left, nothing under the final name may look finished unless it is.
        if final.exists():
            bagit.Bag(str(final)).validate()
    rerun = subprocess.run(_run(data, code, out), env=_env(data), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    bagit.Bag(str(final)).validate()
    leftovers = sorted(path.name for path in out.iterdir())
    assert leftovers == [".erms-build.lock", final.name], leftovers
