"""The JSON the API answers with, each shape beside the JSON Schema the OpenAPI description gives for it.

The metadata members of a dossier are those of its input schema (``schemas/dossier-v1.json``, the one the web form
validates with), so what a system reads it can send back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from erms.models import Dossier, DossierList, DossierListEntry
from erms.models.dossier import DossierState
from erms.permissions import Actor
from erms.search_index.asking import Hit, Results

INTEGER: dict[str, Any] = {"type": "integer"}
TEXT: dict[str, Any] = {"type": "string"}
DAY: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
MOMENT: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def obj(properties: dict[str, Any], *, required: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Return the schema of an object holding exactly ``properties`` (all of them required unless said)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
        "additionalProperties": False,
    }


RETENTION = obj({"permanent": {"type": "boolean"}, "years": {"type": ["integer", "null"]}, "condition": TEXT})
UNIT = obj({"id": INTEGER, "name": TEXT})
DOSSIER = obj(
    {
        "id": INTEGER,
        "file_code": TEXT,
        "year": INTEGER,
        "state": {"enum": [state.value for state in DossierState]},
        "entry_id": INTEGER,
        "unit": {"$ref": "#/components/schemas/Unit"},
        "retention": {"$ref": "#/components/schemas/Retention"},
        "title": TEXT,
        "rights": TEXT,
        "language": TEXT,
        "start_date": DAY,
        "end_date": DAY,
        "page_total": {"type": ["integer", "null"]},
        "description": TEXT,
        "keyword": TEXT,
        "opened_at": MOMENT,
        "closed_at": MOMENT,
        "submitted_at": MOMENT,
        "archived_at": MOMENT,
        "revision": INTEGER,
    }
)


def _retention(record: Dossier | DossierListEntry) -> dict[str, Any]:
    return {
        "permanent": record.retention_permanent,
        "years": record.retention_years,
        "condition": record.retention_condition,
    }


def dossier(record: Dossier) -> dict[str, Any]:
    return {
        "id": record.id,
        "file_code": record.file_code,
        "year": record.year,
        "state": record.state.value,
        "entry_id": record.entry_id,
        "unit": {"id": record.unit.id, "name": record.unit.name},
        "retention": _retention(record),
        "title": record.title,
        "rights": record.rights,
        "language": record.language,
        "start_date": _day(record.start_date),
        "end_date": _day(record.end_date),
        "page_total": record.page_total,
        "description": record.description,
        "keyword": record.keyword,
        "opened_at": _moment(record.opened_at),
        "closed_at": _moment(record.closed_at),
        "submitted_at": _moment(record.submitted_at),
        "archived_at": _moment(record.archived_at),
        "revision": record.revision,
    }


DOSSIER_LIST = obj(
    {
        "id": INTEGER,
        "organisation_id": INTEGER,
        "year": INTEGER,
        "state": {"enum": ["draft", "submitted", "approved"]},
        "decision_ref": TEXT,
        "decision_date": DAY,
    }
)


def dossier_list(record: DossierList) -> dict[str, Any]:
    return {
        "id": record.id,
        "organisation_id": record.organisation_id,
        "year": record.year,
        "state": record.state.value,
        "decision_ref": record.decision_ref,
        "decision_date": _day(record.decision_date),
    }


ENTRY = obj(
    {
        "id": INTEGER,
        "dossier_list_id": INTEGER,
        "number": INTEGER,
        "file_notation": TEXT,
        "title": TEXT,
        "unit_id": INTEGER,
        "responsible_user_id": {"type": ["integer", "null"]},
        "retention": {"$ref": "#/components/schemas/Retention"},
        "note": TEXT,
    }
)


def entry(record: DossierListEntry) -> dict[str, Any]:
    return {
        "id": record.id,
        "dossier_list_id": record.dossier_list_id,
        "number": record.number,
        "file_notation": record.file_notation,
        "title": record.title,
        "unit_id": record.unit_id,
        "responsible_user_id": record.responsible_user_id,
        "retention": _retention(record),
        "note": record.note,
    }


GRANT = obj({"role": TEXT, "organisation_id": INTEGER, "unit_id": {"type": ["integer", "null"]}})
ME = obj(
    {"id": INTEGER, "username": TEXT, "name": TEXT, "grants": {"type": "array", "items": GRANT}},
)


def me(caller: Actor) -> dict[str, Any]:
    grants = sorted(caller.grants, key=lambda grant: (grant.role.value, grant.organisation_id, grant.unit_id or 0))
    return {
        "id": caller.user_id,
        "username": caller.username,
        "name": caller.full_name,
        "grants": [
            {"role": grant.role.value, "organisation_id": grant.organisation_id, "unit_id": grant.unit_id}
            for grant in grants
        ],
    }


HIT = obj(
    {
        "kind": {"enum": ["dossier", "document"]},
        "id": INTEGER,
        "dossier_id": {"type": ["integer", "null"]},
        "title": TEXT,
        "code": TEXT,
        "snippet": TEXT,
    }
)
FACET_VALUE = obj({"value": TEXT, "count": INTEGER})
SEARCH = obj(
    {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "total": INTEGER,
        "more": {"type": "boolean"},
        "page": INTEGER,
        "per_page": INTEGER,
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": FACET_VALUE}},
    }
)


def hit(found: Hit) -> dict[str, Any]:
    return {
        "kind": found.kind,
        "id": found.record_id,
        "dossier_id": found.dossier_id or None,
        "title": str(found.fields.get("title", "")),
        "code": str(found.fields.get("code", "")),
        "snippet": found.snippet,
    }


def search(results: Results, per_page: int) -> dict[str, Any]:
    return {
        "items": [hit(found) for found in results.hits],
        "total": results.total,
        "more": results.more,
        "page": results.page,
        "per_page": per_page,
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in results.facets.items()
        },
    }


PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": TEXT,
        "title": TEXT,
        "status": INTEGER,
        "detail": TEXT,
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field"],
                "properties": {"field": TEXT, "message": TEXT},
            },
        },
    },
}


def page_of(item_schema: str) -> dict[str, Any]:
    """Return the schema of a page of a list of ``item_schema`` (a component's name)."""
    return obj(
        {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item_schema}"}},
            "total": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
        }
    )


COMPONENTS = {
    "Unit": UNIT,
    "Retention": RETENTION,
    "Dossier": DOSSIER,
    "DossierList": DOSSIER_LIST,
    "Entry": ENTRY,
    "Me": ME,
    "Hit": HIT,
    "SearchResults": SEARCH,
    "Problem": PROBLEM,
    "DossierPage": page_of("Dossier"),
    "DossierListPage": page_of("DossierList"),
    "EntryPage": page_of("Entry"),
}
