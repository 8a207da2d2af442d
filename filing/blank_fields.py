"""Filling one of the organisation's own document fields (PL6 III.7.c) for every document of an open dossier that
leaves it empty, from the closing page: an officer whose forty documents each lack "Số trang bản giấy" types it once
instead of opening forty forms.

A value already there is kept. Each document filled is checked, changed and audited as its own edit would change it
(``filing.dossiers.update_document``): the same rights, the same check of the value, one ``document.updated`` event
each; search reads the change as it reads any edit. A tuyệt mật document is never touched (its values are withheld
from everyone who files it, and kept as they are), nor one also filed in a dossier no longer open (its metadata is
sealed with that dossier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from erms import audit, metadata, supplementary
from erms.errors import InvalidMetadata, Problem
from erms.models import Dossier, RecordKind, SupplementaryField
from erms.permissions import Actor
from filing import dossiers
from filing import supplementary as supplementary_values


@dataclass(frozen=True)
class Missing:
    """A required field that documents of the dossier leave empty, with the numbers of those it can be filled in."""

    field: SupplementaryField
    ordinals: list[int]


@dataclass(frozen=True)
class Filled:
    """The field filled in and how many documents took the value."""

    field: SupplementaryField
    count: int


def missing(session: Session, dossier: Dossier) -> list[Missing]:
    """Return each offered required document field that documents of the dossier which may still be changed leave
    empty, in the order the forms show the fields (what the closing page offers to fill at once)."""
    fields = supplementary.fields_for(session, dossier.organisation_id, RecordKind.DOCUMENT, offered_only=True)
    empty: dict[int, list[int]] = {}
    for link in supplementary_values.fillable(session, dossier.links) if fields else ():
        for field in supplementary.missing_required(fields, supplementary.values_of(link.document)):
            empty.setdefault(field.id, []).append(link.ordinal)
    return [Missing(field, empty[field.id]) for field in fields if field.id in empty]


def fill_missing(
    session: Session, actor: Actor, dossier_id: int, field_name: str, text: str, *, now: datetime
) -> Filled:
    """Set ``text`` in the field ``field_name`` of every document of the open dossier that leaves it empty and may be
    changed; return how many took it. Refuses, changing nothing, whoever may not change the dossier's documents, a
    dossier no longer open, a field its organisation does not offer for documents and a value the field does not
    take (or none)."""
    dossier = dossiers.editable(session, actor, dossier_id)
    field, value = _checked(session, dossier, field_name, text)
    dossiers.lock_documents(session, dossier)  # a value saved meanwhile is read, and kept
    empty = [
        link.document
        for link in supplementary_values.fillable(session, dossier.links)
        if not supplementary.values_of(link.document).get(field.name)
    ]
    # One whose content is restricted to others is changed only by those who read it (``dossiers._document_in``).
    unreadable = dossiers.unreadable_content(session, actor, empty)
    documents = [document for document in empty if document.id not in unreadable]
    for document in documents:
        changes = supplementary_values.apply(document, {**supplementary.values_of(document), field.name: value})
        audit.record(
            session,
            actor,
            "document.updated",
            "document",
            document.id,
            now=now,
            dossier_id=dossier.id,
            changes={},
            supplementary=changes,
        )
    return Filled(field, len(documents))


def _checked(session: Session, dossier: Dossier, field_name: str, text: str) -> tuple[SupplementaryField, str]:
    """Return the offered document field named ``field_name`` and ``text`` in its stored form, or refuse: an unknown,
    withdrawn or other organisation's field as unknown, a value not of its type as a document's edit does."""
    key = supplementary.PREFIX + field_name
    offered = supplementary.fields_for(session, dossier.organisation_id, RecordKind.DOCUMENT, offered_only=True)
    field = next((field for field in offered if field.name == field_name), None)
    if field is None:
        raise InvalidMetadata([Problem(key, supplementary.UNKNOWN)])
    value = supplementary.check([field], {field.name: text}, {}).get(field.name)
    if not value:
        raise InvalidMetadata([Problem(key, metadata.MESSAGES["required"])])
    return field, value
