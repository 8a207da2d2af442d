"""The audit log and the access statistics, for those who answer for the organisation ("audit.read").

The log is read a page at a time (``administration.audit_log``), exported as CSV or XLSX, and its hash chain is
verified on a button press (the walk reads the whole log, so no page load does it); the statistics count views,
downloads and log-ins over a period (``administration.access_statistics``).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from administration import access_statistics, audit_log
from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, Problem
from erms.web.common import integer, transaction, utcnow
from erms.web.dossier_lists import XLSX
from erms.web.errors import FORM, on_invalid
from filing.dossiers import local_date

bp = Blueprint("audit_log", __name__, url_prefix="/audit")

RECORD_LABELS = {
    "dossier": _l("Dossier"),
    "document": _l("Document"),
    "dossier_list": _l("Dossier list"),
    "dossier_list_entry": _l("Dossier list entry"),
    "destruction_list": _l("Destruction list"),
    "handover_batch": _l("Hand-over batch"),
    "retention_schedule": _l("Retention schedule"),
    "unit": _l("Unit"),
    "organisation": _l("Organisation"),
    "lookup_value": _l("Value offered in the forms"),
    "supplementary_field": _l("Supplementary metadata field"),
    "user": _l("User"),
    "saved_search": _l("Saved search"),
    "stored_file": _l("Stored file"),
    "security": _l("Security"),
    "audit_log": _l("Audit log"),
    "use_request": _l("Request to use records"),
    "repository": _l("Repository"),
    "storage_box": _l("Box"),
    "intake_run": _l("Legacy import"),
    "recipient_organisation": _l("Receiving organisation"),
    "transfer": _l("Transfer to the archive"),
    "trust_root": _l("Trusted root certificate"),
    "background_job": _l("Background work"),
    "backup_set": _l("Backup set"),
}
# What each action of the log means, in words (the code stays beside it, for precision).
AUDIT_ACTIONS = {
    "access.confirmed": _l("Change of access confirmed"),
    "access.proposed": _l("Change of access proposed"),
    "access.rejected": _l("Change of access rejected"),
    "access.rule_proposed": _l("Access rule for a series proposed"),
    "access.share_ended": _l("Share ended after its last day"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "appraisal.flagged": _l("Due for appraisal"),
    "audit.verified": _l("Audit chain verified"),
    "backup.made": _l("Backup set made"),
    "backup.pruned": _l("Backup sets past their keeping removed from their medium"),
    "backup.restored": _l("Instance restored from a backup set"),
    "backup.taken_over": _l("Restored instance took over the media of the one it came from"),
    "certified_copy.confirmed": _l("Certified copy confirmed by its signature"),
    "certified_copy.refused": _l("Certified copy refused"),
    "certified_copy.requested": _l("Certified copy asked for"),
    "destruction_list.appraised": _l("Appraisal of the destruction list recorded"),
    "destruction_list.withdrawn": _l("Destruction list withdrawn"),
    "destruction_list.approved": _l("Destruction decided"),
    "destruction_list.dossier_held": _l("Dossier held back from destruction"),
    "destruction_list.executed": _l("Destruction carried out"),
    "destruction_list.execution_started": _l("Destruction started"),
    "destruction_list.opinion_recorded": _l("Council opinion recorded"),
    "destruction_list.proposed": _l("Destruction list proposed"),
    "document.added": _l("Document added"),
    "document.assigned": _l("Document sent to a unit"),
    "document.digitised": _l("The archive's scan of a paper dossier added"),
    "document.downloaded": _l("Document downloaded"),
    "document.finalised": _l("Document made final"),
    "document.handled": _l("Document handled"),
    "document.handled_undone": _l("Document's handled mark undone"),
    "document.linked": _l("Document filed by reference"),
    "document.removed": _l("Document taken out of a dossier"),
    "document.put_back": _l("Document put back in its dossier"),
    "document.marking_changed": _l("Security marking changed"),
    "document.opinion_given": _l("Opinion given on a document"),
    "document.registered": _l("Document registered"),
    "document.taken_in": _l("Document taken in from a legacy system"),
    "document.updated": _l("Document details changed"),
    "document.version_added": _l("Document version added"),
    "document.viewed": _l("Document viewed"),
    "dossier.accepted": _l("Dossier accepted into the archive"),
    "dossier.closed": _l("Dossier closed"),
    "dossier.destroyed": _l("Dossier destroyed"),
    "dossier.digitised": _l("Paper dossier digitised: now paper and electronic"),
    "dossier.exported": _l("Dossier exported"),
    "dossier.exported_pdf": _l("Whole dossier exported as one PDF"),
    "dossier.index_downloaded": _l("Document index downloaded"),
    "dossier.keep_back_asked": _l("Keeping a dossier back asked"),
    "dossier.keep_back_decided": _l("Keeping a dossier back decided"),
    "dossier.metadata_changed": _l("Dossier's metadata found changed outside ERMS since it was sealed"),
    "dossier.metadata_restored": _l("Dossier's metadata found as sealed again after a change"),
    "dossier.not_received": _l("Dossier not received by the historical archive"),
    "dossier.opened": _l("Dossier opened"),
    "dossier.placed": _l("Dossier put in a box"),
    "dossier.rejected": _l("Dossier returned"),
    "dossier.relocated": _l("Dossier moved with its box"),
    "dossier.reopened": _l("Dossier reopened"),
    "dossier.resealed": _l("Dossier's metadata sealed again after the archive's change"),
    "dossier.retention_event_recorded": _l("Retention event recorded"),
    "dossier.sealed": _l("Dossier's metadata sealed by its first check (closed before seals existed)"),
    "dossier.settlement_set": _l("Settlement day of the works set"),
    "dossier.submitted": _l("Dossier submitted"),
    "dossier.transferred": _l("Dossier handed over to the historical archive"),
    "dossier.unshelved": _l("Dossier taken out of its box"),
    "dossier.updated": _l("Dossier details changed"),
    "dossier.viewed": _l("Dossier viewed"),
    "dossier_list.ad_hoc_entry_added": _l("Ad-hoc dossier added to the list"),
    "dossier_list.approved": _l("Dossier list approved"),
    "dossier_list.copied_forward": _l("Dossier list copied from last year"),
    "dossier_list.created": _l("Dossier list created"),
    "dossier_list.entry_added": _l("List entry added"),
    "dossier_list.entry_assigned": _l("List entry assigned"),
    "dossier_list.entry_changed": _l("List entry changed"),
    "dossier_list.entry_removed": _l("List entry taken out"),
    "dossier_list.entry_reviewed": _l("Ad-hoc entry reviewed"),
    "dossier_list.heading_added": _l("Heading added to the list"),
    "dossier_list.imported": _l("List entries imported"),
    "dossier_list.recorded_from_intake": _l("Dossier list recorded from a legacy import"),
    "dossier_list.returned": _l("Dossier list returned with comments"),
    "dossier_list.submitted": _l("Dossier list sent for approval"),
    "handover_batch.created": _l("Hand-over batch created"),
    "handover_batch.discarded": _l("Hand-over batch given up"),
    "handover_batch.received": _l("Hand-over receipt recorded"),
    "handover_package.downloaded": _l("Hand-over package downloaded"),
    "hold.placed": _l("Hold placed"),
    "hold.released": _l("Hold released"),
    "intake.finished": _l("Legacy import finished"),
    "intake.resumed": _l("Legacy import resumed"),
    "intake.started": _l("Legacy import started"),
    "intake.stopped": _l("Legacy import stopped"),
    "job.stop_asked": _l("Background work asked to stop"),
    "lookup.offered": _l("Value offered in the forms"),
    "lookup.withdrawn": _l("Value withdrawn from the forms"),
    "organisation.created": _l("Organisation added"),
    "organisation.updated": _l("Organisation details changed"),
    "recipient_organisation.added": _l("Receiving organisation added to the directory"),
    "recipient_organisation.offered": _l("Receiving organisation offered again"),
    "recipient_organisation.renamed": _l("Receiving organisation's name corrected"),
    "recipient_organisation.withdrawn": _l("Receiving organisation withdrawn"),
    "repository.created": _l("Repository added"),
    "repository.updated": _l("Repository changed"),
    "retention_schedule.imported": _l("Retention table imported"),
    "retention_schedule.superseded": _l("Retention table replaced"),
    "scan_warning.accepted": _l("A scan's TT 02/2019 warning accepted"),
    "search.deleted": _l("Saved search deleted"),
    "search.saved": _l("Search saved"),
    "security.csrf_refused": _l("Form refused (expired or from another site)"),
    "security.denied": _l("Access refused"),
    "security.flood": _l("Too many refusals"),
    "storage_box.created": _l("Box added"),
    "storage_box.moved": _l("Box moved"),
    "storage_box.updated": _l("Box renumbered or relabelled"),
    "stored_file.destroyed": _l("Stored file destroyed"),
    "stored_file.preservation_copy": _l("PDF/A preservation copy made or failed"),
    "stored_file.repaired": _l("Stored file repaired from a backup"),
    "supplementary_field.added": _l("Supplementary metadata field added"),
    "supplementary_field.changed": _l("Supplementary metadata field changed"),
    "supplementary_field.offered": _l("Supplementary metadata field offered in the forms"),
    "supplementary_field.withdrawn": _l("Supplementary metadata field withdrawn from the forms"),
    "transfer.recorded": _l("Biên bản giao nhận stored"),
    "transfer.signed": _l("Submission signed (joint check)"),
    "trust_root.added": _l("Trusted root certificate installed"),
    "trust_root.removed": _l("Trusted root certificate removed"),
    "unit.created": _l("Unit added"),
    "unit.updated": _l("Unit changed"),
    "use.approved": _l("Use of archived records approved"),
    "use.lent": _l("Paper dossier lent"),
    "use.reconsidered": _l("Refused use of archived records reconsidered"),
    "use.refused": _l("Use of archived records refused"),
    "use.requested": _l("Use of archived records asked"),
    "use.returned": _l("Lent paper dossier returned"),
    "use.shared": _l("Dossier shared with a reader until a day"),
    "use.slip_printed": _l("Lending slip printed"),
    "user.activated": _l("Account reactivated"),
    "user.created": _l("Account created"),
    "user.deactivated": _l("Account deactivated"),
    "user.logged_in": _l("Log-in"),
    "user.logged_out": _l("Log-out"),
    "user.login_failed": _l("Failed log-in"),
    "user.login_locked": _l("Log-in refused: username locked"),
    "user.made_system_admin": _l("Deployment administrator made"),
    "user.moved": _l("Change of post"),
    "user.notices_set": _l("E-mail notices set"),
    "user.other_sessions_ended": _l("Logged out of the other browsers"),
    "user.password_changed": _l("Password changed by its owner"),
    "user.password_set": _l("Password set"),
    "user.role_granted": _l("Role given"),
    "user.role_removed": _l("Role taken away"),
    "user.updated": _l("Account changed"),
}
KIND_LABELS = {
    "dossiers": _l("Dossiers: views and downloads"),
    "documents": _l("Documents: views and downloads"),
    "logins": _l("Log-ins per user"),
}
# The columns of audit_log.Event.cells.
EXPORT_HEADINGS = (
    _l("Number"),
    _l("Time"),
    _l("User"),
    _l("Action"),
    _l("Record kind"),
    _l("Record number"),
    _l("State before"),
    _l("State after"),
    _l("Details"),
    _l("Hash"),
)
# The headings of access_statistics.COLUMNS, per kind.
HEADINGS = {
    "dossiers": (_l("Dossier code"), _l("Title"), _l("Unit"), _l("Views"), _l("Downloads"), _l("Last used")),
    "documents": (_l("Number and notation"), _l("Summary"), _l("Views"), _l("Downloads"), _l("Last used")),
    "logins": (_l("Username"), _l("Full name"), _l("Log-ins"), _l("Last log-in")),
}
FILTERS = ("user", "action", "subject_type", "subject_id", "start", "end")


@bp.app_context_processor
def _header() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"audit_nav": permissions.audit_organisations(current_actor()) != set()}


@bp.app_template_filter("detail")
def _detail(value: object, nested: bool = False) -> str:
    """A recorded detail as a reader writes it, not as Python prints it: lists joined by commas, records as
    "key: value" (in brackets when inside another), nothing as a dash, yes/no for flags."""
    if isinstance(value, dict):
        text = "; ".join(f"{key}: {_detail(item, True)}" for key, item in sorted(value.items()))
        return f"({text})" if nested and text else text or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_detail(item, True) for item in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value is None or value == "" else str(value)


# ---------------------------------------------------------------- the log


@bp.get("/")
@login_required
def events():
    """List the events the reader may see, newest first, a page at a time, with the hash chain's state."""
    on_invalid(lambda errors: render_events(errors, status=422))
    return render_events()


