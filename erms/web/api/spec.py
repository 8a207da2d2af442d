"""The API's routes, each declared once with what the OpenAPI 3.1 description says of it.

``operation`` registers a view on the blueprint and records its method, path, parameters, body and answers; the
description served at ``/api/v1/openapi.json`` is made from those records, the answers' shapes
(``erms.web.api.shapes``) and the metadata schemas the web forms validate with (``schemas/*-v1.json``), so the
description cannot drift from the routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from erms import metadata
from erms.web.api import shapes
from erms.web.common import LARGEST_INTEGER

bp = Blueprint("api", __name__, url_prefix="/api/v1")
VERSION = "1.0.0"
DEFS_REF = re.compile(r"^urn:erms:schema:defs-v1#/\$defs/(\w+)$")
# The schemas (schemas/*-v1.json) a body is or carries, under the names the description gives them.
BODY_SCHEMAS = {"DossierMetadata": "dossier", "DocumentMetadata": "document", "GiveOpinion": "opinion"}


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # "query" or "header"
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # Flask's, e.g. /dossiers/<int:dossier_id>
    summary: str
    answers: dict[int, tuple[str, str | None]]  # status: (description, component or None)
    body: str | None = None  # a component
    media_type: str = "application/json"  # the body's
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    etag: bool = False  # the answer carries an ETag
    headers: dict[str, str] = field(default_factory=dict)  # other headers of a success: name -> description


OPERATIONS: list[Operation] = []
ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_INTEGER}
PAGE = (
    Parameter("page", "query", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, "Page number, from 1."),
    Parameter("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 200}, "Items per page (50)."),
)
IF_MATCH = Parameter("If-Match", "header", {"type": "string"}, "The ETag of the record as you read it.", required=True)
# The answers of a route that reads a JSON body, besides its own.
NOT_A_BODY = {
    400: ("The body is not a JSON object, or one nested too deep.", "Problem"),
    413: ("The body is larger than 1 MiB.", "Problem"),
    415: ("The body is not JSON.", "Problem"),
}
# The answer of a route that stores a file when the disk is full (nothing of it is saved).
NO_ROOM = {507: ("The server's disk is full: nothing was saved; try again once there is room.", "Problem")}
SUPPLEMENTARY_GIVEN = {
    **shapes.SUPPLEMENTARY,
    "description": "Supplementary values to set by field name (GET /supplementary-fields lists the fields offered): "
    "an empty one clears its field, the fields not named keep theirs.",
}
REFUSALS = {
    401: ("No token, or one unknown, expired or revoked.", "Problem"),
    403: ("Your rights do not allow this.", "Problem"),
    404: ("No such record, or one you may not read.", "Problem"),
}


def operation(
    method: str,
    rule: str,
    summary: str,
    answers: dict[int, tuple[str, str | None]],
    **details: Any,
) -> Callable[[Callable], Callable]:
    """Register the decorated view for ``method`` on ``rule`` and describe it."""

    def register(view: Callable) -> Callable:
        OPERATIONS.append(Operation(method, rule, summary, {**answers, **REFUSALS}, **details))
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        return view

    return register


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    for item in OPERATIONS:
        path, path_parameters = _path(item.rule)
        paths.setdefault(path, {})[item.method.lower()] = _operation(item, path_parameters)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ERMS API",
            "version": VERSION,
            "description": (
                "The JSON API of ERMS for other systems (document workflow, portals). Each call acts with the rights "
                "of the user whose token it sends; errors are application/problem+json (RFC 9457)."
            ),
        },
        "servers": [{"url": bp.url_prefix}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "A personal API token."}},
            "schemas": {**shapes.COMPONENTS, **_metadata_components()},
        },
    }


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the rule as an OpenAPI path and its path parameters: ids, and words of a fixed set (``any``)."""
    parameters = []
    for converter, arguments, name in re.findall(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule):
        words = [word.strip() for word in arguments.split(",")]
        schema = ID if converter == "int" else {"enum": words} if converter == "any" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule), parameters


