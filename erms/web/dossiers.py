"""Dossier pages: open from a list entry, view, file documents, close, reopen, submit, download.

Each view parses the request, calls one filing service of ``filing.dossiers`` in one transaction,
and redirects (or renders). Refusals are turned into responses by ``erms.web.errors``.
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from administration import access_statistics, lookups
from classification import dossier_list, markings
from erms import metadata, metadata_seal, permissions, supplementary
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import Dossier, LookupKind, MetadataSeal, RecordKind
from erms.models.dossier import DossierState, Medium
from erms.web import paging, supplementary_forms
from erms.web.common import (
    CHOICES,
    attachment,
    changed_by_person,
    integer,
    organisation_of,
    require_present,
    setting,
    store,
    transaction,
    upload_from_request,
    uploads_from_request,
    utcnow,
    writes,
)
from erms.web.errors import on_invalid, on_offered, translate
from erms.web.storage import place_words
from filing import (
    blank_fields,
    certified_copies,
    digitisation,
    dossiers,
    keep_backs,
    page_counts,
    preservation,
    removals,
    scan_checks,
    signature_checks,
    suggestions,
    whole_pdf,
)
from filing.dossiers import local_date
from holdings import storage as holdings_storage
from retention import clock, schedule

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")
# The dossier fields asked for when opening one; the rest come from the list entry.
OPEN_FIELDS = (
    "title",
    "start_date",
    "rights",
    "language",
    "medium",
    "sheet_total",
    "page_total",
    "description",
    "keyword",
)
# The fields of the hand-over deadline panel (its forms are served by erms.web.transfers).
HANDOVER_FIELDS = ("settled_on", "until", "note")

# The document form, in the order of NĐ 30/2020 Phụ lục VI (and TT 02/2019) metadata.
DOCUMENT_FIELDS = (
    "direction",
    "status",
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "organ_name",
    "subject",
    "language",
    "page_amount",
    "medium",
    "signer_position",
    "signer_name",
    "urgency",
    "marking",
    "due_date",
    "arrival_date",
    "arrival_number",
    "recipients",
    "keyword",
    "description",
)
# The access regime ("rights") is chosen when the dossier is opened; later it changes through the access panel.
DOSSIER_FIELDS = (
    "title",
    "start_date",
    "end_date",
    "language",
    "medium",
    "sheet_total",
    "page_total",
    "description",
    "keyword",
)
DATE_FIELDS = {"start_date", "end_date", "issued_date", "due_date", "arrival_date"}
# Shared metadata of a multi-file upload; each file's name becomes its summary.
BATCH_FIELDS = ("direction", "status", "type_name", "issued_date", "organ_name", "language", "urgency", "marking")
# Where each closing-checklist item is fixed on the dossier page.
FIX_ANCHORS = {
    "documents": "documents",
    "title": "metadata",
    "rights": "metadata",
    "language": "metadata",
    "start_date": "metadata",
    "sheet_total": "metadata",
}
# The marking is read if posted (to refuse a classified file in words) but never offered here: the registry
# sets it on registration and the head changes it (erms/web/markings.py).
OFFERED_DOCUMENT_FIELDS = tuple(name for name in DOCUMENT_FIELDS if name != "marking")
OFFERED_BATCH_FIELDS = tuple(name for name in BATCH_FIELDS if name != "marking")
NUMBER_FIELDS = {"page_amount", "page_total", "sheet_total"}
LONG_FIELDS = {"subject", "description", "recipients"}
# A file's signatures as a person reads them (filing.signature_checks verdicts).
SIGNATURE_VERDICTS = {
    "valid": _l("Digital signature valid"),
    "invalid": _l("Digital signature NOT valid: the signed content was changed"),
    "modified": _l("Signed, but the file was changed after signing"),
    "revoked": _l("Digital signature NOT valid: the signer's certificate was revoked"),
    "expired": _l("Digital signature NOT valid: the signer's certificate had expired"),
    "untrusted": _l("Signed with a certificate of an authority not installed as trusted"),
    "indeterminate": _l("The digital signature could not be checked"),
    "not_checked": _l("The digital signature could not be checked"),
    "pending": _l("Digital signature being checked…"),
}
SIGNATURE_CHAINS = {
    "trusted": _l("certificate chain trusted"),
    "untrusted": _l("certificate chain not trusted"),
    "expired": _l("certificate expired"),
    "revoked": _l("certificate revoked"),
    "error": _l("certificate chain could not be checked"),
}
SIGNATURE_REVOCATION = {
    "good": _l("not revoked (information in the file)"),
    "revoked": _l("revoked (information in the file)"),
    "not checked": _l("revocation not checked (the file carries no revocation information)"),
}

# Why a document is not a certified copy (filing.certified_copies reasons).
CERTIFIED_COPY_REASONS = {
    certified_copies.UNSIGNED: _l("the file carries no digital signature."),
    certified_copies.NOT_VALID: _l("the file's digital signature is not valid (%(verdict)s)."),
    certified_copies.NOT_THE_AGENCY: _l("the file is not signed by this agency, but by %(signers)s."),
}
# The boxes of the upload forms: the file is a scan of paper; the document is a certified copy.
FLAGS = ("scan", "certified_copy")


def certified_reason(copy) -> str:
    """Say in words why a document is not a certified copy."""
    verdict = SIGNATURE_VERDICTS.get(copy.detail, copy.detail)
    return str(CERTIFIED_COPY_REASONS.get(copy.reason, copy.reason)) % {"verdict": verdict, "signers": copy.detail}


def _flags() -> dict[str, bool]:
    """Return the ticked boxes of an upload form (``FLAGS``)."""
    return {name: request.form.get(name) == "yes" for name in FLAGS}


def _digitisation(session, documents) -> dict:
    """What the pages show of the documents' scans and certified copies (filing.scan_checks, certified_copies)."""
    return dict(
        scan_checked=scan_checks.of_versions(
            session, [version.id for document in documents for version in document.versions]
        ),
        scan_problems=scan_checks.problems_of,
        certified=certified_copies.of_documents(session, [document.id for document in documents]),
        certified_reason=certified_reason,
    )


