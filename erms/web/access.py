"""Access to a dossier from its page: propose a share, a restriction or its end; the authorised person confirms or
rejects it (NĐ 30 PL6 III.3.b/c). The panel is part of the dossier page; problems are shown there."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from classification.dossier_list import people as organisation_people
from erms.auth import current_actor, login_required
from erms.models import AccessChange, AccessChangeKind, Dossier
from erms.web.common import transaction, utcnow
from erms.web.errors import on_invalid
from filing import access

bp = Blueprint("access", __name__, url_prefix="/access")

KIND_LABELS = {
    AccessChangeKind.SHARE_UNIT: _l("Share with another unit"),
    AccessChangeKind.SHARE_PERSON: _l("Share with a person"),
    AccessChangeKind.RESTRICT: _l("Restrict to the people named (Hạn chế sử dụng)"),
    AccessChangeKind.OPEN: _l("Open to the unit and the organisation again (Công khai)"),
    AccessChangeKind.END_SHARE: _l("End a share"),
}
FIELDS = ("kind", "document_id", "unit_id", "user_id", "until", "reason", "share_id")


@bp.app_template_global()
def access_panel(dossier: Dossier) -> dict:
    """Return what the dossier page's access panel shows, read in the page's own transaction."""
    with transaction(read_only=True) as session:
        shown = access.panel(session, current_actor(), dossier)
        units, people = organisation_people(session, dossier.organisation_id)
        return {
            "panel": shown,
            "kinds": [(kind.value, str(label)) for kind, label in KIND_LABELS.items()],
            "units": [(unit.id, unit.name) for unit in units if unit.id != dossier.unit_id],
            "people": [(user.id, user.full_name) for user in people],
            "share_options": [(share.id, describe(share)) for share in shown.shares],
            "documents": [(link.document_id, f"{link.ordinal}. {_notation(link.document)}") for link in dossier.links],
            "describe": describe,
        }


@bp.app_template_global("describe_access")
def describe(change: AccessChange) -> str:
    """Say what a change does, in words."""
    whom = change.unit.name if change.unit else change.user.full_name if change.user else ""
    text = str(KIND_LABELS[change.kind]) + (f": {whom}" if whom else "")
    if change.document is not None:
        text = _("Document %(number)s", number=_notation(change.document)) + " — " + text
    return text + (" " + _("until %(day)s", day=change.until.strftime("%d/%m/%Y")) if change.until else "")


def _notation(document) -> str:
    return "/".join(part for part in (document.code_number, document.code_notation) if part) or str(document.id)


def _back(dossier_id: int):
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="access"))


def _flash_all(errors: dict, dossier_id: int):
    for messages in errors.values():
        for message in messages:
            flash(message, "error")
    return _back(dossier_id)


@bp.post("/dossiers/<int:dossier_id>")
@login_required
def propose(dossier_id: int):
    """Propose a change of access; it is shown as pending until an authorised person confirms it."""
    on_invalid(lambda errors: _flash_all(errors, dossier_id), back=url_for("dossiers.show", dossier_id=dossier_id))
    with transaction() as session:
        access.propose(
            session, current_actor(), dossier_id, {name: request.form.get(name, "") for name in FIELDS}, now=utcnow()
        )
    flash(_("The change of access was proposed: it takes effect once an authorised person confirms it."), "success")
    return _back(dossier_id)


@bp.post("/changes/<int:change_id>")
@login_required
def decide(change_id: int):
    """Confirm (in force at once) or reject a proposed change of access."""
    confirm = request.form.get("decision") == "confirm"
    with transaction() as session:
        dossier_id = access.decide(session, current_actor(), change_id, confirm, now=utcnow()).dossier_id
    flash(_("The change of access is in force.") if confirm else _("The change of access was rejected."), "success")
    return _back(dossier_id)
