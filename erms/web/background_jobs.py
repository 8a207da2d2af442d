"""Stopping a background job from the page that shows it (a hand-over build; a destruction, once confirmed, runs to
its end).

The worker does the work (``erms.background``); this only asks it to stop: a queued job ends at once, a running one
that may be stopped half-way (a build) at its next step, and the person goes back to the page that showed it.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _

from erms import background
from erms.auth import current_actor, login_required
from erms.models.background import JobState
from erms.web.common import transaction, utcnow

bp = Blueprint("background_jobs", __name__, url_prefix="/jobs")


@bp.post("/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    """Ask for the job to stop (only the person who asked for it may), then show its page again."""
    with transaction() as session:
        job = background.cancel(session, current_actor(), job_id, now=utcnow())
        ended, subject = job.state is JobState.CANCELLED, job.subject
    if ended:
        flash(_("The work was cancelled before it began; nothing of it was done."), "success")
    else:
        flash(_("The work stops at its next step; nothing of it is kept."), "success")
    page, _sep, number = subject.partition(":")
    if page == "handover_batch" and number.isdigit():
        return redirect(url_for("handover.show", batch_id=int(number)))
    return redirect(url_for("home.index"))  # a job no page shows (a search rebuild): its requester stopped it
