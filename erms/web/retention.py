"""Retention pages: the due list, bulk appraisal, holds, destruction lists and the user's notices.

The archivist filters the due list, selects dossiers (or all matching the filter), previews them
with their totals and decides: keep with a new period, or propose for destruction. The
destruction list then walks the chain of docs/standards.md decision 7 — council opinions, the archival
authority's appraisal ("thẩm định"), the head's decision, execution and the destruction record
("biên bản hủy tài liệu"). Each view calls the services of ``retention`` in one transaction.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import object_session

from erms import background, jobs, metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, PermissionDenied, Problem
from erms.models import Dossier
from erms.models.appraisal import DestructionListState
from erms.models.dossier import DossierState
from erms.models.retention import HoldKind
from erms.web.background_jobs import no_worker_for
from erms.web.common import (
    integer,
    organisation_of,
    require_present,
    services,
    store,
    transaction,
    upload_from_request,
    utcnow,
)
from erms.web.errors import job_refusals, on_invalid, translate
from filing.dossiers import unreadable_dossiers
from retention import appraisal, clock, destruction, holds

bp = Blueprint("retention", __name__, url_prefix="/retention")

# Who works on the appraisal and destruction pages.
# The due list shows this many rows; "select all matching the filter" reaches the rest.
PAGE = 200
HOLD_KINDS = {
    HoldKind.LEGAL: _l("Legal hold"),
    HoldKind.AUDIT: _l("Audit"),
    HoldKind.INSPECTION: _l("Inspection"),
    HoldKind.DISPUTE: _l("Dispute"),
}


def in_chain(actor) -> bool:
    """Return True if the actor takes part in appraisal or destruction in one of their organisations."""
    return permissions.in_destruction_chain(actor)


@bp.before_request
@login_required
def _chain_only():
    if not in_chain(current_actor()):
        raise PermissionDenied()


@bp.app_context_processor
def _header() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"retention_nav": in_chain(current_actor())}


@bp.app_template_global()
def retention_panel(dossier: Dossier) -> dict:
    """Return what the dossier page's retention panel shows: active holds and the forms the actor may use."""
    actor, session = current_actor(), object_session(dossier)
    assert session is not None  # the dossier page renders inside the transaction that loaded the dossier
    filed = dossier.state not in (DossierState.OPEN, DossierState.DESTROYED, DossierState.TRANSFERRED)
    return {
        "holds": holds.active_holds(session, dossier.id),
        "can_hold": permissions.can(actor, "retention.hold", dossier.organisation_id) and filed,
        "can_appraise": permissions.can(actor, "retention.appraise", dossier.organisation_id) and filed,
        "conditional": appraisal.period_of(dossier).conditional,
        "kinds": hold_kinds(),
    }


def hold_kinds() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in HOLD_KINDS.items()]


@bp.app_template_filter()
def pair(value) -> tuple:
    """Return ``(value, value)``: a choice whose label is its value (years, retention row codes)."""
    return value, value


@bp.app_template_global()
def hold_kind_label(kind: HoldKind) -> str:
    return str(HOLD_KINDS[kind])


# ---------------------------------------------------------------- the due list


def _filter(source) -> appraisal.DueFilter:
    return appraisal.DueFilter(
        year=integer(source.get("year", "")),
        unit_id=integer(source.get("unit_id", "")),
        row_code=source.get("row_code", "").strip(),
    )


def _today() -> date:
    return destruction.local_date(utcnow())


@bp.get("/")
def start():
    """The area's address typed by hand: the appraiser's due list, the lists for the council and the head."""
    appraises = permissions.organisations_where(current_actor(), "retention.appraise")
    return redirect(url_for(".due" if appraises else ".lists"))


@bp.get("/due")
def due():
    """List the dossiers due for appraisal, filtered by year, unit and retention row."""
    actor, where = current_actor(), _filter(request.args)
    organisation_id = organisation_of(actor)
    with transaction() as session:
        dossiers = appraisal.due_for(session, actor, organisation_id, _today(), where, limit=PAGE)
        return render_template(
            "retention/due.html",
            dossiers=dossiers,
            # A restricted dossier's title, and a link to its page, only for who may read it: not the archivist.
            unreadable=unreadable_dossiers(session, actor, dossiers),
            where=where,
            today=_today(),
            total=appraisal.due_count(session, organisation_id, _today(), where),
            held=holds.held_dossier_ids(session, [dossier.id for dossier in dossiers]),
            choices=appraisal.filter_choices(session, organisation_id),
            period_of=appraisal.period_of,
        )


