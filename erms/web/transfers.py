"""Submission to the agency archive ("nộp lưu"): a unit chooses its closed dossiers against the year's list and
submits them as one transfer; the transfer's page prints its mục lục, and the registry and the archivist sign the
joint check, which stores the biên bản giao nhận."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import InvalidMetadata, NotFound, Problem
from erms.models.transfer import ItemOutcome, TransferState
from erms.web.common import attachment, integer, require_present, setting, store, transaction, utcnow
from erms.web.dossiers import render_dossier
from erms.web.errors import on_invalid
from exports.pdf import transfer_pdf
from filing import dossiers, keep_backs, transfers
from filing.dossiers import local_date

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.get("/")
@login_required
def index():
    """List the transfers the person may read, newest first."""
    actor = current_actor()
    with transaction() as session:
        return render_template(
            "transfers/index.html",
            transfers=transfers.transfers_of(session, actor),
            can_submit=bool(transfers.submitting_units(session, actor)),
        )


@bp.get("/new")
@login_required
def new():
    """Show the unit's dossiers of a year's list reconciled against it, with the ones ready to choose."""
    return render_new()


def render_new(errors: dict | None = None, chosen: set[int] | None = None, status: int = 200):
    actor = current_actor()
    today = local_date(utcnow())
    with transaction() as session:
        units = transfers.submitting_units(session, actor)
        if not units:
            raise NotFound()
        preselected = integer(request.args.get("dossier"))
        # A dossier's "submit" link opens its own unit and year; otherwise last year's work, the year now due.
        named = dossiers.get_dossier(session, actor, preselected) if preselected else None
        asked_unit, asked_year = integer(request.values.get("unit_id")), integer(request.values.get("year"))
        unit_id = asked_unit if asked_unit in {unit.id for unit in units} else (named.unit_id if named else units[0].id)
        if asked_year and 1900 <= asked_year <= today.year:
            year = asked_year
        else:  # a dossier's own year, else the oldest year with dossiers waiting (the most pressing)
            year = named.year if named else transfers.first_ready_year(session, unit_id, today)
        found = transfers.reconcile(session, actor, unit_id, year, today)
        if chosen is None:
            chosen = {preselected} if preselected else {dossier.id for dossier in found.ready}
        return render_template(
            "transfers/new.html",
            units=units,
            found=found,
            years=list(range(today.year, today.year - 6, -1)),
            chosen=chosen,
            period_of=dossiers.period_of,
            errors=errors or {},
        ), status


@bp.post("/new")
@login_required
def submit():
    """Submit the chosen dossiers as one transfer, once the person confirmed."""
    with transaction() as session:
        if not transfers.submitting_units(session, current_actor()):
            raise NotFound()
    chosen = [number for value in request.form.getlist("dossier_id") if (number := integer(value))]
    on_invalid(lambda errors: render_new(errors, set(chosen), status=422))
    require_present({"dossier_id": chosen, "confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        transfer = dossiers.submit(session, current_actor(), chosen, now=utcnow())
        transfer_id, count = transfer.id, len(chosen)
    flash(_("%(count)s dossiers were submitted to the agency archive.", count=count), "success")
    return redirect(url_for(".show", transfer_id=transfer_id))


@bp.get("/<int:transfer_id>")
@login_required
def show(transfer_id: int):
    """Show a transfer: its dossiers and the archivist's decisions, its papers and the joint check."""
    actor = current_actor()
    with transaction() as session:
        transfer = transfers.get_transfer(session, actor, transfer_id)
        organisation_id = transfer.organisation_id
        done = transfer.state is TransferState.COMPLETED
        received = transfers.received_any(transfer)
        return render_template(
            "transfers/show.html",
            transfer=transfer,
            submitter=transfers.person(session, transfer.submitted_by_id),
            registry_signer=transfers.person(session, transfer.registry_signed_by_id),
            archive_signer=transfers.person(session, transfer.archive_signed_by_id),
            unreadable=dossiers.unreadable_dossiers(session, actor, [item.dossier for item in transfer.items]),
            outcomes=ItemOutcome,
            can_accept=permissions.can(actor, "dossier.accept", organisation_id),
            nothing_received=_(transfers.NOTHING_RECEIVED) if done and not received else "",
            can_sign=done
            and received
            and (
                (permissions.can(actor, "dossier.accept", organisation_id) and transfer.archive_signed_at is None)
                or (permissions.can(actor, "transfer.check", organisation_id) and transfer.registry_signed_at is None)
            ),
            period_of=dossiers.period_of,
        )


