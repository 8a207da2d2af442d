"""Register pages: the incoming and outgoing registers of a year, the registration form, the print,
and the report on how registered documents are handled (PL6 V.2, V.4).

The registry office registers a document here; the system gives it the next number of its
register's yearly series (``filing.registers``). Classified documents are registered without a file
and numbered in their own series; the printed register carries the printed-from-system mark.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from administration import access_statistics, lookups
from classification import dossier_list
from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import InvalidMetadata, Problem
from erms.models import DossierDocument, LookupKind, RecordKind
from erms.models.register import RegisterEntry, RegisterKind, RegisterSeries
from erms.permissions import Actor
from erms.web import supplementary_forms
from erms.web.common import (
    CHOICES,
    attachment,
    integer,
    organisation_of,
    period_from_query,
    require_present,
    setting,
    store,
    transaction,
    upload_from_request,
    utcnow,
    writes,
)
from erms.web.document_page import handling_context
from erms.web.errors import on_invalid
from filing import dossiers, opinions, recipients, registers
from filing.dossiers import local_date

bp = Blueprint("registers", __name__, url_prefix="/registers")

# The register form, in the order of the register's columns (NĐ 30/2020 Phụ lục IV, Phụ lục VI Phần II).
FIELDS = (
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "organ_name",
    "subject",
    "page_amount",
    "urgency",
    "marking",
    "due_date",
    "recipients",
    "signer_position",
    "signer_name",
    "language",
    "description",
)
DATE_FIELDS = {"issued_date", "due_date", "arrival_date"}


def _fields(kind: RegisterKind) -> tuple[str, ...]:
    """Return the register form's fields: an incoming document's also the day it arrived ("Ngày đến", Phụ lục IV),
    beside its own date, so a document received yesterday is dated so."""
    if kind is not RegisterKind.INCOMING:
        return FIELDS
    after = FIELDS.index("issued_date") + 1
    return (*FIELDS[:after], "arrival_date", *FIELDS[after:])


def _kind(kind: str) -> RegisterKind:
    try:
        return RegisterKind(kind)
    except ValueError:
        abort(404)


def _year() -> int:
    year = integer(request.args.get("year", ""))
    return year if year is not None else local_date(utcnow()).year


@bp.get("/")
@login_required
def start():
    """The registers' address typed by hand: the incoming register (which says who may read it)."""
    return redirect(url_for(".index", kind=RegisterKind.INCOMING.value))


@bp.get("/recipient-codes")
@login_required
def recipient_codes():
    """The directory of receiving organisations' codes (PL6 III.1.g), to read beside an outgoing document's form:
    a page of its own, opened beside the form, so no form page carries a directory of thousands of lines."""
    wanted = request.args.get("q", "")[:200]
    with transaction(read_only=True) as session:
        return render_template("registers/recipient_codes.html", wanted=wanted, found=recipients.found(session, wanted))


@bp.get("/<kind>")
@login_required
def index(kind: str):
    """Show a register of a year (both series) and, for the registry, the registration form."""
    return render_register(_kind(kind))


def render_register(
    kind: RegisterKind,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
    section: str = "register",
):
    """Render a register; ``errors``/``values`` belong to the form named by ``section`` ("register", "handled")."""
    actor = current_actor()
    organisation_id, year = organisation_of(actor), _year()
    today = local_date(utcnow()).isoformat()
    with transaction() as session:
        series = {
            item: registers.register_entries(session, actor, organisation_id, kind, year, item)
            for item in RegisterSeries
        }
        withheld = registers.withheld_summaries(session, actor, [entry for lines in series.values() for entry in lines])
        extra = supplementary_forms.context(session, organisation_id, RecordKind.DOCUMENT, None)
        return render_template(
            "registers/index.html",
            kind=kind,
            year=year,
            series=series,
            withheld=withheld,
            can_register=permissions.can(actor, "register.write", organisation_id),
            titles=metadata.field_titles("document"),
            fields=_fields(kind),
            date_fields=DATE_FIELDS,
            choices=CHOICES,
            document_types=lookups.offered(session, organisation_id, LookupKind.DOCUMENT_TYPE),
            issuers=lookups.offered(session, organisation_id, LookupKind.ISSUER),
            today=today,
            max_upload_mb=int(setting("MAX_CONTENT_LENGTH")) // (1024 * 1024),
            errors=supplementary_forms.errors_shown(errors or {}, extra["extra_fields"]),
            values=values or {"arrival_date": today},
            section=section,
            targets=_targets(session, organisation_id),
            **extra,
        ), status


