"""Administration ("quản trị"): organisations, their unit tree and their people, from the web.

The deployment's administrator (``erms admin create``) adds organisations; an organisation's administrator (the
admin role, organisation-wide) manages its units and people. The area is closed as a whole to everyone else.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from administration import lookups, organisations, people
from administration import recipient_directory as directory_service
from administration import retention_tables as retention_tables_service
from administration import supplementary_fields as fields_service
from erms import api_tokens, metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import FieldType, LookupKind, RecordKind, Role
from erms.web.account import token_rows
from erms.web.common import (
    ROLE_LABELS,
    changed_by_person,
    integer,
    seen_values,
    transaction,
    upload_from_request,
    utcnow,
)
from erms.web.errors import FORM, on_invalid, problem_messages, translate
from holdings import use_requests

bp = Blueprint("admin", __name__, url_prefix="/admin")

PERSON_FIELDS = ("username", "full_name", "position", "password", "role", "unit_id")


@bp.before_request
def _administrators_only():
    if current_user.is_authenticated and not permissions.administers_any(current_actor()):
        abort(403)


def _form(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in names}


def role_options() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


# ---------------------------------------------------------------- organisations


@bp.get("/")
@login_required
def index():
    """List the organisations the person administers; the deployment's administrator may add one."""
    return render_index()


def render_index(errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction() as session:
        return render_template(
            "admin/index.html",
            organisations=organisations.administered(session, actor),
            can_create=actor.system_admin,
            errors=errors or {},
            values=values or {},
        ), status


@bp.post("/organisations")
@login_required
def create_organisation():
    """Add an organisation (archival fonds) by its OrganId."""
    form = _form("code", "name", "parent_name")
    on_invalid(lambda errors: render_index(errors, form, status=422))
    with transaction() as session:
        created = organisations.create_organisation(
            session, current_actor(), form["code"], form["name"], form["parent_name"], now=utcnow()
        )
        organisation_id = created.id
    flash(_("The organisation %(code)s was created.", code=form["code"].strip()), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id))


@bp.get("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    """Show an organisation: its details, unit tree and people, with the forms to change them."""
    return render_organisation(organisation_id)


def render_organisation(
    organisation_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200
):
    actor = current_actor()
    with transaction() as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        tree = organisations.unit_tree(found)
        return render_template(
            "admin/organisation.html",
            organisation=found,
            seen_fields=(organisations.ORGANISATION_SEEN, organisations.UNIT_SEEN),
            tree=tree,
            open_units=[(unit.id, "— " * depth + f"{unit.code} · {unit.name}") for depth, unit in tree if unit.active],
            people=people.people_of(session, found.id),
            role_options=role_options(),
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/organisations/<int:organisation_id>")
@login_required
def edit_organisation(organisation_id: int):
    """Change the organisation's name, parent body and receiving archive."""
    form = _form("name", "parent_name", "archive_code")
    on_invalid(lambda errors: render_organisation(organisation_id, errors, changed_by_person(form), "details", 422))
    with transaction() as session:
        organisations.update_organisation(
            session,
            current_actor(),
            organisation_id,
            form["name"],
            form["parent_name"],
            form["archive_code"],
            now=utcnow(),
            seen=seen_values(*organisations.ORGANISATION_SEEN),
        )
    flash(_("The organisation's details were saved."), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id))


@bp.post("/organisations/<int:organisation_id>/units")
@login_required
def add_unit(organisation_id: int):
    """Add a unit, under another unit or directly under the organisation."""
    form = _form("code", "name", "parent")
    on_invalid(lambda errors: render_organisation(organisation_id, errors, form, "unit", 422))
    actor = current_actor()
    with transaction() as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        parent = next((unit.code for unit in found.units if str(unit.id) == form["parent"]), form["parent"])
        organisations.create_unit(
            session, actor, found.code, form["code"], form["name"], parent_code=parent, now=utcnow()
        )
    flash(_("The unit %(code)s was added.", code=form["code"].strip()), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id) + "#units")