@bp.get("/<int:transfer_id>/list.pdf")
@login_required
def list_pdf(transfer_id: int):
    """Download the transfer's mục lục hồ sơ, tài liệu nộp lưu (printed from what the transfer holds)."""
    actor = current_actor()
    with transaction() as session:
        transfer = transfers.get_transfer(session, actor, transfer_id)
        unreadable = dossiers.unreadable_dossiers(session, actor, [item.dossier for item in transfer.items])
        values = transfers.list_values(session, transfer, unreadable, printed_at=utcnow())
    pdf = transfer_pdf.transfer_list(values, font=setting("PDF_FONT"))
    return attachment(io.BytesIO(pdf), f"Mục lục hồ sơ nộp lưu {transfer_id}.pdf", "application/pdf")


@bp.get("/<int:transfer_id>/record.pdf")
@login_required
def record_pdf(transfer_id: int):
    """Download the biên bản giao nhận stored when the joint check was signed."""
    with transaction() as session:
        transfer = transfers.get_transfer(session, current_actor(), transfer_id)
        if transfer.record_file is None:
            raise NotFound()
        stream = store().open(transfer.record_file.sha256)
    return attachment(stream, f"Biên bản giao nhận {transfer_id}.pdf", "application/pdf")


@bp.post("/<int:transfer_id>/sign")
@login_required
def sign(transfer_id: int):
    """Sign the joint check, the registry's side or the archive's."""
    require_present({"confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        transfer = transfers.sign(
            session, current_actor(), transfer_id, store=store(), now=utcnow(), font=setting("PDF_FONT")
        )
        recorded = transfer.record_file_id is not None
    message = _("Signed. The biên bản giao nhận is ready.") if recorded else _("Signed. The other side signs next.")
    flash(message, "success")
    return redirect(url_for(".show", transfer_id=transfer_id))


# ---------------------------------------------------------------- hand-over deadlines


@bp.post("/dossiers/<int:dossier_id>/settlement")
@login_required
def settle(dossier_id: int):
    """Record the day a capital-construction dossier's works were settled (empty: not such a dossier)."""
    raw = request.form.get("settled_on", "").strip()
    _readable(dossier_id)
    on_invalid(lambda errors: render_dossier(dossier_id, errors, {"settled_on": raw}, "deadline", status=422))
    day = metadata.parse_day(raw)
    if raw and day is None:
        raise InvalidMetadata([Problem("settled_on", metadata.MESSAGES["format"])])
    with transaction() as session:
        keep_backs.set_settlement(session, current_actor(), dossier_id, day, now=utcnow())
    flash(_("The hand-over deadline was updated."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="deadline"))


@bp.post("/dossiers/<int:dossier_id>/keep-back")
@login_required
def ask_keep_back(dossier_id: int):
    """Ask the head to let the unit keep the dossier longer."""
    form = {name: request.form.get(name, "") for name in ("until", "reason")}
    _readable(dossier_id)
    on_invalid(lambda errors: render_dossier(dossier_id, errors, form, "deadline", status=422))
    day = metadata.parse_day(form["until"])
    if form["until"].strip() and day is None:
        raise InvalidMetadata([Problem("until", metadata.MESSAGES["format"])])
    with transaction() as session:
        keep_backs.request(session, current_actor(), dossier_id, form["reason"], day, now=utcnow())
    flash(_("The head was asked to agree."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="deadline"))


def _readable(dossier_id: int) -> None:
    """Refuse a dossier the person may not read before its form can be shown again with problems."""
    with transaction() as session:
        dossiers.get_dossier(session, current_actor(), dossier_id)


@bp.post("/keep-backs/<int:keep_back_id>/decide")
@login_required
def decide_keep_back(keep_back_id: int):
    """Record the head's consent to keep a dossier back, or the refusal."""
    form = {"note": request.form.get("note", ""), "decision": request.form.get("decision", "")}
    with transaction() as session:
        dossier_id = keep_backs.dossier_of(session, current_actor(), keep_back_id)
    on_invalid(lambda errors: render_dossier(dossier_id, errors, form, "deadline", status=422))
    if form["decision"] not in ("approve", "refuse"):
        raise InvalidMetadata([Problem("decision", metadata.MESSAGES["enum"])])
    with transaction() as session:
        keep_backs.decide(
            session, current_actor(), keep_back_id, form["decision"] == "approve", form["note"], now=utcnow()
        )
    flash(_("Your decision was recorded."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="deadline"))


@bp.get("/kept")
@login_required
def kept():
    """The "Danh mục hồ sơ, tài liệu giữ lại": the dossiers the head let their units keep, by deadline."""
    actor = current_actor()
    with transaction() as session:
        kept = keep_backs.kept(session, actor)
        unreadable = dossiers.unreadable_dossiers(session, actor, [keep.dossier for keep in kept])
        return render_template("transfers/kept.html", kept=kept, unreadable=unreadable)
