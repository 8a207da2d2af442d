"""A document's own page ("thông tin văn bản"): every metadata element it holds, its files with their digests and what
the checks found, and the dossiers it is filed in, for whoever reads the dossier (PL6 III.7.b). The view is audited
as a document view; its summary and files follow the dossier page's rules (restricted use, top secret)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from administration import access_statistics
from classification import markings
from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import N_, NotFound
from erms.models import OpinionKind, RecordKind
from erms.models.dossier import DossierState
from erms.web import supplementary_forms
from erms.web.common import CHOICES, integer, local_date, transaction, utcnow, writes
from erms.web.dossiers import SIGNATURE_CHAINS, SIGNATURE_REVOCATION, SIGNATURE_VERDICTS, certified_reason
from erms.web.errors import on_invalid
from filing import documents, dossiers, opinions, recipients, removals, scan_checks

bp = Blueprint("documents", __name__, url_prefix="/dossiers")

# The steps of a document's handling, as the page names them (an opinion's kind, the register's, a version).
OPINION_LABELS = {
    OpinionKind.DIRECTION.value: _l("Direction"),
    OpinionKind.COMMENT.value: _l("Comment"),
    OpinionKind.CONTENT_APPROVAL.value: _l("Approval of the content"),
    OpinionKind.FORM_APPROVAL.value: _l("Approval of the form"),
    OpinionKind.SENT_BACK.value: _l("Draft sent back"),
    "registered": _l("Entered in the register as no."),
    "sent_to": _l("Sent for handling to"),
    "draft": _l("Draft version"),
    "version": _l("Version"),
}


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
@login_required
@writes
def show(dossier_id: int, document_id: int):
    """Show every metadata element of a document of a dossier the reader reads."""
    try:
        page = render_document(dossier_id, document_id)
    except NotFound:
        return _taken_out(dossier_id, document_id)
    with transaction() as session:
        access_statistics.document_viewed(session, current_actor(), dossier_id, document_id, now=utcnow())
    return page


def _taken_out(dossier_id: int, document_id: int):
    """A link to a document taken out of the dossier since (a bookmark, a notice, a colleague's page) leads to the
    dossier, saying so, and to the list it can be put back from for those who form the open dossier; any other
    document is not found."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)
        removal = removals.removal_of(session, dossier.id, document_id)
        if removal is None:
            raise NotFound()
        forms_it = permissions.can(actor, "dossier.edit", dossier.organisation_id, dossier.unit_id)
        if forms_it and dossier.state is DossierState.OPEN:
            when = local_date(removal.removed_at, with_time=True)
            # The dossier's top, where the message is seen first: it says where the list to put it back is.
            flash(_(TAKEN_OUT, ordinal=removal.ordinal, when=when, reason=removal.reason), "info")
            return redirect(url_for("dossiers.show", dossier_id=dossier.id))
    flash(_("This document is no longer in this dossier."), "info")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id))


TAKEN_OUT = N_(
    "Document no. %(ordinal)s was taken out of this dossier on %(when)s (reason: %(reason)s). It is kept: put it "
    "back from the list of documents taken out, below."
)


@bp.post("/<int:dossier_id>/documents/<int:document_id>/opinions")
@login_required
def give_opinion(dossier_id: int, document_id: int):
    """Add an opinion to the document's handling ("ý kiến xử lý"); a refusal shows the page again, as typed."""
    typed = {"kind": request.form.get("kind", ""), "text": request.form.get("text", "")}
    on_invalid(lambda errors: render_document(dossier_id, document_id, errors, typed, status=422))
    with transaction() as session:
        opinions.give(session, current_actor(), dossier_id, document_id, typed["kind"], typed["text"], now=utcnow())
    flash(_("The opinion was recorded."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document_id=document_id, _anchor="handling"))


@bp.get("/<int:dossier_id>/documents/<int:document_id>/remove")
@login_required
def remove_form(dossier_id: int, document_id: int):
    """Ask why the document is taken out of the open dossier, saying what becomes of it."""
    try:
        return render_removal(dossier_id, document_id)
    except NotFound:
        return _taken_out(dossier_id, document_id)  # the Back button after taking it out, a colleague's page


@bp.post("/<int:dossier_id>/documents/<int:document_id>/remove")
@login_required
def remove(dossier_id: int, document_id: int):
    """Take the document out of the open dossier (never deleting it); a refusal shows the form again, as typed."""
    reason = request.form.get("reason", "")
    on_invalid(lambda errors: render_removal(dossier_id, document_id, errors, reason, status=422))
    seen = integer(request.form.get("seen_removal", ""))
    try:
        with transaction() as session:
            removals.remove(session, current_actor(), dossier_id, document_id, reason, now=utcnow(), seen_removal=seen)
    except NotFound:
        return _taken_out(dossier_id, document_id)  # a colleague took it out first: say when and why
    flash(_("The document was taken out of the dossier. It is kept: put it back from the list below."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="removed"))


