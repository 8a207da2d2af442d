"""The JSON the API answers with, each shape beside the JSON Schema the OpenAPI description gives for it.

The metadata members of a dossier are those of its input schema (``schemas/dossier-v1.json``, the one the web form
validates with), so what a system reads it can send back.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from classification import markings
from erms import background, supplementary
from erms.models import (
    ApiUpload,
    BackgroundJob,
    Document,
    DocumentOpinion,
    Dossier,
    DossierList,
    DossierListEntry,
    FieldType,
    OpinionKind,
    RecordKind,
    RegisterEntry,
    SupplementaryField,
    Transfer,
)
from erms.models.background import JobState
from erms.models.dossier import DossierState
from erms.models.scan import CertifiedCopy, ScanCheck
from erms.models.transfer import ItemOutcome, TransferState
from erms.permissions import Actor
from erms.search_index.asking import Hit, Results
from erms.web.common import LARGEST_INTEGER
from filing import certified_copies, scan_checks, signature_checks, signatures
from filing.documents import Checks, Handled, Readable

INTEGER: dict[str, Any] = {"type": "integer"}
# The most dossiers one submission names: as many as the web form can (Flask's MAX_FORM_PARTS); a longer list would
# reach the database as one bound value per id, past what SQLite takes in one statement.
MOST_SUBMITTED = 1000
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
MEDIUM = {"enum": ["electronic", "paper", "hybrid"], "description": "Electronic, paper, or both (hybrid)."}
SUPPLEMENTARY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": TEXT,
    "description": "Supplementary metadata (dữ liệu đặc tả bổ sung) by field name (GET /supplementary-fields): "
    "numbers written with a dot (12.5), days as YYYY-MM-DD, choices as listed.",
}
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
        "medium": MEDIUM,
        "sheet_total": {"type": ["integer", "null"], "description": "The sheets of a paper or hybrid dossier."},
        "description": TEXT,
        "keyword": TEXT,
        "supplementary": {"$ref": "#/components/schemas/Supplementary"},
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
        "medium": record.medium.value,
        "sheet_total": record.sheet_total,
        "description": record.description,
        "keyword": record.keyword,
        "supplementary": supplementary.values_of(record),
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


SUPPLEMENTARY_FIELD = obj(
    {
        "organisation_id": INTEGER,
        "applies_to": {"enum": [kind.value for kind in RecordKind]},
        "name": {**TEXT, "description": "The key of its values in a record's supplementary (fixed once made)."},
        "label": TEXT,
        "data_type": {"enum": [kind.value for kind in FieldType]},
        "choices": {"type": "array", "items": TEXT, "description": "The values a choice field takes."},
        "required": {"type": "boolean", "description": "It must be filled in before the dossier closes."},
        "offered": {
            "type": "boolean",
            "description": "False once withdrawn: records keep its values, none can be given or changed.",
        },
    }
)


def supplementary_field(field: SupplementaryField) -> dict[str, Any]:
    return {**supplementary.described(field), "offered": field.active}


HIT = obj(
    {
        "kind": {"enum": ["dossier", "document"]},
        "id": INTEGER,
        "dossier_id": {"type": ["integer", "null"]},
        "title": {**TEXT, "description": "Plain text, as stored: escape it before putting it in HTML."},
        "code": TEXT,
        "snippet": {
            **TEXT,
            "description": 'HTML: the text around the words found, escaped, each match in <mark class="match">.',
        },
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


def hit(found: Hit, places: dict[int, int]) -> dict[str, Any]:
    """A result; ``places``: a document's dossier the caller reads, where the index's first is another unit's."""
    dossier_id = places.get(found.record_id, found.dossier_id) if found.kind == "document" else found.dossier_id
    return {
        "kind": found.kind,
        "id": found.record_id,
        "dossier_id": dossier_id or None,
        "title": str(found.fields.get("title", "")),
        "code": str(found.fields.get("code", "")),
        "snippet": found.snippet,
    }


def search(results: Results, per_page: int, places: dict[int, int]) -> dict[str, Any]:
    return {
        "items": [hit(found, places) for found in results.hits],
        "total": results.total,
        "more": results.more,
        "page": results.page,
        "per_page": per_page,
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in results.facets.items()
        },
    }


