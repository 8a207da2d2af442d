"""A legacy import killed (SIGKILL) part-way leaves only whole dossiers behind, and running it again makes the rest,
none twice (issue 26). The process dies in a forked child (``tests/kill_operations.py``)."""

from __future__ import annotations

import os
import signal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, db
from erms.db import make_session_factory
from erms.models import Document, Dossier, DossierDocument, IntakeDossier, IntakeRun
from erms.storage import FileStore
from tests import kill_operations
from tests.databases import own_database
from tests.factories import NOW, World
from tests.intake.test_legacy_import import make_folder, mapping

COMMIT = "sqlalchemy.orm:Session.commit"
# Where the import dies: (wrapped, call, before or after). The first commit ends the checking transaction, the
# second begins the run; each dossier then commits once.
POINTS = [
    (COMMIT, 4, "before"),  # the second dossier made, not committed
    ("erms.storage:FileStore.put", 25, "after"),  # a scan of the third dossier stored, no row for it
    ("erms.lifecycle:apply", 1, "after"),  # the fourth dossier closed, its documents filed, not committed
    ("intake.past:make", 2, "before"),  # the fourth dossier committed, the fifth not begun
]


def whole(engine) -> tuple[int, int, int, bool]:
    """Return the dossiers, documents and links there are, and whether each dossier holds all its documents and the
    audit chain is intact."""
    with Session(engine) as session:
        dossiers = session.scalar(select(func.count()).select_from(Dossier))
        documents = session.scalar(select(func.count()).select_from(Document))
        recorded = session.scalar(select(func.count()).select_from(IntakeDossier))
        per_dossier = set(
            session.scalars(select(func.count()).select_from(DossierDocument).group_by(DossierDocument.dossier_id))
        )
        ok = recorded == dossiers and per_dossier <= {10} and audit.verify(session).ok
        return dossiers, documents, session.scalar(select(func.count()).select_from(IntakeRun)), ok


def test_a_killed_legacy_import_leaves_whole_dossiers_and_finishes_when_run_again(database_url, tmp_path, monkeypatch):
    folder, rows = make_folder(tmp_path, 60, 10)
    (folder / "ho-so.csv").write_bytes(mapping(rows))
    monkeypatch.setenv("LEGACY_FOLDER", str(folder))
    with own_database(database_url, tmp_path, "intake") as url:
        engine, store = db.make_engine(url), FileStore(tmp_path / "files")
        with Session(engine) as setup:
            organisation_id = World(setup, NOW).org.id
            setup.commit()
        made = []
        for wrapped, call, when in POINTS:
            status = kill_operations.killed(url, str(store.root), "legacy_import", organisation_id, wrapped, call, when)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{wrapped} {call} {when}"
            dossiers, documents, runs, ok = whole(engine)
            assert ok and documents == 10 * dossiers and runs == 1, f"{wrapped} {call} {when}"
            made.append(dossiers)
        assert made == [1, 3, 3, 4]  # what was committed stays, and nothing half-made
        kill_operations.OPERATIONS["legacy_import"](make_session_factory(engine), store, organisation_id)
        assert whole(engine) == (6, 60, 1, True)
        with Session(engine) as session:
            assert session.scalar(select(IntakeRun.finished_at)) is not None
        engine.dispose()