def render_events(errors: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction() as session:
        chain = audit_log.chain(session, actor)
        page = None if errors else audit_log.events(session, actor, _filter(), before=_before(), withheld=_withheld())
    values = {name: request.args.get(name, "") for name in FILTERS}
    return render_template(
        "audit_log/events.html",
        page=page,
        chain=chain,
        errors=errors or {},
        values=values,
        filters={name: value for name, value in values.items() if value},  # the links keep the filters chosen
        records=[("", _("All kinds"))] + list(RECORD_LABELS.items()),
        labels=RECORD_LABELS,
        actions=AUDIT_ACTIONS,
    ), status


@bp.get("/export.csv")
@login_required
def export_csv():
    """Download the events the filters match as CSV (formula-safe)."""
    return _export("csv", "text/csv")


@bp.get("/export.xlsx")
@login_required
def export_xlsx():
    """Download the events the filters match as XLSX (formula-safe)."""
    return _export("xlsx", XLSX)


def _export(form: str, media_type: str) -> Response:
    on_invalid(lambda errors: render_events(errors, status=422))
    headings = [str(label) for label in EXPORT_HEADINGS]
    with transaction() as session:
        content = audit_log.export(session, current_actor(), _filter(), headings, form=form, withheld=_withheld())
    name = f"nhat-ky-{local_date(utcnow()).isoformat()}.{form}"
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.post("/verify")
@login_required
def verify():
    """Walk the whole hash chain now (read-only), then record the result in a short write of its own."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        report, head = audit_log.check_chain(session, actor, now=utcnow())
    with transaction() as session:
        audit_log.record_check(session, actor, report, head, now=utcnow())
    if report.ok:
        flash(_("The audit chain is intact: %(count)s events verified.", count=report.checked), "success")
    else:
        flash(_("The audit chain is broken at event %(id)s.", id=report.broken_id), "error")
    return redirect(url_for(".events", _anchor="chain"))


def _withheld() -> str:
    """Return what stands for a summary the reader may not read, in the page's language (the exports use the same)."""
    return _("(summary withheld)")


def _filter() -> audit_log.Filter:
    """Read the filters from the query string, naming every one that cannot be read."""
    problems: list[Problem] = []
    raw_id = request.args.get("subject_id", "").strip()
    subject_id = integer(raw_id)
    if raw_id and subject_id is None:
        problems.append(Problem("subject_id", N_("Enter a whole number.")))
    start, end = _day("start", problems), _day("end", problems)
    if problems:
        raise InvalidMetadata(problems)
    return audit_log.Filter(
        username=request.args.get("user", "").strip(),
        action=request.args.get("action", "").strip(),
        subject_type=request.args.get("subject_type", ""),
        subject_id=subject_id,
        start=start,
        end=end,
    )


def _before() -> int | None:
    raw = request.args.get("before", "")
    before = integer(raw)
    if raw and before is None:
        raise InvalidMetadata([Problem(FORM, N_("This page of the log does not exist: start from the newest events."))])
    return before


def _day(name: str, problems: list[Problem]) -> date | None:
    raw = request.args.get(name, "").strip()
    day = metadata.parse_day(raw)
    if raw and day is None:
        problems.append(Problem(name, metadata.MESSAGES["format"]))
    return day


# ---------------------------------------------------------------- access statistics


@bp.get("/statistics")
@login_required
def statistics():
    """Count views and downloads of dossiers and documents, or log-ins, over a period (PL6 II.3, III.6.a/b)."""
    on_invalid(lambda errors: render_statistics(None, errors, status=422))
    return render_statistics(_query())


def render_statistics(wanted: access_statistics.Query | None, errors: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction() as session:
        units = [(unit.id, unit.name) for unit in access_statistics.units(session, actor)]
        lines = access_statistics.statistics(session, actor, wanted) if wanted else []
    values = {name: request.args.get(name, "") for name in ("kind", "unit", "start", "end")}
    if wanted is not None:
        values.update(kind=wanted.kind, start=wanted.start.isoformat(), end=wanted.end.isoformat())
    return render_template(
        "audit_log/statistics.html",
        wanted=wanted,
        lines=lines,
        limit=access_statistics.LIMIT,
        units=[("", _("All units"))] + units,
        kinds=list(KIND_LABELS.items()),
        headings=_headings(values["kind"]),
        columns=access_statistics.COLUMNS.get(values["kind"], ()),
        subject_type=access_statistics.COUNTED[wanted.kind][0] if wanted else "",
        errors=errors or {},
        values=values,
    ), status


@bp.get("/statistics.xlsx")
@login_required
def statistics_xlsx():
    """Download every line of the statistics the filters ask for as XLSX (formula-safe)."""
    on_invalid(lambda errors: render_statistics(None, errors, status=422))
    wanted = _query()
    with transaction() as session:
        content = access_statistics.export(
            session,
            current_actor(),
            wanted,
            _headings(wanted.kind),
            withheld=_("(withheld: restricted dossier)") if wanted.kind == "dossiers" else _("(summary withheld)"),
        )
    name = f"thong-ke-{wanted.kind}-{wanted.start}-{wanted.end}.xlsx"
    return Response(content, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


def _query() -> access_statistics.Query:
    """Read the statistics' filters (default: dossiers, this month up to today), naming every bad one."""
    problems: list[Problem] = []
    raw_unit = request.args.get("unit", "").strip()
    unit_id = integer(raw_unit)
    if raw_unit and unit_id is None:
        problems.append(Problem("unit", N_("Choose a unit of your organisation.")))
    today = local_date(utcnow())
    start, end = _day("start", problems) or today.replace(day=1), _day("end", problems) or today
    if problems:
        raise InvalidMetadata(problems)
    return access_statistics.Query(request.args.get("kind", "") or "dossiers", start, end, unit_id)


def _headings(kind: str) -> list[str]:
    """Return the headings of a statistics table's columns (``access_statistics.COLUMNS``)."""
    return [str(label) for label in HEADINGS.get(kind, HEADINGS["dossiers"])]
