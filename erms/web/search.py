"""The search pages: the box on every page, the advanced search with facets and chosen columns,
saved searches and the export of results to DOCX and PDF (NĐ 30/2020 Phụ lục VI III.6).

What a user may see is decided by ``erms.search`` (rights are part of the query); this module
only parses the form, calls it and formats the answer.
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

import docx
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from erms import metadata, search
from erms.auth import current_actor, login_required
from erms.errors import N_, InvalidMetadata, Problem
from erms.models.dossier import DossierState
from erms.web.common import integer, local_date, setting, state_label, transaction, utcnow
from exports import rtf
from exports.pdf import ProductPDF, table
from filing import dossiers, registers, saved_searches

bp = Blueprint("search", __name__, url_prefix="/search")

# Result columns a user can choose (PL6 III.6.đ), in display order, with the default set.
COLUMNS = {
    "code": _l("Number, symbol or code"),
    "title": _l("Title or summary"),
    "date": _l("Date of the record"),
    "type": _l("Document type"),
    "unit": _l("Unit"),
    "people": _l("Issuer, signer and recipients"),
    "state": _l("State"),
    "retention": _l("Retention period"),
}
DEFAULT_COLUMNS = ("code", "title", "date", "type", "unit")
FACET_LABELS = {
    "kind": _l("Kind of record"),
    "year": _l("Year of the record"),
    "unit": _l("Unit"),
    "type": _l("Document type"),
    "state": _l("State"),
    "retention": _l("Retention period"),
    "signature": _l("Digital signature"),
}
# A document's signature facet (its file's latest check, erms.search_index.records.signature_of), in the order offered.
SIGNATURE_LABELS = {
    "valid": _l("Digital signature valid"),
    "invalid": _l("Digital signature not valid"),
    "modified": _l("Changed after signing"),
    "revoked": _l("Signer's certificate revoked"),
    "expired": _l("Signer's certificate expired"),
    "untrusted": _l("Certification authority not trusted"),
    "indeterminate": _l("Signature could not be checked"),
    "not_checked": _l("Signature check could not run"),
    "pending": _l("Signature being checked"),
}
KNOWN_STATES = {state.value for state in DossierState}
SORT_LABELS = {"relevance": _l("Relevance"), "newest": _l("Newest first"), "oldest": _l("Oldest first")}
KIND_LABELS = {"dossier": _l("Dossier"), "document": _l("Document (record kind)")}
# Names of the form fields, for problems shown above the form.
COLUMN_NAMES = {
    "year": _l("Year of the record"),
    "date_from": _l("Dated from"),
    "date_to": _l("Dated until"),
    "page": _l("Page number"),
}
# The filters folded under "Advanced filters" (and the facets' state and retention): the fold opens when one is set,
# so a filtered search shows what filters it.
ADVANCED_FILTERS = ("kind", "year", "type", "unit", "signature", "date_from", "date_to", "state", "retention")
# Most results an export holds: the list is for reading and printing, not a data dump.
EXPORT_LIMIT = 1000


def parse(args) -> tuple[search.Search, list[Problem]]:
    """Return the search the form asks for and every problem with its fields."""
    problems: list[Problem] = []

    def number(name: str) -> int | None:
        raw, value = args.get(name, "").strip(), integer(args.get(name, ""))
        if raw and value is None:
            problems.append(Problem(name, N_("Enter a whole number.")))
        return value

    def day(name: str) -> date | None:
        raw = args.get(name, "").strip()
        day = metadata.parse_day(raw)
        if raw and day is None:
            problems.append(Problem(name, metadata.MESSAGES["format"]))
        return day

    sort = args.get("sort", "relevance")
    wanted = search.Search(
        text=args.get("q", ""),
        kind=args.get("kind", ""),
        year=number("year"),
        unit=args.get("unit", ""),
        type=args.get("type", ""),
        state=args.get("state", ""),
        retention=args.get("retention", ""),
        signature=args.get("signature", ""),
        date_from=day("date_from"),
        date_to=day("date_to"),
        sort=sort if sort in search.SORTS else "relevance",
        page=number("page") or 1,
    )
    if wanted.date_from and wanted.date_to and wanted.date_to < wanted.date_from:
        problems.append(Problem("date_to", N_("The end date is before the start date.")))
    return wanted, problems


def chosen_columns(args) -> list[str]:
    return [name for name in COLUMNS if name in args.getlist("col")] or list(DEFAULT_COLUMNS)


def cell(hit: search.Hit, column: str) -> str:
    """Return the text of one result column, as people read it."""
    stored = hit.fields
    if column == "date":
        return local_date(stored["date"].date())
    if column == "state":
        return ", ".join(state_label(value) for value in stored["state"].split())
    if column == "retention":
        return _retention(stored["retention"])
    if column == "type":
        return stored["type"] or str(KIND_LABELS[hit.kind])
    if column == "title":
        return stored["title"] or _("(summary withheld)")
    return stored[column]


def _retention(value: str) -> str:
    if not value:
        return ""  # a registered document filed in no dossier has no retention period yet
    if value == "permanent":
        return _("Kept permanently")
    return _("Until an event") if value == "conditional" else _("Kept %(years)s years", years=value)


def facet_label(name: str, value: str) -> str:
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "state":  # a filter in a typed or old URL may name no state: shown as it was given
        return state_label(value) if value in KNOWN_STATES else value
    if name == "signature":
        return str(SIGNATURE_LABELS.get(value, value))
    return _retention(value) if name == "retention" else value


def targets(session, hits: list[search.Hit]) -> dict[tuple[str, int], str]:
    """Return where each result links to: its dossier's page, or for a registered document filed in no dossier its
    register line's page (readable by exactly those the index lets find it). A line gone since is not linked."""
    lines = registers.line_ids(session, [hit.record_id for hit in hits if not hit.dossier_id])
    # The index links a document to its first dossier; one filed in another unit's too links to the reader's own.
    places = dossiers.first_readable_dossiers(session, current_actor(), search.filed_documents(hits))
    filed = {(hit.kind, hit.record_id): _in_dossier(hit, places) for hit in hits if hit.dossier_id}
    return filed | {
        ("document", document): url_for("registers.entry", entry_id=line) for document, line in lines.items()
    }