UPLOAD = obj(
    {
        "id": INTEGER,
        "filename": TEXT,
        "size": INTEGER,
        "offset": {**INTEGER, "description": "The bytes received so far: the next chunk starts here."},
        "complete": {"type": "boolean"},
        "expires_at": {"type": "string", "format": "date-time"},
    }
)


def upload(record: ApiUpload) -> dict[str, Any]:
    return {
        "id": record.id,
        "filename": record.filename,
        "size": record.size,
        "offset": record.received,
        "complete": record.received >= record.size,
        "expires_at": record.expires_at.isoformat(),
    }


DOCUMENT_TIMESTAMP = obj(
    {
        "authority": TEXT,
        "stamped_at": MOMENT,
        "trusted": {"type": "boolean", "description": "It verifies and chains to an installed root."},
        "modified_after": {"type": "boolean"},
    }
)
SIGNATURE = {
    "type": ["object", "null"],
    "description": "The file's digital signatures as last checked against the installed roots (null: not signed), "
    "and its document timestamps (PAdES-LTA).",
    "properties": {
        "status": {"enum": [*(status.value for status in signatures.Status), signature_checks.PENDING]},
        "checked_at": MOMENT,
        "signers": {"type": "array", "items": TEXT},
        "document_timestamps": {"type": "array", "items": DOCUMENT_TIMESTAMP},
    },
    "required": ["status", "checked_at", "signers", "document_timestamps"],
    "additionalProperties": False,
}
SCAN = {
    "type": ["object", "null"],
    "description": "A scan's check against TT 02/2019 (null: not uploaded as a scan); a warning stands until an "
    "archivist accepts it.",
    "properties": {
        "problems": {"type": "array", "items": TEXT},
        "warning": {"type": "boolean"},
        "accepted_at": MOMENT,
    },
    "required": ["problems", "warning", "accepted_at"],
    "additionalProperties": False,
}
VERSION = obj(
    {
        "id": INTEGER,
        "number": INTEGER,
        "filename": TEXT,
        "size": INTEGER,
        "sha256": TEXT,
        "media_type": TEXT,
        "signature": SIGNATURE,
        "scan": SCAN,
        "created_at": {"type": "string", "format": "date-time"},
    }
)
CERTIFIED_COPY = {
    "type": ["object", "null"],
    "description": "Asked to be a certified copy (bản sao điện tử chứng thực): pending the signature check, confirmed, "
    "or refused with the reason (null: not asked, or the content is not yours to read).",
    "properties": {
        "outcome": {"enum": [certified_copies.PENDING, certified_copies.CONFIRMED, certified_copies.REFUSED]},
        "reason": {
            "enum": ["", certified_copies.UNSIGNED, certified_copies.NOT_VALID, certified_copies.NOT_THE_AGENCY]
        },
        "decided_at": MOMENT,
    },
    "required": ["outcome", "reason", "decided_at"],
    "additionalProperties": False,
}
OPINION = obj(
    {
        "kind": {"enum": [kind.value for kind in OpinionKind]},
        "text": {
            "type": ["string", "null"],
            "description": "Null whenever the document's subject is left out: an opinion is content, as the summary.",
        },
        "author": {**TEXT, "description": "The name of the person who gave it."},
        "given_at": {"type": "string", "format": "date-time"},
    }
)
RECIPIENT = obj(
    {
        "name": TEXT,
        "code": {**TEXT, "description": "Its organisation's code (mã định danh), empty when the directory has none."},
    }
)
# The metadata members of a document: those of schemas/document-v1.json, the web form's.
DOCUMENT_TEXTS = (
    "type_name",
    "code_number",
    "code_notation",
    "organ_name",
    "subject",
    "language",
    "description",
    "signer_position",
    "signer_name",
    "urgency",
    "marking",
    "keyword",
    "arrival_number",
    "recipients",
    "rights",
)
# A document's handling, in its JSON and its register line's: opinions (text withheld as the summary) and recipients.
HANDLING: dict[str, Any] = {
    "opinions": {
        "type": "array",
        "items": OPINION,
        "description": "Its handling (quá trình xử lý): the directions, comments, approvals and drafts sent back "
        "given on it, oldest first.",
    },
    "recipients": {
        "type": "array",
        "items": RECIPIENT,
        "description": "The lines of an outgoing document's Nơi nhận block, as typed, each with its receiving "
        "organisation's code (empty where none is known, as for Như trên or Lưu: VT).",
    },
}


