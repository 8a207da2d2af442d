"""Destruction as a durable background job: queued by the page, done by the worker, taken up again after the
worker is killed, cancelled only while it waits, and a failure recorded without stopping the worker (issue 18)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from retention_helpers import LATER
from sqlalchemy import func, select

from erms import background, jobs
from erms.errors import NotFound, RuleViolation
from erms.models import AuditEvent, BackgroundJob, Dossier
from erms.models.appraisal import DestructionListState
from erms.models.background import JobState
from erms.models.dossier import DossierState
from retention import destruction


@pytest.fixture
def worker(session_factory, store):
    """Return a function running the queued jobs as the worker process would, at ``now``."""

    def run(now=LATER, name="worker-b"):
        return background.run_pending(session_factory, store, {"PDF_FONT": ""}, lambda: now, name)

    return run


def destroyed_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dossier.destroyed"))


def test_the_page_only_queues_and_the_worker_executes(session, world, make_dossier, approved, worker):
    dossier = make_dossier("archived")
    listed = approved([dossier])
    job = jobs.start_destruction(session, world.actor("archivist"), listed.id, {}, now=LATER)
    assert (job.state, listed.state, dossier.state) == (
        JobState.QUEUED,
        DestructionListState.EXECUTING,
        DossierState.ARCHIVED,
    )
    again = jobs.start_destruction(session, world.actor("archivist"), listed.id, {}, now=LATER)
    assert again.id == job.id  # clicked twice: still one job
    (finished,) = worker()
    session.expire_all()
    assert (finished.state, listed.state, dossier.state) == (
        JobState.DONE,
        DestructionListState.EXECUTED,
        DossierState.DESTROYED,
    )
    assert session.get(BackgroundJob, job.id).progress != ""
    assert worker() == []


def test_a_job_whose_worker_was_killed_is_taken_up_again_and_finishes_once(
    session, world, make_dossier, approved, worker, session_factory, store
):
    dossiers = [make_dossier("archived") for _ in range(3)]
    listed = approved(dossiers)
    job = jobs.start_destruction(session, world.actor("archivist"), listed.id, {}, now=LATER)
    # Worker A claims it, destroys the first dossier, and is killed before the next heartbeat.
    claimed = background.claim(session, "worker-a", now=LATER)
    destruction.next_step(session, world.actor("archivist"), listed.id, store=store, now=LATER)
    session.flush()
    assert (claimed.id, destroyed_count(session)) == (job.id, 1)
    assert worker(now=LATER + timedelta(minutes=1)) == []  # its heartbeat is still fresh: not taken from it
    (resumed,) = worker(now=LATER + background.STALE_AFTER + timedelta(seconds=1))
    session.expire_all()
    assert (resumed.id, resumed.state, resumed.attempts, resumed.worker) == (job.id, JobState.DONE, 2, "worker-b")
    assert listed.state is DestructionListState.EXECUTED
    assert [dossier.state for dossier in dossiers] == [DossierState.DESTROYED] * 3
    assert destroyed_count(session) == 3  # each dossier destroyed once, the first one not again


def test_a_worker_asked_to_stop_puts_its_job_back_and_the_next_one_finishes_it_at_once(
    session, world, make_dossier, approved, worker, monkeypatch
):
    dossiers = [make_dossier("archived") for _ in range(3)]
    listed = approved(dossiers)
    job = jobs.start_destruction(session, world.actor("archivist"), listed.id, {}, now=LATER)
    session.commit()
    step = destruction.next_step

    def stopped_after_one(*args, **kwargs):
        done = step(*args, **kwargs)
        background.STOPPING.set()  # SIGTERM arrives while the first dossier is destroyed
        return done

    monkeypatch.setattr(destruction, "next_step", stopped_after_one)
    try:
        (interrupted,) = worker(name="worker-a")
    finally:
        background.STOPPING.clear()
    assert (interrupted.id, interrupted.state) == (job.id, JobState.QUEUED)  # no wait for a stale heartbeat
    assert destroyed_count(session) == 1
    monkeypatch.setattr(destruction, "next_step", step)
    (resumed,) = worker(now=LATER, name="worker-b")  # the same minute: taken up at once
    session.expire_all()
    assert (resumed.id, resumed.state, resumed.attempts) == (job.id, JobState.DONE, 2)
    assert [dossier.state for dossier in dossiers] == [DossierState.DESTROYED] * 3
    assert destroyed_count(session) == 3


def test_a_confirmed_destruction_is_not_cancelled_waiting_or_begun_and_by_no_one_else(
    session, world, make_dossier, approved, worker
):
    """Its list says it is being executed from the moment the archivist confirms: the job runs to its end."""
    listed = approved([make_dossier("archived")])
    job = jobs.start_destruction(session, world.actor("archivist"), listed.id, {}, now=LATER)
    with pytest.raises(NotFound):
        background.cancel(session, world.actor("head"), job.id, now=LATER)
    with pytest.raises(RuleViolation, match="runs to its end"):
        background.cancel(session, world.actor("archivist"), job.id, now=LATER)  # waiting
    background.claim(session, "worker-a", now=LATER)
    with pytest.raises(RuleViolation, match="runs to its end"):
        background.cancel(session, world.actor("archivist"), job.id, now=LATER)  # begun
    job.state = JobState.QUEUED  # back in the queue, as before the claim
    session.commit()
    (done,) = worker()
    session.expire_all()
    assert done.state is JobState.DONE and listed.state is DestructionListState.EXECUTED
    with pytest.raises(RuleViolation, match="already ended"):
        background.cancel(session, world.actor("archivist"), job.id, now=LATER)


def test_a_refused_job_says_why_and_the_worker_goes_on(session, world, make_dossier, approved, worker):
    first, second = make_dossier("archived"), make_dossier("archived")
    held, clear = approved([first]), approved([second])
    blocked = jobs.start_destruction(session, world.actor("archivist"), held.id, {}, now=LATER)
    fine = jobs.start_destruction(session, world.actor("archivist"), clear.id, {}, now=LATER)
    session.get(Dossier, first.id).state = DossierState.TRANSFERRED  # left the archive meanwhile: not destroyable
    session.flush()
    ran = worker()
    assert [(job.id, job.state) for job in ran] == [(blocked.id, JobState.FAILED), (fine.id, JobState.DONE)]
    reasons = json.loads(ran[0].error)
    assert reasons and all(set(reason) == {"template", "params"} for reason in reasons)
