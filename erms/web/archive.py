"""The agency archive's queue: submitted dossiers to accept into "Lưu trữ cơ quan" or return.

Acceptance re-checks every file's digest (NĐ 30/2020 Điều 30 k.3b); returning needs a reason. Neither can be
undone, so each asks the archivist to tick a confirmation first; without it nothing changes. A scan that misses
TT 02/2019's rules is listed with its dossier, and the dossier is accepted only once the archivist has accepted each
such warning (``filing.scan_checks``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from administration import audit_log
from erms import permissions
from erms.auth import current_actor, login_required
from erms.errors import PermissionDenied
from erms.web.common import require_present, store, transaction, utcnow
from erms.web.errors import on_invalid
from filing import dossiers, format_records, scan_checks, transfers

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.before_request
@login_required
def _archivists_only():
    # The queue belongs to the archivists; the services check each decision again.
    actor = current_actor()
    if not any(permissions.can(actor, "dossier.accept", organisation) for organisation in actor.organisation_ids()):
        raise PermissionDenied()


@bp.get("/")
def index():
    """List the submitted dossiers waiting for a decision, oldest first."""
    return render_queue()


def render_queue(
    errors: dict | None = None,
    item_id: int | None = None,
    values: dict | None = None,
    status: int = 200,
    decision: str = "",
):
    """Show the queue; ``item_id``'s ``decision`` form ("accept" or "reject") again with ``errors`` and ``values``."""
    actor = current_actor()
    with transaction() as session:
        items = dossiers.pending_items(session, actor)
        warnings = scan_checks.unaccepted(session, [item.dossier_id for item in items])
        scanned = [checked.version.document_id for found in warnings.values() for checked in found]
        return render_template(
            "archive/index.html",
            items=items,
            unknown_formats=format_records.unknown_counts(session, [item.dossier_id for item in items]),
            scan_warnings=warnings,
            scan_problems=scan_checks.problems_of,
            # A restricted dossier's title, and the names of the files the archivist may not read (a file's name is
            # often the summary), are withheld as the access statistics and the audit log withhold them.
            unreadable=dossiers.unreadable_dossiers(session, actor, [item.dossier for item in items]),
            unread_files=audit_log.unread_summaries(session, actor, scanned),
            period_of=dossiers.period_of,
            errors=errors or {},
            failed_item=item_id,
            failed_decision=decision,
            values=values or {},
        ), status


@bp.post("/items/<int:item_id>/accept")
def accept(item_id: int):
    """Accept a submitted dossier into the agency archive ("tiếp nhận")."""
    on_invalid(lambda errors: render_queue(errors, item_id, status=422, decision="accept"), back=url_for(".index"))
    require_present({"confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        dossier = dossiers.accept(session, current_actor(), item_id, store=store(), now=utcnow())
        code, ready = dossier.file_code, transfers.ready_to_sign(session, item_id)
    flash(_("Dossier %(code)s was accepted into the agency archive.", code=code), "success")
    return _next(ready)


@bp.post("/versions/<int:version_id>/accept-scan")
def accept_scan(version_id: int):
    """Accept the warning on a scan that misses TT 02/2019's rules: the archive keeps it as it is (audited)."""
    actor = current_actor()
    with transaction() as session:
        checked = scan_checks.accept(session, actor, version_id, now=utcnow())
        unread = audit_log.unread_summaries(session, actor, [checked.document_id])
        name = _("(restricted use: summary and files for the people named)") if unread else checked.version.filename
    flash(_("The warning on the scan %(name)s was accepted.", name=name), "success")
    return redirect(url_for(".index"))


@bp.post("/items/<int:item_id>/reject")
def reject(item_id: int):
    """Return a submitted dossier to its unit with a reason ("trả lại")."""
    reason = request.form.get("reason", "")
    on_invalid(
        lambda errors: render_queue(errors, item_id, {"reason": reason}, status=422, decision="reject"),
        back=url_for(".index"),
    )
    require_present({"confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        dossier = dossiers.reject(session, current_actor(), item_id, reason, now=utcnow())
        code, ready = dossier.file_code, transfers.ready_to_sign(session, item_id)
    flash(_("Dossier %(code)s was returned to its unit.", code=code), "success")
    return _next(ready)


def _next(ready: int | None):
    """Back to the queue; or, once the transfer's last dossier is decided, to the transfer, whose joint check the
    registry and the archive sign next (a step the queue alone would not tell)."""
    if ready is None:
        return redirect(url_for(".index"))
    flash(
        _(
            "Every dossier of this transfer is checked: sign the joint check below; "
            "the second signature makes the hand-over record."
        ),
        "info",
    )
    return redirect(url_for("transfers.show", transfer_id=ready))