DOCUMENT = obj(
    {
        "id": INTEGER,
        "dossier_id": {**INTEGER, "description": "A dossier holding the document that you read."},
        "direction": {"enum": ["incoming", "outgoing", "internal"]},
        "status": {"enum": ["draft", "final"]},
        **{name: TEXT for name in DOCUMENT_TEXTS},
        "issued_date": DAY,
        "due_date": DAY,
        "arrival_date": DAY,
        "page_amount": {"type": ["integer", "null"]},
        "medium": MEDIUM,
        "paper_original": {
            **TEXT,
            "description": "For a scan of paper, the code of the paper dossier it was made from.",
        },
        "supplementary": {
            **SUPPLEMENTARY,
            "description": "Its supplementary metadata by field name, left out ({}) whenever its subject is.",
        },
        "content_readable": {
            "type": "boolean",
            "description": "False when the document is restricted to others: its summary and files are left out.",
        },
        "certified_copy": CERTIFIED_COPY,
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
        **HANDLING,
        "created_at": {"type": "string", "format": "date-time"},
        "revision": INTEGER,
    }
)


def document(found: Readable, checks: Checks, handled: Handled) -> dict[str, Any]:
    """A document as its reader sees it, with what the checks found of its files (``filing.documents.checks_of``)
    and its handling (``filing.documents.handled_of``): an opinion's text is withheld wherever the summary is."""
    record: Document = found.document
    shown = subject_shown(found.content, record.marking)
    return {
        "id": record.id,
        "dossier_id": found.dossier.id,
        "direction": record.direction.value,
        "status": record.status.value,
        **{name: getattr(record, name) or "" for name in DOCUMENT_TEXTS},
        "subject": record.subject if shown else "",
        **({} if shown else dict.fromkeys(markings.WITH_SUMMARY, "")),
        "issued_date": _day(record.issued_date),
        "due_date": _day(record.due_date),
        "arrival_date": _day(record.arrival_date),
        "page_amount": record.page_amount,
        "medium": record.medium.value,
        "paper_original": record.paper_original,
        "supplementary": supplementary.values_of(record) if shown else {},
        "content_readable": found.content,
        "certified_copy": _certified(checks.certified.get(record.id)),
        "versions": [
            {
                "id": version.id,
                "number": version.number,
                "filename": version.filename,
                "size": version.file.size,
                "sha256": version.file.sha256,
                "media_type": version.file.media_type,
                "signature": _signature(checks.signatures.get(version.file.id)),
                "scan": _scan(checks.scans.get(version.id)),
                "created_at": version.created_at.isoformat(),
            }
            for version in (record.versions if found.content else [])
        ],
        **_handling(record.id, handled, shown),
        "created_at": record.created_at.isoformat(),
        "revision": record.revision,
    }


def subject_shown(content: bool, marking: str) -> bool:
    """Whether a document's JSON shows its subject, and so its opinions' text, to a reader who reads its ``content``
    (or not): never a tuyệt mật one's."""
    return content and markings.summary_shown_to_all(marking)


def _handling(document_id: int, handled: Handled, shown: bool) -> dict[str, Any]:
    """The document's opinions, their text where its summary is ``shown``, and its recipients with their codes."""
    return {
        "opinions": [opinion(given, shown) for given in handled.opinions.get(document_id, [])],
        "recipients": [{"name": row.name, "code": row.code} for row in handled.recipients.get(document_id, [])],
    }


def opinion(record: DocumentOpinion, shown: bool) -> dict[str, Any]:
    """One opinion on a document, its text where the document's summary is ``shown`` to the reader."""
    return {
        "kind": record.kind.value,
        "text": record.text if shown else None,
        "author": record.author.full_name,
        "given_at": record.given_at.isoformat(),
    }


