"""Using the archive's records ("khai thác, sử dụng tài liệu lưu trữ"): ask for archived dossiers, the head's
decision, the paper lent and taken back against a slip, and the register of requests (issue 28)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from erms import metadata
from erms.auth import current_actor, login_required
from erms.errors import InvalidMetadata, Problem
from erms.models import Organisation, UseRequest
from erms.permissions import can_org_wide
from erms.web.common import attachment, integer, organisation_of, setting, transaction, utcnow, writes
from erms.web.errors import on_invalid
from exports.pdf import lending_slip
from filing.dossiers import local_date
from holdings import use_requests

bp = Blueprint("use_requests", __name__, url_prefix="/use")

FIELDS = ("codes", "purpose", "reader_name", "reader_identity", "reader_address")


@bp.get("/")
@login_required
def index():
    """The person's requests; the head's requests to decide; links to the register for those who keep it."""
    actor = current_actor()
    organisation = organisation_of(actor)
    with transaction() as session:
        return render_template(
            "use/index.html",
            mine=use_requests.mine(session, actor),
            waiting=use_requests.waiting(session, actor),
            keeps_register=can_org_wide(actor, "use.register", organisation),
            reader_of=use_requests.reader_of,
        )


@bp.route("/new", methods=("GET", "POST"))
@login_required
def new():
    """The request form: dossier codes and purpose; the registry and the archivist may record a citizen's."""
    actor = current_actor()
    organisation = organisation_of(actor)
    records_citizens = can_org_wide(actor, "use.record", organisation)
    values = {name: request.values.get(name, "") for name in FIELDS}
    for_citizen = records_citizens and request.values.get("for_citizen") == "yes"

    def form(errors: dict, status: int = 200):
        page = render_template(
            "use/new.html", values=values, errors=errors, for_citizen=for_citizen, records_citizens=records_citizens
        )
        return page, status

    if request.method == "GET":
        return form({})
    on_invalid(lambda errors: form(errors, 422))
    asked = use_requests.Asked(for_citizen=for_citizen, **values)
    with transaction() as session:
        made = use_requests.ask(session, actor, organisation, asked, now=utcnow())
        request_id, reference = made.id, made.reference
    flash(_("Request %(reference)s was sent to the head for a decision.", reference=reference), "success")
    return redirect(url_for("use_requests.show", request_id=request_id))


@bp.get("/<int:request_id>")
@login_required
def show(request_id: int):
    """One request: its dossiers, how each is served, and the actions open to the reader of the page."""
    return render_request(request_id)


def render_request(request_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    """Show the request; a refused decision comes back with ``errors`` and what was typed (``values``)."""
    actor = current_actor()
    with transaction() as session:
        shown = use_requests.get(session, actor, request_id)
        return render_template(
            "use/show.html",
            use=shown,
            reader=use_requests.reader_of(shown),
            decides=can_org_wide(actor, "use.decide", shown.organisation_id),
            lends=can_org_wide(actor, "use.lend", shown.organisation_id),
            out_elsewhere=use_requests.out_on_other_loans(session, shown),
            today=local_date(utcnow()),
            max_days=use_requests.MAX_DAYS,
            errors=errors or {},
            values=values or {},
        ), status


@bp.post("/<int:request_id>/decision")
@login_required
def decide(request_id: int):
    """The head approves the request until a day, or refuses it with the reason."""
    approve = request.form.get("decision") == "approve"
    typed: dict[str, Any] = {name: request.form.get(name, "") for name in ("until", "note")}
    typed["refused"] = request.form.getlist("refused")
    until = metadata.parse_day(typed["until"])
    on_invalid(lambda errors: render_request(request_id, errors, typed, 422))
    if approve and typed["until"].strip() and until is None:
        raise InvalidMetadata([Problem("until", metadata.MESSAGES["format"])])
    with transaction() as session:
        decided = use_requests.decide(
            session,
            current_actor(),
            request_id,
            approve,
            until,
            request.form.get("note", ""),
            now=utcnow(),
            refused_items={integer(value) or 0 for value in request.form.getlist("refused")},  # 0: no item
        )
        left_out = sum(item.refused for item in decided.items)
    if not approve:
        flash(_("The request is refused."), "success")
    elif left_out:
        flash(_("The request is approved but for %(count)s dossiers.", count=left_out), "success")
    else:
        flash(_("The request is approved."), "success")
    return redirect(url_for("use_requests.show", request_id=request_id))


@bp.post("/<int:request_id>/reconsider")
@login_required
def reconsider(request_id: int):
    """The head takes a refusal back: the request waits for a decision again."""
    with transaction() as session:
        use_requests.reconsider(session, current_actor(), request_id, now=utcnow())
    flash(_("The refusal is taken back: decide the request again."), "success")
    return redirect(url_for("use_requests.show", request_id=request_id, _anchor="decision"))


@bp.post("/items/<int:item_id>/lent")
@login_required
def lend(item_id: int):
    """The archivist hands a paper dossier to its reader."""
    return _loan(use_requests.lend, item_id, _("Dossier %(code)s is lent."))


@bp.post("/items/<int:item_id>/returned")
@login_required
def take_back(item_id: int):
    """The archivist takes a lent paper dossier back."""
    return _loan(use_requests.take_back, item_id, _("Dossier %(code)s is back in the archive."))


def _loan(step, item_id: int, said: str):
    """Record one step of a loan (``step``: lend or take back) and say it with the dossier's code."""
    with transaction() as session:
        item = step(session, current_actor(), item_id, now=utcnow())
        request_id, code = item.request_id, item.dossier.file_code
    flash(said % {"code": code}, "success")
    return redirect(url_for("use_requests.show", request_id=request_id))


@bp.get("/<int:request_id>/slip.pdf")
@login_required
@writes
def slip(request_id: int):
    """The lending slip of an approved request's paper dossiers, to print and sign (audited as a download)."""
    actor = current_actor()
    with transaction() as session:
        shown = use_requests.slip_of(session, actor, request_id, now=utcnow())
        organisation = session.get(Organisation, shown.organisation_id)
        assert organisation is not None  # a request's organisation exists
        pdf = lending_slip.render(_slip(session, shown, organisation), font=setting("PDF_FONT"))
    return attachment(io.BytesIO(pdf), f"phieu-muon-{shown.number}-{shown.year}.pdf", "application/pdf")


def _slip(session, shown: UseRequest, organisation: Organisation) -> lending_slip.LendingSlip:
    lent = tuple(
        lending_slip.LentDossier(
            item.dossier.file_code, item.dossier.title, use_requests.place(session, item.dossier_id)
        )
        for item in use_requests.served(shown)
        if item.paper
    )
    assert shown.until is not None and shown.decided_by is not None  # slip_of: approved requests only
    return lending_slip.LendingSlip(
        parent_organisation=organisation.parent_name,
        organisation=organisation.name,
        reference=shown.reference,
        reader=use_requests.reader_of(shown),
        reader_identity=shown.reader_identity,
        purpose=shown.purpose,
        approved_by=shown.decided_by.full_name,
        due_on=shown.until,
        dossiers=lent,
        printed_at=utcnow(),
    )


@bp.get("/register")
@login_required
def register():
    """The register of the year's requests with its counts ("sổ đăng ký khai thác, sử dụng tài liệu")."""
    actor = current_actor()
    today = local_date(utcnow())
    year = integer(request.args.get("year")) or today.year
    with transaction() as session:
        kept = use_requests.register(session, actor, organisation_of(actor), year, today)
        return render_template("use/register.html", register=kept, reader_of=use_requests.reader_of, today=today)
