"""The archivist's storage pages (kho lưu trữ, issue 28): repositories and their boxes, putting the paper dossiers
the archive holds in a box, moving a box, and the boxes' labels as a PDF download.

Each view parses the form, calls one service of ``holdings.storage`` in one transaction, and redirects (or renders
the page again with the problems on their fields). The whole area is the archivist's: anyone else is refused before
any id is looked at.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from erms.auth import current_actor, login_required
from erms.errors import PermissionDenied
from erms.models import DossierPlacement
from erms.web.common import attachment, integer, organisation_of, seen_values, setting, transaction, utcnow
from erms.web.errors import error_page, on_invalid
from filing.dossiers import unreadable_dossiers
from holdings import storage

bp = Blueprint("storage", __name__, url_prefix="/archive/storage")
REPOSITORY_FIELDS = ("code", "name", "address")
BOX_FIELDS = ("repository_id", "number", "shelf_unit", "shelf", "label")
MOVE_FIELDS = ("repository_id", "shelf_unit", "shelf")
PLACE_FIELDS = ("dossier_id", "file_number")


@bp.before_request
@login_required
def _archivists_only():
    if not storage.manages_any(current_actor()):
        raise PermissionDenied()


def place_words(placement: DossierPlacement) -> str:
    """Return where a placed dossier is kept, in the reader's language (the dossier page)."""
    box = placement.box
    words = _(
        "Repository %(repository)s, shelf unit %(shelf_unit)s",
        repository=box.repository.code,
        shelf_unit=box.shelf_unit,
    )
    if box.shelf:
        words += ", " + _("shelf %(shelf)s", shelf=box.shelf)
    return words + ", " + _("box no. %(box)s, file no. %(number)s", box=box.number, number=placement.file_number)


def _form(fields: tuple[str, ...]) -> dict[str, str]:
    return {key: request.form.get(key, "") for key in fields}


# ---------------------------------------------------------------- repositories and boxes


@bp.get("/")
def index():
    """List the repositories with their boxes; the forms that add a repository or a box."""
    return render_index()