def _signature(evidence: signature_checks.Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    signers = [finding.signer for finding in evidence.findings]
    stamps = [
        {
            "authority": stamp.authority,
            "stamped_at": _moment(stamp.stamped_at),
            "trusted": stamp.proves,
            "modified_after": stamp.modified_after,
        }
        for stamp in evidence.timestamps
    ]
    return {
        "status": evidence.status,
        "checked_at": _moment(evidence.checked_at),
        "signers": signers,
        "document_timestamps": stamps,
    }


def _scan(check: ScanCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    problems = [problem.template % problem.params for problem in scan_checks.problems_of(check)]
    return {"problems": problems, "warning": scan_checks.warning(check), "accepted_at": _moment(check.accepted_at)}


def _certified(copy: CertifiedCopy | None) -> dict[str, Any] | None:
    if copy is None:
        return None
    return {"outcome": copy.outcome, "reason": copy.reason, "decided_at": _moment(copy.decided_at)}


REGISTER_LINE = obj(
    {
        "id": INTEGER,
        "kind": {"enum": ["incoming", "outgoing"]},
        "year": INTEGER,
        "series": {"enum": ["regular", "classified"]},
        "number": INTEGER,
        "document_code": TEXT,
        "registered_at": {"type": "string", "format": "date-time"},
        "assigned_unit_id": {"type": ["integer", "null"]},
        "handled_on": DAY,
        "document_id": INTEGER,
        "type_name": TEXT,
        "code_number": TEXT,
        "code_notation": TEXT,
        "issued_date": DAY,
        "organ_name": TEXT,
        "subject": {
            **TEXT,
            "description": "Empty for a top-secret document unless you are authorised to read it, and for a document "
            "restricted on its own to others.",
        },
        "marking": TEXT,
        "urgency": TEXT,
        "due_date": DAY,
        "supplementary": {
            **SUPPLEMENTARY,
            "description": "The document's supplementary metadata by field name, left out ({}) as its subject is.",
        },
        **HANDLING,
    }
)


def register_line(line: RegisterEntry, withheld: dict[int, str], handled: Handled) -> dict[str, Any]:
    """A register line as its reader sees it; ``withheld``: the lines whose summary they may not read
    (``filing.registers.withheld_summaries``); ``handled``: its document's handling (``documents.handled_for``),
    a direction given before it is filed included."""
    record = line.document
    return {
        "id": line.id,
        "kind": line.kind.value,
        "year": line.year,
        "series": line.series.value,
        "number": line.number,
        "document_code": line.document_code,
        "registered_at": line.registered_at.isoformat(),
        "assigned_unit_id": line.assigned_unit_id,
        "handled_on": _day(line.handled_on),
        "document_id": record.id,
        **{name: getattr(record, name) or "" for name in ("type_name", "code_number", "code_notation", "organ_name")},
        "issued_date": _day(record.issued_date),
        "subject": "" if line.id in withheld else record.subject,
        "marking": record.marking,
        "urgency": record.urgency,
        "due_date": _day(record.due_date),
        "supplementary": {} if line.id in withheld else supplementary.values_of(record),
        **_handling(record.id, handled, line.id not in withheld),
    }


TRANSFER_ITEM = obj(
    {
        "id": INTEGER,
        "dossier_id": INTEGER,
        "file_code": TEXT,
        "title": {**TEXT, "description": "Empty for a restricted dossier you may not read."},
        "dossier_state": {"enum": [state.value for state in DossierState]},
        "outcome": {"enum": [outcome.value for outcome in ItemOutcome]},
        "reason": {**TEXT, "description": "Why the archivist returned the dossier (rejected)."},
        "decided_at": MOMENT,
    }
)
TRANSFER = obj(
    {
        "id": INTEGER,
        "organisation_id": INTEGER,
        "unit": {"$ref": "#/components/schemas/Unit"},
        "year": {**INTEGER, "description": "The year of the dossier list the dossiers were planned in."},
        "state": {"enum": [state.value for state in TransferState]},
        "submitted_by_id": INTEGER,
        "submitted_at": {"type": "string", "format": "date-time"},
        "registry_signed_at": MOMENT,
        "archive_signed_at": MOMENT,
        "record_stored": {"type": "boolean", "description": "The biên bản giao nhận is stored (both signed)."},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/TransferItem"}},
    }
)


def transfer(record: Transfer, unreadable: Collection[int]) -> dict[str, Any]:
    """A transfer as its reader sees it; ``unreadable``: the dossiers whose title they may not read
    (``filing.dossiers.unreadable_dossiers``)."""
    return {
        "id": record.id,
        "organisation_id": record.organisation_id,
        "unit": {"id": record.unit.id, "name": record.unit.name},
        "year": record.year,
        "state": record.state.value,
        "submitted_by_id": record.submitted_by_id,
        "submitted_at": record.submitted_at.isoformat(),
        "registry_signed_at": _moment(record.registry_signed_at),
        "archive_signed_at": _moment(record.archive_signed_at),
        "record_stored": record.record_file_id is not None,
        "items": [
            {
                "id": item.id,
                "dossier_id": item.dossier_id,
                "file_code": item.dossier.file_code,
                "title": "" if item.dossier_id in unreadable else item.dossier.title,
                "dossier_state": item.dossier.state.value,
                "outcome": item.outcome.value,
                "reason": item.reason,
                "decided_at": _moment(item.decided_at),
            }
            for item in record.items
        ],
    }


JOB = obj(
    {
        "id": INTEGER,
        "kind": TEXT,
        "state": {"enum": [state.value for state in JobState]},
        "done": {"type": ["integer", "null"], "description": "The steps done so far, when the work counts them."},
        "total": {"type": ["integer", "null"], "description": "The steps of the whole work, when it counts them."},
        "progress": {**TEXT, "description": "What the work is doing, in words (empty when it only counts)."},
        "stopping": {"type": "boolean", "description": "A stop was asked: the work ends at its next step."},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": MOMENT,
        "finished_at": MOMENT,
        "errors": {
            "type": "array",
            "items": TEXT,
            "description": "Why a failed job stopped, in the request's language (empty unless failed).",
        },
    }
)


def job(record: BackgroundJob, errors: list[str]) -> dict[str, Any]:
    """Return a job's status; ``errors`` are its refusals, translated by the caller."""
    counted: dict[str, Any] = {}
    if record.progress.startswith("{"):
        try:
            counted = json.loads(record.progress)
        except ValueError:
            counted = {}
    done, total = counted.get("done"), counted.get("total")
    return {
        "id": record.id,
        "kind": record.kind,
        "state": record.state.value,
        "done": done if isinstance(done, int) and not isinstance(done, bool) else None,
        "total": total if isinstance(total, int) and not isinstance(total, bool) else None,
        "progress": "" if record.progress.startswith("{") else record.progress,
        "stopping": record.cancel_requested and record.state in background.ACTIVE,
        "created_at": record.created_at.isoformat(),
        "started_at": _moment(record.started_at),
        "finished_at": _moment(record.finished_at),
        "errors": errors,
    }


PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": TEXT,
        "title": TEXT,
        "status": INTEGER,
        "detail": TEXT,
        "offset": {**INTEGER, "description": "An upload's offset now, where the refused chunk should have begun."},
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
    "Supplementary": SUPPLEMENTARY,
    "SupplementaryField": SUPPLEMENTARY_FIELD,
    "SupplementaryFields": obj(
        {"items": {"type": "array", "items": {"$ref": "#/components/schemas/SupplementaryField"}}}
    ),
    "Hit": HIT,
    "SearchResults": SEARCH,
    "Problem": PROBLEM,
    "DossierPage": page_of("Dossier"),
    "DossierListPage": page_of("DossierList"),
    "EntryPage": page_of("Entry"),
    "Upload": UPLOAD,
    "StartUpload": obj(
        {
            "filename": {"type": "string", "description": "The file's own name (the document version keeps it)."},
            "size": {"type": "integer", "minimum": 1, "description": "Its size in bytes."},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "Its SHA-256, if known."},
        },
        required=("filename", "size"),
    ),
    "Chunk": {"type": "string", "format": "binary", "description": "Bytes of the file, from Upload-Offset on."},
    "Version": VERSION,
    "Document": DOCUMENT,
    "Opinion": OPINION,
    "DocumentPage": page_of("Document"),
    "RegisterLine": REGISTER_LINE,
    "RegisterLinePage": page_of("RegisterLine"),
    "TransferItem": TRANSFER_ITEM,
    "Transfer": TRANSFER,
    "TransferPage": page_of("Transfer"),
    "SubmitTransfer": obj(
        {
            "dossier_ids": {
                "type": "array",
                "minItems": 1,
                "maxItems": MOST_SUBMITTED,
                "items": {"type": "integer", "minimum": 1, "maximum": LARGEST_INTEGER},
                "description": "Closed dossiers of one unit and one year's list, each once.",
            }
        }
    ),
    "Job": JOB,
    "IngestBag": obj(
        {
            "upload_id": {
                "type": "integer",
                "minimum": 1,
                "maximum": LARGEST_INTEGER,
                "description": "A complete upload of yours: the bag, as .tar, .tar.gz or .zip.",
            },
            "unit": {"type": "string", "minLength": 1, "maxLength": 20, "description": "The unit's code."},
        },
        required=("upload_id", "unit"),
    ),
}
