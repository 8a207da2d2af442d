"""The head's decision to change a document's security marking ("thay đổi độ mật, giải mật"), with a reason.

The decision itself is ``classification.marking_decisions``'; this page shows the document's
register line and the form, and is reached from the register and the dossier page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from classification import marking_decisions, markings
from erms import permissions
from erms.auth import current_actor, login_required
from erms.models import RegisterEntry
from erms.web.common import CHOICES, transaction, utcnow
from erms.web.errors import on_invalid

bp = Blueprint("markings", __name__, url_prefix="/markings")


@bp.app_template_global()
def can_change_marking(document) -> bool:
    """Return True if the logged-in user may decide on this document's marking (the link is shown)."""
    return permissions.can(current_actor(), "document.change_marking", document.organisation_id)


@bp.route("/documents/<int:document_id>", methods=("GET", "POST"))
@login_required
def decide(document_id: int):
    """Show the document's marking and record the head's decision to change it."""
    if request.method == "GET":
        return render_decision(document_id)
    form = {key: request.form.get(key, "") for key in ("marking", "reason")}
    on_invalid(lambda errors: render_decision(document_id, errors, form, status=422))
    with transaction() as session:
        marking_decisions.change_marking(
            session, current_actor(), document_id, form["marking"], form["reason"], now=utcnow()
        )
    flash(_("The security marking was changed; the decision is recorded in the audit log."), "success")
    return redirect(url_for(".decide", document_id=document_id))


def render_decision(document_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    with transaction() as session:
        document = marking_decisions.decidable_document(session, current_actor(), document_id)
        entry = session.scalar(select(RegisterEntry).where(RegisterEntry.document_id == document.id))
        authorised = permissions.can(current_actor(), "register.read_top_secret", document.organisation_id)
        shown = markings.summary_visible(markings.SecurityMarking(document.marking), authorised)
        return render_template(
            "markings/decide.html",
            document=document,
            entry=entry,
            summary_shown=shown,
            errors=errors or {},
            values=values or {},
            markings=CHOICES["marking"],
        ), status
