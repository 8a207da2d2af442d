"""The API's transfers to the agency archive and background jobs' status (issue 26)."""

from __future__ import annotations

import pytest

from erms import background, jobs, permissions
from erms.errors import N_, RuleViolation
from erms.models import BackgroundJob
from erms.models.background import JobState
from exports import handover
from filing import dossiers, transfers
from tests.factories import another_agency
from tests.web.test_api import PROBLEM, caller


@pytest.fixture
def api(app):
    return caller(app)


def test_a_closed_dossier_submitted_through_the_api_is_a_transfer_its_readers_read(
    api, token_of, make_dossier, session
):
    closed = make_dossier("closed")
    session.commit()
    officer, archivist, other = token_of("officer1"), token_of("archivist"), token_of("officer2")
    made = api("POST", "/transfers", officer, json={"dossier_ids": [closed.id]})
    assert made.status_code == 201, made.json
    transfer = made.json
    assert made.headers["Location"] == f"/api/v1/transfers/{transfer['id']}"
    assert transfer["state"] == "open" and transfer["unit"]["id"] == closed.unit_id
    assert [(item["dossier_id"], item["outcome"], item["dossier_state"]) for item in transfer["items"]] == [
        (closed.id, "pending", "submitted")
    ]
    read = api("GET", f"/transfers/{transfer['id']}", archivist)
    assert read.status_code == 200 and read.json == transfer
    listed = api("GET", "/transfers", archivist).json
    assert listed["total"] >= 1 and transfer["id"] in [item["id"] for item in listed["items"]]
    # Another unit's officer neither reads it nor finds it in a list.
    assert api("GET", f"/transfers/{transfer['id']}", other).status_code == 404
    assert transfer["id"] not in [item["id"] for item in api("GET", "/transfers", other).json["items"]]
    # The dossier waits in the transfer: submitting it again is refused by the service's rule.
    again = api("POST", "/transfers", officer, json={"dossier_ids": [closed.id]})
    assert again.status_code == 409 and again.mimetype == PROBLEM


def test_the_transfer_list_is_paged_with_its_total(api, token_of, make_dossier, session):
    officer = token_of("officer1")
    for _ in range(3):
        dossier = make_dossier("closed")
        session.commit()
        assert api("POST", "/transfers", officer, json={"dossier_ids": [dossier.id]}).status_code == 201
    first = api("GET", "/transfers?per_page=2", officer).json
    second = api("GET", "/transfers?per_page=2&page=2", officer).json
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {item["id"] for item in first["items"]}.isdisjoint(item["id"] for item in second["items"])


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["dossier_ids"]),
        ({"dossier_ids": []}, ["dossier_ids"]),
        ({"dossier_ids": [0]}, ["dossier_ids"]),
        ({"dossier_ids": ["1"]}, ["dossier_ids"]),
        ({"dossier_ids": [True]}, ["dossier_ids"]),
        ({"dossier_ids": [2**63]}, ["dossier_ids"]),
        ({"dossier_ids": 1}, ["dossier_ids"]),
        ({"dossier_ids": [1], "note": "x"}, ["note"]),
    ],
)
def test_a_bad_submission_is_refused_naming_its_fields(api, token_of, body, fields):
    answer = api("POST", "/transfers", token_of("officer1"), json=body)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    assert [error["field"] for error in answer.json["errors"]] == fields


def test_an_open_dossier_is_refused_by_the_service(api, token_of, make_dossier, session):
    opened = make_dossier("open")
    session.commit()
    answer = api("POST", "/transfers", token_of("officer1"), json={"dossier_ids": [opened.id]})
    assert answer.status_code in (409, 422) and answer.mimetype == PROBLEM
    assert answer.json["detail"]
    # Someone who submits for no unit is not told the dossier exists; another unit's officer neither.
    closed = make_dossier("closed")
    session.commit()
    assert api("POST", "/transfers", token_of("archivist"), json={"dossier_ids": [closed.id]}).status_code == 404
    assert api("POST", "/transfers", token_of("officer2"), json={"dossier_ids": [closed.id]}).status_code == 404


