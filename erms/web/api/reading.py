"""The API's reading routes besides dossiers: who the token acts for, the dossier lists (danh mục hồ sơ) and their
entries, the supplementary metadata fields, and search."""

from __future__ import annotations

import dataclasses

from flask import jsonify, request

from classification import dossier_list
from erms import search, supplementary
from erms.models import RecordKind
from erms.web import search as search_page
from erms.web.api import base, shapes
from erms.web.api.spec import PAGE, Parameter, operation
from erms.web.common import transaction
from filing import dossiers

WORDS = Parameter("q", "query", {"type": "string", "maxLength": 500}, "Words; a phrase in quotes; marks optional.")
LONGEST_FILTER = 200
TEXT_FILTER = {"type": "string", "maxLength": LONGEST_FILTER}
TEXT_FILTERS = ("kind", "unit", "type", "state", "retention", "signature")
# The search page's filters, read as the page reads them (erms.web.search.parse): the facets a result answers with
# are the values they take.
FILTERS = (
    Parameter("kind", "query", TEXT_FILTER, "Only dossiers or only documents (a value of the `kind` facet)."),
    Parameter("year", "query", {"type": "integer"}, "Only records of this year (the `year` facet)."),
    Parameter("unit", "query", TEXT_FILTER, "Only records of this unit (a value of the `unit` facet)."),
    Parameter("type", "query", TEXT_FILTER, "Only documents of this type (a value of the `type` facet)."),
    Parameter("state", "query", TEXT_FILTER, "Only dossiers in this state (a value of the `state` facet)."),
    Parameter("retention", "query", TEXT_FILTER, "Only records kept this long (a value of the `retention` facet)."),
    Parameter("signature", "query", TEXT_FILTER, "Only documents whose signature check says this."),
    Parameter("date_from", "query", {"type": "string", "format": "date"}, "Only records dated on or after this day."),
    Parameter("date_to", "query", {"type": "string", "format": "date"}, "Only records dated on or before this day."),
    Parameter("sort", "query", {"enum": list(search.SORTS)}, "relevance (the default), newest or oldest."),
)


@operation("GET", "/me", "The user the token acts for, and their roles.", {200: ("The user.", "Me")})
def me():
    return jsonify(shapes.me(base.actor()))


@operation(
    "GET",
    "/dossier-lists",
    "The dossier lists of your organisations, newest year first.",
    {200: ("A page of dossier lists.", "DossierListPage"), 400: ("A bad page.", "Problem")},
    parameters=PAGE,
)
def list_dossier_lists():
    page, per_page = base.page_arguments()
    with transaction() as session:
        found, total = dossier_list.lists_page(session, base.actor(), page, per_page)
        return base.paged([shapes.dossier_list(item) for item in found], total, page, per_page)


@operation(
    "GET",
    "/dossier-lists/<int:list_id>/entries",
    "The entries of a dossier list, in their order (the dossiers the organisation plans for the year).",
    {200: ("A page of entries.", "EntryPage"), 400: ("A bad page.", "Problem")},
    parameters=PAGE,
)
def list_entries(list_id: int):
    page, per_page = base.page_arguments()
    with transaction() as session:
        found, total = dossier_list.entries_page(session, base.actor(), list_id, page, per_page)
        return base.paged([shapes.entry(item) for item in found], total, page, per_page)


@operation(
    "GET",
    "/supplementary-fields",
    "The supplementary metadata fields (dữ liệu đặc tả bổ sung) of your organisations' dossiers and documents, in "
    "the order their forms show them, withdrawn ones too (their values stay on the records).",
    {200: ("The fields.", "SupplementaryFields")},
)
def list_supplementary_fields():
    with transaction() as session:
        fields = [
            shapes.supplementary_field(field)
            for organisation_id in sorted(base.actor().organisation_ids())
            for kind in RecordKind
            for field in supplementary.fields_for(session, organisation_id, kind)
        ]
    return jsonify({"items": fields})


@operation(
    "GET",
    "/search",
    "Search the dossiers and documents you may read (the same engine and rights as the search page).",
    {200: ("A page of results with facets.", "SearchResults"), 400: ("A bad page or query.", "Problem")},
    parameters=(WORDS, *FILTERS, *PAGE),
)
def search_records():
    wanted = _asked()
    with transaction() as session:
        results = search.query(session, base.actor(), wanted)
        places = dossiers.first_readable_dossiers(session, base.actor(), search.filed_documents(results.hits))
    # The engine gives at most search.MAX_PER_PAGE a page: the answer says the size it paged by, so a caller that
    # asked for more counts its pages right (page 2 of 100 is not items 201 to 400).
    return jsonify(shapes.search(results, wanted.shown, places))


def _asked() -> search.Search:
    """The search the query asks for, filtered as the search page filters; refuse a value the page would name."""
    page, per_page = base.page_arguments()
    if len(request.args.get("q", "")) > 500:
        raise base.ApiError(400, "q is longer than 500 characters.", errors=[{"field": "q"}])
    asked, problems = search_page.parse(request.args)
    wrong = {problem.field for problem in problems if problem.field != "page"}
    wrong |= {name for name in TEXT_FILTERS if len(request.args.get(name, "")) > LONGEST_FILTER}
    if request.args.get("sort", "relevance") not in search.SORTS:
        wrong.add("sort")
    if wrong:
        named = sorted(wrong)
        raise base.ApiError(
            400, f"Not a value the search takes: {', '.join(named)}.", errors=[{"field": n} for n in named]
        )
    return dataclasses.replace(asked, page=page, per_page=per_page)