def render_index(errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200):
    actor = current_actor()
    organisation_id = organisation_of(actor)
    with transaction(read_only=True) as session:
        repositories = storage.repositories(session, actor, organisation_id)
        return render_template(
            "storage/index.html",
            repositories=repositories,
            seen_fields=storage.REPOSITORY_SEEN,
            repository_options=[(item.id, f"{item.code} — {item.name}") for item in repositories],
            waiting=len(storage.placeable(session, actor, organisation_id)),
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/repositories")
def create_repository():
    """Add a repository ("kho")."""
    form = _form(REPOSITORY_FIELDS)
    on_invalid(lambda errors: render_index(errors, form, "repository", status=422))
    actor = current_actor()
    with transaction() as session:
        repository = storage.create_repository(session, actor, organisation_of(actor), form, now=utcnow())
        code = repository.code
    flash(_("Repository %(code)s was added.", code=code), "success")
    return redirect(url_for(".index"))


@bp.post("/repositories/<int:repository_id>")
def edit_repository(repository_id: int):
    """Change a repository's code, name or address."""
    form = _form(REPOSITORY_FIELDS)
    on_invalid(lambda errors: render_index(errors, form, f"repository-{repository_id}", status=422))
    with transaction() as session:
        seen = seen_values(*storage.REPOSITORY_SEEN)
        storage.edit_repository(session, current_actor(), repository_id, form, now=utcnow(), seen=seen)
    flash(_("The repository was saved."), "success")
    return redirect(url_for(".index") + f"#repository-{repository_id}")


@bp.post("/boxes")
def create_box():
    """Add a box on a shelf of a repository."""
    form = _form(BOX_FIELDS)
    on_invalid(lambda errors: render_index(errors, form, "box", status=422))
    actor = current_actor()
    with transaction() as session:
        box = storage.create_box(session, actor, organisation_of(actor), form, now=utcnow())
        box_id, number = box.id, box.number
    flash(_("Box no. %(number)s was added.", number=number), "success")
    return redirect(url_for(".show_box", box_id=box_id))


# ---------------------------------------------------------------- one box


@bp.get("/boxes/<int:box_id>")
def show_box(box_id: int):
    """Show a box: where it is, the dossiers in it, and the forms that fill, move and relabel it."""
    return render_box(box_id)


def render_box(box_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status=200):
    actor = current_actor()
    with transaction(read_only=True) as session:
        box = storage.get_box(session, actor, box_id)
        repositories = storage.repositories(session, actor, box.organisation_id)
        waiting = storage.placeable(session, actor, box.organisation_id)
        # A restricted dossier's title, and a link to its page, only for who may read it: not the archivist.
        unreadable = unreadable_dossiers(session, actor, [*waiting, *(placed.dossier for placed in box.placements)])
        withheld = _("(withheld: restricted dossier)")
        return render_template(
            "storage/box.html",
            box=box,
            place=storage.box_place(box),
            repository_options=[(item.id, f"{item.code} — {item.name}") for item in repositories],
            dossier_options=[
                (item.id, f"{item.file_code} — {withheld if item.id in unreadable else item.title[:80]}")
                for item in waiting
            ],
            unreadable=unreadable,
            next_number=storage.next_file_number(box),
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


@bp.post("/boxes/<int:box_id>/edit")
def edit_box(box_id: int):
    """Change a box's number or its label's heading."""
    form = _form(("number", "label"))
    on_invalid(lambda errors: render_box(box_id, errors, form, "edit", status=422))
    with transaction() as session:
        storage.edit_box(
            session, current_actor(), box_id, form, now=utcnow(), seen_revision=integer(request.form.get("revision"))
        )
    flash(_("The box was saved."), "success")
    return redirect(url_for(".show_box", box_id=box_id))


@bp.post("/boxes/<int:box_id>/place")
def place(box_id: int):
    """Put a paper dossier the archive holds in the box."""
    form = _form(PLACE_FIELDS)
    on_invalid(lambda errors: render_box(box_id, errors, form, "place", status=422))
    with transaction() as session:
        placement = storage.place_dossier(
            session, current_actor(), box_id, form["dossier_id"], form["file_number"], now=utcnow()
        )
        code, number = placement.dossier.file_code, placement.file_number
    flash(_("Dossier %(code)s is in the box as file no. %(number)s.", code=code, number=number), "success")
    return redirect(url_for(".show_box", box_id=box_id))


@bp.post("/boxes/<int:box_id>/take-out")
def take_out(box_id: int):
    """Take a dossier out of the box; it waits in no box until it is placed again."""
    with transaction() as session:
        code = storage.take_out(
            session, current_actor(), box_id, request.form.get("dossier_id"), now=utcnow()
        ).file_code
    flash(_("Dossier %(code)s was taken out of the box.", code=code), "success")
    return redirect(url_for(".show_box", box_id=box_id))


@bp.post("/boxes/<int:box_id>/move")
def move(box_id: int):
    """Move the box to another shelf or repository; every dossier in it moves with it."""
    form = _form(MOVE_FIELDS)
    on_invalid(lambda errors: render_box(box_id, errors, form, "move", status=422))
    with transaction() as session:
        box = storage.move_box(
            session,
            current_actor(),
            box_id,
            form,
            now=utcnow(),
            seen_revision=integer(request.form.get("revision")),
        )
        count = len(box.placements)
    flash(_("The box was moved, with the %(count)s dossiers in it.", count=count), "success")
    return redirect(url_for(".show_box", box_id=box_id))


# ---------------------------------------------------------------- labels


@bp.get("/boxes/<int:box_id>/label.pdf")
def box_label(box_id: int):
    """Download the label of one box (PDF)."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        box = storage.get_box(session, actor, box_id)
        made = storage.labels(session, actor, box.organisation_id, [box.id], now=utcnow(), font=setting("PDF_FONT"))
    return attachment(io.BytesIO(made.pdf), made.name, "application/pdf")


@bp.get("/labels.pdf")
def labels():
    """Download the labels of the boxes chosen (``?box=`` ids), or of every box, four to an A4 page (PDF)."""
    actor = current_actor()
    asked = request.args.getlist("box")
    wrong = [value for value in asked if integer(value) is None]
    if wrong:
        # A mistyped id once printed every box's label, sheets of label paper wasted: refuse, print nothing.
        message = _(
            "“%(value)s” is not a box number, so no label was printed. Choose the boxes again from the storage page.",
            value=wrong[0],
        )
        return error_page(400, message)
    chosen = [number for value in asked if (number := integer(value)) is not None]
    with transaction(read_only=True) as session:
        made = storage.labels(session, actor, organisation_of(actor), chosen, now=utcnow(), font=setting("PDF_FONT"))
    return attachment(io.BytesIO(made.pdf), made.name, "application/pdf")
