"""Statistics of access to the records and to the system (NĐ 30 PL6 II.3, III.6.a, III.6.b), counted from the log.

A dossier's or document's page records "dossier.viewed" / "document.viewed" (:func:`dossier_viewed`,
:func:`document_viewed`; a register line's page records a view of its document, :func:`register_line_viewed`);
downloads record their own events; a log-in records "user.logged_in". Nothing else is kept for the statistics: they
are sums over the audit log of a period, for the organisations the reader reads the log of (``audit_log.readable``),
optionally for one of their units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from administration import audit_log, spreadsheets
from erms import audit, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import AuditEvent, Document, Dossier, DossierDocument, Unit, User
from erms.permissions import Actor
from filing import dossiers, registers

# What each table counts: the first action is a view (or a log-in), the second a download.
COUNTED = {
    "dossiers": ("dossier", "dossier.viewed", "dossier.index_downloaded"),
    "documents": ("document", "document.viewed", "document.downloaded"),
    "logins": ("user", "user.logged_in", None),
}
KINDS = tuple(COUNTED)
# The columns each table shows (fields of ``Line``): a document or a person may belong to several units.
COLUMNS = {
    "dossiers": ("code", "title", "unit", "views", "downloads", "last"),
    "documents": ("code", "title", "views", "downloads", "last"),
    "logins": ("code", "title", "views", "last"),
}
# Lines shown on the page, the most used first; the export holds every line.
LIMIT = 200


@dataclass(frozen=True)
class Query:
    kind: str
    start: date
    end: date
    unit_id: int | None = None


@dataclass(frozen=True)
class Line:
    """One record or person and how often it was used in the period."""

    record_id: int
    code: str  # the dossier's file code, the document's number and notation, the username
    title: str | None  # the dossier title, the document summary (None: withheld), the full name
    unit: str  # the dossier's unit (empty for documents and people)
    views: int  # page views, or log-ins
    downloads: int
    last: datetime


# ---------------------------------------------------------------- recording what is counted


def dossier_viewed(session: Session, actor: Actor, dossier_id: int, *, now: datetime) -> None:
    """Record that the actor opened a dossier's page (PL6 III.6.a), once the page was shown to them."""
    # Its rights checked again without loading its documents: this runs holding the write lock.
    dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)
    audit.record(session, actor, "dossier.viewed", "dossier", dossier.id, now=now)


def register_line_viewed(session: Session, actor: Actor, entry_id: int, *, now: datetime) -> None:
    """Record that the actor opened a register line's page, which shows its document's metadata: a view of the
    document as its page in a dossier is (PL6 III.6.a counts access to each document, filed or not)."""
    line = registers.readable_line(session, actor, entry_id)
    audit.record(session, actor, "document.viewed", "document", line.document_id, now=now, register_entry_id=line.id)


def document_viewed(session: Session, actor: Actor, dossier_id: int, document_id: int, *, now: datetime) -> None:
    """Record that the actor opened a document's page within a dossier they may read."""
    dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)
    if dossiers.filed_document(session, dossier.id, document_id) is None:
        raise NotFound()
    audit.record(session, actor, "document.viewed", "document", document_id, now=now, dossier_id=dossier.id)


# ---------------------------------------------------------------- counting


def units(session: Session, actor: Actor) -> list[Unit]:
    """Return the units the actor may narrow the statistics to, by organisation and code."""
    organisations = audit_log.readable(actor)
    query = select(Unit).order_by(Unit.organisation_id, Unit.code)
    return list(
        session.scalars(query if organisations is None else query.where(Unit.organisation_id.in_(organisations)))
    )


def statistics(session: Session, actor: Actor, wanted: Query, *, limit: int | None = LIMIT) -> list[Line]:
    """Return the lines of ``wanted.kind`` for the period, the most used first (at most ``limit``)."""
    organisations = audit_log.readable(actor)
    _check(session, organisations, wanted)
    counts = _counts(wanted)
    lines = {"dossiers": _dossiers, "documents": _documents, "logins": _logins}[wanted.kind]
    total = counts.c.views + counts.c.downloads
    query = lines(organisations, wanted.unit_id, counts).order_by(total.desc(), counts.c.record_id)
    found = [Line(*row) for row in session.execute(query.limit(limit))]
    withheld = {"documents": _withheld, "dossiers": _unread_titles}.get(wanted.kind)
    return withheld(actor, session, found) if withheld else found


