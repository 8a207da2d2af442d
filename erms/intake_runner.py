"""Drives a run of taking records in (the command line and the worker share it): one transaction per dossier.

A dossier is made whole or not at all; a dossier the source describes wrongly (a file whose bytes differ from the
source's digest) is reported and the others go on. Interrupted, the run is taken up again by running the same
source: what was committed is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from erms.db import transaction
from erms.errors import ERMSError
from erms.models import IntakeRun
from erms.permissions import load_actor
from erms.storage import FileStore
from intake import past, runs
from intake.past import PastDossier


@dataclass(frozen=True)
class Source:
    """What a checked source will make: where from, its digest and its dossiers (an unfinished run to take up)."""

    organisation_id: int
    kind: str
    source: str
    digest: str
    dossiers: Sequence[PastDossier]
    run_id: int | None
    notes: tuple[str, ...] = ()  # what the source holds that could not be mapped


@dataclass(frozen=True)
class Outcome:
    run_id: int
    made: int  # dossiers made by this run, earlier attempts included
    total: int
    finished: bool
    report: tuple[str, ...]


def take_in(
    factory: Callable[[], Session],
    user_id: int,
    source: Source,
    *,
    store: FileStore,
    clock: Callable[[], datetime],
    font: str = "",
    told: Callable[[int, int], None] = lambda done, total: None,
) -> Outcome:
    """Make every dossier of ``source`` not made yet, each in its own transaction; return what the run did."""
    documents = sum(len(dossier.documents) for dossier in source.dossiers)
    with transaction(factory) as session:
        run = runs.begin(
            session,
            load_actor(session, user_id),
            source.organisation_id,
            kind=source.kind,
            source=source.source,
            digest=source.digest,
            dossiers=len(source.dossiers),
            documents=documents,
            run_id=source.run_id,
            now=clock(),
        )
        run_id, made = run.id, past.made_keys(session, run.id)
    report = list(source.notes)
    done = sum(len(dossier.documents) for dossier in source.dossiers if dossier.key in made)
    told(done, documents)
    for dossier in source.dossiers:
        if dossier.key in made:
            continue
        try:
            with transaction(factory) as session:
                run = session.get_one(IntakeRun, run_id)
                past.make(session, load_actor(session, user_id), run, dossier, store=store, now=clock(), font=font)
        except ERMSError as refused:
            report.append(f"{dossier.key}: {refused}")
        done += len(dossier.documents)
        told(done, documents)
    with transaction(factory) as session:
        run = runs.finish(session, load_actor(session, user_id), run_id, report, now=clock())
        made = past.made_keys(session, run_id)
        return Outcome(run_id, len(made), run.dossiers_total, run.finished_at is not None, tuple(report))
