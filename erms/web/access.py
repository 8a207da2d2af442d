"""Access to a dossier from its page: propose a share, a restriction or its end; the authorised person confirms or
rejects it (NĐ 30 PL6 III.3.b/c). The panel is part of the dossier page; the proposal's form, which offers every unit
and person of the organisation, is a page of its own, where its problems are shown. When the agency's rules change,
one change for many dossiers at once (``filing.access_rules``, PL6 IV.1.d) on a page of its own, decided together from
the home page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from classification.dossier_list import people as organisation_people
from erms import permissions
from erms.auth import current_actor, login_required
from erms.errors import PermissionDenied
from erms.models import AccessChange, AccessChangeKind, Dossier
from erms.web.common import organisation_of, transaction, utcnow
from erms.web.errors import on_invalid
from filing import access, access_rules
from filing.dossiers import get_dossier

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
        return {"panel": access.panel(session, current_actor(), dossier), "describe": describe}


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


@bp.get("/dossiers/<int:dossier_id>")
@login_required
def proposal(dossier_id: int):
    """The form proposing a change of access to a dossier."""
    return render_proposal(dossier_id)


def render_proposal(dossier_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = get_dossier(session, actor, dossier_id)
        shown = access.panel(session, actor, dossier)
        if not shown.can_propose:
            raise PermissionDenied()
        units, people = organisation_people(session, dossier.organisation_id)
        return render_template(
            "access/propose.html",
            dossier=dossier,
            panel=shown,
            describe=describe,
            kinds=[(kind.value, str(label)) for kind, label in KIND_LABELS.items()],
            units=[(unit.id, unit.name) for unit in units if unit.id != dossier.unit_id],
            people=[(user.id, user.full_name) for user in people],
            share_options=[(share.id, describe(share)) for share in shown.shares],
            documents=[(link.document_id, f"{link.ordinal}. {_notation(link.document)}") for link in dossier.links],
            errors=errors or {},
            values=values or {},
        ), status


@bp.post("/dossiers/<int:dossier_id>")
@login_required
def propose(dossier_id: int):
    """Propose a change of access; it is shown as pending until an authorised person confirms it."""
    form = {name: request.form.get(name, "") for name in FIELDS}
    on_invalid(
        lambda errors: render_proposal(dossier_id, errors, form, 422),
        back=url_for("dossiers.show", dossier_id=dossier_id),
    )
    with transaction() as session:
        access.propose(session, current_actor(), dossier_id, form, now=utcnow())
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


# ---------------------------------------------------------------- one change for many dossiers (a rule)

RULE_FIELDS = ("of_unit", "first_year", "last_year", "kind", "unit_id", "reason")


@bp.get("/rules")
@login_required
def rules():
    """The form: which dossiers (a unit's, some years'), what change, and the regulation that asks for it."""
    return render_rules()


def render_rules(errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    organisation_id = organisation_of(actor)
    permissions.require(actor, "access.propose", organisation_id)
    with transaction(read_only=True) as session:
        units, _people = organisation_people(session, organisation_id)
        return render_template(
            "access/rules.html",
            units=[(str(unit.id), f"{unit.code} · {unit.name}") for unit in units],
            own_units=[
                (str(unit.id), f"{unit.code} · {unit.name}")
                for unit in units
                if permissions.can(actor, "access.propose", organisation_id, unit.id)
            ],
            kinds=[(kind.value, str(KIND_LABELS[kind])) for kind in access_rules.KINDS],
            errors=errors or {},
            values=values or {},
            most=access_rules.MAX_DOSSIERS,
        ), status


@bp.post("/rules")
@login_required
def propose_rule():
    """Propose the change for every dossier of the choice, together; nothing changes until it is confirmed."""
    form = {name: request.form.get(name, "") for name in RULE_FIELDS}
    on_invalid(lambda errors: render_rules(errors, form, 422))
    actor = current_actor()
    with transaction() as session:
        proposed = access_rules.propose(session, actor, organisation_of(actor), form, now=utcnow())
        count, unchanged = len(proposed.changes), proposed.unchanged
    flash(
        _("A change of access was proposed for %(count)s dossiers; it takes effect once confirmed.", count=count),
        "success",
    )
    if unchanged:
        flash(_("Left as they are (under this regime already): %(codes)s", codes=", ".join(unchanged)), "info")
    return redirect(url_for(".rules"))


@bp.post("/rules/<rule>")
@login_required
def decide_rule(rule: str):
    """Confirm or reject, together, every change of a rule the person may decide."""
    confirm = request.form.get("decision") == "confirm"
    actor = current_actor()
    with transaction() as session:
        count = access_rules.decide(session, actor, organisation_of(actor), rule, confirm, now=utcnow())
    if confirm:
        flash(_("The change of access is in force for %(count)s dossiers.", count=count), "success")
    else:
        flash(_("The change of access was rejected for %(count)s dossiers.", count=count), "success")
    return redirect(url_for("home.index", _anchor="access-changes"))