def _in_dossier(hit: search.Hit, places: dict[int, int]) -> str:
    """A dossier found links to its page; a document in one to its row, on the page of a dossier listing it that the
    reader reads (``places``)."""
    if hit.kind != "document":
        return url_for("dossiers.show", dossier_id=hit.dossier_id)
    dossier_id = places.get(hit.record_id, hit.dossier_id)
    return url_for("dossiers.show", dossier_id=dossier_id, document=hit.record_id, _anchor=f"document-{hit.record_id}")


def link_with(**changes) -> str:
    """Return this search's URL with some parameters changed (a facet chosen, another page)."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)  # a new filter starts again from the first page
    args.update({key: [str(value)] for key, value in changes.items()})
    return url_for("search.index") + "?" + urlencode(args, doseq=True)


@bp.get("/")
@login_required
def index():
    """The advanced search page; the box in the header sends its words here."""
    wanted, problems = parse(request.args)
    actor = current_actor()
    searched = bool(request.args) and not problems
    with transaction() as session:
        results = search.query(session, actor, wanted) if searched else None
        saved = saved_searches.mine(session, actor)
        links = targets(session, results.hits) if results else {}
    for problem in problems:
        flash(f"{COLUMN_NAMES.get(problem.field, problem.field)}: {_(problem.template)}", "error")
    return render_template(
        "search/index.html",
        wanted=wanted,
        results=results,
        saved=saved,
        columns=COLUMNS,
        chosen=chosen_columns(request.args),
        filtered=any(request.args.get(name, "").strip() for name in ADVANCED_FILTERS),
        facet_labels=FACET_LABELS,
        signatures=SIGNATURE_LABELS,
        sorts=SORT_LABELS,
        cell=cell,
        facet_label=facet_label,
        link_with=link_with,
        link=lambda hit: links.get((hit.kind, hit.record_id)),
        query_string=request.query_string.decode(),
        snippet=lambda hit: Markup(hit.snippet),  # built by Whoosh's HtmlFormatter, which escapes the text
    ), 400 if problems else 200


@bp.post("/saved")
@login_required
def save():
    """Save the search the user just ran under a name."""
    name, query_string = request.form.get("name", ""), request.form.get("query", "")
    with transaction() as session:
        saved_searches.save(session, current_actor(), name, query_string, now=utcnow())
    flash(_("Search saved as “%(name)s”.", name=name.strip()), "success")
    return redirect(url_for("search.index") + "?" + query_string)


@bp.post("/saved/<int:saved_id>/delete")
@login_required
def delete(saved_id: int):
    with transaction() as session:
        saved_searches.delete(session, current_actor(), saved_id, now=utcnow())
    flash(_("Saved search deleted."), "success")
    return redirect(url_for("search.index"))


def _export_rows() -> tuple[list[str], list[list[str]]]:
    wanted, problems = parse(request.args)
    if problems:
        raise InvalidMetadata(problems)
    columns = chosen_columns(request.args)
    wanted = search.Search(**{**wanted.__dict__, "page": 1, "per_page": EXPORT_LIMIT})
    with transaction() as session:
        hits = search.query(session, current_actor(), wanted).hits
    return [str(COLUMNS[name]) for name in columns], [[cell(hit, name) for name in columns] for hit in hits]


@bp.get("/export.docx")
@login_required
def export_docx():
    """The results as a Word table (PL6 III.6.h)."""
    headings, rows = _export_rows()
    document = docx.Document()
    document.add_heading(_("Search results"), level=1)
    document.add_paragraph(_("Printed from ERMS on %(date)s", date=local_date(utcnow(), with_time=True)))
    grid = document.add_table(rows=1, cols=len(headings))
    grid.style = "Table Grid"
    for target, text in zip(grid.rows[0].cells, headings, strict=True):
        target.text = text
    for values in rows:
        for target, text in zip(grid.add_row().cells, values, strict=True):
            target.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name="ket-qua-tim-kiem.docx",
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@bp.get("/export.doc")
@login_required
def export_doc():
    """The results as a .doc table (PL6 III.6.h): RTF, which Word opens as a document (exports/rtf.py)."""
    headings, rows = _export_rows()
    printed = _("Printed from ERMS on %(date)s", date=local_date(utcnow(), with_time=True))
    return send_file(
        io.BytesIO(rtf.table_document(_("Search results"), printed, headings, rows)),
        as_attachment=True,
        download_name="ket-qua-tim-kiem.doc",
        mimetype="application/msword",
    )


@bp.get("/export.pdf")
@login_required
def export_pdf():
    """The results as a printable table, with the printed-from-system mark (PL6 III.6.h, k)."""
    headings, rows = _export_rows()
    pdf = ProductPDF(utcnow(), _("Search results"), landscape=True, font=setting("PDF_FONT"))
    pdf.add_page()
    pdf.cell(0, 8, _("Search results"), new_x="LMARGIN", new_y="NEXT")
    table(pdf, headings, [257 / len(headings)] * len(headings), rows)
    return send_file(
        io.BytesIO(bytes(pdf.output())),
        as_attachment=True,
        download_name="ket-qua-tim-kiem.pdf",
        mimetype="application/pdf",
    )