@bp.post("/units/<int:unit_id>")
@login_required
def edit_unit(unit_id: int):
    """Rename a unit, place it under another one, close or reopen it."""
    form = _form("name", "parent", "active")
    actor = current_actor()
    with transaction(read_only=True) as session:
        organisation_id = organisations.get_unit(session, actor, unit_id).organisation_id
    on_invalid(lambda errors: render_organisation(organisation_id, errors, {**form, "unit": unit_id}, "edit-unit", 422))
    problems = [] if form["active"] in ("yes", "no") else [Problem("active", metadata.MESSAGES["enum"])]
    if form["parent"] and integer(form["parent"]) is None:
        problems.append(Problem("parent", N_("Choose an open unit of this organisation.")))
    if problems:
        raise InvalidMetadata(problems)
    with transaction() as session:
        organisations.update_unit(
            session,
            actor,
            unit_id,
            form["name"],
            integer(form["parent"]),
            form["active"] == "yes",
            now=utcnow(),
            seen=seen_values(*organisations.UNIT_SEEN),
        )
    flash(_("The unit was saved."), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id) + "#units")


# ---------------------------------------------------------------- people


@bp.post("/organisations/<int:organisation_id>/people")
@login_required
def add_person(organisation_id: int):
    """Create an account with its first role in the organisation."""
    form = _form(*PERSON_FIELDS)
    on_invalid(lambda errors: render_organisation(organisation_id, errors, {**form, "password": ""}, "person", 422))
    actor = current_actor()
    with transaction() as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        user_id = people.create_person(session, actor, found, form, now=utcnow()).id
    flash(_("The account %(username)s was created.", username=form["username"].strip()), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    """Show a person's account and roles, with the forms to change them."""
    return render_person(user_id)


def render_person(user_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status=200):
    actor = current_actor()
    with transaction() as session:
        user = people.get_person(session, actor, user_id)
        places = organisations.administered(session, actor)
        held = {membership.organisation_id for membership in user.memberships}
        units = [
            (unit.id, f"{place.code} · {unit.code} · {unit.name}")
            for place in places
            if place.id in held
            for depth, unit in organisations.unit_tree(place)
            if unit.active
        ]
        return render_template(
            "admin/person.html",
            user=user,
            organisations=[place for place in places if place.id in held],
            # Another organisation's roles of the same person are that organisation's to see.
            memberships=[m for m in user.memberships if m.organisation_id in {place.id for place in places}],
            organisation_options=[(place.id, f"{place.code} · {place.name}") for place in places if place.id in held],
            unit_options=units,
            role_options=role_options(),
            is_self=user.id == actor.user_id,
            token_list=token_rows(api_tokens.tokens_of(session, actor, user.id)),
            loans=loans_seen(session, actor, user.id),
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


def loans_seen(session, actor: permissions.Actor, user_id: int) -> list:
    """The paper the person has on loan from the archives of the organisations the reader administers."""
    return [
        item
        for item in use_requests.on_loan_to(session, user_id)
        if permissions.can_administer(actor, item.request.organisation_id)
    ]


@bp.post("/people/<int:user_id>")
@login_required
def edit_person(user_id: int):
    """Change the person's full name and position."""
    form = _form("full_name", "position")
    seen = seen_values("full_name", "position")
    on_invalid(lambda errors: render_person(user_id, errors, changed_by_person(form), "details", 422))
    with transaction() as session:
        people.update_person(
            session, current_actor(), user_id, form["full_name"], form["position"], now=utcnow(), seen=seen
        )
    flash(_("The account was saved."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/roles")
@login_required
def add_role(user_id: int):
    """Give the person another role, for a unit or organisation-wide."""
    form = _form("organisation_id", "role", "unit_id")
    on_invalid(lambda errors: render_person(user_id, errors, form, "role", 422))
    with transaction() as session:
        people.add_role(session, current_actor(), user_id, integer(form["organisation_id"]) or 0, form, now=utcnow())
    flash(_("The role was given; the person's open sessions were ended."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/roles/<int:membership_id>/remove")
@login_required
def remove_role(user_id: int, membership_id: int):
    """Take a role away."""
    with transaction() as session:
        people.remove_role(session, current_actor(), user_id, membership_id, now=utcnow())
    flash(_("The role was taken away; the person's open sessions were ended."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/move")
@login_required
def move(user_id: int):
    """Move the person to another unit (a change of post): the old unit's rights end at once."""
    form = _form("unit_id")
    on_invalid(lambda errors: render_person(user_id, errors, form, "move", 422))
    with transaction() as session:
        user = people.move_person(session, current_actor(), user_id, integer(form["unit_id"]) or 0, now=utcnow())
        name = user.full_name
    flash(_("%(name)s now works in the new unit; their open sessions were ended.", name=name), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/password")
@login_required
def password(user_id: int):
    """Set a new password to hand over to the person."""
    on_invalid(lambda errors: render_person(user_id, errors, {}, "password", 422))
    with transaction() as session:
        people.reset_password(session, current_actor(), user_id, request.form.get("password", ""), now=utcnow())
    flash(_("The new password was set; the person's open sessions were ended and their API tokens revoked."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/active")
@login_required
def active(user_id: int):
    """Deactivate an account (never deleted: its name stays on its records) or reactivate it."""
    wanted = request.form.get("active", "") == "yes"
    with transaction() as session:
        people.set_active(session, current_actor(), user_id, wanted, now=utcnow())
        lent = 0 if wanted else len(loans_seen(session, current_actor(), user_id))
    flash(_("The account was reactivated.") if wanted else _("The account was deactivated."), "success")
    if lent:
        flash(
            _("%(count)s paper dossiers are still on loan to this person: the archivists were told.", count=lent),
            "warn",
        )
    return redirect(url_for(".person", user_id=user_id))


# ---------------------------------------------------------------- retention tables

# A retention table has a few hundred rows: a file past this is not one.
TABLE_FILE_LIMIT = 5 * 1024 * 1024
TABLE_LABELS = ("code", "title", "legal_basis")


@bp.get("/organisations/<int:organisation_id>/retention")
@login_required
def retention_tables(organisation_id: int):
    """Show the organisation's retention tables (the active one first) and the form to import a new version."""
    return render_tables(organisation_id)


def render_tables(
    organisation_id: int,
    errors: dict | None = None,
    values: dict | None = None,
    shown: retention_tables_service.Preview | None = None,
    status: int = 200,
):
    actor = current_actor()
    # Read-only, also after a POST: a large preview is built without holding SQLite's write lock.
    with transaction(read_only=True) as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        return render_template(
            "admin/retention.html",
            organisation=found,
            tables=retention_tables_service.tables_of(session, found.id),
            preview=shown,
            file_problems=[translate(problem.template, problem.params) for problem in shown.problems] if shown else [],
            errors=errors or {},
            values=values or {"legal_basis": "Thông tư 10/2022/TT-BNV"},
        ), status


@bp.post("/organisations/<int:organisation_id>/retention/preview")
@login_required
def preview_table(organisation_id: int):
    """Read an uploaded table and show every row with its problems; nothing is written."""
    form = _form(*TABLE_LABELS)
    on_invalid(lambda errors: render_tables(organisation_id, errors, form, status=422))
    with transaction(read_only=True) as session:
        organisations.get_organisation(session, current_actor(), organisation_id)
    upload = upload_from_request("file")
    if upload is None:
        raise InvalidMetadata([Problem("file", metadata.MESSAGES["required"])])
    content = upload.stream.read(TABLE_FILE_LIMIT + 1)
    if len(content) > TABLE_FILE_LIMIT:
        raise InvalidMetadata([Problem("file", N_("The file is larger than a retention table can be (5 MB)."))])
    shown = retention_tables_service.preview(upload.filename, content)
    with transaction(read_only=True) as session:
        labels = problem_messages(retention_tables_service.label_problems(session, form))
    return render_tables(organisation_id, labels, form, shown, 200 if shown.importable and not labels else 422)


@bp.post("/organisations/<int:organisation_id>/retention")
@login_required
def import_table(organisation_id: int):
    """Import the previewed table as the organisation's active one: all rows or none."""
    form = _form(*TABLE_LABELS)
    on_invalid(lambda errors: render_tables(organisation_id, errors, form, status=422))
    with transaction() as session:
        table = retention_tables_service.import_table(
            session, current_actor(), organisation_id, request.form.get("rows", ""), form, now=utcnow()
        )
        count, code = len(table.rows), table.code
    flash(_("The retention table %(code)s (%(count)s rows) is now the active one.", code=code, count=count), "success")
    return redirect(url_for(".retention_tables", organisation_id=organisation_id))


# ---------------------------------------------------------------- lookups

LOOKUP_LABELS = {
    LookupKind.DOCUMENT_TYPE: _l("Document types"),
    LookupKind.ISSUER: _l("Issuers"),
    LookupKind.HEADING: _l("Headings of the dossier list"),
}


@bp.get("/organisations/<int:organisation_id>/lookups")
@login_required
def lookup_values(organisation_id: int):
    """Show the values the organisation's forms offer, per kind, and the forms to add or withdraw one."""
    return render_lookups(organisation_id)


def render_lookups(organisation_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction() as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        return render_template(
            "admin/lookups.html",
            organisation=found,
            kept=lookups.values_of(session, actor, found.id),
            defaults=lookups.DEFAULTS,
            labels=LOOKUP_LABELS,
            errors=errors or {},
            values=values or {},
        ), status


@bp.post("/organisations/<int:organisation_id>/lookups")
@login_required
def add_lookup(organisation_id: int):
    """Offer one more value in the organisation's forms."""
    form = _form("kind", "value")
    on_invalid(lambda errors: render_lookups(organisation_id, _placed(errors, form["kind"]), form, status=422))
    with transaction() as session:
        lookups.add_value(session, current_actor(), organisation_id, form["kind"], form["value"], now=utcnow())
    flash(_("%(value)s is now offered in the forms.", value=form["value"].strip()), "success")
    return redirect(url_for(".lookup_values", organisation_id=organisation_id, _anchor=form["kind"]))


def _placed(errors: dict, kind: str) -> dict:
    """Errors go under the list's own form; a kind no list has (a forged form) says them at the page's top."""
    if kind in {member.value for member in LookupKind}:
        return errors
    return {FORM: [message for messages in errors.values() for message in messages]}


@bp.post("/lookups/<int:value_id>")
@login_required
def offer_lookup(value_id: int):
    """Withdraw a value from the forms (records citing it keep it), or offer it again."""
    with transaction() as session:
        value = lookups.set_offered(
            session, current_actor(), value_id, request.form.get("active") == "yes", now=utcnow()
        )
        organisation_id, kind = value.organisation_id, value.kind.value
    flash(_("The list was saved."), "success")
    return redirect(url_for(".lookup_values", organisation_id=organisation_id, _anchor=kind))


# ---------------------------------------------------------------- supplementary metadata (PL6 III.7.c)

FIELD_KIND_LABELS = {RecordKind.DOSSIER: _l("Fields of dossiers"), RecordKind.DOCUMENT: _l("Fields of documents")}
FIELD_TYPE_LABELS = {
    FieldType.TEXT: _l("Free text"),
    FieldType.NUMBER: _l("A number"),
    FieldType.DATE: _l("A date"),
    FieldType.CHOICE: _l("Chosen from a list"),
}
FIELD_FORM = ("label", "applies_to", "data_type", "choices", "required", "position")


@bp.get("/organisations/<int:organisation_id>/fields")
@login_required
def supplementary_fields(organisation_id: int):
    """Show the fields the organisation adds to its dossiers' and documents' metadata, with the forms to add one,
    change one, withdraw it or offer it again."""
    return render_fields(organisation_id)


def render_fields(
    organisation_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200
):
    actor = current_actor()
    with transaction(read_only=True) as session:
        found = organisations.get_organisation(session, actor, organisation_id)
        kept = fields_service.fields_of(session, actor, found.id)
        return render_template(
            "admin/supplementary_fields.html",
            organisation=found,
            kept=kept,
            missing=fields_service.open_missing(session, [field for fields in kept.values() for field in fields]),
            kind_labels=FIELD_KIND_LABELS,
            type_labels=FIELD_TYPE_LABELS,
            type_options=[(member.value, label) for member, label in FIELD_TYPE_LABELS.items()],
            seen_fields=fields_service.FIELD_SEEN,
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/organisations/<int:organisation_id>/fields")
@login_required
def add_supplementary_field(organisation_id: int):
    """Add a field to the organisation's dossiers' or documents' metadata."""
    form = _form(*FIELD_FORM)
    on_invalid(lambda errors: render_fields(organisation_id, errors, form, "add", 422))
    with transaction() as session:
        field = fields_service.add_field(session, current_actor(), organisation_id, form, now=utcnow())
        label, kind = field.label, field.applies_to.value
    flash(_("The field %(label)s was added to the forms.", label=label), "success")
    return redirect(url_for(".supplementary_fields", organisation_id=organisation_id, _anchor=kind))


@bp.post("/fields/<int:field_id>")
@login_required
def change_supplementary_field(field_id: int):
    """Change a field's label, its values to choose from, whether it is required and its place in the forms."""
    form = _form(*FIELD_FORM)
    actor = current_actor()
    with transaction(read_only=True) as session:
        organisation_id = fields_service.field_of(session, actor, field_id).organisation_id
    on_invalid(lambda errors: render_fields(organisation_id, errors, {**form, "field": field_id}, "edit", 422))
    with transaction() as session:
        field = fields_service.change_field(
            session, actor, field_id, form, now=utcnow(), seen=seen_values(*fields_service.FIELD_SEEN)
        )
        kind = field.applies_to.value
    flash(_("The field was saved."), "success")
    return redirect(url_for(".supplementary_fields", organisation_id=organisation_id, _anchor=kind))


@bp.post("/fields/<int:field_id>/offered")
@login_required
def offer_supplementary_field(field_id: int):
    """Withdraw a field from the forms (records keep its values, still shown and exported), or offer it again."""
    wanted = request.form.get("active") == "yes"
    with transaction() as session:
        field = fields_service.set_offered(session, current_actor(), field_id, wanted, now=utcnow())
        organisation_id, kind = field.organisation_id, field.applies_to.value
    flash(
        _("The field is offered in the forms again.")
        if wanted
        else _("The field is no longer offered in the forms; the records that have a value keep it."),
        "success",
    )
    return redirect(url_for(".supplementary_fields", organisation_id=organisation_id, _anchor=kind))


# ---------------------------------------------------------------- receiving organisations' codes (PL6 III.1.g)


@bp.get("/recipients")
@login_required
def recipient_directory():
    """Show the directory of organisations documents are sent to, with the forms to add one, import many, correct a
    name, withdraw one or offer it again (the deployment's administrator)."""
    return render_directory()


def render_directory(errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200):
    with transaction(read_only=True) as session:
        return render_template(
            "admin/recipients.html",
            kept=directory_service.entries(session, current_actor()),
            own=organisations.administered(session, current_actor()),
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/recipients")
@login_required
def add_recipient():
    """Add an organisation with its code to the directory."""
    form = _form("code", "name")
    on_invalid(lambda errors: render_directory(errors, form, "add", 422))
    with transaction() as session:
        entry = directory_service.add(session, current_actor(), form["code"], form["name"], now=utcnow())
        code = entry.code
    flash(_("%(code)s was added to the directory.", code=code), "success")
    return redirect(url_for(".recipient_directory", _anchor="entries"))


@bp.post("/recipients/import")
@login_required
def import_recipients():
    """Add every row of a CSV or XLSX file to the directory, or none when any row is wrong."""
    # Before the upload is read: a file refused as such shows the directory again, which only its keeper may see.
    permissions.require_system_admin(current_actor())
    on_invalid(lambda errors: render_directory({FORM: _said(errors)}, section="import", status=422))
    upload = upload_from_request("file")
    with transaction() as session:  # no file: refused as a file of no known kind, once the person may import
        count = directory_service.import_file(
            session,
            current_actor(),
            upload.filename if upload else "",
            upload.stream if upload else io.BytesIO(),
            now=utcnow(),
        )
    flash(_("%(count)s organisations were added to the directory.", count=count), "success")
    return redirect(url_for(".recipient_directory", _anchor="entries"))


RECIPIENT_COLUMNS = {"code": _l("Code"), "name": _l("Name")}


def _said(errors: dict) -> list[str]:
    """Say every problem at the top of the page, an imported file's with its line and column ({"5:code": [...]} as
    the service keys them): the forms of each entry and the import have no field of their own to show them at."""
    said = []
    for key, messages in errors.items():
        line, _sep, column = key.partition(":")
        where = _("Line %(line)s, %(column)s:", line=line, column=RECIPIENT_COLUMNS[column]) if column else ""
        said += [f"{where} {message}".strip() for message in messages]
    return said


@bp.post("/recipients/name")
@login_required
def rename_recipient():
    """Correct the name of an entry (named by its code, which never changes)."""
    form = _form("code", "name")
    on_invalid(lambda errors: render_directory({FORM: _said(errors)}, form, status=422))
    with transaction() as session:
        directory_service.rename(session, current_actor(), form["code"], form["name"], now=utcnow())
    flash(_("The name was corrected; documents keep the name they were saved with."), "success")
    return redirect(url_for(".recipient_directory", _anchor="entries"))


@bp.post("/recipients/offered")
@login_required
def offer_recipient():
    """Withdraw an entry (documents keep its code), or offer it again."""
    form = _form("code", "active")
    on_invalid(lambda errors: render_directory({FORM: _said(errors)}, form, status=422))
    wanted = form["active"] == "yes"
    with transaction() as session:
        directory_service.set_active(session, current_actor(), form["code"], wanted, now=utcnow())
    flash(
        _("%(code)s is offered again.", code=form["code"])
        if wanted
        else _("%(code)s is withdrawn: new documents no longer get it; documents keep it.", code=form["code"]),
        "success",
    )
    return redirect(url_for(".recipient_directory", _anchor="entries"))