def _selection(session, actor) -> list[Dossier]:
    """Return the chosen due dossiers: the ticked ones, or every one matching the filter."""
    ids = (
        None
        if request.form.get("all") == "yes"
        else [number for number in map(integer, request.form.getlist("dossier_id")) if number is not None]
    )
    return appraisal.due_for(session, actor, organisation_of(actor), _today(), _filter(request.form), ids=ids)


@bp.post("/due/preview")
def preview():
    """Show the chosen dossiers with their totals, and the two decisions the archivist can confirm."""
    with transaction() as session:
        if not _selection(session, current_actor()):
            raise InvalidMetadata([Problem("dossiers", N_("Choose at least one dossier."))])
    return render_preview()


def render_preview(errors: dict | None = None, values: dict | None = None, status: int = 200):
    """Render the chosen dossiers; as a decision's form shown again, it never refuses (an empty choice is listed)."""
    actor = current_actor()
    with transaction() as session:
        dossiers = _selection(session, actor)
        return render_template(
            "retention/preview.html",
            dossiers=dossiers,
            unreadable=unreadable_dossiers(session, actor, dossiers),
            totals=destruction.totals(session, dossiers),
            held=holds.held_dossier_ids(session, [dossier.id for dossier in dossiers]),
            period_of=appraisal.period_of,
            errors=errors or {},
            values=values or {},
        ), status


def _ids() -> list[int]:
    return [number for number in map(integer, request.form.getlist("dossier_id")) if number is not None]


def _period() -> clock.Period:
    permanent = request.form.get("permanent") == "yes"
    return clock.Period(permanent, None if permanent else integer(request.form.get("years", "")))


@bp.post("/due/keep")
def keep():
    """Keep the chosen dossiers for a new period, with the reason; report the outcome per dossier."""
    form = {key: request.form.get(key, "") for key in ("years", "permanent", "reason")}
    on_invalid(lambda errors: render_preview(errors, form, status=422))
    actor = current_actor()
    with transaction() as session:
        outcomes = appraisal.keep(session, actor, _ids(), _period(), form["reason"], on=_today(), now=utcnow())
        # A restricted dossier's title is the marker (None) for the archivist, who may not read it.
        kept = session.scalars(select(Dossier).where(Dossier.id.in_([outcome.dossier_id for outcome in outcomes])))
        unreadable = unreadable_dossiers(session, actor, kept)
        rows = [
            (
                outcome.file_code,
                None if outcome.dossier_id in unreadable else outcome.title,
                translate(outcome.result, outcome.params),
            )
            for outcome in outcomes
        ]
    return render_template("retention/outcomes.html", rows=rows, destruction_list_id=None)


@bp.post("/due/propose")
def propose():
    """Propose the chosen dossiers for destruction: a new destruction list with its explanation."""
    form = {key: request.form.get(key, "") for key in ("title", "explanation")}
    on_invalid(lambda errors: render_preview(errors, form, status=422))
    actor = current_actor()
    with transaction() as session:
        listed = destruction.propose(
            session, actor, organisation_of(actor), _ids(), form["title"], form["explanation"], now=utcnow()
        )
        unreadable = unreadable_dossiers(session, actor, [item.dossier for item in listed.items])
        rows = [
            (
                item.dossier.file_code,
                None if item.dossier_id in unreadable else item.dossier.title,
                _("Proposed for destruction"),
            )
            for item in listed.items
        ]
        list_id = listed.id
    return render_template("retention/outcomes.html", rows=rows, destruction_list_id=list_id)


# ---------------------------------------------------------------- destruction lists


@bp.get("/lists")
def lists():
    """List the destruction lists of the actor's organisations."""
    with transaction() as session:
        return render_template(
            "retention/lists.html", lists=destruction.lists_of(session, current_actor()), totals=destruction.list_totals
        )


