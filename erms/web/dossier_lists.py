"""Dossier-list pages ("Danh mục hồ sơ"): the dashboard, building a list, approving it, exports.

The registry office creates the year's list (empty, copied forward from last year, or imported
from a spreadsheet), adds headings and entries and assigns them; the head approves and issues it;
unit heads review the ad-hoc entries of their unit. Each view calls one service of
``classification`` in one transaction.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from administration import lookups
from classification import dossier_list as dossier_lists
from classification import spreadsheet
from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.config import LOCAL_TZ
from erms.errors import InvalidMetadata, Problem
from erms.models import Dossier, LookupKind
from erms.models.dossier_list import DossierListState
from erms.web.common import (
    attachment,
    by_line,
    integer,
    organisation_of,
    require_present,
    setting,
    transaction,
    upload_from_request,
    utcnow,
)
from erms.web.errors import on_invalid
from exports.pdf import dossier_list_pdf
from filing import registers
from filing.dossiers import local_date
from retention import schedule

bp = Blueprint("dossier_lists", __name__, url_prefix="/dossier-lists")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- dashboard and creation


@bp.get("/")
@login_required
def index():
    """Show this year's list per unit (approved? how many entries have a dossier?) and all lists."""
    return render_index()


def render_index(errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    organisation_id, year = organisation_of(actor), local_date(utcnow()).year
    with transaction() as session:
        return render_template(
            "dossier_lists/index.html",
            board=dossier_lists.dashboard(session, actor, organisation_id, year),
            lists=dossier_lists.lists_of(session, actor, organisation_id),
            can_manage=permissions.can(actor, "dossier_list.manage", organisation_id),
            errors=errors or {},
            values=values or {"year": str(year + 1)},
        ), status


@bp.post("/create")
@login_required
def create():
    """Create the year's list, empty or copied forward from last year's ("copy forward")."""
    form = {"year": request.form.get("year", ""), "source": request.form.get("source", "copy")}
    on_invalid(lambda errors: render_index(errors, form, status=422))
    year = integer(form["year"])
    require_present({"year": year})
    assert year is not None  # require_present refused a missing one
    actor = current_actor()
    with transaction() as session:
        if form["source"] == "copy":
            created = dossier_lists.copy_forward(session, actor, organisation_of(actor), year, now=utcnow())
        else:
            created = dossier_lists.create_list(session, actor, organisation_of(actor), year, now=utcnow())
        list_id = created.id
    flash(_("The dossier list of %(year)s was created as a draft.", year=year), "success")
    return redirect(url_for(".show", list_id=list_id))


# ---------------------------------------------------------------- one list


@bp.get("/<int:list_id>")
@login_required
def show(list_id: int):
    """Show a list: headings and entries (additions marked), and the forms the person may use."""
    return render_list(list_id)


def render_list(
    list_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200
):
    actor = current_actor()
    with transaction() as session:
        dossier_list = dossier_lists.get_list(session, actor, list_id)
        organisation_id = dossier_list.organisation_id
        units = dossier_lists.units_of(session, organisation_id)
        forming = registers.unit_people(session, organisation_id)
        reviews = {entry.id for entry in dossier_lists.pending_reviews(session, actor)}
        listed = select(Dossier.entry_id, Dossier.id).where(Dossier.entry.has(dossier_list_id=list_id))
        opened = {entry_id: dossier_id for entry_id, dossier_id in session.execute(listed)}
        # "Open the dossier" beside each entry its reader forms, once the list is in force: from the list they plan by.
        in_force = dossier_list.state is DossierListState.APPROVED and dossier_list.year <= local_date(utcnow()).year
        opens = {
            unit.id for unit in units if in_force and permissions.can(actor, "dossier.open", organisation_id, unit.id)
        }
        return render_template(
            "dossier_lists/show.html",
            dossier_list=dossier_list,
            draft=dossier_list.state is DossierListState.DRAFT,
            submitted=dossier_list.state is DossierListState.SUBMITTED,
            approved=dossier_list.state is DossierListState.APPROVED,
            today=local_date(utcnow()),
            can_manage=permissions.can(actor, "dossier_list.manage", organisation_id),
            can_approve=permissions.can(actor, "dossier_list.approve", organisation_id),
            is_addition=dossier_lists.is_addition,
            to_review=reviews,
            opened=opened,
            opens=opens,
            unit_options=[(unit.id, unit.name) for unit in units],
            user_options=[("", _("— anyone in the unit —"))],
            # Under each unit only its people: the service refuses anyone else (a council member, another unit's).
            user_groups=[
                (unit.name, [(user.id, user.full_name) for user in forming.get(unit.id, [])]) for unit in units
            ],
            retention_rows=[
                (row.code, f"{row.code}. {row.title[:90]} · {schedule.period_of(row).label()}")
                for table in schedule.active_tables(session, organisation_id)
                for row in table.rows
            ],
            headings_offered=lookups.offered(session, organisation_id, LookupKind.HEADING),
            heading_options=[("", _("— none —"))]
            + [(heading.id, f"{heading.label}. {heading.title}") for heading in dossier_list.headings],
            import_errors=by_line(errors or {}, "dossier-list-import") if section == "import" else [],
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/<int:list_id>/headings")
@login_required
def add_heading(list_id: int):
    """Add a heading ("đề mục") to a draft list."""
    form = {key: request.form.get(key, "").strip() for key in ("label", "title", "abbreviation")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "heading", status=422))
    require_present({"label": form["label"], "title": form["title"]})
    with transaction() as session:
        dossier_lists.add_heading(
            session,
            current_actor(),
            list_id,
            form["label"],
            form["title"],
            abbreviation=form["abbreviation"].upper(),
            now=utcnow(),
        )
    flash(_("The heading was added."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor="entries"))


@bp.post("/<int:list_id>/entries")
@login_required
def add_entry(list_id: int):
    """Add an entry; on an approved list it is recorded as an addition."""
    keys = ("title", "heading_id", "unit_id", "retention", "responsible_user_id", "note")
    form = {key: request.form.get(key, "").strip() for key in keys}
    on_invalid(lambda errors: render_list(list_id, errors, form, "entry", status=422))
    unit_id = integer(form["unit_id"])
    require_present({"title": form["title"], "unit_id": unit_id, "retention": form["retention"]})
    assert unit_id is not None  # require_present refused a missing one
    with transaction() as session:
        organisation_id = dossier_lists.get_list(session, current_actor(), list_id).organisation_id
        row_id, period = spreadsheet.period_of_text(session, form["retention"], organisation_id)
        if period is None:
            raise InvalidMetadata([Problem("retention", spreadsheet.RETENTION_UNREADABLE)])
        dossier_lists.add_entry(
            session,
            current_actor(),
            list_id,
            title=form["title"],
            unit_id=unit_id,
            retention_row_id=row_id,
            heading_id=integer(form["heading_id"]),
            responsible_user_id=integer(form["responsible_user_id"]),
            note=form["note"],
            now=utcnow(),
            period=period,
        )
    flash(_("The entry was added."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor="entries"))


@bp.post("/<int:list_id>/import")
@login_required
def import_entries(list_id: int):
    """Import entries from a CSV or XLSX file: all rows, or none when any row is wrong."""
    on_invalid(lambda errors: render_list(list_id, errors, section="import", status=422))
    upload = upload_from_request("file")
    if upload is None:
        raise InvalidMetadata([Problem("file", metadata.MESSAGES["required"])])
    with transaction() as session:
        count = spreadsheet.import_entries(
            session, current_actor(), list_id, upload.filename, upload.stream, now=utcnow()
        )
    flash(_("%(count)s entries were imported.", count=count), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor="entries"))