def _operation(item: Operation, path_parameters: list[dict[str, Any]]) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": f"{item.method.lower()}{re.sub(r'[^A-Za-z]+', '_', item.rule)}".rstrip("_"),
        "summary": item.summary,
        "parameters": path_parameters
        + [
            {"name": p.name, "in": p.where, "required": p.required, "schema": p.schema, "description": p.description}
            for p in item.parameters
        ],
        "responses": {str(status): _answer(item, status, *answer) for status, answer in sorted(item.answers.items())},
    }
    if item.body:
        described["requestBody"] = {
            "required": True,
            "content": {item.media_type: {"schema": {"$ref": f"#/components/schemas/{item.body}"}}},
        }
    return described


def _answer(item: Operation, status: int, description: str, component: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if component == "Problem":
        answer["content"] = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    elif component:
        answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}
    if 200 <= status < 300:
        headers = {name: {"schema": {"type": "string"}, "description": text} for name, text in item.headers.items()}
        if item.etag:
            headers["ETag"] = {"schema": {"type": "string"}, "description": "The record's revision."}
        if headers:
            answer["headers"] = headers
    return answer


def _metadata_components() -> dict[str, Any]:
    """Return the forms' metadata schemas, their shared definitions as components of their own."""
    components = {f"defs-{name}": _local(schema) for name, schema in metadata.schema("defs")["$defs"].items()}
    for name, kind in BODY_SCHEMAS.items():
        schema = metadata.schema(kind)
        components[name] = _local({key: value for key, value in schema.items() if key not in ("$schema", "$id")})
    changes = {key: value for key, value in components["DossierMetadata"].items() if key != "required"}
    components["DossierChanges"] = {
        **changes,
        "title": "Dossier metadata to change (the fields sent)",
        "properties": {**changes["properties"], "supplementary": SUPPLEMENTARY_GIVEN},
    }
    components["OpenDossier"] = shapes.obj(
        {
            "entry_id": {**ID, "description": "The approved list entry the dossier is for."},
            "metadata": {"$ref": "#/components/schemas/DossierMetadata"},
            "supplementary": SUPPLEMENTARY_GIVEN,
        },
        required=("entry_id",),
    )
    components["AddDocument"] = shapes.obj(
        {
            "metadata": {"$ref": "#/components/schemas/DocumentMetadata"},
            "supplementary": SUPPLEMENTARY_GIVEN,
            "upload_id": {**ID, "description": "A complete upload of yours: the document's file."},
            "scan": {
                "type": "boolean",
                "description": "The file is a scan of paper: checked against TT 02/2019 (PDF 1.4 or later, colour, "
                "200 dpi); a file that is not a readable PDF is refused (422 on upload_id), one that misses a rule is "
                "kept with a warning for the archivist.",
            },
            "certified_copy": {
                "type": "boolean",
                "description": "Ask that the document be a certified copy (bản sao điện tử chứng thực): a final "
                "document, confirmed once the worker finds its file validly signed by the agency.",
            },
        },
        required=("metadata",),
    )
    components["RegisterDocument"] = shapes.obj(
        {
            "organisation_id": {**ID, "description": "Your organisation (needed if you have several)."},
            "metadata": {"$ref": "#/components/schemas/DocumentMetadata"},
            "supplementary": SUPPLEMENTARY_GIVEN,
            "document_code": {"type": "string", "maxLength": 25, "description": "The document's identifier, if any."},
            "allow_duplicate": {"type": "boolean", "description": "Register it although it looks like an earlier one."},
            "upload_id": {**ID, "description": "A complete upload of yours: the document's file."},
        },
        required=("metadata",),
    )
    return components


def _local(node: Any) -> Any:
    """Return ``node`` with references to the shared definitions pointing at their components."""
    if isinstance(node, dict):
        reference = DEFS_REF.match(str(node.get("$ref", "")))
        changed = {key: _local(value) for key, value in node.items()}
        if reference:
            changed["$ref"] = f"#/components/schemas/defs-{reference.group(1)}"
        return changed
    if isinstance(node, list):
        return [_local(value) for value in node]
    return node
