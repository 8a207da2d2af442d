"""Notices (thông báo): the person's list, each linked to what waits, the unread count in the header, and the
person's own choice of e-mail notices."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erms import accounts, notices
from erms.auth import current_actor, login_required
from erms.web.common import transaction, utcnow, writes
from erms.web.errors import on_invalid, translate

bp = Blueprint("notices", __name__, url_prefix="/notices")

# Where a notice's subject is shown: the endpoint and the name of its id argument.
SUBJECT_PAGES = {
    "dossier": ("dossiers.show", "dossier_id"),
    "dossier_list": ("dossier_lists.show", "list_id"),
    "destruction_list": ("retention.show_list", "list_id"),
    "transfer": ("transfers.show", "transfer_id"),
    "handover_batch": ("handover.show", "batch_id"),
    "use_request": ("use_requests.show", "request_id"),
    "register_entry": ("registers.entry", "entry_id"),  # its file and its handling (the head's direction)
    "background_work": ("background_jobs.index", ""),  # the deployment's: a backup that failed, the worker
}


def subject_url(subject_type: str | None, subject_id: int | None) -> str | None:
    """Return the page of the record a notice is about, None when it names none."""
    if subject_type not in SUBJECT_PAGES:
        return None
    endpoint, argument = SUBJECT_PAGES[subject_type]
    values: dict[str, Any] = {argument: subject_id} if argument else {}
    return url_for(endpoint, **values)


@bp.app_context_processor
def _header() -> dict:
    if not current_user.is_authenticated:
        return {}
    with transaction(read_only=True) as session:  # inside a page's transaction, that one
        return {"notification_count": notices.unseen_count(session, current_actor().user_id)}


@bp.get("/")
@login_required
@writes
def index():
    """List the person's notices, newest first, each linked to its record; showing them marks them seen."""
    return _page()


def _page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    with transaction() as session:
        shown = notices.newest(session, current_actor().user_id, limit=100)
        rows = [
            {
                "created_at": notice.created_at,
                "message": translate(notice.template, json.loads(notice.params or "{}")),
                "new": notice.read_at is None,
                "url": subject_url(notice.subject_type, notice.subject_id),
            }
            for notice in shown
        ]
        notices.mark_seen(session, shown, now=utcnow())
        person = accounts.person(session, current_actor().user_id)
        saved = {"email": person.email, "email_notices": person.email_notices}
        page = render_template("notices/index.html", notices=rows, errors=errors or {}, values=values or saved)
    return page, status


@bp.post("/settings")
@login_required
def settings():
    """Save the person's e-mail address and whether notices are also sent there."""
    email, by_email = request.form.get("email", ""), request.form.get("email_notices") == "on"
    on_invalid(lambda errors: _page(errors, {"email": email, "email_notices": by_email}, 422))
    with transaction() as session:
        accounts.set_notice_email(session, current_actor(), email, by_email, now=utcnow())
    flash(_("Your e-mail settings were saved."), "success")
    return redirect(url_for("notices.index"))