@bp.post("/<int:dossier_id>/removed/<int:removal_id>/put-back")
@login_required
def put_back(dossier_id: int, removal_id: int):
    """File a document taken out of the open dossier back into it."""
    with transaction() as session:
        link = removals.put_back(session, current_actor(), dossier_id, removal_id, now=utcnow())
        document_id = link.document_id
    flash(_("The document is back in the dossier."), "success")
    anchor = f"document-{document_id}"
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, document=document_id, _anchor=anchor))


def render_removal(dossier_id: int, document_id: int, errors: dict | None = None, reason: str = "", status: int = 200):
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = dossiers.editable(session, actor, dossier_id)
        link = next((link for link in dossier.links if link.document_id == document_id), None)
        if link is None:
            raise NotFound()
        page = render_template(
            "dossiers/remove.html",
            dossier=dossier,
            link=link,
            document=link.document,
            readable=not dossiers.unreadable_content(session, actor, [link.document]),
            summary_shown=markings.summary_shown_to_all(link.document.marking),
            kept=removals.kept(session, dossier.id, document_id),
            seen_removal=removals.latest_removal(session, dossier.id),
            widens=removals.widens_access(session, dossier, document_id),
            widens_access=_(removals.WIDENS_ACCESS),
            errors=errors or {},
            reason=reason,
        )
    return page, status


def render_document(
    dossier_id: int, document_id: int, errors: dict | None = None, typed: dict | None = None, status: int = 200
):
    """Render the document's page (with the opinion form's problems and typed values, when given again)."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = dossiers.get_dossier(session, actor, dossier_id)
        link = next((link for link in dossier.links if link.document_id == document_id), None)
        if link is None:
            raise NotFound()
        document = link.document
        readable = document.id in dossiers.readable_content(session, actor, dossier, [document])
        checks = documents.checks_of(session, [documents.Readable(document, dossier, readable)])
        others = dossiers.holding_dossiers(session, [document.id]).get(document.id, [])
        grants = permissions.dossier_access(session, others)
        holders = [
            held
            for held in others
            if held.id != dossier.id and permissions.can_read_dossier(actor, held, grants[held.id])
        ]
        handling = opinions.handling(session, actor, opinions.in_dossier(session, actor, dossier, document))
        page = render_template(
            "dossiers/document.html",
            dossier=dossier,
            link=link,
            document=document,
            readable=readable,
            summary_shown=readable and markings.summary_shown_to_all(document.marking),
            with_summary=markings.WITH_SUMMARY,
            values=dossiers.document_values(document),
            titles=metadata.field_titles("document"),
            choices=CHOICES,
            checks=checks,
            **supplementary_forms.context(session, document.organisation_id, RecordKind.DOCUMENT, document),
            signature_words=(SIGNATURE_VERDICTS, SIGNATURE_CHAINS, SIGNATURE_REVOCATION),
            certified_reason=certified_reason,
            scan_problems=scan_checks.problems_of,
            holders=holders,
            recipients=recipients.of(session, [document.id]).get(document.id, []),
            content_gone=_(dossiers.CONTENT_GONE[dossier.state]) if dossier.state in dossiers.CONTENT_GONE else "",
            **handling_context(handling, errors, typed),
        )
    return page, status


def handling_context(handling: opinions.Handling, errors: dict | None, typed: dict | None) -> dict:
    """Return what the handling section (``dossiers/_handling.html``) needs, on a document's page or its register
    line's: the steps, their names, the kinds of opinion offered and the opinion form's problems and typed values."""
    return {
        "handling": handling,
        "opinion_labels": OPINION_LABELS,
        "kind_options": [(kind.value, OPINION_LABELS[kind.value]) for kind in handling.kinds],
        "text_limit": opinions.TEXT_LENGTH,
        "errors": errors or {},
        "typed": typed or {"kind": _first_kind(handling)},
    }


def _first_kind(handling: opinions.Handling) -> str:
    """The kind the opinion form starts on: a direction while the document waits for one from a reader who gives it
    (the head opening it from his list must not record his direction as a comment by leaving the choice as it was)."""
    directed = any(step.what == OpinionKind.DIRECTION.value for step in handling.steps)
    return OpinionKind.DIRECTION.value if OpinionKind.DIRECTION in handling.kinds and not directed else ""