@bp.post("/<int:list_id>/submit")
@login_required
def submit(list_id: int):
    """Send the draft list to the head for approval (the registry)."""
    on_invalid(lambda errors: render_list(list_id, errors, {}, "submit", status=422))
    require_present({"confirm": request.form.get("confirm", "") == "yes"})
    with transaction() as session:
        dossier_lists.submit_for_approval(session, current_actor(), list_id, now=utcnow())
    flash(_("The dossier list was sent to the head for approval."), "success")
    return redirect(url_for(".show", list_id=list_id))


@bp.post("/<int:list_id>/return")
@login_required
def return_list(list_id: int):
    """Return the list to the registry with the head's comments."""
    form = {"comment": request.form.get("comment", "")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "return", status=422))
    with transaction() as session:
        dossier_lists.return_list(session, current_actor(), list_id, form["comment"], now=utcnow())
    flash(_("The dossier list was returned to the registry with your comments."), "success")
    return redirect(url_for(".show", list_id=list_id))


@bp.post("/<int:list_id>/approve")
@login_required
def approve(list_id: int):
    """Approve and issue the list (the head), with the decision's number and date; it becomes read-only."""
    form = {name: request.form.get(name, "").strip() for name in ("decision_ref", "decision_date", "confirm")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "approve", status=422))
    day = metadata.parse_day(form["decision_date"])
    if form["decision_date"] and day is None:
        raise InvalidMetadata([Problem("decision_date", metadata.MESSAGES["format"])])
    require_present(
        {"decision_ref": form["decision_ref"], "decision_date": day is not None, "confirm": form["confirm"] == "yes"}
    )
    with transaction() as session:
        dossier_lists.approve(session, current_actor(), list_id, form["decision_ref"], now=utcnow(), decision_date=day)
    flash(_("The dossier list is approved and issued."), "success")
    return redirect(url_for(".show", list_id=list_id))


