"""Background jobs: long work a page asks for, done by the worker process and never lost.

A web request only queues the job (:func:`enqueue`) and answers at once; the worker
(``erms jobs run-scheduler``) claims jobs one at a time (:func:`run_next`), writes a heartbeat
and what it is doing as it goes, and records how it ended. A job whose worker was killed keeps
its row in "running" with a heartbeat that goes stale: the next claim takes it up again, so
every handler must be safe to run again from the start (destruction execution resumes where it
stopped). Cancelling a queued job of a kind that may stop ends it at once; a running one stops at
its next step. A worker asked to stop (:data:`STOPPING`) puts its running job back in the queue at
its next step, for the next worker to take up at once instead of after the heartbeat goes stale.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erms import audit, permissions, transitions
from erms.db import transaction
from erms.errors import N_, ERMSError, NotFound, RuleViolation
from erms.models import BackgroundJob, Organisation, User
from erms.models.background import JobState
from erms.storage import FileStore

log = logging.getLogger(__name__)

ACTIVE = (JobState.QUEUED, JobState.RUNNING)
# A running job's worker writes its heartbeat at every step; silent this long, it is taken to be dead.
STALE_AFTER = timedelta(minutes=2)


# Set when the worker process is asked to stop (SIGTERM): no new job is claimed, the running one is put back.
STOPPING = threading.Event()


class Cancelled(Exception):
    """The job's cancellation was asked for: the handler stops at its next step."""


class Interrupted(Exception):
    """The worker is stopping: the handler stops at its next step and the job goes back to the queue."""


@dataclass(frozen=True)
class Context:
    """What a handler needs: the session factory, the store, the settings, the clock and its progress line."""

    factory: Callable[[], Session]
    store: FileStore
    settings: dict
    clock: Callable[[], datetime]
    progress: Callable[[str], None]


Handler = Callable[[dict, Context], None]
HANDLERS: dict[str, Handler] = {}
# Kinds whose running jobs may be stopped half-way (a destruction, once begun, runs to its end).
STOPPABLE: set[str] = set()


