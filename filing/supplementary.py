"""Filling a dossier's or document's supplementary metadata ("dữ liệu đặc tả bổ sung", PL6 III.7.c) as its own
metadata is filled: in the same form, checked with it (every problem of both at once), saved in the same change and
audited with it, and the required fields asked for before the dossier closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from classification import markings
from erms import supplementary
from erms.errors import InvalidMetadata, Problem
from erms.models import Document, Dossier, DossierDocument, RecordKind
from erms.models.dossier import DossierState

T = TypeVar("T")


def split(data: Mapping[str, object]) -> tuple[dict, dict[str, str]]:
    """Return the record's own fields and its supplementary values (by field name) from a form or payload."""
    own = {key: value for key, value in data.items() if not key.startswith(supplementary.PREFIX)}
    return own, supplementary.submitted(data)


def checked(
    session: Session, record: Dossier | Document, given: Mapping[str, str], own_check: Callable[[], T]
) -> tuple[T, dict[str, str]]:
    """Return what ``own_check`` returns and the record's supplementary values once ``given`` is applied; refuse
    with the problems of both checks together, so a form shows every one at once."""
    return checked_for(session, record.organisation_id, supplementary.kind_of(record), record, given, own_check)


def checked_for(
    session: Session,
    organisation_id: int,
    kind: RecordKind,
    record: Dossier | Document | None,
    given: Mapping[str, str],
    own_check: Callable[[], T],
) -> tuple[T, dict[str, str]]:
    """As ``checked``, for a record of ``kind`` in the organisation that is being made (``record`` None)."""
    problems: list[Problem] = []
    own, values = None, {}
    try:
        own = own_check()
    except InvalidMetadata as refused:
        problems.extend(refused.problems)
    try:
        fields = supplementary.fields_for(session, organisation_id, kind)
        values = supplementary.check(fields, given, supplementary.values_of(record) if record else {})
    except InvalidMetadata as refused:
        problems.extend(refused.problems)
    if problems:
        raise InvalidMetadata(problems)
    return own, values  # type: ignore[return-value]  # own is set: own_check returned


def apply(record: Dossier | Document, values: Mapping[str, str]) -> dict[str, list[str | None]]:
    """Store ``values`` on the record; return each changed value's name (as payloads name it) with before and
    after, for the audit."""
    before = supplementary.values_of(record)
    changes: dict[str, list[str | None]] = {
        supplementary.PREFIX + name: [before.get(name), values.get(name)]
        for name in sorted(before.keys() | values.keys())
        if before.get(name) != values.get(name)
    }
    if changes:
        record.supplementary = supplementary.encode(values)
    return changes


def closing_problems(dossier: Dossier) -> list[Problem]:
    """Return the required supplementary fields the dossier or one of its documents leaves empty."""
    session = object_session(dossier)
    if session is None:
        return []
    problems = []
    dossier_fields = supplementary.fields_for(session, dossier.organisation_id, RecordKind.DOSSIER)
    for field in supplementary.missing_required(dossier_fields, supplementary.values_of(dossier)):
        problems.append(
            Problem(supplementary.PREFIX + field.name, supplementary.REQUIRED_TO_CLOSE, {"label": field.label})
        )
    document_fields = supplementary.fields_for(session, dossier.organisation_id, RecordKind.DOCUMENT)
    for link in fillable(session, dossier.links) if document_fields else ():
        for field in supplementary.missing_required(document_fields, supplementary.values_of(link.document)):
            problems.append(
                Problem(
                    "documents",
                    supplementary.DOCUMENT_REQUIRED_TO_CLOSE,
                    {"ordinal": link.ordinal, "label": field.label},
                )
            )
    return problems


def fillable(session: Session, links: Iterable[DossierDocument]) -> list[DossierDocument]:
    """Return the links to documents whose supplementary values can still be filled: not a tuyệt mật one (its values
    are withheld from everyone who files it, as its summary), not one also filed in a dossier no longer open (they
    are sealed with it). Only these are asked for before closing, so a value nobody can give never blocks it."""
    shown = [link for link in links if markings.summary_shown_to_all(link.document.marking)]
    if not shown:
        return []
    sealed = set(
        session.scalars(
            select(DossierDocument.document_id)
            .join(Dossier)
            .where(
                DossierDocument.document_id.in_([link.document_id for link in shown]),
                Dossier.state != DossierState.OPEN,
            )
        )
    )
    return [link for link in shown if link.document_id not in sealed]
