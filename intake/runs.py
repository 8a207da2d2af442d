"""Runs of taking records in (intake): begun or taken up again, then finished with their report.

The adapter that drives a run (the command line, the worker) commits each dossier in its own transaction, so an
interruption loses at most the dossier being made; :func:`begin` called again with the same source returns the
unfinished run, whose made dossiers :func:`intake.past.made_keys` lists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, permissions
from erms.models import IntakeDossier, IntakeRun
from erms.permissions import Actor


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
