"""The audit log read by those entitled to it (PL6 III.5.a, III.6.l): filtered, a page at a time, exported, and its
hash chain verified.

Events carry no organisation, so what a reader sees follows from each event's record: an event about a record of an
organisation (``OWNERS``: a dossier, a document, a list …) is shown to that organisation's readers; one about a
person to the readers of the organisations the person has a role in; any other (security refusals, saved searches,
stored files, verifications) to the readers of the organisations its actor has a role in. Anonymous and system
events about no record are therefore the deployment administrator's alone, who reads the whole log (the refused
log-ins are on the security page). A new kind of record that belongs to an organisation is added to ``OWNERS``.

The log is never changed, but what it recorded is shown as its reader may read it today: the summary (trích yếu) an
event about a document recorded (``SUMMARY_KEYS``) is replaced by a marker, in the page and in the exports alike, for
a reader who may not read that document's summary (:func:`unread_summaries`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from administration import spreadsheets
from classification import markings
from erms import audit, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, PermissionDenied, Problem, RuleViolation
from erms.models import (
    AuditEvent,
    DestructionList,
    Document,
    Dossier,
    DossierList,
    DossierListEntry,
    HandoverBatch,
    IntakeRun,
    LookupValue,
    Organisation,
    Repository,
    RetentionSchedule,
    RoleMembership,
    StorageBox,
    SupplementaryField,
    Transfer,
    Unit,
    User,
    UseRequest,
)
from erms.permissions import Actor
from filing import dossiers, removals

# Events on one page: a screen's worth; the next page continues below the last id (never an OFFSET into the log).
PAGE = 50
# Most events one export holds: a year of a busy agency fits; more is narrowed by period or filters first.
EXPORT_LIMIT = 50_000
# A verification walks the whole chain: once a minute is enough for anyone.
VERIFY_INTERVAL = timedelta(minutes=1)
VERIFIED = "audit.verified"
ACTION = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
ACTION_FORMAT = N_("Write an action as the log names it (dossier.viewed) or its first part (dossier).")
# What stands for a summary the reader may not read (the page and the exports give it in the reader's language).
WITHHELD = N_("(summary withheld)")
# Where an event about a document ("document" records) keeps the document's summary in its details: an edit
# ("document.updated") records each changed field before and after, the summary among them. No event records a
# dossier's title (an edit names the fields changed); a new detail carrying a summary or a title is added here.
# A file's name is one too: a document added with several files at once takes its file's name as its summary, and
# the name of a restricted document's file is for those who read its files ("scan_warning.accepted": ``filename``;
# "document.taken_in": each of ``files``' ``name``).
# A document's supplementary metadata is said where its summary is ("document.updated": ``supplementary``), and so is
# an opinion given on it ("document.opinion_given": ``opinion_text``, recorded only for a document everyone reads).
SUMMARY_KEYS: tuple[tuple[str, ...], ...] = (
    ("changes", "subject"),
    ("filename",),
    ("files", "name"),
    ("supplementary",),
    ("opinion_text",),
)

Owned = Callable[[set[int]], Select]


def _of(model) -> Owned:
    return lambda organisations: select(model.id).where(model.organisation_id.in_(organisations))


# Kinds of record that belong to one organisation: the ids of those of some organisations.
OWNERS: dict[str, Owned] = {
    "dossier": _of(Dossier),
    "document": _of(Document),
    "dossier_list": _of(DossierList),
    "dossier_list_entry": lambda organisations: (
        select(DossierListEntry.id).join(DossierList).where(DossierList.organisation_id.in_(organisations))
    ),
    "destruction_list": _of(DestructionList),
    "handover_batch": _of(HandoverBatch),
    "retention_schedule": _of(RetentionSchedule),
    "unit": _of(Unit),
    "lookup_value": _of(LookupValue),
    "supplementary_field": _of(SupplementaryField),
    "transfer": _of(Transfer),
    "use_request": _of(UseRequest),
    "repository": _of(Repository),
    "storage_box": _of(StorageBox),
    "intake_run": _of(IntakeRun),
    "organisation": lambda organisations: select(Organisation.id).where(Organisation.id.in_(organisations)),
}
# How a reader recognises the record an event is about, beside its number: a person by log-in name, a dossier by its
# code. Only what every reader of such an event may see (never a title or a summary, which may be restricted).
NAMES: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[str]]] = {
    "user": (User.id, User.username),
    "unit": (Unit.id, Unit.name),
    "organisation": (Organisation.id, Organisation.name),
    "dossier": (Dossier.id, Dossier.file_code),
}
# The kinds of record a reader may filter on: the organisations' own, and the deployment's (seen by an organisation's
# readers when one of its people acted on them).
RECORD_TYPES = (
    *OWNERS,
    "user",
    "saved_search",
    "stored_file",
    "security",
    "audit_log",
    "recipient_organisation",
    "trust_root",
    "background_job",
    "backup_set",
)


@dataclass(frozen=True)
class Filter:
    """What the reader asks for; empty fields do not filter."""

    username: str = ""
    action: str = ""  # an action ("dossier.viewed") or its family ("dossier")
    subject_type: str = ""
    subject_id: int | None = None
    start: date | None = None  # local days, both included
    end: date | None = None


@dataclass(frozen=True)
class Event:
    """One event as the list and the exports show it."""

    id: int
    occurred_at: datetime
    actor_name: str
    action: str
    subject_type: str
    subject_id: int | None
    before: str
    after: str
    details: dict
    hash: str

    @classmethod
    def of(cls, row: AuditEvent) -> Event:
        return cls(
            row.id,
            row.occurred_at,
            row.actor_name,
            row.action,
            row.subject_type,
            row.subject_id,
            row.before_state,
            row.after_state,
            json.loads(row.details),
            row.hash,
        )

    def cells(self) -> tuple:
        """Return the event as a line of the exports (the time in the agency's zone, with its offset)."""
        when = self.occurred_at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
        details = json.dumps(self.details, ensure_ascii=False, sort_keys=True)
        return (
            self.id,
            when,
            self.actor_name,
            self.action,
            self.subject_type,
            self.subject_id,
            self.before,
            self.after,
            details,
            self.hash,
        )


@dataclass(frozen=True)
class Page:
    events: list[Event]
    older: int | None  # continue below this id for the next page; None on the last
    names: dict[tuple[str, int], str] = field(default_factory=dict)  # (kind, id) -> how a reader knows it (NAMES)


@dataclass(frozen=True)
class ChainCheck:
    """The last verification of the hash chain, as its "audit.verified" event recorded it."""

    checked_at: datetime
    by: str
    checked: int
    broken_id: int | None
    reason: str
    head: str  # the newest event when the walk began: the chain up to it was checked


@dataclass(frozen=True)
class Chain:
    head: str
    last_check: ChainCheck | None


# ---------------------------------------------------------------- who sees what


def readable(actor: Actor) -> set[int] | None:
    """Return the organisations whose log the actor reads (None: every one); refuse one who reads none."""
    organisations = permissions.audit_organisations(actor)
    if organisations is not None and not organisations:
        raise PermissionDenied()
    return organisations


def members(organisations: set[int] | None, unit_id: int | None = None) -> Select:
    """Return the ids of the people with a role in ``organisations`` (None: any), in ``unit_id`` if given."""
    query = select(RoleMembership.user_id)
    if organisations is not None:
        query = query.where(RoleMembership.organisation_id.in_(organisations))
    return query.where(RoleMembership.unit_id == unit_id) if unit_id is not None else query


def visible(organisations: set[int] | None) -> list[ColumnElement[bool]]:
    """Return the conditions of the events the readers of ``organisations`` see (none for the whole log)."""
    if organisations is None:
        return []
    people = members(organisations)
    return [
        or_(
            *(
                (AuditEvent.subject_type == kind) & AuditEvent.subject_id.in_(owned(organisations))
                for kind, owned in OWNERS.items()
            ),
            (AuditEvent.subject_type == "user") & AuditEvent.subject_id.in_(people),
            AuditEvent.subject_type.not_in([*OWNERS, "user"]) & AuditEvent.actor_id.in_(people),
        )
    ]


def between(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Return the conditions of events from the local day ``start`` to the local day ``end``, both included."""
    found = []
    if start is not None and (since := _midnight(start, 0)) is not None:
        found.append(AuditEvent.occurred_at >= since)
    if end is not None and (until := _midnight(end, 1)) is not None:
        found.append(AuditEvent.occurred_at < until)
    return found


def _midnight(day: date, later: int) -> datetime | None:
    try:
        return datetime.combine(day + timedelta(days=later), time(), LOCAL_TZ).astimezone(UTC)
    except OverflowError:  # year 1 or 9999: before or after every event, no bound at all
        return None


# ---------------------------------------------------------------- reading


def events(
    session: Session, actor: Actor, wanted: Filter, *, before: int | None = None, withheld: str = WITHHELD
) -> Page:
    """Return a page of the events the actor may read that ``wanted`` matches, newest first, below id ``before``;
    ``withheld`` stands for each summary the actor may not read (:func:`withhold`)."""
    query = _query(session, actor, wanted).order_by(AuditEvent.id.desc()).limit(PAGE + 1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = [Event.of(row) for row in session.scalars(query)]
    shown = withhold(session, actor, rows[:PAGE], withheld)
    return Page(shown, rows[PAGE - 1].id if len(rows) > PAGE else None, names(session, shown))


def names(session: Session, events: list[Event]) -> dict[tuple[str, int], str]:
    """Return how a reader knows each record the events are about (``NAMES``; a record since removed has none): one
    query per kind of record."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.subject_type in NAMES and event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
    found: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        key, name_column = NAMES[kind]
        for record_id, name in session.execute(select(key, name_column).where(key.in_(ids))):
            found[(kind, record_id)] = name
    return found


def export(
    session: Session, actor: Actor, wanted: Filter, headings: list[str], *, form: str, withheld: str = WITHHELD
) -> bytes:
    """Return the matching events, oldest first, as "csv" or "xlsx"; refuse more than EXPORT_LIMIT. ``withheld``
    stands for each summary the actor may not read, as on the page."""
    query = _query(session, actor, wanted)
    counted = select(func.count()).select_from(
        query.with_only_columns(AuditEvent.id).limit(EXPORT_LIMIT + 1).subquery()
    )
    if (session.scalar(counted) or 0) > EXPORT_LIMIT:
        raise RuleViolation(
            N_("More than %(count)s events match: choose a shorter period or more filters."), count=EXPORT_LIMIT
        )
    rows = _cells(session, actor, query.order_by(AuditEvent.id), withheld)
    if form == "csv":
        return spreadsheets.csv_bytes(headings, rows)
    return spreadsheets.xlsx_bytes("Nhật ký", headings, rows)


def _cells(session: Session, actor: Actor, query: Select, withheld: str) -> Iterator[tuple]:
    # In batches: an export of many events never holds them all as objects, and asks who reads what once a batch.
    for batch in session.scalars(query.execution_options(yield_per=1000)).partitions():
        for event in withhold(session, actor, [Event.of(row) for row in batch], withheld):
            yield event.cells()


# ---------------------------------------------------------------- summaries the reader may not read


def withhold(session: Session, actor: Actor, events: list[Event], withheld: str) -> list[Event]:
    """Return the events with each summary they recorded (``SUMMARY_KEYS``) of a document the actor may not read the
    summary of replaced by ``withheld``; the log itself stays as it was. Four queries for any number of events."""
    about = {
        event.subject_id
        for event in events
        if event.subject_type == "document"
        and event.subject_id is not None
        and (_masked(event.details, "") or event.details.get("changes"))
    }
    hidden, unread = _unread(session, actor, about) if about else (set(), set())
    return [
        replace(event, details=_withheld_details(event.details, withheld, every_value=event.subject_id in unread))
        if event.subject_type == "document" and event.subject_id in hidden
        else event
        for event in events
    ]


def _withheld_details(details: dict, withheld: str, *, every_value: bool) -> dict:
    """Return the details with each summary replaced by ``withheld`` and, for a document the reader may not read at
    all (``every_value``: restricted from them), every changed field's values too: its note, keyword, signer or
    number say what its summary does. The fields changed are still named, as a dossier's are."""
    masked = _masked(details, withheld) or details
    changes = masked.get("changes")
    if every_value and isinstance(changes, dict):
        masked = {**masked, "changes": {field: withheld for field in changes}}
    return masked


def _masked(details: dict, withheld: str) -> dict | None:
    """Return the details with each summary they hold replaced by ``withheld``, or None when they hold none."""
    masked = details
    for path in SUMMARY_KEYS:
        masked = _replaced(masked, path, withheld)
    return None if masked is details else masked


def _replaced(found, path: tuple[str, ...], withheld: str):
    """Return ``found`` with the value at ``path`` replaced by ``withheld`` (in each item of a list on the way), or
    ``found`` itself when it holds none."""
    if isinstance(found, list):
        items = [_replaced(item, path, withheld) for item in found]
        return found if all(new is old for new, old in zip(items, found, strict=True)) else items
    key, rest = path[0], path[1:]
    if not isinstance(found, dict) or found.get(key) is None:  # none recorded (a tuyệt mật edit records None)
        return found
    value = _replaced(found[key], rest, withheld) if rest else withheld
    return found if value is found[key] else {**found, key: value}


def unread_summaries(session: Session, actor: Actor, document_ids: Iterable[int]) -> set[int]:
    """Return those of ``document_ids`` whose summary the actor may not read: a tuyệt mật document's unless authorised
    (Luật BVBMNN 2018), as the register shows it; that of a document filed only in dossiers the actor does not read
    (restricted ones) or, filed in none, of an organisation whose records they do not read; and that of a document
    restricted on its own unless they read its content, as its dossier's page shows it. An id no document has is
    withheld too. A few queries for any number of documents."""
    return _unread(session, actor, document_ids)[0]


def _unread(session: Session, actor: Actor, document_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """Return (those of ``document_ids`` whose summary the actor may not read, those of them the actor may not read
    at all: not found, held only where they do not read, or restricted from them)."""
    wanted = set(document_ids)
    found = list(session.scalars(select(Document).where(Document.id.in_(wanted))))
    content = dossiers.content_access(session, found)
    # A document taken out of its dossiers and kept nowhere else is read as if they still held it.
    content.update(removals.taken_out_of(session, [item.id for item in found if not content[item.id].holders]))
    hidden = wanted - {document.id for document in found}
    unread = set(hidden)
    for document in found:
        holders = content[document.id].holders
        organisation = document.organisation_id
        authorised = permissions.can(actor, "register.read_top_secret", organisation)
        if holders:
            readable = any(permissions.can_read_dossier(actor, holder, access) for holder, access in holders)
        else:
            readable = permissions.can_read_document(actor, organisation, ())
        if not readable or not permissions.can_read_content(actor, document, content[document.id]):
            unread.add(document.id)
        if document.id in unread or not markings.summary_visible(
            markings.SecurityMarking(document.marking), authorised
        ):
            hidden.add(document.id)
    return hidden, unread


def _query(session: Session, actor: Actor, wanted: Filter) -> Select:
    organisations = readable(actor)
    return select(AuditEvent).where(*visible(organisations), *_conditions(session, organisations, wanted))


def _conditions(session: Session, organisations: set[int] | None, wanted: Filter) -> list[ColumnElement[bool]]:
    """Return the conditions ``wanted`` asks for, or refuse naming every field that cannot be used."""
    problems = _problems(wanted)
    user_id = None
    if wanted.username:
        user_id = session.scalar(select(User.id).where(User.username == wanted.username, *_among(organisations)))
        if user_id is None:  # someone of another organisation is as unknown as nobody
            problem = N_("No user of your organisation is called %(username)s.")
            problems.append(Problem("user", problem, {"username": wanted.username}))
    if problems:
        raise InvalidMetadata(problems)
    found = between(wanted.start, wanted.end)
    if user_id is not None:
        found.append(AuditEvent.actor_id == user_id)
    if wanted.action:
        family = AuditEvent.action.startswith(wanted.action + ".", autoescape=True)
        found.append(or_(AuditEvent.action == wanted.action, family))
    if wanted.subject_type:
        found.append(AuditEvent.subject_type == wanted.subject_type)
    if wanted.subject_id is not None:
        found.append(AuditEvent.subject_id == wanted.subject_id)
    return found


def _among(organisations: set[int] | None) -> list[ColumnElement[bool]]:
    return [] if organisations is None else [User.id.in_(members(organisations))]


def _problems(wanted: Filter) -> list[Problem]:
    problems = []
    if wanted.action and (len(wanted.action) > 64 or not ACTION.match(wanted.action)):
        problems.append(Problem("action", ACTION_FORMAT))
    if wanted.subject_type and wanted.subject_type not in RECORD_TYPES:
        problems.append(Problem("subject_type", N_("Choose a kind of record from the list.")))
    if wanted.subject_id is not None and not wanted.subject_type:
        problems.append(Problem("subject_type", N_("Choose the kind of record the number belongs to.")))
    if wanted.start and wanted.end and wanted.end < wanted.start:
        problems.append(Problem("end", N_("The end date is before the start date.")))
    return problems


# ---------------------------------------------------------------- the hash chain


def chain(session: Session, actor: Actor) -> Chain:
    """Return the chain's head and the last verification the actor may see, without walking the chain."""
    return Chain(audit.head_hash(session), last_check(session, readable(actor)))


def last_check(session: Session, organisations: set[int] | None) -> ChainCheck | None:
    """Return the newest verification run by someone of ``organisations`` (None: by anyone)."""
    row = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == VERIFIED, *visible(organisations))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    found = json.loads(row.details)
    return ChainCheck(
        row.occurred_at, row.actor_name, found["checked"], found["broken_id"], found["reason"], found["head"]
    )


def check_chain(session: Session, actor: Actor, *, now: datetime) -> tuple[audit.ChainReport, str]:
    """Walk the whole chain (slow: read-only, before the short write of :func:`record_check`); return the report
    and the head the walk began from."""
    readable(actor)
    last = last_check(session, None)  # anyone's: the walk costs the whole deployment the same
    if last is not None and now - last.checked_at < VERIFY_INTERVAL:
        raise RuleViolation(N_("The chain was verified less than a minute ago: try again in a minute."))
    head = audit.head_hash(session)
    return audit.verify(session), head


def record_check(session: Session, actor: Actor, report: audit.ChainReport, head: str, *, now: datetime) -> None:
    """Write the verification's result into the log, where :func:`chain` finds it."""
    readable(actor)
    audit.record(
        session,
        actor,
        VERIFIED,
        "audit_log",
        None,
        now=now,
        checked=report.checked,
        broken_id=report.broken_id,
        reason=report.reason,
        head=head,
    )