@cache
def required_fields(kind: str) -> frozenset[str]:
    """Return the fields the schema of ``kind`` requires (asked of the validator, not copied here)."""
    return frozenset(
        problem.field for problem in metadata.validate(kind, {}) if problem.template == metadata.MESSAGES["required"]
    )


# ---------------------------------------------------------------- opening


@bp.route("/open/<int:entry_id>", methods=("GET", "POST"))
@login_required
def open_from_entry(entry_id: int):
    """Open the dossier planned by a list entry ("Mở hồ sơ"): its form, pre-filled from the entry."""
    if request.method == "GET":
        return render_open(entry_id)
    form = {key: request.form.get(key, "") for key in OPEN_FIELDS}
    extra = supplementary_forms.sent()
    on_invalid(lambda errors: render_open(entry_id, errors, {**form, **extra}, status=422))
    with transaction() as session:
        dossier = dossiers.open_dossier(
            session, current_actor(), entry_id, {**metadata.coerce("dossier", form), **extra}, now=utcnow()
        )
        dossier_id = dossier.id
    flash(_("The dossier is open. Add its documents below."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


def render_open(entry_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    """Render the form opening the entry's dossier; ``errors`` and ``values`` are those of a refused attempt (whose
    refusal, such as a dossier opened meanwhile, is shown above the form)."""
    with transaction(read_only=True) as session:
        now, actor = utcnow(), current_actor()
        if errors:
            entry = dossiers.entry_for_opening(session, actor, entry_id)
        else:
            entry = dossiers.openable_entry(session, actor, entry_id, now=now)
        today = local_date(now)
        # The start date proposed is today, within the list's year only: a past year's entry has none.
        start = today.isoformat() if entry.dossier_list.year == today.year else ""
        extra = supplementary_forms.context(session, entry.dossier_list.organisation_id, RecordKind.DOSSIER, None)
        return render_template(
            "dossiers/open.html",
            **extra,
            entry=entry,
            start_default=start,
            past_year=entry.dossier_list.year < today.year,
            titles=metadata.field_titles("dossier"),
            choices=CHOICES,
            errors=supplementary_forms.errors_shown(errors or {}, extra["extra_fields"]),
            values=values or {},
        ), status


@bp.route("/ad-hoc", methods=("GET", "POST"))
@login_required
def ad_hoc():
    """Add an ad-hoc entry ("hồ sơ phát sinh") to an approved dossier list, for the officer's unit."""
    if request.method == "GET":
        return render_ad_hoc()
    form = {key: request.form.get(key, "").strip() for key in ("list_id", "title", "retention_row_id")}
    on_invalid(lambda errors: render_ad_hoc(errors, form, status=422))
    list_id, row_id = integer(form["list_id"]), integer(form["retention_row_id"])
    require_present({"title": form["title"], "list_id": list_id, "retention_row_id": row_id})
    assert list_id is not None and row_id is not None  # require_present refused a missing one
    with transaction() as session:
        dossier_list.add_ad_hoc_entry(
            session, current_actor(), list_id, title=form["title"], retention_row_id=row_id, now=utcnow()
        )
    flash(_("The ad-hoc dossier was added to the dossier list; your unit head will review it."), "success")
    return redirect(url_for("home.index"))


def render_ad_hoc(errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction(read_only=True) as session:
        lists = dossiers.approved_lists(session, actor)
        # The organisation's active table, and the tables the lists already use (NĐ 30 Điều 28: the list follows
        # the schedule).
        used = schedule.schedules_used_by(session, [item.id for item in lists])
        active = schedule.active_tables(session, organisation_of(actor)) if actor.organisation_ids() else []
        schedules = active + [table for table in used if table not in active]
        list_options = [(item.id, _("Dossier list %(year)s", year=item.year)) for item in lists]
        # A dossier arising now belongs to this year's list, even in December when next year's is already approved.
        this_year = local_date(utcnow()).year
        chosen = next((item.id for item in lists if item.year == this_year), lists[0].id if lists else "")
        return render_template(
            "dossiers/ad_hoc.html",
            lists=lists,
            chosen_list=chosen,
            list_options=list_options,
            schedules=schedules,
            period_label=_period_label,
            errors=errors or {},
            values=values or {},
        ), status


def _removed(session, actor, dossier: Dossier, editable: bool) -> dict:
    """Return the documents taken out of the open dossier, offered back to those who form it, and which of them
    the actor may not read the summary of."""
    removed = removals.removed_from(session, dossier) if editable else []
    unreadable = dossiers.unreadable_content(session, actor, [item.document for item in removed]) if removed else set()
    return {"removed": removed, "removed_unreadable": unreadable}


def _registered_options(entries) -> list[tuple[int, str]]:
    """Label registered documents for a choice: register, number, notation, and the summary unless top secret."""
    options = []
    for entry in entries:
        document = entry.document
        shown = markings.summary_shown_to_all(document.marking)
        notation = "/".join(part for part in (document.code_number, document.code_notation) if part)
        register = _("Incoming") if entry.kind.value == "incoming" else _("Outgoing")
        label = f"{register} {entry.number}/{entry.year} · {notation} · "
        options.append((document.id, label + (document.subject[:80] if shown else "…")))
    return options


def _period_label(row) -> str:
    return clock.Period(row.permanent, row.period_years, row.condition).label()


# ---------------------------------------------------------------- the dossier page


@bp.get("/<int:dossier_id>")
@login_required
@writes
def show(dossier_id: int):
    """Show a dossier: metadata, documents, the closing checklist and what can be done next (the view is audited)."""
    page = render_dossier(
        dossier_id, page=request.args.get("page", type=int), showing=request.args.get("document", type=int)
    )
    # Only once the page was allowed, and in a short write of its own (the page was read without the write lock).
    with transaction() as session:
        access_statistics.dossier_viewed(session, current_actor(), dossier_id, now=utcnow())
    return page


def render_dossier(
    dossier_id: int,
    errors: dict | None = None,
    values: dict | None = None,
    section: str | None = None,
    document_id: int | None = None,
    status: int = 200,
    page: int | None = None,
    showing: int | None = None,
):
    """Render the dossier page; ``errors``/``values`` belong to the form named by ``section``. Its documents are
    listed DOCUMENTS_PER_PAGE at a time: ``page`` of them, or the page listing document ``showing`` (or the one whose
    form was sent back)."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = dossiers.get_dossier(session, actor, dossier_id)
        listed = _listed(dossier, page, showing or document_id)
        shown = [link.document for link in listed.items]
        editable = permissions.can(actor, "dossier.edit", dossier.organisation_id, dossier.unit_id)
        is_open = dossier.state is DossierState.OPEN
        extra = supplementary_forms.context(session, dossier.organisation_id, RecordKind.DOSSIER, dossier)
        document_extra = supplementary_forms.context(session, dossier.organisation_id, RecordKind.DOCUMENT, None)
        return render_template(
            "dossiers/show.html",
            dossier=dossier,
            editable=editable and is_open,
            can_reopen=editable and dossier.state is DossierState.CLOSED,
            can_submit=(
                permissions.can(actor, "dossier.submit", dossier.organisation_id, dossier.unit_id)
                and dossier.state is DossierState.CLOSED
            ),
            goes_to_archive=dossiers.period_of(dossier).goes_to_agency_archive(),
            returned=dossiers.returned(session, dossier),
            handover=_handover_panel(actor, dossier, editable),
            content_gone=_(dossiers.CONTENT_GONE[dossier.state]) if dossier.state in dossiers.CONTENT_GONE else "",
            listed=listed,
            content_readable=dossiers.readable_content(session, actor, dossier, shown),
            signed=signature_checks.evidence(session, [version.file for doc in shown for version in doc.versions]),
            signature_words=(SIGNATURE_VERDICTS, SIGNATURE_CHAINS, SIGNATURE_REVOCATION),
            **_digitisation(session, shown),
            retention=dossiers.period_of(dossier).label(),
            placement=holdings_storage.placement_of(session, dossier.id),
            seal=_seal(session, dossier),
            can_digitise=(
                permissions.can_org_wide(actor, "records.digitise", dossier.organisation_id)
                and dossier.state is DossierState.ARCHIVED
                and dossier.medium is not Medium.ELECTRONIC
            ),
            placement_words=place_words,
            problems=dossiers.closing_problems(dossier, today=dossiers.local_date(utcnow())) if is_open else [],
            **_removed(session, actor, dossier, editable and is_open),
            summary_visible=lambda document: markings.summary_shown_to_all(document.marking),
            suggested=_suggested(session, actor, shown) if editable and is_open else {},
            being_read=suggestions.being_read(session, [link.document for link in dossier.links])
            if editable and is_open
            else 0,
            dossier_titles=metadata.field_titles("dossier"),
            dossier_fields=DOSSIER_FIELDS,
            document_fields=OFFERED_DOCUMENT_FIELDS,
            required_dossier=required_fields("dossier"),
            **extra,
            document_extra=document_extra,
            **_document_form(session, dossier.organisation_id),
            max_upload_mb=int(setting("MAX_CONTENT_LENGTH")) // (1024 * 1024),
            batch_fields=OFFERED_BATCH_FIELDS,
            registered=dossiers.registered_documents(session, actor, dossier) if editable and is_open else [],
            registered_options=_registered_options,
            errors=on_offered(
                errors or {},
                {
                    *OFFERED_DOCUMENT_FIELDS,
                    *DOSSIER_FIELDS,
                    # Both forms name their own fields "supplementary.<name>" and offer their kind's only: a value
                    # sent for a field the form does not offer is said at the top of the form it came in.
                    *supplementary_forms.names(extra["extra_fields"] if section == "edit" else []),
                    *supplementary_forms.names(document_extra["extra_fields"] if section == "document" else []),
                    *HANDOVER_FIELDS,
                    "file",
                    "files",
                    *FLAGS,
                    "reason",
                    "document_id",
                    "documents",
                    "subject",
                    "issued_date",
                    "page_amount",
                },
            ),
            values=values or {},
            section=section,
            failed_document=document_id,
        ), status


# A page of a dossier lists this many of its documents (erms/web/paging.py says why).
DOCUMENTS_PER_PAGE = 50


def _listed(dossier: Dossier, page: int | None, showing: int | None) -> paging.Slice:
    """Return the page of the dossier's documents to list: ``page``, or the one listing document ``showing``."""
    filed = [link.document_id for link in dossier.links]
    holding = filed.index(showing) if showing in filed else None
    return paging.slice_of(dossier.links, DOCUMENTS_PER_PAGE, page, holding)


def _kept_first(dossier_id: int, documents: list[dict], uploads: list) -> list:
    """Keep the files' bytes in the store before the save's transaction takes the write lock (``dossiers.capture``),
    once what the save checks first holds (``dossiers.files_kept_first``): bad input still stores nothing."""
    with transaction(read_only=True) as session:
        allowed = dossiers.files_kept_first(session, current_actor(), dossier_id, documents)
    return [dossiers.capture(upload, store()) for upload in uploads] if allowed else uploads


def _seal(session, dossier) -> dict | None:
    """Return what the page says of the dossier's metadata seal: when it was sealed and last checked, its digest, and
    what differs from it now (None while it is open, or for a dossier closed before seals that was not checked)."""
    kept = session.get(MetadataSeal, dossier.id)
    if kept is None or dossier.state is DossierState.OPEN:
        return None
    return {"kept": kept, "changes": metadata_seal.described(metadata_seal.changes(kept, dossier))}


def _handover_panel(actor, dossier, editable: bool) -> dict | None:
    """Return what the hand-over deadline panel shows of a dossier due at the agency archive, None for others."""
    if not dossiers.period_of(dossier).goes_to_agency_archive() or dossier.state not in (
        DossierState.OPEN,
        DossierState.CLOSED,
    ):
        return None
    closed = dossier.state is DossierState.CLOSED
    return {
        "due": dossiers.due_on(dossier) if closed else None,
        "kept": keep_backs.active(dossier, local_date(utcnow())),
        "can_settle": editable,
        "can_ask": closed and permissions.can(actor, "dossier.submit", dossier.organisation_id, dossier.unit_id),
        "can_decide": permissions.can(actor, "keep_back.decide", dossier.organisation_id),
    }


@bp.post("/<int:dossier_id>/edit")
@login_required
def edit(dossier_id: int):
    """Change the metadata of an open dossier."""
    # Only the fields the request carries change: one left blank is cleared, one the form did not send keeps its value.
    form = {key: request.form[key] for key in DOSSIER_FIELDS if key in request.form}
    extra = supplementary_forms.sent()
    shown = changed_by_person({**form, **extra})
    on_invalid(lambda errors: render_dossier(dossier_id, errors, shown, section="edit", status=422))
    data = {**metadata.coerce("dossier", form), **extra}
    seen = integer(request.form.get("revision", ""))
    with transaction() as session:
        dossiers.update_dossier(
            session, current_actor(), dossier_id, data, now=utcnow(), seen_revision=seen, fields=form.keys()
        )
    flash(_("The dossier metadata was saved."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


# ---------------------------------------------------------------- documents


@bp.post("/<int:dossier_id>/documents")
@login_required
def add_document(dossier_id: int):
    """Register a document with its metadata and file (streamed into the store, never held in memory)."""
    form = {key: request.form.get(key, "") for key in DOCUMENT_FIELDS}
    extra, flags = supplementary_forms.sent(), _flags()
    on_invalid(
        lambda errors: render_dossier(dossier_id, errors, {**form, **extra, **flags}, section="document", status=422)
    )
    data = {**metadata.coerce("document", form), **extra}
    upload = upload_from_request()
    kept = _kept_first(dossier_id, [data], [upload]) if upload else [None]
    with transaction() as session:
        added = dossiers.add_document(
            session,
            current_actor(),
            dossier_id,
            data,
            kept[0],
            store=store(),
            now=utcnow(),
            **flags,
        )
        document_id = added.id
        held = dossiers.files_held_already(session, dossier_id, [document_id])
    flash(_("The document was added to the dossier."), "success")
    _say_held(held)
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor="documents"))


@bp.post("/<int:dossier_id>/digitise")
@login_required
def digitise(dossier_id: int):
    """The archive adds its scan of a paper dossier it holds; the dossier becomes hybrid."""
    form = {key: request.form.get(key, "") for key in ("subject", "issued_date", "page_amount")}
    accept = request.form.get("accept_warnings") == "yes"
    values = {**form, "accept_warnings": accept}
    on_invalid(lambda errors: render_dossier(dossier_id, errors, values, section="digitise", status=422))
    with transaction() as session:
        scan = digitisation.digitise(
            session, current_actor(), dossier_id, form, upload_from_request(), store=store(), now=utcnow(),
            accept_warnings=accept,
        )  # fmt: skip
        document_id = scan.id
    flash(_("The scan was added: the dossier is now paper and electronic."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor="documents"))


@bp.post("/<int:dossier_id>/documents/batch")
@login_required
def add_documents(dossier_id: int):
    """Add several files at once with shared metadata (drag and drop or the file picker)."""
    form = {key: request.form.get(key, "") for key in BATCH_FIELDS}
    scan = _flags()["scan"]
    on_invalid(lambda errors: render_dossier(dossier_id, errors, {**form, "scan": scan}, section="batch", status=422))
    data, uploads = metadata.coerce("document", form), uploads_from_request("files")
    uploads = _kept_first(dossier_id, [dossiers.batch_document(data, upload) for upload in uploads], uploads)
    with transaction() as session:
        added = dossiers.add_documents(
            session,
            current_actor(),
            dossier_id,
            data,
            uploads,
            store=store(),
            now=utcnow(),
            scan=scan,
        )
        count, first = len(added), added[0].id
        held = dossiers.files_held_already(session, dossier_id, [document.id for document in added])
    # The worker reads the files' first pages seconds later (filing.suggestions): the page says when it has.
    flash(_("%(count)s documents were added to the dossier.", count=count), "success")
    _say_held(held)
    return redirect(url_for(".show", dossier_id=dossier_id, document=first, _anchor="documents"))


def _say_held(held: list) -> None:
    """Warn of each file just added that the dossier already held (a file picked twice, a batch sent again)."""
    for problem in held:
        flash(
            _(
                "%(problem)s Take out the one too many before closing.",
                problem=translate(problem.template, problem.params),
            ),
            "warn",
        )


@bp.post("/<int:dossier_id>/link")
@login_required
def link_document(dossier_id: int):
    """File a registered document into this dossier by reference (PL6 III.4.e: no copy)."""
    document_id = integer(request.form.get("document_id", ""))
    on_invalid(lambda errors: render_dossier(dossier_id, errors, section="link", status=422))
    require_present({"document_id": document_id})
    assert document_id is not None  # require_present refused a missing one
    with transaction() as session:
        dossiers.link_document(session, current_actor(), dossier_id, document_id, now=utcnow())
    flash(_("The registered document was filed in this dossier."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor="documents"))


@bp.route("/<int:dossier_id>/documents/<int:document_id>/edit", methods=("GET", "POST"))
@login_required
@writes
def edit_document(dossier_id: int, document_id: int):
    """Correct a document's metadata, e.g. the summary a multi-file upload took from the file name (the document's
    page: a view is audited)."""
    if request.method == "GET":
        page = render_document_form(dossier_id, document_id)
        with transaction() as session:
            access_statistics.document_viewed(session, current_actor(), dossier_id, document_id, now=utcnow())
        return page
    # Only the fields the request carries change: a field the form did not send keeps its value.
    form = {key: request.form[key] for key in DOCUMENT_FIELDS if key != "status" and key in request.form}
    extra = supplementary_forms.sent()
    certified = _flags()["certified_copy"]
    on_invalid(
        lambda errors: render_document_form(
            dossier_id, document_id, errors, {**changed_by_person({**form, **extra}), "certified_copy": certified}, 422
        ),
        back=url_for(".show", dossier_id=dossier_id, document=document_id, _anchor=f"document-{document_id}"),
    )
    with transaction() as session:
        dossiers.update_document(
            session,
            current_actor(),
            dossier_id,
            document_id,
            {**metadata.coerce("document", form), **extra},
            fields=form.keys(),
            now=utcnow(),
            seen_revision=integer(request.form.get("revision", "")),
            certified_copy=certified,
        )
    flash(_("The document metadata was saved."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor=f"document-{document_id}"))


def render_document_form(
    dossier_id: int, document_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200
):
    with transaction(read_only=True) as session:
        document = dossiers.document_to_edit(session, current_actor(), dossier_id, document_id)
        shown = markings.summary_shown_to_all(document.marking)
        fixed = dossiers.fixed_fields(session, document)
        hidden = () if shown else ("subject", *markings.WITH_SUMMARY)
        fields = [name for name in DOCUMENT_FIELDS if name != "status" and name not in fixed and name not in hidden]
        current = dossiers.document_values(document)
        # A tuyệt mật document's supplementary values are withheld and kept as they are, as its summary.
        extra = supplementary_forms.context(
            session, document.organisation_id, RecordKind.DOCUMENT, document if shown else None, offered=shown
        )
        return render_template(
            "dossiers/edit_document.html",
            **extra,
            dossier=dossiers.get_dossier(session, current_actor(), dossier_id),
            document=document,
            fields=fields,
            summary_shown=shown,
            errors=on_offered(
                errors or {}, [*fields, *supplementary_forms.names(extra["extra_fields"]), "certified_copy"]
            ),
            fixed=[(name, current.get(name, ""), reason) for name, reason in fixed.items()],
            suggested=_suggested(session, current_actor(), [document]),
            values={**current, **extra["extra_values"], **(values or {})},
            shown_values={**current, **extra["extra_values"]},
            **_digitisation(session, [document]),
            **_document_form(session, document.organisation_id),
        ), status


@bp.get("/<int:dossier_id>/being-read")
@login_required
def being_read(dossier_id: int):
    """Say how many of the dossier's new files the worker has yet to read (the dossier page asks every few seconds)."""
    with transaction(read_only=True) as session:
        dossier = dossiers.get_dossier(session, current_actor(), dossier_id)
        return jsonify(pending=suggestions.being_read(session, [link.document for link in dossier.links]))


@bp.post("/<int:dossier_id>/documents/<int:document_id>/suggestion")
@login_required
def apply_suggestion(dossier_id: int, document_id: int):
    """Fill a document's blank fields with what its file states (``filing.suggestions``), then show them to check."""
    with transaction() as session:
        suggestions.apply(
            session,
            current_actor(),
            dossier_id,
            document_id,
            seen_revision=integer(request.form.get("revision", "")),
            now=utcnow(),
        )
    flash(
        _("The information from the file was filled in: check it against the document and correct it if needed."),
        "success",
    )
    return redirect(url_for(".edit_document", dossier_id=dossier_id, document_id=document_id))


def _suggested(session, actor, documents) -> dict[int, str]:
    """Return, per document whose content the actor reads, what its file states for its blank fields, in words."""
    unreadable = dossiers.unreadable_content(session, actor, documents)
    offered = {document.id: suggestions.offered(document) for document in documents if document.id not in unreadable}
    return {document_id: suggestion_words(fields) for document_id, fields in offered.items() if fields}


def suggestion_words(fields: dict[str, str]) -> str:
    """Say what a file states as a register line reads, then its page count: "Số 15/QĐ-UBND, ngày 05/01/2026,
    Quyết định: Về việc …, 3 trang"."""
    code = "/".join(fields[name] for name in ("code_number", "code_notation") if name in fields)
    about = ": ".join(fields[name] for name in ("type_name", "subject") if name in fields)
    parts = [
        _("No. %(code)s", code=code) if code else "",
        _("dated %(day)s", day=metadata.day_shown(fields["issued_date"])) if "issued_date" in fields else "",
        about,
        fields.get("organ_name", ""),
        _("signed by %(name)s", name=fields["signer_name"]) if "signer_name" in fields else "",
        ngettext("%(num)s page", "%(num)s pages", int(fields["page_amount"])) if "page_amount" in fields else "",
    ]
    return ", ".join(part for part in parts if part)


def _document_form(session, organisation_id: int) -> dict:
    """What the document inputs (dossiers/_document_fields.html) need to render, with the organisation's lists."""
    return dict(
        document_titles=metadata.field_titles("document"),
        date_fields=DATE_FIELDS,
        number_fields=NUMBER_FIELDS,
        long_fields=LONG_FIELDS,
        choices=CHOICES,
        document_types=lookups.offered(session, organisation_id, LookupKind.DOCUMENT_TYPE),
        issuers=lookups.offered(session, organisation_id, LookupKind.ISSUER),
        required_document=required_fields("document"),
    )


@bp.post("/<int:dossier_id>/documents/<int:document_id>/versions")
@login_required
def add_version(dossier_id: int, document_id: int):
    """Add a new version of a draft document ("dự thảo lần 2 …")."""
    on_invalid(
        lambda errors: render_dossier(dossier_id, errors, section="version", document_id=document_id, status=422)
    )
    upload = upload_from_request()
    if upload is None:
        raise InvalidMetadata([Problem("file", N_("Choose the file of the document."))])
    with transaction() as session:
        dossiers.add_version(session, current_actor(), dossier_id, document_id, upload, store=store(), now=utcnow())
    flash(_("The new version was added."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor=f"document-{document_id}"))


@bp.post("/<int:dossier_id>/documents/<int:document_id>/finalise")
@login_required
def finalise(dossier_id: int, document_id: int):
    """Mark a draft document final."""
    with transaction() as session:
        dossiers.finalise_document(session, current_actor(), dossier_id, document_id, now=utcnow())
    flash(_("The document is now final."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id, document=document_id, _anchor=f"document-{document_id}"))


# ---------------------------------------------------------------- closing, reopening, submitting


@bp.get("/<int:dossier_id>/close")
@login_required
def close_wizard(dossier_id: int):
    """Walk through closing: the checklist with links to fix each item, the index preview, the confirmation."""
    return render_wizard(dossier_id)


def render_wizard(dossier_id: int, errors: dict | None = None, status: int = 200, values: dict | None = None):
    """The closing page; ``errors`` and ``values``: a form of it sent back (the confirmation, a field to fill)."""
    with transaction() as session:
        dossier = dossiers.get_dossier(session, current_actor(), dossier_id)
        ordered = sorted(dossier.links, key=lambda link: (link.document.issued_date, link.ordinal))
        counted = page_counts.counted(dossier)
        is_open = dossier.state is DossierState.OPEN
        blank = blank_fields.missing(session, dossier) if is_open else []
        fillable = [item.field for item in blank]
        return render_template(
            "dossiers/close.html",
            counted=", ".join(str(number) for number, link in enumerate(ordered, 1) if link.document_id in counted),
            dossier=dossier,
            withheld=dossiers.withheld_summaries(session, current_actor(), dossier),
            problems=dossiers.closing_problems(dossier, today=dossiers.local_date(utcnow())),
            ordered=ordered,
            dates=dossiers.closing_dates(dossier),
            seen=dossiers.documents_seen(dossier),
            fix_anchor=FIX_ANCHORS,
            filed={link.ordinal: link.document_id for link in dossier.links},
            blank=blank,
            blank_options=supplementary_forms.options(fillable),
            errors=on_offered(errors or {}, ["confirm", *supplementary_forms.names(fillable)]),
            values=values or {},
            is_open=is_open,
            # A reader sees the checklist and the index; the confirmation and the fill-in are for those who close.
            may_close=permissions.can(current_actor(), "dossier.edit", dossier.organisation_id, dossier.unit_id),
        ), status


@bp.post("/<int:dossier_id>/close/fill")
@login_required
def fill_blank(dossier_id: int):
    """Fill one of the organisation's required fields in every document of the dossier that leaves it empty (the
    closing page's checklist), so the officer types it once instead of editing each document."""
    name = request.form.get("field", "")
    key = supplementary.PREFIX + name  # the field's own input, named as in a document's form
    text = request.form.get(key, "")
    on_invalid(lambda errors: render_wizard(dossier_id, errors, status=422, values={key: text}))
    with transaction() as session:
        filled = blank_fields.fill_missing(session, current_actor(), dossier_id, name, text, now=utcnow())
        label, count = filled.field.label, filled.count
    flash(_("Filled in «%(label)s» for %(count)s documents.", label=label, count=count), "success")
    return redirect(url_for(".close_wizard", dossier_id=dossier_id))  # the top, where the flash says what was filled


@bp.get("/<int:dossier_id>/index-preview.pdf")
@login_required
def preview_index(dossier_id: int):
    """Show the document index the dossier would get if closed now (nothing is stored)."""
    with transaction() as session:
        pdf = dossiers.preview_index(session, current_actor(), dossier_id, now=utcnow(), font=setting("PDF_FONT"))
    return Response(pdf, mimetype="application/pdf", headers={"Cache-Control": "private, no-store"})


@bp.post("/<int:dossier_id>/close")
@login_required
def close(dossier_id: int):
    """Close the dossier ("kết thúc hồ sơ") after the user confirmed; the index PDF is made."""
    with transaction(read_only=True) as session:  # one who may not close it is refused, confirmed or not
        dossiers.editable(session, current_actor(), dossier_id, with_documents=False)
    if request.form.get("confirm") != "yes":
        return render_wizard(dossier_id, {"confirm": [_("This field is required.")]}, status=422)
    now, font = utcnow(), setting("PDF_FONT")
    with transaction(read_only=True) as session:
        prepared = dossiers.prepare_close(session, current_actor(), dossier_id, now=now, font=font)
    with transaction() as session:
        dossiers.close_dossier(
            session,
            current_actor(),
            dossier_id,
            store=store(),
            now=now,
            font=font,
            prepared=prepared,
            shown_dates=_shown_dates(session, dossier_id),
            shown_documents=request.form.get("documents"),
        )
    flash(_("The dossier is closed and its document index was made."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


def _shown_dates(session, dossier_id: int) -> tuple:
    """The dates the closing page showed ("start/end", ISO); a form without them saw the dossier's own dates."""
    start, _sep, end = request.form.get("dates", "").partition("/")
    shown = (metadata.parse_day(start), metadata.parse_day(end))
    if None not in shown:
        return shown
    dossier = dossiers.get_dossier(session, current_actor(), dossier_id)
    return dossier.start_date, dossier.end_date


@bp.post("/<int:dossier_id>/reopen")
@login_required
def reopen(dossier_id: int):
    """Reopen a closed dossier; the reason is required and recorded."""
    reason = request.form.get("reason", "")
    on_invalid(lambda errors: render_dossier(dossier_id, errors, {"reason": reason}, section="reopen", status=422))
    with transaction() as session:
        dossiers.reopen_dossier(session, current_actor(), dossier_id, reason, now=utcnow())
    flash(_("The dossier is open again."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


# ---------------------------------------------------------------- downloads


@bp.get("/<int:dossier_id>/versions/<int:version_id>")
@login_required
@writes
def download_version(dossier_id: int, version_id: int):
    """Download one version of a document, as an attachment (the download is audited)."""
    with transaction() as session:
        stream, version = dossiers.open_version(
            session, current_actor(), dossier_id, version_id, store=store(), now=utcnow()
        )
        name, media_type = version.filename, version.file.media_type
    return attachment(stream, name, media_type)


@bp.get("/<int:dossier_id>/versions/<int:version_id>/preservation-copy.pdf")
@login_required
@writes
def download_copy(dossier_id: int, version_id: int):
    """Download a version's PDF/A preservation copy, as an attachment, for whoever downloads the file (audited)."""
    with transaction() as session:
        stream, version = preservation.open_copy(
            session, current_actor(), dossier_id, version_id, store=store(), now=utcnow()
        )
        name = preservation.copy_name(version.filename)
    return attachment(stream, name, "application/pdf")


@bp.get("/<int:dossier_id>/dossier.pdf")
@login_required
@writes
def download_whole(dossier_id: int):
    """Download the whole dossier as one PDF: its metadata, its index, every document in date order (audited)."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        made = whole_pdf.export(session, actor, dossier_id, store=store(), now=utcnow(), font=setting("PDF_FONT"))
        name = f"Hồ sơ {dossiers.get_dossier(session, actor, dossier_id, with_documents=False).file_code}.pdf"
    with transaction() as session:
        whole_pdf.record(session, actor, dossier_id, made, now=utcnow())
    return attachment(made.pdf, name, "application/pdf")


@bp.get("/<int:dossier_id>/index.pdf")
@login_required
@writes
def download_index(dossier_id: int):
    """Download the dossier's document index ("mục lục văn bản") PDF (the download is audited)."""
    with transaction() as session:
        dossier = dossiers.get_dossier(session, current_actor(), dossier_id)
        name = f"Mục lục văn bản {dossier.file_code}.pdf"
        stream = dossiers.open_index(
            session, current_actor(), dossier_id, store=store(), now=utcnow(), font=setting("PDF_FONT")
        )
    return attachment(stream, name, "application/pdf")
