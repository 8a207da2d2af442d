"""The API's transfers to the agency archive (nộp lưu) and the status of background jobs.

A transfer is submitted with the service the web form uses (``filing.dossiers.submit``) and read with the web
page's rule (``filing.transfers.get_transfer``: its unit's people, the registry, the archivists and the head). A job
is read by the person who queued it, or by whoever reads the page that shows it (``erms.jobs.readable_job``).
"""

from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy.orm import Session

from erms import background, jobs
from erms.errors import NotFound
from erms.models import Transfer
from erms.models.background import JobState
from erms.web.api import base, shapes
from erms.web.api.spec import NOT_A_BODY, PAGE, operation
from erms.web.common import LARGEST_INTEGER, transaction, utcnow
from erms.web.errors import job_refusals
from filing import dossiers, transfers

BODY_KEYS = ("dossier_ids",)
MOST_DOSSIERS = shapes.MOST_SUBMITTED
CRASHED = "The work stopped on an unexpected error; the server's log describes it."


@operation(
    "GET",
    "/transfers",
    "The transfers to the agency archive you may read, newest first.",
    {200: ("A page of transfers.", "TransferPage"), 400: ("A bad page.", "Problem")},
    parameters=PAGE,
)
def list_transfers():
    page, per_page = base.page_arguments()
    with transaction() as session:
        found, total = transfers.readable_page(session, base.actor(), page, per_page)
        items = _shown(session, found)
    return base.paged(items, total, page, per_page)


@operation(
    "GET",
    "/transfers/<int:transfer_id>",
    "One transfer: its unit, state, signatures and each dossier with the archivist's decision.",
    {200: ("The transfer.", "Transfer")},
)
def get_transfer(transfer_id: int):
    with transaction() as session:
        return jsonify(_read(session, transfer_id))


def _read(session: Session, transfer_id: int) -> dict:
    """Return one transfer the caller may read, as they read it (``_shown``)."""
    return _shown(session, [transfers.get_transfer(session, base.actor(), transfer_id)])[0]


def _shown(session: Session, found: list[Transfer]) -> list[dict]:
    """Return the transfers as the caller reads them: a restricted dossier's title withheld from who may not read it
    (the registry and the archivist among them), as the web page withholds it."""
    dossiers_in = [item.dossier for transfer in found for item in transfer.items]
    unreadable = dossiers.unreadable_dossiers(session, base.actor(), dossiers_in)
    return [shapes.transfer(transfer, unreadable) for transfer in found]


@operation(
    "POST",
    "/transfers",
    "Submit closed dossiers of one unit and one year's list to the agency archive (nộp lưu) as one transfer.",
    {
        201: ("The transfer made.", "Transfer"),
        **NOT_A_BODY,
        409: ("A rule refused it (a dossier not closed, of another unit, kept under 5 years …).", "Problem"),
        422: ("The body's members are wrong: every field at fault is listed.", "Problem"),
    },
    body="SubmitTransfer",
    headers={"Location": "The transfer's address."},
)
def submit_transfer():
    data = base.body()
    chosen = _chosen(data)
    with transaction() as session:
        if not transfers.submitting_units(session, base.actor()):
            raise NotFound()  # as the web form: who submits for no unit is not shown the dossiers
        transfer = dossiers.submit(session, base.actor(), chosen, now=utcnow())
        session.flush()
        transfer_id = transfer.id
    with transaction() as session:  # read back as a reader would, its unit and dossiers loaded
        answer = jsonify(_read(session, transfer_id))
    answer.status_code = 201
    answer.headers["Location"] = url_for(".get_transfer", transfer_id=transfer_id)
    return answer


def _chosen(data: dict) -> list[int]:
    """Return the dossier ids of a submission, or refuse a body that is not a non-empty list of ids."""
    problems = [{"field": name} for name in data if name not in BODY_KEYS]
    chosen = data.get("dossier_ids")
    valid = (
        isinstance(chosen, list)
        and 1 <= len(chosen) <= MOST_DOSSIERS
        and all(
            isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= LARGEST_INTEGER
            for number in chosen
        )
    )
    if not valid:
        problems.append({"field": "dossier_ids"})
    if problems:
        raise base.ApiError(
            422,
            f"dossier_ids must be a list of 1 to {MOST_DOSSIERS} dossier ids, and nothing else is sent.",
            errors=problems,
        )
    return list(chosen) if isinstance(chosen, list) else []


@operation(
    "GET",
    "/jobs/<int:job_id>",
    "A background job's status (a hand-over build, a destruction …): how far it is and how it ended. Read by the "
    "person who queued it, or by whoever reads the page that shows it.",
    {200: ("The job's status.", "Job")},
)
def get_job(job_id: int):
    with transaction() as session:
        job = jobs.readable_job(session, base.actor(), job_id)
        errors = (job_refusals(job.error) or [CRASHED]) if job.state is JobState.FAILED else []
        return jsonify(shapes.job(job, errors))


@operation(
    "POST",
    "/jobs/<int:job_id>/cancel",
    "Stop a background job: a queued one is cancelled at once, a running one stops at its next step and leaves "
    "nothing half-made (a hand-over package, a backup set, a search index generation). The person who queued it, or "
    "the deployment's administrator; a destruction, once confirmed, runs to its end.",
    {
        200: ("The job as it is now: cancelled, or running with `stopping` true.", "Job"),
        409: ("It has ended, is already stopping, or is work that runs to its end.", "Problem"),
    },
)
def cancel_job(job_id: int):
    with transaction() as session:
        job = background.cancel(session, base.actor(), job_id, now=utcnow())
        return jsonify(shapes.job(job, []))
