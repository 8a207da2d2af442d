"""The sweep of unused bytes: what a rolled-back upload left in the store goes once past the grace period; bytes a
record lists never go, nor bytes an upload has just stored again; a sweep stopped half-way is finished."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from administration import orphans
from erms import search
from erms.cli import erms_group
from filing import dossiers
from tests.factories import DOCUMENT, upload

GRACE = timedelta(hours=24)


def days_ago(store, sha256: str, days: int) -> None:
    moment = (datetime.now(UTC) - timedelta(days=days)).timestamp()
    os.utime(store.path_for(sha256), (moment, moment))


def rolled_back_upload(session, world, store, now, dossier, data: bytes) -> str:
    officer = world.actor("officer1")
    nested = session.begin_nested()
    document = dossiers.add_document(session, officer, dossier.id, DOCUMENT, upload(data), store=store, now=now)
    sha256 = document.versions[0].file.sha256
    nested.rollback()  # the transaction failed after the bytes were stored
    return sha256


def test_what_a_rolled_back_upload_left_goes_once_past_the_grace_period(
    session, session_factory, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=1)
    kept = dossier.links[0].document.versions[0].file.sha256
    left = rolled_back_upload(session, world, store, now, dossier, b"never saved")
    assert store.exists(left)
    assert orphans.sweep(session_factory, store, now=datetime.now(UTC), grace=GRACE) == []  # still young
    days_ago(store, left, 2)
    days_ago(store, kept, 400)  # old, but a record lists it
    assert orphans.sweep(session_factory, store, now=datetime.now(UTC), grace=GRACE) == [left]
    assert not store.exists(left) and store.exists(kept)


def test_bytes_stored_again_within_the_grace_period_stay(session, session_factory, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    left = rolled_back_upload(session, world, store, now, dossier, b"uploaded twice")
    days_ago(store, left, 2)
    store.put(io.BytesIO(b"uploaded twice"))  # a new upload of the same bytes, its row not committed yet
    assert orphans.sweep(session_factory, store, now=datetime.now(UTC), grace=GRACE) == []
    assert store.exists(left)


def test_a_sweep_stopped_half_way_is_finished(session, session_factory, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=1)
    listed = dossier.links[0].document.versions[0].file.sha256
    unlisted = rolled_back_upload(session, world, store, now, dossier, b"set aside")
    for sha256 in (listed, unlisted):  # what a killed sweep leaves: both set aside, neither decided
        path = store.path_for(sha256)
        os.rename(path, path.with_name(sha256 + ".swept"))
    orphans.sweep(session_factory, store, now=datetime.now(UTC), grace=GRACE)
    assert store.exists(listed) and store.digest(listed) == listed
    assert not store.exists(unlisted) and not list(store.root.rglob("*.swept"))


def test_the_command_sweeps(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path / "instance"), "DATABASE_URL": ""})
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    stray = tmp_path / "instance" / "files" / "ab" / "cd" / ("abcd" + "0" * 60)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"no record lists these bytes")
    moment = (datetime.now(UTC) - timedelta(hours=3)).timestamp()
    os.utime(stray, (moment, moment))
    kept = runner.invoke(erms_group, ["store", "sweep"])
    assert kept.exit_code == 0 and "store swept: 0 files" in kept.output and stray.exists()
    swept = runner.invoke(erms_group, ["store", "sweep", "--grace-hours", "2"])
    assert f"removed {stray.name}" in swept.output and not stray.exists()
    search.install(None)
