"""Stopping background work through the API, as the page's stop button does: a queued job is cancelled, a running
one says it is stopping, a destruction runs to its end, and nobody stops another person's work."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from erms import background, jobs, transitions
from erms.models import AuditEvent, BackgroundJob
from erms.models.background import JobState
from tests.web.test_api import PROBLEM, caller


@pytest.fixture
def api(app):
    return caller(app)


def queued(session, world, kind: str, subject: str, by: str, now) -> int:
    job = background.enqueue(session, world.users[by].id, kind, subject, {}, now=now)
    session.commit()
    return job.id


def test_a_queued_job_is_cancelled_and_the_stop_audited(api, token_of, session, world, now):
    job_id = queued(session, world, jobs.HANDOVER_BUILD_JOB, "handover_batch:7", "archivist", now)
    answer = api("POST", f"/jobs/{job_id}/cancel", token_of("archivist"))
    assert answer.status_code == 200, answer.json
    assert (answer.json["state"], answer.json["stopping"], answer.json["finished_at"] is not None) == (
        "cancelled",
        False,
        True,
    )
    session.expire_all()
    assert session.get(BackgroundJob, job_id).state is JobState.CANCELLED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "job.stop_asked"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (world.users["archivist"].id, "handover_batch", 7)
    assert json.loads(event.details) == {"kind": jobs.HANDOVER_BUILD_JOB, "job": job_id}
    again = api("POST", f"/jobs/{job_id}/cancel", token_of("archivist"))
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert "already ended" in again.json["detail"]


def test_a_running_job_says_it_is_stopping_and_is_stopped_once(api, token_of, session, world, now):
    job_id = queued(session, world, jobs.SEARCH_REBUILD_JOB, "search", "archivist", now)
    transitions.move(session.get(BackgroundJob, job_id), transitions.BACKGROUND_JOB, "claim")
    session.commit()
    token = token_of("archivist")
    answer = api("POST", f"/jobs/{job_id}/cancel", token)
    assert answer.status_code == 200 and (answer.json["state"], answer.json["stopping"]) == ("running", True)
    assert api("GET", f"/jobs/{job_id}", token).json["stopping"] is True  # as its status says while it runs
    again = api("POST", f"/jobs/{job_id}/cancel", token)
    assert again.status_code == 409 and "already stopping" in again.json["detail"]


def test_a_confirmed_destruction_runs_to_its_end(api, token_of, session, world, now):
    job_id = queued(session, world, jobs.DESTRUCTION_JOB, "destruction_list:3", "archivist", now)
    answer = api("POST", f"/jobs/{job_id}/cancel", token_of("archivist"))
    assert answer.status_code == 409 and "cannot be stopped" in answer.json["detail"]
    session.expire_all()
    assert session.get(BackgroundJob, job_id).state is JobState.QUEUED
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "job.stop_asked")) is None


def test_nobody_stops_another_persons_work_nor_learns_it_exists(api, token_of, session, world, now):
    job_id = queued(session, world, jobs.HANDOVER_BUILD_JOB, "handover_batch:7", "archivist", now)
    refused = api("POST", f"/jobs/{job_id}/cancel", token_of("officer1"))
    missing = api("POST", f"/jobs/{job_id + 1000}/cancel", token_of("officer1"))
    assert refused.status_code == missing.status_code == 404
    assert refused.json["detail"] == missing.json["detail"]
    session.expire_all()
    assert session.get(BackgroundJob, job_id).state is JobState.QUEUED
