"""The API's bag ingest (tiếp nhận gói tin): a BagIt bag sent as a complete upload, taken in by the worker.

The bag (a .tar, .tar.gz or .zip) is uploaded in chunks as any file (``/uploads``), then named here with the unit
its dossiers are recorded under; the answer is the background job, whose status ``/jobs/{id}`` gives. The worker
checks the bag whole (unsafe archives, links, files outside data/, digests, metadata) before it writes anything.
"""

from __future__ import annotations

from typing import cast

from flask import jsonify, url_for

from erms import intake_runner
from erms.web.api import base, shapes
from erms.web.api.spec import NOT_A_BODY, operation
from erms.web.common import LARGEST_INTEGER, transaction, utcnow

BODY_KEYS = ("upload_id", "unit")


@operation(
    "POST",
    "/ingests",
    "Take in a BagIt bag from another system (our own hand-over packages included): upload_id is a complete "
    "upload of yours holding the bag as .tar, .tar.gz or .zip (used up by it), unit the code of the unit its "
    "dossiers are recorded under. The worker checks the bag whole, then makes its dossiers, archived, in the "
    "organisation (fonds) its metadata names; follow the job.",
    {
        202: ("The ingest is queued; Location is its job.", "Job"),
        409: ("A rule refused it (the upload is incomplete or used …).", "Problem"),
        **NOT_A_BODY,
        422: ("A body without an upload's id or a unit code.", "Problem"),
    },
    body="IngestBag",
    headers={"Location": "The job's address."},
)
def ingest_bag():
    intake_runner.require_intake(base.actor())
    upload_id, unit = _ingesting(base.body())
    with transaction() as session:
        job = intake_runner.queue_bag(session, base.actor(), upload_id, unit, now=utcnow())
        session.flush()
        answer = jsonify(shapes.job(job, []))
        job_id = job.id
    answer.status_code = 202
    answer.headers["Location"] = url_for(".get_job", job_id=job_id)
    return answer


def _ingesting(data: dict) -> tuple[int, str]:
    problems = [{"field": name} for name in data if name not in BODY_KEYS]
    upload_id, unit = data.get("upload_id"), data.get("unit")
    if not isinstance(upload_id, int) or isinstance(upload_id, bool) or not 1 <= upload_id <= LARGEST_INTEGER:
        problems.append({"field": "upload_id"})
    if not isinstance(unit, str) or not 1 <= len(unit.strip()) <= 20:
        problems.append({"field": "unit"})
    if problems:
        raise base.ApiError(422, "upload_id must be an upload's id and unit a unit's code.", errors=problems)
    return cast(int, upload_id), cast(str, unit)
