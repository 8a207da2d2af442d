"""Upload, close, submit, accept and a receipt's import killed (SIGKILL) at five points each leave the previous
good state, and the same work done again succeeds (issue 20). The process dies in a forked child
(``tests/kill_operations.py``); a killed upload's bytes may stay in the store, listed by no record, until the daily
sweep."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, db
from erms.db import make_session_factory
from erms.models import Dossier, DossierDocument, Transfer
from erms.models.dossier import DossierState
from erms.storage import FileStore
from exports import handover
from tests import kill_operations
from tests.databases import own_database
from tests.factories import NOW, World, make_dossier

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
    "receipt": (
        "packaged",
        [
            ("exports.receipt:parse", 1, "after"),
            ("erms.lifecycle:apply", 1, "after"),
            ("erms.transitions:move", 1, "after"),
            ("erms.audit:record", 2, "after"),  # the batch received (the first is the dossier's transfer)
            (COMMIT, 1, "before"),
        ],
    ),
}
AFTER = {
    "upload": DossierState.OPEN,
    "close": DossierState.CLOSED,
    "submit": DossierState.SUBMITTED,
    "accept": DossierState.ARCHIVED,
    "receipt": DossierState.TRANSFERRED,
}


def ready(session: Session, store: FileStore, state: str, folder: Path) -> int:
    """Return a dossier walked to ``state``; "packaged": a permanent one in a hand-over batch whose package is built."""
    world = World(session, NOW)
    if state != "packaged":
        return make_dossier(session, world, store, NOW, state, documents=2).id
    dossier = make_dossier(session, world, store, NOW, "archived", row="permanent", documents=2)
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, 2031, [dossier.id], now=NOW)
    settings = handover.BuildSettings(store=store, out_dir=folder / "packages", eark_tool=None)
    handover.build_package(session, archivist, batch.id, settings, now=NOW)
    return dossier.id


def snapshot(engine, dossier_id: int) -> tuple:
    """What a person would see of the dossier: its state, its documents, its index, its transfers."""
    with Session(engine) as session:
        dossier = session.get(Dossier, dossier_id)
        documents = session.scalar(select(func.count()).where(DossierDocument.dossier_id == dossier_id))
        transfers = session.scalar(select(func.count()).select_from(Transfer))
        return dossier.state, documents, dossier.index_file_id, transfers, audit.verify(session).ok


@pytest.mark.parametrize("operation", list(POINTS))
def test_killed_work_leaves_the_previous_state_and_succeeds_when_done_again(database_url, tmp_path, operation):
    # One instance for the five kills of an operation: each must leave the state the next one starts from.
    with own_database(database_url, tmp_path, "killed") as url:
        engine, store = db.make_engine(url), FileStore(tmp_path / "files")
        with Session(engine) as setup:
            dossier_id = ready(setup, store, POINTS[operation][0], tmp_path)
            setup.commit()
        before = snapshot(engine, dossier_id)
        for wrapped, call, when in POINTS[operation][1]:
            status = kill_operations.killed(url, str(store.root), operation, dossier_id, wrapped, call, when)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{wrapped} {call} {when}"
            # The previous good state (audit chain intact) after a kill at this point.
            assert snapshot(engine, dossier_id) == before, f"{wrapped} {call} {when}"
        kill_operations.OPERATIONS[operation](make_session_factory(engine), store, dossier_id)
        state, documents, index, transfers, chain_ok = snapshot(engine, dossier_id)
        assert state is AFTER[operation] and chain_ok
        assert documents == before[1] + (operation == "upload") and (index is not None) == (operation != "upload")
        engine.dispose()