def _targets(session, organisation_id: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return where an incoming document may be sent: each unit, then each person who files in it."""
    people = registers.unit_people(session, organisation_id)
    return [
        (
            unit.name,
            [(str(unit.id), _("%(unit)s — whole unit", unit=unit.name))]
            + [(f"{unit.id}:{user.id}", user.full_name) for user in people.get(unit.id, [])],
        )
        for unit in dossier_list.units_of(session, organisation_id)
    ]


@bp.post("/<kind>")
@login_required
def register(kind: str):
    """Register a document; a suspected duplicate comes back with a box to confirm it."""
    register_kind = _kind(kind)
    form = {key: request.form.get(key, "") for key in (*_fields(register_kind), "document_code", "allow_duplicate")}
    extra = supplementary_forms.sent()
    on_invalid(lambda errors: render_register(register_kind, errors, {**form, **extra}, status=422))
    actor = current_actor()
    with transaction() as session:
        entry = registers.register_document(
            session,
            actor,
            organisation_of(actor),
            register_kind,
            {**metadata.coerce("document", form), **extra},
            upload_from_request(),
            store=store(),
            document_code=form["document_code"],
            allow_duplicate=form["allow_duplicate"] == "yes",
            now=utcnow(),
        )
        number, series = entry.number, entry.series
    if series is RegisterSeries.CLASSIFIED:
        flash(_("Registered as no. %(number)s in the classified series (no file kept).", number=number), "success")
    else:
        flash(_("Registered as no. %(number)s.", number=number), "success")
    return redirect(url_for(".index", kind=kind))


@bp.post("/<kind>/handled")
@login_required
def record_handled(kind: str):
    """Record the day a registered document was handled, by its number in the register of the year."""
    register_kind = _kind(kind)
    form = {key: request.form.get(key, "").strip() for key in ("series", "number", "handled_on")}
    on_invalid(lambda errors: render_register(register_kind, errors, form, status=422, section="handled"))
    actor = current_actor()
    with transaction() as session:
        entry = registers.record_handled(
            session,
            actor,
            organisation_of(actor),
            register_kind,
            _year(),
            _series(form["series"]),
            integer(form["number"]),
            form["handled_on"],
            now=utcnow(),
            correct=request.form.get("correct") == "yes",
        )
        number, handled_on = entry.number, entry.handled_on
    flash(_("No. %(number)s was handled on %(day)s.", number=number, day=f"{handled_on:%d/%m/%Y}"), "success")
    return redirect(url_for(".index", kind=kind, year=_year(), _anchor="handled"))


@bp.post("/incoming/assign")
@login_required
def assign_unit():
    """Send a registered incoming document to the unit that handles it, by its number in the register of the year;
    sent from its line's page ("line"), the clerk is taken back to the line, the message on top."""
    form = {key: request.form.get(key, "").strip() for key in ("series", "number", "unit_id", "target")}
    on_invalid(lambda errors: render_register(RegisterKind.INCOMING, errors, form, status=422, section="assign"))
    # "target" is the unit ("12") or one of its people ("12:34"); a plain "unit_id" still names a unit.
    unit_part, _sep, person_part = (form["target"] or form["unit_id"]).partition(":")
    if person_part and integer(person_part) is None:
        raise InvalidMetadata([Problem("target", metadata.MESSAGES["enum"])])
    actor = current_actor()
    with transaction() as session:
        entry = registers.assign_unit(
            session,
            actor,
            organisation_of(actor),
            _year(),
            _series(form["series"]),
            integer(form["number"]),
            integer(unit_part),
            now=utcnow(),
            elsewhere=request.form.get("elsewhere") == "yes",
            user_id=integer(person_part) if person_part else None,
        )
        assert entry.assigned_unit is not None  # assign_unit has just set it
        number, unit, entry_id = entry.number, entry.assigned_unit.name, entry.id
        if entry.assigned_user is not None:  # sent to one of its people: they are named first
            unit = f"{entry.assigned_user.full_name} ({unit})"
    flash(_("No. %(number)s was sent to %(unit)s.", number=number, unit=unit), "success")
    if request.form.get("line"):
        return redirect(url_for(".entry", entry_id=entry_id))
    return redirect(url_for(".index", kind="incoming", year=_year(), _anchor="assign"))


@bp.get("/entries/<int:entry_id>")
@login_required
@writes
def entry(entry_id: int):
    """One register line for those who read it (a search finds a document not yet filed here), with what the
    registry does to it: send it to a unit or a person, record it handled; and its handling, where the leader directs
    it before anyone files it (a view of its document is audited)."""
    page = _entry_page(entry_id)
    with transaction() as session:
        access_statistics.register_line_viewed(session, current_actor(), entry_id, now=utcnow())
    return page


@bp.post("/entries/<int:entry_id>/file")
@login_required
def file_line(entry_id: int):
    """File a register line's document into one of the reader's open dossiers, by reference (PL6 III.4.e)."""
    dossier_id = integer(request.form.get("dossier_id", ""))
    actor = current_actor()
    with transaction() as session:
        line = opinions.on_line(session, actor, entry_id).entry  # a line the reader may not read is no line: first
        assert line is not None  # reached from its line
        require_present({"dossier_id": dossier_id})  # the browser requires it: a refusal comes back as a notice
        assert dossier_id is not None  # require_present refused a missing one
        document_id = line.document_id
        dossiers.link_document(session, actor, dossier_id, document_id, now=utcnow())
    flash(_("The registered document was filed in this dossier."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, document=document_id, _anchor="documents"))


@bp.post("/entries/<int:entry_id>/opinions")
@login_required
def give_opinion(entry_id: int):
    """Add an opinion to the handling of a register line's document ("ý kiến chỉ đạo" on an incoming document, given
    as soon as it is registered); a refusal shows the page again, as typed."""
    typed = {"kind": request.form.get("kind", ""), "text": request.form.get("text", "")}
    on_invalid(lambda errors: (_entry_page(entry_id, errors, typed), 422))
    actor = current_actor()
    with transaction() as session:
        opinions.add(
            session, actor, opinions.on_line(session, actor, entry_id), typed["kind"], typed["text"], now=utcnow()
        )
    flash(_("The opinion was recorded."), "success")
    return redirect(url_for(".entry", entry_id=entry_id, _anchor="handling"))


def _file_into(session: Session, actor: Actor, line: RegisterEntry) -> list[tuple[int, str]]:
    """The reader's open dossiers a register line's document may be filed in from its page, in one step: those of its
    organisation not holding it yet."""
    holding = set(
        session.scalars(select(DossierDocument.dossier_id).where(DossierDocument.document_id == line.document_id))
    )
    return [
        (dossier.id, f"{dossier.file_code} · {dossier.title}")
        for dossier in dossiers.my_open_dossiers(session, actor)
        if dossier.organisation_id == line.organisation_id and dossier.id not in holding
    ]


def _entry_page(entry_id: int, errors: dict | None = None, typed: dict | None = None) -> str:
    """Render a register line's page (with the opinion form's problems and typed values, when given again)."""
    actor = current_actor()
    with transaction() as session:
        reached = opinions.on_line(session, actor, entry_id)
        line = reached.entry
        assert line is not None  # reached from its line
        can_register = permissions.can(actor, "register.write", line.organisation_id)
        return render_template(
            "registers/entry.html",
            entry=line,
            withheld=registers.withheld_summaries(session, actor, [line]).get(line.id),
            titles=metadata.field_titles("document"),
            can_read_register=permissions.can(actor, "register.read", line.organisation_id),
            can_register=can_register,
            targets=_targets(session, line.organisation_id) if can_register else [],
            recipients=recipients.of(session, [line.document_id]).get(line.document_id, []),
            today=local_date(utcnow()).isoformat(),
            file_into=_file_into(session, actor, line),
            **supplementary_forms.context(session, line.organisation_id, RecordKind.DOCUMENT, line.document),
            **handling_context(opinions.handling(session, actor, reached), errors, typed),
        )


@bp.get("/entries/<int:entry_id>/file")
@login_required
def open_file(entry_id: int):
    """Open the scanned file of a register line (the download is audited)."""
    with transaction(write=True) as session:
        stream, version = registers.open_file(session, current_actor(), entry_id, store=store(), now=utcnow())
        name, media_type = version.filename, version.file.media_type
    return attachment(stream, name, media_type)


@bp.post("/entries/<int:entry_id>/handled")
@login_required
def mark_handled(entry_id: int):
    """Record, from the unit's list on the home page, that an incoming document sent to it was handled today; the
    message saying so carries the button that undoes a mis-click."""
    with transaction() as session:
        number = registers.mark_handled(session, current_actor(), entry_id, now=utcnow()).number
    confirmed = _("No. %(number)s is recorded as handled today.", number=number)
    with_undo = get_template_attribute("macros.html", "with_undo")
    flash(with_undo(confirmed, url_for(".undo_handled", entry_id=entry_id)), "success")
    return redirect(url_for("home.index", _anchor="incoming"))


@bp.post("/entries/<int:entry_id>/handled/undo")
@login_required
def undo_handled(entry_id: int):
    """Clear the mark just made by mistake, from the message that confirmed it: the document is back on the list."""
    with transaction() as session:
        number = registers.undo_handled(session, current_actor(), entry_id, now=utcnow()).number
    flash(_("No. %(number)s is back on the list: not handled yet.", number=number), "success")
    return redirect(url_for("home.index", _anchor="incoming"))


def _series(value: str) -> RegisterSeries:
    return RegisterSeries.CLASSIFIED if value == "classified" else RegisterSeries.REGULAR


@bp.get("/<kind>/print.pdf")
@login_required
def print_register(kind: str):
    """Print the register of a year in the decree's layout, marked as printed from the system."""
    register_kind = _kind(kind)
    series = (
        RegisterSeries(request.args.get("series", "regular"))
        if request.args.get("series") in {item.value for item in RegisterSeries}
        else RegisterSeries.REGULAR
    )
    with transaction() as session:
        actor = current_actor()
        pdf = registers.print_register(
            session,
            actor,
            organisation_of(actor),
            register_kind,
            _year(),
            series,
            now=utcnow(),
            font=setting("PDF_FONT"),
        )
    return attachment(io.BytesIO(pdf), f"register-{kind}-{_year()}.pdf", "application/pdf")


@bp.get("/<kind>/report")
@login_required
def report(kind: str):
    """Show the handling report of a register over a period, with its print link."""
    register_kind = _kind(kind)
    on_invalid(
        lambda errors: (
            render_template(
                "registers/report.html", kind=register_kind, report=None, errors=errors, values=request.args
            ),
            422,
        )
    )
    start, end = period_from_query()
    actor = current_actor()
    with transaction() as session:
        handling = registers.handling_report(
            session, actor, organisation_of(actor), register_kind, start, end, now=utcnow()
        )
        return render_template(
            "registers/report.html",
            kind=register_kind,
            report=handling,
            errors={},
            values={"start": start.isoformat(), "end": end.isoformat()},
        )


@bp.get("/<kind>/report.pdf")
@login_required
def print_report(kind: str):
    """Print the handling report, marked as printed from the system."""
    register_kind = _kind(kind)
    start, end = period_from_query()
    actor = current_actor()
    with transaction() as session:
        pdf = registers.print_handling_report(
            session, actor, organisation_of(actor), register_kind, start, end, now=utcnow(), font=setting("PDF_FONT")
        )
    return attachment(io.BytesIO(pdf), f"handling-{kind}-{start}-{end}.pdf", "application/pdf")
