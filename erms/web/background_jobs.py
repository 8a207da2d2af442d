"""Background work from the pages: the deployment administrator's overview of every job and of the worker process,
and stopping a job from the page that shows it (a hand-over build, an import, a backup, a search rebuild; a
destruction, once confirmed, runs to its end).

The worker does the work (``erms.background``); this only shows it and asks it to stop: a queued job ends at once, a
running one that may be stopped half-way at its next step, and the person goes back to the page they came from.
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from erms import background, intake_runner, jobs
from erms.auth import current_actor, login_required
from erms.models import BackgroundJob
from erms.models.background import JobState
from erms.web.common import transaction, utcnow
from erms.web.errors import job_refusals

bp = Blueprint("background_jobs", __name__, url_prefix="/jobs")

# What each kind of job is, in words (tests/web/test_background_work_page.py: every kind a handler does has one).
KINDS = {
    jobs.HANDOVER_BUILD_JOB: _l("Build of a hand-over package"),
    jobs.DESTRUCTION_JOB: _l("Execution of a destruction"),
    jobs.SEARCH_REBUILD_JOB: _l("Rebuild of the search index"),
    jobs.BACKUP_JOB: _l("Backup"),
    jobs.SWEEP_JOB: _l("Sweep of the files no record lists"),
    intake_runner.LEGACY_JOB: _l("Import of past records"),
    intake_runner.ARRANGEMENT_JOB: _l("Arrangement of a paper backlog"),
    intake_runner.BAG_JOB: _l("Ingest of a bag sent through the API"),
}
# What a job works on, by the first part of its subject ("handover_batch:12").
SUBJECTS = {
    "handover_batch": _l("hand-over batch no. %(key)s"),
    "destruction_list": _l("destruction list no. %(key)s"),
    "intake": _l("organisation no. %(key)s"),
    "intake_bag": _l("upload no. %(key)s"),
    "backup": _l("of %(key)s"),
    "sweep": _l("of %(key)s"),
}
STATES = {
    JobState.QUEUED: _l("waiting for the worker"),
    JobState.RUNNING: _l("running"),
    JobState.DONE: _l("done"),
    JobState.FAILED: _l("ended in failure"),
    JobState.CANCELLED: _l("stopped"),
}
# The page follows the work while some is waiting or running.
REFRESH_SECONDS = 10
# How often a page showing work refreshes itself while no worker runs to do it: it says so, and still notices soon
# after one is started, without reloading every few seconds for hours.
NO_WORKER_REFRESH_SECONDS = 60


@bp.get("/")
@login_required
def index():
    """Every organisation's background work and whether the worker process runs (the deployment's administrator)."""
    with transaction(read_only=True) as session:
        seen = background.overview(session, current_actor())
        page = render_template(
            "admin/background_work.html",
            seen=seen,
            worker=jobs.worker_status(session, now=utcnow()),
            stoppable=background.STOPPABLE,
            kind_words=lambda job: KINDS.get(job.kind, job.kind),
            subject_words=subject_words,
            progress_words=progress_words,
            failure_words=failure_words,
            states=STATES,
        )
    return page, 200, ({"Refresh": str(REFRESH_SECONDS)} if seen.active else {})


def no_worker_for(session: Session, job: BackgroundJob | None) -> bool:
    """Return True when ``job`` waits or runs while no worker process is running: its page says so, instead of
    "this page refreshes itself" for ever."""
    return job is not None and job.state in background.ACTIVE and not jobs.worker_running(session, now=utcnow())


def subject_words(job: BackgroundJob, organisations: dict[int, str]) -> str:
    """What the job works on, in words ("hand-over batch no. 12", an import's organisation by its code and name);
    empty when the kind says it all."""
    page, _sep, key = job.subject.partition(":")
    if page == "intake" and key.isdigit() and int(key) in organisations:
        return organisations[int(key)]
    return str(SUBJECTS[page] % {"key": key}) if page in SUBJECTS and key else ""


def progress_words(job: BackgroundJob) -> str:
    """How far the job got: "120 of 300" from the kinds' own figures (JSON or "done/total"), or its line of words."""
    if job.progress.startswith("{"):
        figures = json.loads(job.progress)
        done, total = str(figures.get("done", "")), str(figures.get("total", ""))
    else:
        done, _sep, total = job.progress.partition("/")
    if done.isdigit() and total.isdigit():
        return _("%(done)s of %(total)s", done=done, total=total)
    if job.progress.startswith("{") and "removed" in figures:  # the store's sweep
        return _("%(removed)s files no record lists removed, %(expired)s expired uploads", **figures)
    return "" if job.progress.startswith("{") else job.progress


def failure_words(job: BackgroundJob) -> list[str]:
    """Why a failed job stopped: a rule's refusal in the reader's language, or the error as the worker wrote it."""
    return job_refusals(job.error) or [_("An unexpected error, as the worker wrote it: %(error)s", error=job.error)]


@bp.post("/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    """Ask for the job to stop (who asked for it, or the deployment's administrator), then show its page again."""
    with transaction() as session:
        job = background.cancel(session, current_actor(), job_id, now=utcnow())
        ended, subject = job.state is JobState.CANCELLED, job.subject
    if ended:
        flash(_("The work was cancelled before it began; nothing of it was done."), "success")
    else:
        flash(_("The work stops at its next step."), "success")
    return redirect(_page_of(subject))


def _page_of(subject: str) -> str:
    """The page the stop was asked from: the overview when it says so, else the page that shows the job."""
    page, _sep, number = subject.partition(":")
    if request.form.get("back") == "overview":
        return url_for(".index")
    if page == "handover_batch" and number.isdigit():
        return url_for("handover.show", batch_id=int(number))
    if page == "intake":
        return url_for("intake.index")
    return url_for("home.index")
