"""Upload, close, submit and accept killed (SIGKILL) at five points each leave the previous good state, and the
same work done again succeeds (issue 20). The process dies in a fresh interpreter (``tests/kill_operations.py``);
a killed upload's bytes may stay in the store, listed by no record, until the daily sweep."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, db
from erms.db import make_session_factory
from erms.models import Dossier, DossierDocument, Transfer
from erms.models.dossier import DossierState
from erms.storage import FileStore
from tests import kill_operations
from tests.databases import own_database
from tests.factories import NOW, World, make_dossier

ROOT = Path(__file__).resolve().parents[2]
COMMIT, FLUSH = "sqlalchemy.orm:Session.commit", "sqlalchemy.orm:Session.flush"

# operation: (the state the dossier is in before it, [(wrapped, call, before or after)]).
POINTS = {
    "upload": (
        "open",
        [
            ("erms.storage:FileStore._place", 1, "before"),  # the bytes written, not in place
            ("erms.storage:FileStore._place", 1, "after"),  # in place, no row
            ("erms.audit:record", 1, "after"),
            (FLUSH, 1, "after"),
            (COMMIT, 1, "before"),
        ],
    ),
    "close": (
        "open",
        [
            ("exports.pdf.pdf_index:render", 1, "after"),  # the index made, reading only
            ("erms.storage:FileStore.put", 1, "after"),  # the index stored, no row
            ("erms.lifecycle:apply", 1, "after"),
            (FLUSH, 2, "after"),
            (COMMIT, 2, "before"),  # the first commit ends the transaction that only read
        ],
    ),
    "submit": (
        "closed",
        [
            ("erms.lifecycle:apply", 1, "before"),
            ("erms.lifecycle:apply", 1, "after"),
            ("erms.audit:record", 1, "after"),
            (FLUSH, 1, "after"),
            (COMMIT, 1, "before"),
        ],
    ),
    "accept": (
        "submitted",
        [
            ("erms.storage:FileStore.digest", 1, "after"),  # re-checking the files
            ("erms.lifecycle:apply", 1, "after"),
            ("erms.audit:record", 1, "after"),
            (FLUSH, 1, "after"),
            (COMMIT, 1, "before"),
        ],
    ),
}
CASES = [(operation, *point) for operation, (_, points) in POINTS.items() for point in points]
IDS = [f"{operation}-{wrapped.split(':')[1]}-{call}-{when}" for operation, wrapped, call, when in CASES]
AFTER = {"upload": DossierState.OPEN, "close": DossierState.CLOSED, "submit": DossierState.SUBMITTED}


def snapshot(engine, dossier_id: int) -> tuple:
    """What a person would see of the dossier: its state, its documents, its index, its transfers."""
    with Session(engine) as session:
        dossier = session.get(Dossier, dossier_id)
        documents = session.scalar(select(func.count()).where(DossierDocument.dossier_id == dossier_id))
        transfers = session.scalar(select(func.count()).select_from(Transfer))
        return dossier.state, documents, dossier.index_file_id, transfers, audit.verify(session).ok


@pytest.mark.parametrize(
    "operation,wrapped,call,when", CASES, ids=[f"{c[0]}-{c[1].split(':')[1]}-{c[2]}-{c[3]}" for c in CASES]
)
def test_killed_work_leaves_the_previous_state_and_succeeds_when_done_again(
    database_url, tmp_path, operation, wrapped, call, when
):
    with own_database(database_url, tmp_path, "killed") as url:
        engine, store = db.make_engine(url), FileStore(tmp_path / "files")
        with Session(engine) as setup:
            dossier_id = make_dossier(setup, World(setup, NOW), store, NOW, POINTS[operation][0], documents=2).id
            setup.commit()
        before = snapshot(engine, dossier_id)
        killed = subprocess.run(
            [sys.executable, "-m", "tests.kill_operations", url, str(store.root), operation, str(dossier_id)]
            + [wrapped, str(call), when],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
        assert snapshot(engine, dossier_id) == before  # the previous good state, audit chain intact
        kill_operations.OPERATIONS[operation](make_session_factory(engine), store, dossier_id)
        state, documents, index, transfers, chain_ok = snapshot(engine, dossier_id)
        assert state is AFTER.get(operation, DossierState.ARCHIVED) and chain_ok
        assert documents == before[1] + (operation == "upload") and (index is not None) == (operation != "upload")
        engine.dispose()