def _job(session, world, now, username: str, subject: str) -> BackgroundJob:
    job = background.enqueue(session, world.users[username].id, jobs.SEARCH_REBUILD_JOB, subject, {}, now=now)
    session.commit()
    return job


def test_a_job_is_read_by_who_queued_it_only(api, token_of, session, world, now):
    job = _job(session, world, now, "officer1", "test:mine")
    answer = api("GET", f"/jobs/{job.id}", token_of("officer1"))
    assert answer.status_code == 200
    assert answer.json == {
        "id": job.id,
        "kind": jobs.SEARCH_REBUILD_JOB,
        "state": "queued",
        "done": None,
        "total": None,
        "progress": "",
        "stopping": False,
        "created_at": now.isoformat(),
        "started_at": None,
        "finished_at": None,
        "errors": [],
    }
    for other in ("officer2", "archivist", "head"):
        assert api("GET", f"/jobs/{job.id}", token_of(other)).status_code == 404
    assert api("GET", "/jobs/999999", token_of("officer1")).status_code == 404


def test_a_jobs_progress_and_refusal_are_shown(api, token_of, session, world, now):
    counting = _job(session, world, now, "officer1", "test:counting")
    counting.state, counting.started_at, counting.progress = JobState.RUNNING, now, '{"done": 3, "total": 10}'
    failed = _job(session, world, now, "officer1", "test:failed")
    failed.state, failed.finished_at = JobState.FAILED, now
    failed.error = background.refusal_text(RuleViolation(N_("Choose at least one dossier to submit.")))
    crashed = _job(session, world, now, "officer1", "test:crashed")
    crashed.state, crashed.error = JobState.FAILED, "Traceback (most recent call last): …"
    session.commit()
    token = token_of("officer1")
    running = api("GET", f"/jobs/{counting.id}", token).json
    assert (running["state"], running["done"], running["total"], running["started_at"]) == (
        "running",
        3,
        10,
        now.isoformat(),
    )
    assert api("GET", f"/jobs/{failed.id}", token).json["errors"] == ["Choose at least one dossier to submit."]
    shown = api("GET", f"/jobs/{crashed.id}", token).json["errors"]
    assert len(shown) == 1 and "Traceback" not in shown[0]


def test_the_paged_list_holds_exactly_the_transfers_the_page_rule_lets_each_person_read(
    session, world, make_dossier, now
):
    closed = make_dossier("closed")
    transfer = dossiers.submit(session, world.actor("officer1"), [closed.id], now=now)
    session.commit()
    for username in world.users:
        actor = world.actor(username)
        found, total = transfers.readable_page(session, actor, 1, 50)
        may = permissions.can(actor, "transfer.read", transfer.organisation_id, transfer.unit_id)
        assert ([item.id for item in found], total) == (([transfer.id], 1) if may else ([], 0)), username


def test_a_hand_over_build_is_read_by_the_archivists_who_see_its_batch(
    api, token_of, session, world, store, make_dossier, now
):
    dossier = make_dossier("archived", row="permanent")
    later = now.replace(year=2031)
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, 2031, [dossier.id], now=later)
    job = jobs.queue_build(session, world.actor("archivist"), batch.id, now=later)
    job.requested_by_id = world.users["head"].id  # queued by someone else: the archivist reads it as the page does
    session.commit()
    assert api("GET", f"/jobs/{job.id}", token_of("archivist")).json["kind"] == jobs.HANDOVER_BUILD_JOB
    assert api("GET", f"/jobs/{job.id}", token_of("head")).status_code == 200  # who queued it
    assert api("GET", f"/jobs/{job.id}", token_of("officer1")).status_code == 404
    stranger = another_agency(session, world, store, now).actors["archivist2"]
    session.commit()
    assert api("GET", f"/jobs/{job.id}", token_of("", actor=stranger)).status_code == 404