@bp.post("/entries/<int:entry_id>/assign")
@login_required
def assign(entry_id: int):
    """Give an entry to a unit and a person."""
    list_id = integer(request.form.get("list_id", "")) or 0
    with transaction() as session:
        dossier_lists.assign_entry(
            session,
            current_actor(),
            entry_id,
            integer(request.form.get("unit_id", "")) or 0,
            integer(request.form.get("responsible_user_id", "")),
            now=utcnow(),
            seen_revision=integer(request.form.get("revision", "")),
        )
    flash(_("The entry was assigned."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor=f"entry-{entry_id}"))


@bp.post("/entries/<int:entry_id>/change")
@login_required
def change_entry(entry_id: int):
    """Correct an entry of a draft list: its title, retention and note."""
    form = {key: request.form.get(key, "").strip() for key in ("title", "retention", "note")}
    seen = integer(request.form.get("revision", ""))
    with transaction() as session:
        entry = dossier_lists.draft_entry(session, current_actor(), entry_id, seen)
        list_id = entry.dossier_list_id
        require_present({"title": form["title"], "retention": form["retention"]})
        row_id, period = spreadsheet.period_of_text(session, form["retention"], entry.dossier_list.organisation_id)
        if period is None:
            raise InvalidMetadata([Problem("retention", spreadsheet.RETENTION_UNREADABLE)])
        dossier_lists.change_entry(
            session, current_actor(), entry_id, title=form["title"], retention_row_id=row_id, period=period,
            note=form["note"], seen_revision=seen, now=utcnow(),
        )  # fmt: skip
    flash(_("The entry was changed."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor=f"entry-{entry_id}"))


@bp.post("/entries/<int:entry_id>/remove")
@login_required
def remove_entry(entry_id: int):
    """Take an entry out of a draft list; the entries after it move up one number."""
    with transaction() as session:
        dossier_list = dossier_lists.remove_entry(
            session, current_actor(), entry_id, seen_revision=integer(request.form.get("revision", "")), now=utcnow()
        )
        list_id = dossier_list.id
    flash(_("The entry was taken out of the list; the entries after it moved up one number."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor="entries"))


@bp.post("/entries/<int:entry_id>/review")
@login_required
def review(entry_id: int):
    """Record the unit head's review of an ad-hoc entry."""
    list_id = integer(request.form.get("list_id", "")) or 0
    accepted = request.form.get("decision") == "accept"
    form = {"note": request.form.get("note", "")}
    on_invalid(lambda errors: render_list(list_id, errors, form, f"review-{entry_id}", status=422))
    with transaction() as session:
        dossier_lists.review_entry(session, current_actor(), entry_id, accepted, form["note"], now=utcnow())
    flash(_("The ad-hoc dossier was accepted.") if accepted else _("The ad-hoc dossier was not accepted."), "success")
    return redirect(url_for(".show", list_id=list_id, _anchor=f"entry-{entry_id}"))


# ---------------------------------------------------------------- exports


@bp.get("/<int:list_id>/export.xlsx")
@login_required
def export_xlsx(list_id: int):
    """Download the list as an XLSX workbook in the template's layout."""
    with transaction() as session:
        dossier_list = dossier_lists.get_list(session, current_actor(), list_id)
        data, year = dossier_list_pdf.render_xlsx(dossier_list), dossier_list.year
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename=danh-muc-ho-so-{year}.xlsx"}
    )


@bp.get("/<int:list_id>/export.pdf")
@login_required
def export_pdf(list_id: int):
    """Print the list as a PDF in the template's layout, marked as printed from the system."""
    with transaction() as session:
        dossier_list = dossier_lists.get_list(session, current_actor(), list_id)
        data = dossier_list_pdf.render(dossier_list, utcnow().astimezone(LOCAL_TZ), font=setting("PDF_FONT"))
        year = dossier_list.year
    return attachment(io.BytesIO(data), f"danh-muc-ho-so-{year}.pdf", "application/pdf")