def handler(kind: str, *, stoppable: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of ``kind``, given the job's payload and a Context."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if stoppable:
            STOPPABLE.add(kind)
        return function

    return register


def enqueue(
    session: Session, user_id: int | None, kind: str, subject: str, payload: dict, *, now: datetime
) -> BackgroundJob:
    """Queue a job, or return the one already queued or running for the same subject (``user_id`` None: asked
    for on the command line)."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for background jobs of kind {kind!r}")
    active = latest(session, subject)
    if active is not None and active.state in ACTIVE:
        return active
    job = BackgroundJob(
        kind=kind,
        subject=subject,
        payload=json.dumps(payload, sort_keys=True),
        state=JobState.QUEUED,
        requested_by_id=user_id,
        created_at=now,
        progress="",
        error="",
        cancel_requested=False,
        attempts=0,
        worker="",
    )
    session.add(job)
    session.flush()
    return job


def latest(session: Session, subject: str) -> BackgroundJob | None:
    """Return the newest job about ``subject`` (its state tells the page what to show)."""
    return session.scalar(
        select(BackgroundJob).where(BackgroundJob.subject == subject).order_by(BackgroundJob.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class Overview:
    """The deployment administrator's view of background work: the jobs waiting or running (oldest first), the
    latest that ended (newest first) and the names of the people who asked for them."""

    active: list[BackgroundJob]
    ended: list[BackgroundJob]
    requesters: dict[int, str]
    organisations: dict[int, str]  # the code and name of each organisation an import works in ("intake:<id>")


def latest_of_kind(session: Session, kind: str) -> BackgroundJob | None:
    """Return the newest job of ``kind`` (the last backup: how it ended)."""
    return session.scalar(
        select(BackgroundJob).where(BackgroundJob.kind == kind).order_by(BackgroundJob.id.desc()).limit(1)
    )


def overview(session: Session, actor: permissions.Actor, ended: int = 30) -> Overview:
    """Return every organisation's background work (the deployment administrator's only: it answers for the
    worker), with the ``ended`` latest jobs that ended."""
    permissions.require_system_admin(actor)
    active = list(
        session.scalars(select(BackgroundJob).where(BackgroundJob.state.in_(ACTIVE)).order_by(BackgroundJob.id))
    )
    latest_ended = list(
        session.scalars(
            select(BackgroundJob)
            .where(BackgroundJob.state.not_in(ACTIVE))
            .order_by(BackgroundJob.finished_at.desc(), BackgroundJob.id.desc())
            .limit(ended)
        )
    )
    asked_by = {job.requested_by_id for job in active + latest_ended if job.requested_by_id is not None}
    names = session.execute(select(User.id, User.full_name).where(User.id.in_(asked_by))).all()
    places = {
        int(key)
        for job in active + latest_ended
        for page, _, key in [job.subject.partition(":")]
        if page == "intake" and key.isdigit()
    }
    organisations = session.execute(
        select(Organisation.id, Organisation.code, Organisation.name).where(Organisation.id.in_(places))
    ).all()
    return Overview(active, latest_ended, dict(names), {id_: f"{code} · {name}" for id_, code, name in organisations})


def cancel(session: Session, actor: permissions.Actor, job_id: int, *, now: datetime) -> BackgroundJob:
    """Ask for a job to stop: a queued one ends now, a running one at its next step. Only its requester or the
    deployment's administrator may (audited), and only a job of a kind that may stop half-way (a destruction, once
    confirmed, runs to its end: its list already says it is being executed)."""
    job = session.get(BackgroundJob, job_id)
    if job is None or not permissions.can_stop_job(actor, job.requested_by_id):
        raise NotFound()
    if job.state not in ACTIVE:
        raise RuleViolation(N_("This work has already ended; there is nothing to stop."))
    if job.kind not in STOPPABLE:
        raise RuleViolation(N_("This work runs to its end once asked for; it cannot be stopped."))
    if job.cancel_requested:
        raise RuleViolation(N_("This work is already stopping, at its next step."))
    if job.state is JobState.QUEUED:
        transitions.move(job, transitions.BACKGROUND_JOB, "cancel")
        job.finished_at = now
    else:
        job.cancel_requested = True
    subject_type, subject_id = _audited_subject(job)
    audit.record(session, actor, "job.stop_asked", subject_type, subject_id, now=now, kind=job.kind, job=job.id)
    return job


# The record a job works on, by its subject's first part: a stop is logged against it, so the organisation's own
# readers of the log see who stopped their work (the deployment's administrator has no role there).
AUDITED_SUBJECTS = {
    "handover_batch": "handover_batch",
    "destruction_list": "destruction_list",
    "intake": "organisation",
}


def _audited_subject(job: BackgroundJob) -> tuple[str, int]:
    page, _sep, number = job.subject.partition(":")
    if page in AUDITED_SUBJECTS and number.isdigit():
        return AUDITED_SUBJECTS[page], int(number)
    return "background_job", job.id


def _claimable(now: datetime):
    """The jobs a worker may take: queued ones, and running ones whose worker went silent."""
    return (
        select(BackgroundJob)
        .where(
            or_(
                BackgroundJob.state == JobState.QUEUED,
                (BackgroundJob.state == JobState.RUNNING) & (BackgroundJob.heartbeat_at < now - STALE_AFTER),
            )
        )
        .order_by(BackgroundJob.id)
        .limit(1)
    )


def waiting(session: Session, *, now: datetime) -> bool:
    """Return True if a job waits for a worker (asked reading only, so an idle worker takes no write lock)."""
    return session.scalar(_claimable(now).with_only_columns(BackgroundJob.id)) is not None


def claim(session: Session, worker: str, *, now: datetime) -> BackgroundJob | None:
    """Take the oldest queued job, or a running one whose worker went silent; None when there is none."""
    job = session.scalar(_claimable(now).with_for_update(skip_locked=True))
    if job is None:
        return None
    transitions.move(job, transitions.BACKGROUND_JOB, "claim")
    job.worker, job.attempts = worker, job.attempts + 1
    job.started_at, job.heartbeat_at = job.started_at or now, now
    return job


def run_next(
    factory: Callable[[], Session], store: FileStore, settings: dict, clock: Callable[[], datetime], worker: str
) -> BackgroundJob | None:
    """Claim one job and run it to its end (done, failed or cancelled); return it, or None when none waits."""
    with transaction(factory, read_only=True) as session:
        if not waiting(session, now=clock()):
            return None
    with transaction(factory) as session:
        job = claim(session, worker, now=clock())
        if job is None:
            return None
        job_id, kind, payload = job.id, job.kind, json.loads(job.payload)
    context = Context(factory, store, settings, clock, lambda text: _beat(factory, job_id, text, clock))
    try:
        HANDLERS[kind](payload, context)
    except Cancelled:
        return _finish(factory, job_id, JobState.CANCELLED, "", clock)
    except Interrupted:
        return _put_back(factory, job_id)
    except ERMSError as refused:  # a rule refused the work (a hold placed meanwhile): kept for the page to translate
        return _finish(factory, job_id, JobState.FAILED, refusal_text(refused), clock)
    except Exception as error:  # noqa: BLE001 - the worker goes on with the next job; the log has the trace
        log.exception("background job %s (%s) failed", job_id, kind)
        return _finish(factory, job_id, JobState.FAILED, f"{type(error).__name__}: {error}"[:2000], clock)
    return _finish(factory, job_id, JobState.DONE, "", clock)


def run_pending(
    factory: Callable[[], Session],
    store: FileStore,
    settings: dict,
    clock: Callable[[], datetime],
    worker: str,
    limit: int = 100,
) -> list[BackgroundJob]:
    """Run queued jobs one after the other until none waits (at most ``limit``); return them."""
    done: list[BackgroundJob] = []
    while (
        len(done) < limit
        and not STOPPING.is_set()
        and (job := run_next(factory, store, settings, clock, worker)) is not None
    ):
        done.append(job)
    return done


def refusal_text(refused: ERMSError) -> str:
    """Return a refusal as the JSON a page translates (``{"template": …, "params": …}``)."""
    problems = getattr(refused, "problems", None)
    headline = [{"template": refused.template, "params": refused.params}]
    if problems and all(isinstance(problem, str) for problem in problems):
        # A refusal that lists precise English lines (a bag's problems) keeps its headline, then each line as is.
        return json.dumps(headline + [{"template": line, "params": {}} for line in problems], ensure_ascii=False)
    if problems:
        return json.dumps(
            [{"template": problem.template, "params": problem.params} for problem in problems],
            ensure_ascii=False,
            default=str,
        )
    return json.dumps(headline, ensure_ascii=False, default=str)


def _beat(factory: Callable[[], Session], job_id: int, text: str, clock: Callable[[], datetime]) -> None:
    """Write the job's heartbeat and progress line; stop it if its cancellation was asked for."""
    with transaction(factory) as session:
        job = session.get(BackgroundJob, job_id)
        assert job is not None  # this worker claimed the job, and job rows are never deleted
        job.heartbeat_at, job.progress = clock(), text[:10_000]
        cancelled = job.cancel_requested
    if cancelled:
        raise Cancelled()
    if STOPPING.is_set():
        raise Interrupted()


def _finish(
    factory: Callable[[], Session], job_id: int, state: JobState, error: str, clock: Callable[[], datetime]
) -> BackgroundJob:
    with transaction(factory) as session:
        job = session.get(BackgroundJob, job_id)
        assert job is not None  # this worker claimed the job, and job rows are never deleted
        transitions.move(job, transitions.BACKGROUND_JOB, state.value)
        job.error, job.finished_at = error, clock()
        return job


def _put_back(factory: Callable[[], Session], job_id: int) -> BackgroundJob:
    """Return a running job to the queue (its worker is stopping), for the next worker to take up at once."""
    with transaction(factory) as session:
        job = session.get(BackgroundJob, job_id)
        assert job is not None  # this worker claimed the job, and job rows are never deleted
        transitions.move(job, transitions.BACKGROUND_JOB, "put_back")
        return job