@bp.get("/lists/<int:list_id>")
def show_list(list_id: int):
    """Show a destruction list, its totals, the decisions recorded so far and the next step's form."""
    return render_list(list_id)


def render_list(
    list_id: int, errors: dict | None = None, values: dict | None = None, section: str = "", status: int = 200
):
    actor = current_actor()
    with transaction() as session:
        listed = destruction.get_list(session, actor, list_id)
        job = background.latest(session, jobs.destruction_subject(list_id))
        organisation_id = listed.organisation_id
        return render_template(
            "retention/list.html",
            listed=listed,
            totals=destruction.list_totals(listed),
            state=listed.state.value,
            held=holds.held_dossier_ids(session, [item.dossier_id for item in listed.items]),
            # The council, like the archivist, reads no restricted dossier: its code only, not its title.
            unreadable=unreadable_dossiers(session, actor, [item.dossier for item in listed.items]),
            can_opinion=(  # a member gives one opinion: once given, the decisions above show it
                permissions.can(actor, "destruction.opinion", organisation_id)
                and listed.state is DestructionListState.PROPOSED
                and all(opinion.member_id != actor.user_id for opinion in listed.opinions)
            ),
            can_appraise=permissions.can(actor, "retention.appraise", organisation_id),
            can_approve=(
                permissions.can(actor, "destruction.approve", organisation_id)
                and listed.state is DestructionListState.APPRAISED
            ),
            can_withdraw=listed.state in (DestructionListState.PROPOSED, DestructionListState.APPRAISED)
            and any(permissions.can(actor, action, organisation_id) for action in WITHDRAWERS),
            disagreeing=listed.opinions and not destruction.council_agrees(listed),
            council_agreed=destruction.council_agrees(listed),  # False too while no member has given an opinion
            job=job,
            no_worker=no_worker_for(session, job),
            job_errors=_job_errors,
            period_of=appraisal.period_of,
            errors=errors or {},
            values=values or {},
            section=section,
        ), status


# Who may withdraw a list before the head's decision: the archivist who keeps it, the head who would decide.
WITHDRAWERS = ("retention.appraise", "destruction.approve")


def _job_errors(job) -> list[str]:
    """Return why a background job stopped, in the reader's language."""
    return job_refusals(job.error) or [
        _("An unexpected error stopped the work; the administrator can read it in the server log.")
    ]


def _back_to_list(list_id: int, message: str):
    flash(message, "success")
    return redirect(url_for(".show_list", list_id=list_id))


@bp.post("/lists/<int:list_id>/opinion")
def opinion(list_id: int):
    """Record a council member's opinion: agree, or disagree with a comment."""
    form = {key: request.form.get(key, "") for key in ("agrees", "comment")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "opinion", status=422))
    require_present({"agrees": form["agrees"] in ("yes", "no")})
    with transaction() as session:
        destruction.record_opinion(
            session, current_actor(), list_id, form["agrees"] == "yes", form["comment"], now=utcnow()
        )
    return _back_to_list(list_id, _("Your opinion was recorded."))


def _paper(signer: bool = False) -> destruction.Paper:
    upload = upload_from_request("attachment")
    typed = request.form.get("on", "")
    return destruction.Paper(
        request.form.get("number", ""),
        metadata.parse_day(typed),
        upload.stream if upload else None,
        request.form.get("signer", "") if signer else "",
        typed_date=typed.strip(),
    )


@bp.post("/lists/<int:list_id>/appraisal")
def record_appraisal(list_id: int):
    """Record the archival authority's appraisal: number, date and the attached document."""
    form = {key: request.form.get(key, "") for key in ("number", "on")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "appraisal", status=422))
    with transaction() as session:
        destruction.record_appraisal(session, current_actor(), list_id, _paper(), store=store(), now=utcnow())
    return _back_to_list(list_id, _("The appraisal was recorded."))


@bp.post("/lists/<int:list_id>/decision")
def approve(list_id: int):
    """Record the head's decision to destroy: number, date, signer and the attached scan."""
    form = {key: request.form.get(key, "") for key in ("number", "on", "signer")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "decision", status=422))
    with transaction() as session:
        destruction.approve(session, current_actor(), list_id, _paper(signer=True), store=store(), now=utcnow())
    return _back_to_list(list_id, _("The head's decision was recorded: the list may be executed."))


