"""Runs of taking records in (intake): begun or taken up again, then finished with their report.

The adapter that drives a run (the command line, the worker) commits each dossier in its own transaction, so an
interruption loses at most the dossier being made; :func:`begin` called again with the same source returns the
unfinished run, whose made dossiers :func:`intake.past.made_keys` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, RuleViolation
from erms.models import IntakeDossier, IntakeRun
from erms.permissions import Actor
from intake.past import PastDossier, made_keys

ALREADY_DONE = N_("These records were taken in already, on %(day)s; nothing more to do.")


@dataclass(frozen=True)
class YearFigures:
    """A year's dossiers in a plan: how many, how many go to the agency archive, and their documents."""

    year: int
    dossiers: int
    archived: int
    documents: int


@dataclass(frozen=True)
class Plan:
    """What a checked source (a legacy folder, a bag) will make, in which organisation, and the unfinished run of
    the same source, if any, to take up."""

    organisation_id: int
    kind: str
    source: str
    digest: str  # the source's, so that the same source takes up the same run
    dossiers: tuple[PastDossier, ...]
    run_id: int | None = None
    done: frozenset[str] = frozenset()  # keys of the dossiers that run made already
    notes: tuple[str, ...] = ()  # what the source holds that could not be mapped
    size: int = 0  # bytes of all files, where the source says

    @property
    def documents(self) -> int:
        return sum(len(dossier.documents) for dossier in self.dossiers)

    def by_year(self) -> list[YearFigures]:
        """Return what the plan makes, year by year: the summary the archivist checks before importing (a run taken
        up again makes only what it has not made yet)."""
        years: dict[int, YearFigures] = {}
        for dossier in self.to_make:
            was = years.get(dossier.year, YearFigures(dossier.year, 0, 0, 0))
            years[dossier.year] = YearFigures(
                dossier.year,
                was.dossiers + 1,
                was.archived + dossier.archived,
                was.documents + len(dossier.documents),
            )
        return [years[year] for year in sorted(years)]

    @property
    def documents_to_make(self) -> int:
        return sum(len(dossier.documents) for dossier in self.to_make)

    @property
    def to_make(self) -> tuple[PastDossier, ...]:
        """The dossiers not made yet (all of them, unless a run is taken up again)."""
        return tuple(dossier for dossier in self.dossiers if dossier.key not in self.done)


@dataclass(frozen=True)
class Earlier:
    """The unfinished run of the same source, and what it made."""

    run_id: int | None = None
    done: frozenset[str] = field(default_factory=frozenset)


def earlier(session: Session, organisation_id: int, kind: str, digest: str) -> Earlier:
    """Return the unfinished run of the same source to take up (none: a new run); a finished one is refused."""
    run = session.scalar(
        select(IntakeRun)
        .where(IntakeRun.organisation_id == organisation_id, IntakeRun.kind == kind, IntakeRun.digest == digest)
        .order_by(IntakeRun.id.desc())
        .limit(1)
    )
    if run is None:
        return Earlier()
    if run.finished_at is not None:
        raise RuleViolation(ALREADY_DONE, day=run.finished_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y"))
    return Earlier(run.id, frozenset(made_keys(session, run.id)))


def begin(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    kind: str,
    source: str,
    digest: str,
    dossiers: int,
    documents: int,
    run_id: int | None,
    now: datetime,
) -> IntakeRun:
    """Return the run ``run_id`` taken up again, or a new run of ``kind`` from ``source``; audit which."""
    permissions.require(actor, "records.import", organisation_id)
    if run_id is not None:
        run = session.get_one(IntakeRun, run_id)
        audit.record(session, actor, "intake.resumed", "intake_run", run.id, now=now, source=run.source)
        return run
    run = IntakeRun(
        organisation_id=organisation_id,
        kind=kind,
        source=source[:500],
        digest=digest,
        dossiers_total=dossiers,
        documents_total=documents,
        started_by_id=actor.user_id,
        started_at=now,
        report="",
    )
    session.add(run)
    session.flush()
    audit.record(
        session, actor, "intake.started", "intake_run", run.id, now=now, kind=kind, source=run.source, digest=digest
    )
    return run


def finish(session: Session, actor: Actor, run_id: int, report: list[str], *, now: datetime) -> IntakeRun:
    """Record the run's report; a run that made every dossier is finished (the same source is then refused)."""
    run = session.get_one(IntakeRun, run_id)
    made = session.scalar(select(func.count()).where(IntakeDossier.run_id == run.id)) or 0
    run.report = "\n".join(report)
    if made == run.dossiers_total:
        run.finished_at = now
    audit.record(
        session,
        actor,
        "intake.finished" if run.finished_at else "intake.stopped",
        "intake_run",
        run.id,
        now=now,
        dossiers=made,
        problems=len(report),
    )
    return run


def recent(session: Session, actor: Actor, organisation_id: int, limit: int = 20) -> list[IntakeRun]:
    """Return the organisation's latest runs, newest first."""
    permissions.require(actor, "records.import", organisation_id)
    return list(
        session.scalars(
            select(IntakeRun)
            .where(IntakeRun.organisation_id == organisation_id)
            .order_by(IntakeRun.id.desc())
            .limit(limit)
        )
    )