def export(session: Session, actor: Actor, wanted: Query, headings: Sequence[str], *, withheld: str) -> bytes:
    """Return every line of ``wanted`` as an XLSX sheet of its ``COLUMNS``; ``withheld`` stands for a hidden
    summary (a spreadsheet's dates have no zone: the agency's local time is written)."""
    cells = {
        "title": lambda line: withheld if line.title is None else line.title,
        "last": lambda line: line.last.astimezone(LOCAL_TZ).replace(tzinfo=None),
    }
    rows = (
        [cells[name](line) if name in cells else getattr(line, name) for name in COLUMNS[wanted.kind]]
        for line in statistics(session, actor, wanted, limit=None)
    )
    return spreadsheets.xlsx_bytes(f"{wanted.kind} {wanted.start}", headings, rows)


def _check(session: Session, organisations: set[int] | None, wanted: Query) -> None:
    problems = []
    if wanted.kind not in KINDS:
        problems.append(Problem("kind", N_("Choose what to count from the list.")))
    if wanted.end < wanted.start:
        problems.append(Problem("end", N_("The end date is before the start date.")))
    unit = session.get(Unit, wanted.unit_id) if wanted.unit_id is not None else None
    ours = unit is not None and (organisations is None or unit.organisation_id in organisations)
    if wanted.unit_id is not None and not ours:  # another organisation's unit is as unknown as none
        problems.append(Problem("unit", N_("Choose a unit of your organisation.")))
    if problems:
        raise InvalidMetadata(problems)


def _counts(wanted: Query):
    """Return, per record of the kind, its views (or log-ins), downloads and last use in the period."""
    subject_type, viewed, downloaded = COUNTED[wanted.kind]
    actions = [action for action in (viewed, downloaded) if action]
    return (
        select(
            AuditEvent.subject_id.label("record_id"),
            func.sum(case((AuditEvent.action == viewed, 1), else_=0)).label("views"),
            func.sum(case((AuditEvent.action == downloaded, 1), else_=0)).label("downloads"),
            func.max(AuditEvent.occurred_at).label("last"),
        )
        .where(
            AuditEvent.subject_type == subject_type,
            AuditEvent.action.in_(actions),
            *audit_log.between(wanted.start, wanted.end),
        )
        .group_by(AuditEvent.subject_id)
        .subquery()
    )


def _in(column, organisations: set[int] | None) -> list[ColumnElement[bool]]:
    return [] if organisations is None else [column.in_(organisations)]


def _dossiers(organisations: set[int] | None, unit_id: int | None, counts) -> Select:
    return (
        select(
            Dossier.id, Dossier.file_code, Dossier.title, Unit.name, counts.c.views, counts.c.downloads, counts.c.last
        )
        .join(counts, counts.c.record_id == Dossier.id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(*_in(Dossier.organisation_id, organisations), *([Dossier.unit_id == unit_id] if unit_id else []))
    )


def _documents(organisations: set[int] | None, unit_id: int | None, counts) -> Select:
    # "Of a unit": filed in one of the unit's dossiers (a document may be in several).
    held = select(DossierDocument.document_id).join(Dossier).where(Dossier.unit_id == unit_id)
    number = Document.code_number + "/" + Document.code_notation
    return (
        select(Document.id, number, Document.subject, literal(""), counts.c.views, counts.c.downloads, counts.c.last)
        .join(counts, counts.c.record_id == Document.id)
        .where(*_in(Document.organisation_id, organisations), *([Document.id.in_(held)] if unit_id else []))
    )


def _logins(organisations: set[int] | None, unit_id: int | None, counts) -> Select:
    people = audit_log.members(organisations, unit_id)
    return (
        select(User.id, User.username, User.full_name, literal(""), counts.c.views, counts.c.downloads, counts.c.last)
        .join(counts, counts.c.record_id == User.id)
        .where(*([] if organisations is None and unit_id is None else [User.id.in_(people)]))
    )


def _withheld(actor: Actor, session: Session, lines: list[Line]) -> list[Line]:
    """Return the lines with the summary of a document the actor may not read the summary of withheld, as the audit
    log withholds it (``audit_log.unread_summaries``): a "tuyệt mật" one's unless authorised (Luật BVBMNN 2018), as the
    register does, and that of a document the actor does not read the content of (filed only in dossiers they do not
    read, or restricted on its own to others), as its dossier's page does."""
    hidden = audit_log.unread_summaries(session, actor, [line.record_id for line in lines])
    return [replace(line, title=None) if line.record_id in hidden else line for line in lines]


def _unread_titles(actor: Actor, session: Session, lines: list[Line]) -> list[Line]:
    """Return the lines with the title of a dossier the actor does not read withheld (a restricted one: its unit's
    formers, the head and the people named read it), as the reports' lists do."""
    found = list(session.scalars(select(Dossier).where(Dossier.id.in_([line.record_id for line in lines]))))
    grants = permissions.dossier_access(session, found)
    readable = {dossier.id for dossier in found if permissions.can_read_dossier(actor, dossier, grants[dossier.id])}
    return [line if line.record_id in readable else replace(line, title=None) for line in lines]