@bp.post("/lists/<int:list_id>/withdraw")
def withdraw(list_id: int):
    """Withdraw a list before the head's decision, with the reason: nothing on it is destroyed."""
    form = {"reason": request.form.get("reason", "")}
    on_invalid(lambda errors: render_list(list_id, errors, form, "withdraw", status=422))
    with transaction() as session:
        destruction.withdraw(session, current_actor(), list_id, form["reason"], now=utcnow())
    return _back_to_list(
        list_id, _("The list was withdrawn: nothing on it is destroyed, and its dossiers may be proposed again.")
    )


@bp.post("/lists/<int:list_id>/execute")
def execute(list_id: int):
    """Execute an approved list once the archivist confirms; holds are checked again inside."""
    on_invalid(lambda errors: render_list(list_id, errors, section="execute", status=422))
    require_present({"confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        jobs.start_destruction(session, current_actor(), list_id, services().settings, now=utcnow())
    return _back_to_list(list_id, _("The destruction has begun; this page shows how far it is."))


@bp.get("/lists/<int:list_id>/record.pdf")
def record(list_id: int):
    """Download the destruction record ("biên bản hủy tài liệu") of an executed list."""
    with transaction() as session:
        stream = destruction.open_record(session, current_actor(), list_id, store=store())
    return send_file(
        stream,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"bien-ban-huy-tai-lieu-{list_id}.pdf",
        max_age=0,
    )


# ---------------------------------------------------------------- holds and periods on the dossier page


def _to_dossier(dossier_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="retention"))


def _refusals_back(dossier_id: int) -> None:
    # The dossier page belongs to another blueprint: problems are flashed there.
    on_invalid(
        lambda errors: _flash_all(errors, dossier_id),
        back=url_for("dossiers.show", dossier_id=dossier_id, _anchor="retention"),
    )


def _flash_all(errors: dict, dossier_id: int):
    for messages in errors.values():
        for message in messages:
            flash(message, "error")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id, _anchor="retention"))


@bp.post("/dossiers/<int:dossier_id>/holds")
def place_hold(dossier_id: int):
    """Place a hold (legal, audit, inspection, dispute) with its reason."""
    _refusals_back(dossier_id)
    with transaction() as session:
        holds.place_hold(
            session,
            current_actor(),
            dossier_id,
            request.form.get("kind", ""),
            request.form.get("reason", ""),
            now=utcnow(),
        )
    return _to_dossier(dossier_id, _("The hold was placed: the dossier cannot be destroyed or transferred."))


@bp.post("/holds/<int:hold_id>/release")
def release_hold(hold_id: int):
    """Release a hold with its reason; the hold stays on record."""
    dossier_id = integer(request.form.get("dossier_id", "")) or 0
    _refusals_back(dossier_id)
    with transaction() as session:
        holds.release_hold(session, current_actor(), hold_id, request.form.get("reason", ""), now=utcnow())
    return _to_dossier(dossier_id, _("The hold was released."))


@bp.post("/dossiers/<int:dossier_id>/event")
def record_event(dossier_id: int):
    """Record the event a conditional period waits for ("contract ended on …")."""
    _refusals_back(dossier_id)
    event_on = metadata.parse_day(request.form.get("event_on", ""))
    if event_on is None:
        raise InvalidMetadata([Problem("event_on", N_("Give the date."))])
    with transaction() as session:
        appraisal.record_event(session, current_actor(), dossier_id, event_on, now=utcnow())
    return _to_dossier(dossier_id, _("The event was recorded; the appraisal date follows from it."))


@bp.post("/dossiers/<int:dossier_id>/period")
def change_period(dossier_id: int):
    """Change a filed dossier's retention period; the reason is required and the change audited."""
    _refusals_back(dossier_id)
    with transaction() as session:
        appraisal.change_period(
            session, current_actor(), dossier_id, _period(), request.form.get("reason", ""), now=utcnow()
        )
    return _to_dossier(dossier_id, _("The retention period was changed."))
