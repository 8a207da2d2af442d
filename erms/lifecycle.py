"""The dossier state machine. Only this module changes ``Dossier.state``.

The table below is the whole life of a dossier (docs/design.md); services check their own business
rules (checklists, holds, permissions) and then call :func:`apply`, which refuses any move the
table does not list and writes the audit event of the change in the same transaction. Leaving OPEN
measures the dossier's extent (``Dossier.extent_*``, which the holdings report adds up) and seals its metadata
(``erms.metadata_seal``: the seal's digest goes into the audit event); coming back to OPEN clears both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select, update
from sqlalchemy.orm import Session

from erms import audit, metadata_seal
from erms.errors import IllegalTransition
from erms.models import Document, DocumentVersion, Dossier, DossierDocument, StoredFile
from erms.models.dossier import DossierState as State
from erms.permissions import Actor

TRANSITIONS: dict[tuple[State, str], State] = {
    (State.OPEN, "close"): State.CLOSED,
    (State.CLOSED, "reopen"): State.OPEN,
    (State.CLOSED, "submit"): State.SUBMITTED,
    (State.SUBMITTED, "reject"): State.CLOSED,
    (State.SUBMITTED, "accept"): State.ARCHIVED,
    (State.ARCHIVED, "transfer"): State.TRANSFERRED,
    (State.ARCHIVED, "destroy"): State.DESTROYED,
    # A dossier kept under 5 years stays with its unit and is destroyed from there (retention.custody).
    (State.CLOSED, "destroy"): State.DESTROYED,
}

# Audit action written for each lifecycle action ("noun.past_participle").
PAST = {
    "close": "closed",
    "reopen": "reopened",
    "submit": "submitted",
    "reject": "rejected",
    "accept": "accepted",
    "transfer": "transferred",
    "destroy": "destroyed",
}

# The timestamp column each arrival state stamps.
_STAMPS = {State.CLOSED: "closed_at", State.SUBMITTED: "submitted_at", State.ARCHIVED: "archived_at"}


def target(state: State, action: str) -> State:
    """Return the state ``action`` leads to from ``state``, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state=state.value, action=PAST.get(action, action)) from None


def apply(
    session: Session, dossier: Dossier, action: str, actor: Actor | None, *, now: datetime, reason: str = "", **details
) -> None:
    """Move ``dossier`` along ``action`` or raise IllegalTransition; audit the change."""
    before = dossier.state
    after = target(before, action)
    dossier.state = after
    if after in _STAMPS:
        setattr(dossier, _STAMPS[after], now)
    if before is State.OPEN:
        dossier.extent_documents, dossier.extent_pages, dossier.extent_bytes = measure(session, dossier.id)
        details["metadata_sha256"] = metadata_seal.seal(session, dossier, now=now)
    elif after is State.OPEN:
        dossier.extent_documents = dossier.extent_pages = dossier.extent_bytes = None
        metadata_seal.unseal(session, dossier)
    if reason:
        details["reason"] = reason
    audit.record(
        session,
        actor,
        f"dossier.{PAST[action]}",
        "dossier",
        dossier.id,
        now=now,
        before=before.value,
        after=after.value,
        file_code=dossier.file_code,
        **details,
    )


def start(session: Session, dossier: Dossier, actor: Actor, *, now: datetime, **details) -> None:
    """Put a new dossier in its first state, OPEN, and audit the opening."""
    dossier.state = State.OPEN
    session.add(dossier)
    session.flush()
    audit.record(
        session,
        actor,
        "dossier.opened",
        "dossier",
        dossier.id,
        now=now,
        after=State.OPEN.value,
        file_code=dossier.file_code,
        **details,
    )


def extent(dossier_id) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """Return the documents, pages and bytes of the dossier ``dossier_id`` (a value, or ``Dossier.id`` to correlate
    with an UPDATE of the dossiers) as three scalar subqueries.

    One document per link (a document filed in two dossiers counts in each, as each dossier's index lists it), the
    linked documents' pages (none given: 0), the bytes of every version's file (a draft kept each of its versions;
    a classified document has none).
    """
    linked = DossierDocument.dossier_id == dossier_id
    documents = select(func.count(DossierDocument.id)).where(linked)
    pages = (
        select(func.coalesce(func.sum(Document.page_amount), 0))
        .select_from(DossierDocument)
        .join(Document, Document.id == DossierDocument.document_id)
        .where(linked)
    )
    stored = (
        select(func.coalesce(func.sum(StoredFile.size), 0))
        .select_from(DossierDocument)
        .join(DocumentVersion, DocumentVersion.document_id == DossierDocument.document_id)
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .where(linked)
    )
    return documents.scalar_subquery(), pages.scalar_subquery(), stored.scalar_subquery()


def measure(session: Session, dossier_id: int) -> tuple[int, int, int]:
    """Return the documents, pages and bytes of a dossier as its links stand now, in one small query."""
    documents, pages, size = session.execute(select(*extent(dossier_id))).one()
    return int(documents), int(pages), int(size)  # PostgreSQL's sum of a bigint is a numeric


def measure_all(connection: Connection) -> None:
    """Store the extent of every dossier that is not open, set-based: zeros, then the sums of the links grouped once
    per table (what migration 0028 did; for data loaded around the services, as the benches load theirs)."""
    not_open = Dossier.state != State.OPEN
    connection.execute(update(Dossier).where(not_open).values(extent_documents=0, extent_pages=0, extent_bytes=0))
    filed = (
        select(
            DossierDocument.dossier_id.label("id"),
            func.count().label("documents"),
            func.coalesce(func.sum(Document.page_amount), 0).label("pages"),
        )
        .join(Document, Document.id == DossierDocument.document_id)
        .group_by(DossierDocument.dossier_id)
        .subquery()
    )
    connection.execute(
        update(Dossier)
        .where(not_open, Dossier.id == filed.c.id)
        .values(extent_documents=filed.c.documents, extent_pages=filed.c.pages)
    )
    stored = (
        select(DossierDocument.dossier_id.label("id"), func.coalesce(func.sum(StoredFile.size), 0).label("bytes"))
        .join(DocumentVersion, DocumentVersion.document_id == DossierDocument.document_id)
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .group_by(DossierDocument.dossier_id)
        .subquery()
    )
    connection.execute(update(Dossier).where(not_open, Dossier.id == stored.c.id).values(extent_bytes=stored.c.bytes))
