"""A destruction killed midway (SIGKILL after some files) and run again ends the same, with one record."""

import io
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from retention_helpers import paper
from sqlalchemy import func, select

from erms import audit, migrate
from erms.db import make_engine, make_session_factory, transaction
from erms.models import AuditEvent, DestructionList, Dossier, StoredFile
from erms.models.dossier import DossierState
from erms.storage import FileStore
from filing import dossiers
from retention import destruction
from tests.factories import DOCUMENT, World

FILED = datetime(2010, 6, 1, 3, 0, tzinfo=UTC)  # 10-year dossiers of 2010: due since 1 January 2021
APPRAISED = datetime(2021, 3, 1, 3, 0, tzinfo=UTC)
DOSSIERS, DOCUMENTS = 8, 12


def _archived_dossiers(session, world: World, store: FileStore) -> list[int]:
    dossier_list = world.approved_list(year=2010, entries=DOSSIERS)
    officer, archivist = world.actor("officer1"), world.actor("archivist")
    ids = []
    for entry in dossier_list.entries:
        dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2010-01-04"}, now=FILED)
        for number in range(DOCUMENTS):
            data = dict(DOCUMENT, code_number=str(number + 1), issued_date=date(2010, 2, 1 + number).isoformat())
            content = f"%PDF-1.4 {entry.id}-{number}".encode()
            dossiers.add_document(
                session,
                officer,
                dossier.id,
                data,
                dossiers.Upload(f"vb{number}.pdf", io.BytesIO(content), 10_000),
                store=store,
                now=FILED,
            )
        dossiers.close_dossier(session, officer, dossier.id, store=store, now=FILED)
        transfer = dossiers.submit(session, officer, [dossier.id], now=FILED)
        dossiers.accept(session, archivist, transfer.items[0].id, store=store, now=FILED)
        ids.append(dossier.id)
    return ids


def _approved_list(tmp_path: Path) -> tuple:
    engine = make_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    factory, store = make_session_factory(engine), FileStore(tmp_path / "files")
    with transaction(factory) as session:
        world = World(session, FILED)
        ids = _archived_dossiers(session, world, store)
        listed = destruction.propose(
            session,
            world.actor("archivist"),
            world.org.id,
            ids,
            "Danh mục hủy 2021",
            "Hết thời hạn bảo quản.",
            now=APPRAISED,
        )
        destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=APPRAISED)
        destruction.record_appraisal(
            session,
            world.actor("archivist"),
            listed.id,
            paper("5/SNV", on=APPRAISED.date()),
            store=store,
            now=APPRAISED,
        )
        destruction.approve(
            session,
            world.actor("head"),
            listed.id,
            paper("9/QĐ-UBND", "Bà Hà", APPRAISED.date()),
            store=store,
            now=APPRAISED,
        )
        return engine, factory, store, listed.id, ids


def _execute(tmp_path: Path, list_id: int, kill_after: int | None = None) -> subprocess.Popen:
    env = dict(os.environ, ERMS_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from erms.cli import main; main()",
            "retention",
            "execute",
            str(list_id),
            "--user",
            "archivist",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deleted = 0
    for line in process.stdout:
        deleted += line.startswith("deleted:")
        if kill_after is not None and deleted == kill_after:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    return process


def test_killed_execution_finishes_on_rerun_with_one_record(tmp_path):
    engine, factory, store, list_id, ids = _approved_list(tmp_path)
    with transaction(factory) as session:
        digests = [sha for (sha,) in session.execute(select(StoredFile.sha256))]
    killed = _execute(tmp_path, list_id, kill_after=10)
    assert killed.returncode == -signal.SIGKILL
    with transaction(factory) as session:
        assert session.get(DestructionList, list_id).state.value == "executing"  # killed halfway
    rerun = _execute(tmp_path, list_id)
    assert rerun.returncode == 0, rerun.stderr.read()
    again = _execute(tmp_path, list_id)
    assert again.returncode == 1 and "already been executed" in again.stderr.read()
    with transaction(factory) as session:
        states = set(session.scalars(select(Dossier.state).where(Dossier.id.in_(ids))))
        assert states == {DossierState.DESTROYED}
        executed = select(func.count()).where(AuditEvent.action == "destruction_list.executed")
        assert session.scalar(executed) == 1
        listed = session.get(DestructionList, list_id)
        kept = {
            listed.record_file.sha256,
            *(
                session.get(StoredFile, file_id).sha256
                for file_id in (listed.appraisal_file_id, listed.decision_file_id)
            ),
        }
        assert [sha for sha in digests if store.exists(sha)] == [sha for sha in digests if sha in kept]
        assert audit.verify(session).ok
    engine.dispose()
