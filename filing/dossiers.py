"""Filing services: open a dossier, add documents, close, reopen, submit, accept or reject.

Every service takes ``(session, actor, …, *, now)``, checks permissions and rules first, changes
the models, moves state only through ``erms.lifecycle`` and never commits: the caller owns the
transaction, so a refused request writes nothing (NĐ 30/2020 Điều 29-30).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, object_session, selectinload

from classification import markings
from erms import audit, lifecycle, metadata, metadata_seal, notices, permissions, supplementary, transitions
from erms.config import LOCAL_TZ
from erms.db import read_memo
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import (
    CertifiedCopy,
    DestructionItem,
    DestructionList,
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    DossierList,
    DossierListEntry,
    EntryReview,
    RecordKind,
    RegisterEntry,
    Role,
    RoleMembership,
    ScanCheck,
    StoredFile,
    Transfer,
    TransferItem,
    User,
)
from erms.models.appraisal import DestructionListState
from erms.models.dossier import DocumentDirection, DocumentStatus, DossierState, KeepBackState, Medium
from erms.models.dossier_list import DossierListState
from erms.models.transfer import ItemOutcome, TransferState
from erms.permissions import Actor
from erms.storage import Captured, FileStore, TooLarge
from exports import snapshot
from exports.pdf import pdf_index
from filing import certified_copies, page_counts, recipients, scan_checks
from filing import supplementary as supplementary_values
from retention import clock


def local_date(now: datetime) -> date:
    """Return the Vietnamese calendar date of ``now`` (a record's year is the agency's year)."""
    return now.astimezone(LOCAL_TZ).date()


# ---------------------------------------------------------------- reading

# A dossier is read with its documents, their versions and files in four queries, not four per document; its unit
# and organisation, which its page names, in the same first one.
WITH_DOCUMENTS = (
    joinedload(Dossier.unit),
    joinedload(Dossier.organisation),
    selectinload(Dossier.links)
    .selectinload(DossierDocument.document)
    .selectinload(Document.versions)
    .selectinload(DocumentVersion.file),
)
# One document is read with its versions and files the same way.
DOCUMENT_FILES = (selectinload(Document.versions).selectinload(DocumentVersion.file),)


def get_dossier(session: Session, actor: Actor, dossier_id: int, *, with_documents: bool = True) -> Dossier:
    """Return the dossier if the actor may read it; NotFound hides dossiers of other units.

    ``with_documents`` loads its documents, versions and files in the same few queries (the page shows them); a
    check that only asks whether the actor may read the dossier leaves them out.
    """
    dossier = session.get(Dossier, dossier_id, options=WITH_DOCUMENTS if with_documents else ())
    if dossier is None or not permissions.can_read_dossier(
        actor, dossier, permissions.dossier_access(session, [dossier])[dossier.id]
    ):
        raise NotFound()
    return dossier


def unreadable_dossiers(session: Session, actor: Actor, dossiers: Iterable[Dossier]) -> set[int]:
    """Return the ids of the dossiers the actor may not read (``permissions.can_read_dossier``): a restricted one is
    read by its unit's formers, the head and the people named, not by the registry and the archivist who check,
    receive, keep and appraise it, so the lists they work from show its number but not its title. One query for any
    number."""
    found = list(dossiers)
    access = permissions.dossier_access(session, found)
    return {dossier.id for dossier in found if not permissions.can_read_dossier(actor, dossier, access[dossier.id])}


def visible_dossiers(
    session: Session, actor: Actor, states: tuple[DossierState, ...] = (), limit: int | None = None
) -> list[Dossier]:
    """Return the dossiers the actor may read (their units', or their organisation's), newest first."""
    query = _visible(actor).options(selectinload(Dossier.unit))
    if states:
        query = query.where(Dossier.state.in_(states))
    return list(session.scalars(query.order_by(Dossier.opened_at.desc(), Dossier.id.desc()).limit(limit)))


def visible_page(
    session: Session, actor: Actor, states: tuple[DossierState, ...], page: int, per_page: int
) -> tuple[list[Dossier], int]:
    """Return one page of the dossiers the actor may read (in ``states``, if any), newest first, and their total."""
    query = _visible(actor)
    if states:
        query = query.where(Dossier.state.in_(states))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.options(selectinload(Dossier.unit)).order_by(Dossier.opened_at.desc(), Dossier.id.desc())
    return list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page))), total


def visible_count(session: Session, actor: Actor) -> int:
    """Return how many dossiers the actor may read."""
    return session.scalar(select(func.count()).select_from(_visible(actor).subquery())) or 0


def _visible(actor: Actor):
    return select(Dossier).where(permissions.readable_dossiers(actor))


def my_entries(session: Session, actor: Actor) -> list[DossierListEntry]:
    """Return the approved-list entries of the actor's units that have no dossier yet: theirs, unassigned, or assigned
    to one who no longer forms dossiers in the unit (moved, gone: the unit takes the entry back); not an ad-hoc one
    the unit head did not accept."""
    units = actor.unit_ids(Role.OFFICER, Role.UNIT_HEAD)
    opened = select(Dossier.entry_id)
    refused = select(EntryReview.entry_id).where(~EntryReview.accepted)  # an ad-hoc dossier the unit head turned down
    still_there = (
        select(RoleMembership.id)
        .join(User, User.id == RoleMembership.user_id)
        .where(
            RoleMembership.user_id == DossierListEntry.responsible_user_id,
            RoleMembership.unit_id == DossierListEntry.unit_id,
            RoleMembership.role.in_(permissions.RULES["dossier.open"]),
            User.active.is_(True),
        )
        .exists()
    )
    query = (
        select(DossierListEntry)
        .join(DossierListEntry.dossier_list)
        .where(
            DossierList.state == DossierListState.APPROVED,
            DossierListEntry.unit_id.in_(units),
            DossierListEntry.id.not_in(opened),
            DossierListEntry.id.not_in(refused),
            or_(
                DossierListEntry.responsible_user_id.is_(None),
                DossierListEntry.responsible_user_id == actor.user_id,
                ~still_there,
            ),
        )
        .order_by(DossierList.year.desc(), DossierListEntry.number)
        .options(contains_eager(DossierListEntry.dossier_list))
    )
    return list(session.scalars(query))


def my_open_dossiers(session: Session, actor: Actor) -> list[Dossier]:
    """Return the open dossiers the actor created in a unit they form dossiers in, oldest first (the ones to work
    on): one moved to another unit leaves theirs to the old unit's people."""
    query = (
        select(Dossier).where(_mine(actor), Dossier.state == DossierState.OPEN).order_by(Dossier.opened_at, Dossier.id)
    )
    return list(session.scalars(query))


def _mine(actor: Actor):
    """The dossiers the actor created, in the units where they still form dossiers."""
    units = actor.unit_ids(*permissions.RULES["dossier.edit"])
    return and_(Dossier.creator_id == actor.user_id, Dossier.unit_id.in_(units))


def told_of(session: Session, dossier: Dossier, people: Iterable[int]) -> set[int]:
    """Who is told of what happens to a dossier: ``people`` (who made it, who submitted it) while they still form
    dossiers in its unit, else all who do (moved or gone, their unit takes their place)."""
    formers = notices.unit_people(session, dossier.organisation_id, dossier.unit_id)
    return (set(people) & formers) or formers


def document_counts(session: Session, dossier_ids: list[int]) -> dict[int, int]:
    """Return how many documents each dossier holds (one query; a list of dossiers need not load their documents)."""
    if not dossier_ids:
        return {}
    query = (
        select(DossierDocument.dossier_id, func.count())
        .where(DossierDocument.dossier_id.in_(dossier_ids))
        .group_by(DossierDocument.dossier_id)
    )
    counted = {dossier_id: count for dossier_id, count in session.execute(query)}
    return {dossier_id: counted.get(dossier_id, 0) for dossier_id in dossier_ids}


@dataclass(frozen=True)
class Deadline:
    """A dossier of the actor's that needs closing or handing over, and by when."""

    dossier: Dossier
    due_on: date
    overdue: bool
    action: str  # "close" (the work year is over) or "submit" (hand-over to the agency archive)


# NĐ 30/2020 Phụ lục VI III.5.b: the filer is told 30 days before the hand-over deadline.
NOTICE_DAYS = 30


def deadlines(session: Session, actor: Actor, today: date) -> list[Deadline]:
    """Return the actor's dossiers due to close or due (within 30 days) or overdue for hand-over."""
    query = (
        select(Dossier)
        .where(_mine(actor), Dossier.state.in_((DossierState.OPEN, DossierState.CLOSED)))
        .options(selectinload(Dossier.keep_backs))  # each deadline reads them: one query, not one per dossier
    )
    found = [deadline for dossier in session.scalars(query) if (deadline := deadline_of(dossier, today))]
    return sorted(found, key=lambda deadline: deadline.due_on)


def deadline_of(dossier: Dossier, today: date) -> Deadline | None:
    """Return what an open or closed dossier is due for today (closing, or hand-over within 30 days), if anything."""
    if dossier.state is DossierState.OPEN:
        # Work of a past year should be closed: its hand-over clock is already running.
        if dossier.year < today.year or (dossier.end_date and dossier.end_date <= today):
            due = dossier.end_date or date(dossier.year, 12, 31)
            return Deadline(dossier, due, due < today, "close")
        return None
    if not period_of(dossier).goes_to_agency_archive():
        return None
    due = due_on(dossier)
    return Deadline(dossier, due, due < today, "submit") if (due - today).days <= NOTICE_DAYS else None


def normal_due_on(dossier: Dossier) -> date:
    """Return the day a closed dossier is due at the agency archive by law, before any keep-back."""
    return clock.handover_due_on(_work_ended(dossier), dossier.settled_on)


def due_on(dossier: Dossier) -> date:
    """Return the day a closed dossier is due at the agency archive: the head's consent to keep it back moves it."""
    kept = [keep.until for keep in dossier.keep_backs if keep.state is KeepBackState.APPROVED]
    return max([normal_due_on(dossier), *kept])


def _work_ended(dossier: Dossier) -> date:
    """Return when a closed dossier's work ended: its end date, else the day it was closed."""
    if dossier.end_date is not None:
        return dossier.end_date
    assert dossier.closed_at is not None  # lifecycle.apply stamps closed_at on every closing
    return local_date(dossier.closed_at)


def approved_lists(session: Session, actor: Actor) -> list[DossierList]:
    """Return the approved dossier lists of the actor's organisations, newest year first."""
    query = (
        select(DossierList)
        .where(
            DossierList.organisation_id.in_(actor.organisation_ids()), DossierList.state == DossierListState.APPROVED
        )
        .order_by(DossierList.year.desc())
    )
    return list(session.scalars(query))


def pending_items(session: Session, actor: Actor) -> list[TransferItem]:
    """Return the submitted dossiers waiting for this archivist's decision, oldest first."""
    return list(session.scalars(_pending(select(TransferItem), actor).order_by(Transfer.submitted_at, TransferItem.id)))


def pending_count(session: Session, actor: Actor) -> int:
    """Return how many submitted dossiers wait for this archivist's decision (the home page's queue line)."""
    return session.scalar(_pending(select(func.count(TransferItem.id)), actor)) or 0


def _pending(query, actor: Actor):
    organisations = [grant.organisation_id for grant in actor.grants if grant.role is Role.ARCHIVIST]
    return query.join(TransferItem.transfer).where(
        Transfer.organisation_id.in_(organisations), TransferItem.outcome == ItemOutcome.PENDING
    )


NOT_OPEN = N_("Only an open dossier can be changed; this one is %(state)s.")


def editable(session: Session, actor: Actor, dossier_id: int, *, with_documents: bool = True) -> Dossier:
    """Return the open dossier whose metadata and documents the actor may change, or refuse: not found to one who
    may not read it, denied to one who does not form its unit's dossiers, refused once it is no longer open."""
    dossier = get_dossier(session, actor, dossier_id, with_documents=with_documents)
    permissions.require(actor, "dossier.edit", dossier.organisation_id, dossier.unit_id)
    if dossier.state is not DossierState.OPEN:
        raise RuleViolation(NOT_OPEN, state=dossier.state.value)
    return dossier


# ---------------------------------------------------------------- opening


def entry_for_opening(session: Session, actor: Actor, entry_id: int) -> DossierListEntry:
    """Return the list entry if the actor is one who opens its unit's dossiers (whether or not it can be now)."""
    entry = session.get(DossierListEntry, entry_id)
    if entry is None:
        raise NotFound()
    permissions.require(actor, "dossier.open", entry.dossier_list.organisation_id, entry.unit_id)
    return entry


def openable_entry(session: Session, actor: Actor, entry_id: int, *, now: datetime) -> DossierListEntry:
    """Return the list entry if the actor may open its dossier now, else say why not ("Mở hồ sơ")."""
    entry = entry_for_opening(session, actor, entry_id)
    dossier_list = entry.dossier_list
    if dossier_list.state is not DossierListState.APPROVED:
        raise RuleViolation(N_("A dossier is opened only from an approved dossier list."))
    if dossier_list.year > local_date(now).year:
        raise RuleViolation(N_("The dossier list of %(year)s is not in force yet."), year=dossier_list.year)
    if session.scalar(select(Dossier.id).where(Dossier.entry_id == entry.id)):
        raise RuleViolation(
            N_("A dossier has already been opened for entry %(notation)s."), notation=entry.file_notation
        )
    refused = session.scalar(select(EntryReview.note).where(EntryReview.entry_id == entry.id, ~EntryReview.accepted))
    if refused is not None:
        raise RuleViolation(N_("The unit head did not accept this ad-hoc dossier: %(note)s"), note=refused)
    return entry


def open_dossier(session: Session, actor: Actor, entry_id: int, data: dict, *, now: datetime) -> Dossier:
    """Open the dossier planned by a list entry, pre-filled from it; ``data`` overrides the defaults."""
    entry = openable_entry(session, actor, entry_id, now=now)
    dossier_list = entry.dossier_list
    own, given = supplementary_values.split(data)
    defaults = {"title": entry.title, "rights": "public", "language": "Tiếng Việt"}
    values, extra = supplementary_values.checked_for(
        session,
        dossier_list.organisation_id,
        RecordKind.DOSSIER,
        None,
        given,
        lambda: metadata.check("dossier", {**defaults, "start_date": local_date(now).isoformat(), **own}),
    )
    _check_dates(values, dossier_list.year)
    organisation = dossier_list.organisation
    dossier = Dossier(
        organisation_id=organisation.id,
        entry_id=entry.id,
        unit_id=entry.unit_id,
        creator_id=actor.user_id,
        file_code=f"{organisation.code}.{dossier_list.year}.{entry.file_notation}",
        year=dossier_list.year,
        file_notation=entry.file_notation,
        retention_permanent=entry.retention_permanent,
        retention_years=entry.retention_years,
        retention_condition=entry.retention_condition,
        schema_id=metadata.schema_id("dossier"),
        opened_at=now,
        supplementary=supplementary.encode(extra),
        **_columns(values),
    )
    lifecycle.start(session, dossier, actor, now=now, entry_id=entry.id, ad_hoc=entry.ad_hoc)
    return dossier


def _columns(values: dict) -> dict:
    """Turn validated dossier metadata into column values (dates parsed)."""
    columns = dict(values)
    for key in ("start_date", "end_date"):
        if key in columns:
            columns[key] = date.fromisoformat(columns[key])
    if "medium" in columns:
        columns["medium"] = Medium(columns["medium"])
    return columns


def _check_dates(values: dict, year: int) -> None:
    problems = []
    start = date.fromisoformat(values["start_date"])
    if start.year != year:
        problems.append(
            Problem(
                "start_date", N_("The start date must fall in %(year)s, the year of the dossier list."), {"year": year}
            )
        )
    if "end_date" in values and date.fromisoformat(values["end_date"]) < start:
        problems.append(Problem("end_date", N_("The end date is before the start date.")))
    if problems:
        raise InvalidMetadata(problems)


def update_dossier(
    session: Session,
    actor: Actor,
    dossier_id: int,
    data: dict,
    *,
    now: datetime,
    seen_revision: int | None = None,
    fields: Iterable[str] = (),
) -> Dossier:
    """Change the metadata of an open dossier (title, dates, …); ``seen_revision`` is the revision the
    user's form showed (a save over a later one is refused as a conflict). ``fields`` names the fields the
    caller's form carried: one of them missing from ``data`` was left blank and is cleared (a required one is
    refused as missing); a field not named keeps its value."""
    dossier = editable(session, actor, dossier_id)
    own, given = supplementary_values.split(data)
    cleared = set(fields) - set(own)
    refuse_stale(session, "dossier", dossier, seen_revision, {**dict.fromkeys(cleared), **own})
    if own.get("rights", dossier.rights) != dossier.rights:
        raise InvalidMetadata([Problem("rights", ACCESS_BY_CONFIRMATION)])
    current = {
        "title": dossier.title,
        "rights": dossier.rights,
        "language": dossier.language,
        "start_date": dossier.start_date.isoformat(),
    }
    kept = {name: value for name, value in current.items() if name not in cleared}
    values, extra = supplementary_values.checked(
        session, dossier, given, lambda: metadata.check("dossier", {**kept, **own})
    )
    _check_dates(values, dossier.year)
    before = record_values(dossier, "dossier")
    for key, value in {**dict.fromkeys(cleared), **_columns(values)}.items():
        setattr(dossier, key, _blank(key) if value is None else value)
    after = record_values(dossier, "dossier")
    emptied = {name for name in cleared if before.get(name) != after.get(name)}
    # As for its own fields, the log names the supplementary fields changed, not their values: the audit log's
    # readers may not read a restricted dossier.
    changed = sorted(supplementary_values.apply(dossier, extra))
    audit.record(
        session, actor, "dossier.updated", "dossier", dossier.id, now=now, fields=sorted({*own, *emptied}) + changed
    )
    return dossier


def _blank(name: str) -> object:
    """The value a dossier's cleared field takes: none, or the column's default where it must have one ("" for a
    note, electronic for the medium)."""
    column = Dossier.__table__.c[name]
    return None if column.nullable else column.default.arg


# PL6 III.3.c: once a dossier is open, who reads it changes only by a confirmed change of access (filing.access).
ACCESS_BY_CONFIRMATION = N_(
    "The access regime changes by a proposal on the dossier's Access panel, in force once confirmed."
)


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class Upload:
    """A file arriving from a user: its name, a readable stream and the largest size allowed."""

    filename: str
    stream: BinaryIO
    max_size: int
    captured: Captured | None = None  # its bytes already kept in the store (``capture``)


def capture(upload: Upload, store: FileStore) -> Upload:
    """Return the upload with its bytes already kept in the store: read, hashed and synced to disk before the
    caller's saving transaction begins (once ``files_kept_first`` allowed it), so that a large file does not hold
    SQLite's write lock, on which every other save in the agency waits, meanwhile. Bytes kept for a save that then
    fails (the dossier closed meanwhile) are removed by the sweep of unused bytes once older than its grace period
    (administration/orphans.py), as those of a save that failed after storing them always were."""
    return dataclasses.replace(upload, captured=_put(store, upload))


def _put(store: FileStore, upload: Upload) -> Captured:
    try:
        return store.put(upload.stream, max_size=upload.max_size)
    except TooLarge:
        raise RuleViolation(
            N_("The file is larger than the limit of %(limit)s MB."), limit=upload.max_size // (1024 * 1024)
        ) from None


# Luật BVBMNN 2018, NĐ 30/2020 Điều 15 k.2: the registry records a classified document and its marking.
CLASSIFIED_FROM_REGISTER = N_(
    "A classified document is recorded by the registry in its register, which sets its "
    "marking; file it into this dossier from the register."
)


def add_document(
    session: Session,
    actor: Actor,
    dossier_id: int,
    data: dict,
    upload: Upload | None,
    *,
    store: FileStore,
    now: datetime,
    scan: bool = False,
    certified_copy: bool = False,
) -> Document:
    """Add a document with its metadata and content to an open dossier, numbered next in line.

    The document is unclassified: a marking is set only by the registry on registration and
    changed only by the head's decision. A classified file is refused with the legal reason.
    ``scan``: the officer says the file is a scan of paper, held to TT 02/2019's rules (``filing.scan_checks``);
    ``certified_copy``: they ask that it be a certified copy (``filing.certified_copies``).
    """
    dossier = editable(session, actor, dossier_id, with_documents=False)
    values, extra = _checked_document(session, dossier.organisation_id, data)
    if values["marking"] != markings.SecurityMarking.NONE.value and upload is None:
        raise InvalidMetadata([Problem("marking", CLASSIFIED_FROM_REGISTER)])
    document = new_document(
        session, actor, dossier.organisation_id, values, upload, store=store, now=now, supplementary_values=extra
    )
    if scan and not document.versions:
        raise InvalidMetadata([Problem("file", N_("Choose the file of the document."))])
    checked = scan_checks.check(session, actor, document.versions[-1], store=store, now=now) if scan else None
    copy = certified_copies.request(session, actor, document, now=now) if certified_copy else None
    link = append_link(session, actor, dossier, document, now=now)
    if scan:
        scan_checks.note_scan(session, actor, dossier, document, now=now)
    audit.record(
        session,
        actor,
        "document.added",
        "document",
        document.id,
        now=now,
        dossier_id=dossier.id,
        ordinal=link.ordinal,
        marking=values["marking"],
        sha256=document.versions[-1].file.sha256 if document.versions else None,
        **_digitised(checked, copy),
    )
    return document


def _checked_document(session: Session, organisation_id: int, data: dict) -> tuple[dict, dict]:
    """Return a new document's checked metadata and agency fields, or raise InvalidMetadata naming every problem."""
    own, given = supplementary_values.split(data)
    return supplementary_values.checked_for(
        session,
        organisation_id,
        RecordKind.DOCUMENT,
        None,
        given,
        lambda: metadata.check("document", {"marking": markings.SecurityMarking.NONE.value, **own}),
    )


def files_kept_first(session: Session, actor: Actor, dossier_id: int, documents: list[dict]) -> bool:
    """Check what adding documents with these metadata (one dict each) checks before it stores anything, raising what
    the save would raise (the actor adds to the open dossier; every document's metadata is valid), and return whether
    their files may then be kept in the store before the save (``capture``): not classified ones, whose bytes are
    never kept."""
    dossier = editable(session, actor, dossier_id, with_documents=False)
    checked = [_checked_document(session, dossier.organisation_id, data)[0] for data in documents]
    return all(markings.may_store_content(markings.SecurityMarking(values["marking"])) for values in checked)


def _digitised(checked: ScanCheck | None, copy: CertifiedCopy | None) -> dict[str, Any]:
    """Return what an added document's audit event says of its scan check and certified-copy request, if any."""
    details: dict[str, Any] = {}
    if checked is not None:
        details["scan_problems"] = len(scan_checks.problems_of(checked))
    if copy is not None:
        details["certified_copy"] = copy.outcome
    return details


def new_document(
    session: Session,
    actor: Actor,
    organisation_id: int,
    values: dict,
    upload: Upload | None,
    *,
    store: FileStore,
    now: datetime,
    supplementary_values: Mapping[str, str] | None = None,
) -> Document:
    """Create a document from checked metadata (and checked ``supplementary_values``) and store its file once;
    classified content is refused."""
    marking = markings.SecurityMarking(values["marking"])
    if upload is not None and not markings.may_store_content(marking):
        raise RuleViolation(markings.REFUSAL)
    # A document kept only on paper (in a paper or hybrid dossier's box) is described without a file.
    if upload is None and markings.may_store_content(marking) and values.get("medium") != Medium.PAPER.value:
        raise InvalidMetadata([Problem("file", N_("Choose the file of the document."))])
    document = Document(
        organisation_id=organisation_id,
        created_by_id=actor.user_id,
        created_at=now,
        schema_id=metadata.schema_id("document"),
        supplementary=supplementary.encode(supplementary_values or {}),
        **_document_columns(values),
    )
    session.add(document)
    session.flush()
    recipients.fill(session, document)
    if upload is not None:
        store_version(session, actor, document, upload, store=store, now=now)
    return document


def link_document(session: Session, actor: Actor, dossier_id: int, document_id: int, *, now: datetime) -> Document:
    """File an existing document (e.g. a registered one) into another dossier by reference, not by copy.

    PL6 III.4.e: one document may belong to several dossiers "mà không cần nhân bản"; the row
    and its stored file stay single, only a new link with the next ordinal is made.
    """
    dossier = editable(session, actor, dossier_id, with_documents=False)
    document = session.get(Document, document_id)
    # Only a document the actor may read is filed: another unit's document looks like no document at all.
    if (
        document is None
        or document.organisation_id != dossier.organisation_id
        or not permissions.can_read_document(
            actor, document.organisation_id, permissions.document_units(session, document)
        )
    ):
        raise NotFound()
    if any(link.document_id == document_id for link in dossier.links):
        raise RuleViolation(N_("The document is already in this dossier."))
    # Filing would make the filer one who forms a dossier holding it: a restriction is not widened that way.
    if unreadable_content(session, actor, [document]):
        raise RuleViolation(
            N_(
                "This document is restricted to the people named on it: only they, those who form a dossier "
                "holding it and the head may file it into another dossier."
            )
        )
    link = append_link(session, actor, dossier, document, now=now)
    audit.record(
        session, actor, "document.linked", "document", document.id, now=now, dossier_id=dossier.id, ordinal=link.ordinal
    )
    return document


def add_documents(
    session: Session,
    actor: Actor,
    dossier_id: int,
    data: dict,
    uploads: list[Upload],
    *,
    store: FileStore,
    now: datetime,
    scan: bool = False,
) -> list[Document]:
    """Add several files at once with shared metadata; each file's name becomes its summary if none is given.
    ``scan``: every file is a scan of paper (see ``add_document``)."""
    if not uploads:
        raise InvalidMetadata([Problem("files", N_("Choose the file of the document."))])
    return [
        add_document(
            session,
            actor,
            dossier_id,
            batch_document(data, upload),
            upload,
            store=store,
            now=now,
            scan=scan,
        )
        for upload in uploads
    ]


def batch_document(data: dict, upload: Upload) -> dict:
    """Return the metadata a file of a batch is added with: the batch's, its name as summary if none is given."""
    return {"subject": file_summary(upload.filename), **data}


def file_summary(filename: str) -> str:
    """Return the summary a batch upload gives a file: its name without extension (a summary still this was never
    typed; ``filing.suggestions`` offers the file's own)."""
    return filename.rsplit(".", 1)[0].replace("_", " ").strip()[:500] or filename


def readable_content(
    session: Session, actor: Actor, dossier: Dossier, documents: list[Document] | None = None
) -> set[int]:
    """Return the ids of the dossier's documents (or of those of them given) whose content (files, summary) the
    actor, who reads the dossier, may read: all but those restricted to others, on their own or by another dossier
    holding them."""
    documents = [link.document for link in dossier.links] if documents is None else documents
    content = content_access(session, documents)
    return {
        document.id for document in documents if permissions.can_read_content(actor, document, content[document.id])
    }


def withheld_summaries(session: Session, actor: Actor, dossier: Dossier) -> dict[int, str]:
    """Return the dossier's documents whose summary the actor may not read, each with why (snapshot.WITHHELD): a
    tuyệt mật one's from everyone, a document restricted on its own from all but the people it names."""
    readable = readable_content(session, actor, dossier)
    withheld = {}
    for link in dossier.links:
        document = link.document
        if not markings.summary_shown_to_all(document.marking):
            withheld[document.id] = "top_secret"
        elif document.id not in readable:
            withheld[document.id] = "restricted"
    return withheld


def preview_index(session: Session, actor: Actor, dossier_id: int, *, now: datetime, font: str = "") -> bytes:
    """Return the document index PDF the dossier would get if closed now (documents in date order), as the actor may
    read it; stores nothing."""
    dossier = get_dossier(session, actor, dossier_id)
    return pdf_index.render(chronological_index(dossier, now, withheld_summaries(session, actor, dossier)), font=font)


def chronological_index(
    dossier: Dossier, now: datetime, withheld: dict[int, str] | None = None
) -> pdf_index.DocumentIndex:
    """Return the dossier's document index in date order, numbered as closing numbers it, summaries ``withheld``."""
    index = snapshot.document_index(dossier, now.astimezone(LOCAL_TZ), withheld, page_counts.counted(dossier))
    ordered = sorted(index.rows, key=lambda row: (row.issued_date, row.ordinal))
    rows = tuple(dataclasses.replace(row, ordinal=number) for number, row in enumerate(ordered, start=1))
    return dataclasses.replace(index, rows=rows)


def registered_documents(session: Session, actor: Actor, dossier: Dossier, limit: int = 50) -> list[RegisterEntry]:
    """Return the latest registered documents the actor may read that are not yet in the dossier (to file by
    reference), those sent to the dossier's unit first.

    An officer is offered what was sent to their units or is already in their units' dossiers; an
    organisation-wide reader everything registered in the organisation.
    """
    filed = [link.document_id for link in dossier.links]
    sent_here = case((RegisterEntry.assigned_unit_id == dossier.unit_id, 0), else_=1)
    query = (
        select(RegisterEntry)
        .where(RegisterEntry.organisation_id == dossier.organisation_id, RegisterEntry.document_id.not_in(filed))
        .order_by(sent_here, RegisterEntry.registered_at.desc(), RegisterEntry.id.desc())
        .limit(limit)
    )
    if not permissions.can_org_wide(actor, "dossier.read", dossier.organisation_id):
        units = actor.unit_ids(*permissions.RULES["dossier.read"])
        in_units = select(DossierDocument.document_id).join(Dossier).where(Dossier.unit_id.in_(units))
        query = query.where(or_(RegisterEntry.assigned_unit_id.in_(units), RegisterEntry.document_id.in_(in_units)))
    found = list(session.scalars(query))
    unreadable = unreadable_content(session, actor, [entry.document for entry in found])
    return [entry for entry in found if entry.document_id not in unreadable]


def unreadable_content(session: Session, actor: Actor, documents: list[Document]) -> set[int]:
    """Return the ids of the documents whose content (files and summary) the actor may not read: restricted on their
    own, or held by a restricted dossier, to others (``permissions.can_read_content``)."""
    content = content_access(session, documents)
    return {
        document.id for document in documents if not permissions.can_read_content(actor, document, content[document.id])
    }


def content_access(session: Session, documents: Iterable[Document]) -> dict[int, permissions.ContentAccess]:
    """Return what decides who reads each document's content: its own access and the dossiers holding it, each with
    its access. Three queries for any number of documents."""
    chosen = list(documents)
    own = permissions.document_access(session, chosen)
    held = holding_dossiers(session, [document.id for document in chosen]) if chosen else {}
    grants = permissions.dossier_access(session, [holder for holders in held.values() for holder in holders])
    return {
        document.id: permissions.ContentAccess(
            own[document.id], tuple((holder, grants[holder.id]) for holder in held.get(document.id, []))
        )
        for document in chosen
    }


def _document_columns(values: dict) -> dict:
    columns = dict(values, direction=DocumentDirection(values["direction"]), status=DocumentStatus(values["status"]))
    if "medium" in columns:
        columns["medium"] = Medium(columns["medium"])
    for key in ("issued_date", "due_date", "arrival_date"):
        if key in columns:
            columns[key] = date.fromisoformat(columns[key])
    return columns


def append_link(
    session: Session, actor: Actor, dossier: Dossier, document: Document, *, now: datetime
) -> DossierDocument:
    """File ``document`` in ``dossier`` under the next ordinal in turn (as list entries are numbered); refused if
    the dossier changed state since the caller read it (closed meanwhile: its seal and index are taken without it)."""
    state = session.execute(select(Dossier.state).where(Dossier.id == dossier.id).with_for_update()).scalar_one()
    if state is not dossier.state:
        raise RuleViolation(NOT_OPEN, state=state.value)
    last = session.scalar(select(func.max(DossierDocument.ordinal)).where(DossierDocument.dossier_id == dossier.id))
    link = DossierDocument(
        dossier_id=dossier.id, document_id=document.id, ordinal=(last or 0) + 1, added_by_id=actor.user_id, added_at=now
    )
    session.add(link)
    session.flush()
    # Read again when next asked for, not now: a save of one document does not load a dossier's hundreds of links.
    session.expire(dossier, ["links"])
    return link


def store_version(
    session: Session, actor: Actor, document: Document, upload: Upload, *, store: FileStore, now: datetime
) -> DocumentVersion:
    """Keep the upload's bytes once in the store (unless ``capture`` did) and add them to ``document`` as its next
    version."""
    captured = upload.captured or _put(store, upload)
    stored = stored_file(session, captured, upload.filename, now=now)
    number = len(document.versions) + 1
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        file_id=stored.id,
        filename=metadata.normalise({"f": upload.filename})["f"][:255],
        created_by_id=actor.user_id,
        created_at=now,
    )
    document.versions.append(version)
    session.flush()
    return version


def stored_file(session: Session, captured, filename: str, *, now: datetime) -> StoredFile:
    """Return the StoredFile row of captured bytes, creating it the first time those bytes arrive."""
    existing = session.scalar(select(StoredFile).where(StoredFile.sha256 == captured.sha256))
    if existing is not None:
        return existing
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    row = StoredFile.of(captured, media_type, now)
    session.add(row)
    session.flush()
    return row


def add_version(
    session: Session,
    actor: Actor,
    dossier_id: int,
    document_id: int,
    upload: Upload,
    *,
    store: FileStore,
    now: datetime,
) -> DocumentVersion:
    """Add a new version of a draft document; earlier versions are kept ("dự thảo lần 1, 2 …")."""
    dossier = editable(session, actor, dossier_id, with_documents=False)
    document = _document_in(session, actor, dossier, document_id)
    if document.status is not DocumentStatus.DRAFT:
        raise RuleViolation(N_("Only a draft gets new versions; a final document is fixed."))
    # A draft kept on paper may have been classified by the head since (``marking_decisions``: allowed while it has
    # no file): its file is then no more stored here than ``new_document`` stores one.
    if not markings.may_store_content(markings.SecurityMarking(document.marking)):
        raise RuleViolation(markings.REFUSAL)
    version = store_version(session, actor, document, upload, store=store, now=now)
    audit.record(
        session,
        actor,
        "document.version_added",
        "document",
        document.id,
        now=now,
        version=version.number,
        sha256=version.file.sha256,
    )
    return version


def finalise_document(session: Session, actor: Actor, dossier_id: int, document_id: int, *, now: datetime) -> Document:
    """Mark a draft document final; its versions stay for the record."""
    dossier = editable(session, actor, dossier_id, with_documents=False)
    document = _document_in(session, actor, dossier, document_id)
    if document.status is DocumentStatus.FINAL:
        raise RuleViolation(N_("The document is already final."))
    document.status = DocumentStatus.FINAL
    audit.record(session, actor, "document.finalised", "document", document.id, now=now, before="draft", after="final")
    return document


# Fields a document edit never changes: the marking is the head's decision with a reason
# (``classification.marking_decisions``), the arrival number and date are the register's.
MARKING_ONLY_BY_DECISION = N_("The security marking is changed only by the head of the agency, with a reason.")
SET_BY_REGISTER = N_("Set by the register when the document was registered; the registry corrects it there.")
REGISTER_FIELDS = ("direction", "arrival_date", "arrival_number")
# The fields a document's recipients and their codes are read from again when one changes (filing.recipients).
RECIPIENTS_FROM = {"recipients", "direction"}


def update_document(
    session: Session,
    actor: Actor,
    dossier_id: int,
    document_id: int,
    data: dict,
    *,
    now: datetime,
    fields: Iterable[str] | None = None,
    seen_revision: int | None = None,
    certified_copy: bool = False,
) -> Document:
    """Correct the metadata of a document in an open dossier; each changed field is audited before and after.
    ``certified_copy``: also ask that it be a certified copy (``filing.certified_copies``; audited on its own).

    ``fields`` names the fields the caller's form carried (default: the keys of ``data``): one of
    them missing from ``data`` is cleared, a field not named keeps its value. The status moves
    only by "Mark as final", a withheld (top secret) summary stays as it is with its note and keywords,
    the marking and the register's fields never change here, and a document also filed in a dossier
    that is no longer open keeps the metadata that dossier was closed with.
    """
    document = document_to_edit(session, actor, dossier_id, document_id, lock=True)
    data, extra_given = supplementary_values.split(data)
    withheld = not markings.summary_shown_to_all(document.marking)
    if withheld:  # a tuyệt mật document's supplementary values are kept as its summary is, unseen and unchanged
        extra_given = {}
    given = set(data if fields is None else fields) | set(data)
    untouchable = {"status", "marking", *(("subject", *markings.WITH_SUMMARY) if withheld else ())}
    # A field the form carried blank clears the record's: it is compared too, or a colleague's value saved since in a
    # field this form showed empty would be erased without its being named. A withheld field is not compared: the
    # answer would tell whether a guessed summary is the one the person may not read.
    submitted = {name: value for name, value in {**dict.fromkeys(given), **data}.items() if name not in untouchable}
    refuse_stale(session, "document", document, seen_revision, submitted)
    before = document_values(document)
    _refuse_fixed_fields(session, document, before, data, given)
    merged = {name: value for name, value in before.items() if name not in given or name in untouchable}
    merged.update({name: value for name, value in data.items() if name not in untouchable})
    values, extra = supplementary_values.checked(
        session, document, extra_given, lambda: metadata.check("document", merged)
    )
    if certified_copy:
        certified_copies.request(session, actor, document, now=now)
    changed = sorted(name for name in before.keys() | values.keys() if before.get(name) != values.get(name))
    extra_changes = supplementary_values.apply(document, extra)
    if not changed and not extra_changes:
        return document
    columns = _document_columns(values)
    for name in changed:
        setattr(document, name, columns.get(name, None if Document.__table__.c[name].nullable else ""))
    if RECIPIENTS_FROM & set(changed):
        recipients.fill(session, document)
    audit.record(
        session,
        actor,
        "document.updated",
        "document",
        document.id,
        now=now,
        dossier_id=dossier_id,
        changes={
            name: None if withheld and name == "subject" else [before.get(name), values.get(name)] for name in changed
        },
        **_supplementary_details(extra_changes),
    )
    return document


def _supplementary_details(changes: dict[str, list[str | None]]) -> dict[str, Any]:
    """Return what a document's audit event says of its supplementary values: the changes, if any."""
    return {"supplementary": changes} if changes else {}


def fixed_fields(session: Session, document: Document) -> dict[str, str]:
    """Return the fields an edit of this document may not change, each with the reason (a msgid)."""
    fixed = {"marking": MARKING_ONLY_BY_DECISION}
    if session.scalar(select(RegisterEntry.id).where(RegisterEntry.document_id == document.id)):
        fixed.update(dict.fromkeys(REGISTER_FIELDS, SET_BY_REGISTER))
    return fixed


def _refuse_fixed_fields(session: Session, document: Document, before: dict, data: dict, given: set[str]) -> None:
    """Refuse, field by field, an edit that would change the marking or a registered document's register fields."""
    problems = [
        Problem(name, message)
        for name, message in fixed_fields(session, document).items()
        if name in given and str(data.get(name, "")) != str(before.get(name, ""))
    ]
    if problems:
        raise InvalidMetadata(problems)


def document_to_edit(
    session: Session, actor: Actor, dossier_id: int, document_id: int, *, lock: bool = False
) -> Document:
    """Return a document of an open dossier whose metadata the actor may change, or refuse saying why. ``lock``
    (a change follows): its row is locked first, so a dossier holding it that is closing meanwhile is either
    closed before the check (the change is refused) or waits and seals the change (:func:`close_dossier`)."""
    document = _document_in(session, actor, editable(session, actor, dossier_id, with_documents=False), document_id)
    if lock:
        session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    fixed_in = session.scalar(
        select(Dossier)
        .join(DossierDocument)
        .where(DossierDocument.document_id == document.id, Dossier.state != DossierState.OPEN)
        .limit(1)
    )
    if fixed_in is not None and permissions.can(actor, "dossier.read", fixed_in.organisation_id, fixed_in.unit_id):
        raise RuleViolation(
            N_("The document is also in dossier %(code)s, which is no longer open; its metadata is fixed."),
            code=fixed_in.file_code,
        )
    if fixed_in is not None:  # a dossier the actor may not read is not named
        raise RuleViolation(N_("The document is also in a dossier that is no longer open; its metadata is fixed."))
    return document


def document_values(document: Document) -> dict:
    """Return the document's metadata in its schema's form (dates as ISO text, empty fields left out)."""
    return record_values(document, "document")


def refuse_stale(
    session: Session, kind: str, record: Dossier | Document, seen_revision: int | None, submitted: dict
) -> None:
    """Refuse a save made from a form that showed an earlier revision of the record, saying who saved since, when,
    where the form differs from the record now and what the record holds there (PL6 IV.2). ``submitted`` holds only
    fields the person may read: what the record holds in them is shown."""
    if seen_revision is None or seen_revision == record.revision:
        return
    current, titles = record_values(record, kind), metadata.field_titles(kind)
    place = {name: number for number, name in enumerate(titles)}  # named in the form's order
    differing = [
        name
        for name, value in sorted(submitted.items(), key=lambda item: place.get(item[0], len(place)))
        if audit.shown(value) != audit.shown(current.get(name))
    ]
    saved = {name: audit.shown(current.get(name)) for name in differing}
    raise audit.conflict(session, kind, record.id, [titles.get(name, name) for name in differing], saved)


def refuse_changed_since(session: Session, actor: Actor, dossier_id: int, seen_revision: int) -> None:
    """Refuse to act on a dossier that changed after the caller read its ``seen_revision``, saying who changed it."""
    dossier = get_dossier(session, actor, dossier_id, with_documents=False)
    if dossier.revision != seen_revision:
        raise audit.conflict(session, "dossier", dossier.id, [])


def record_values(record: Dossier | Document, kind: str) -> dict:
    """Return a dossier's or document's metadata in its schema's form (dates as ISO text, empty fields left out)."""
    values = {}
    for name in metadata.field_titles(kind):
        value = getattr(record, name, None)
        value = value.isoformat() if isinstance(value, date) else getattr(value, "value", value)
        if value not in (None, ""):
            values[name] = value
    return values


# Forming a dossier no longer means reading each of its documents: one restricted to others (on its own or by
# another dossier holding it) is changed only by those who read it.
UNREADABLE_CONTENT = N_("The document's content is restricted to others: only those who read it may change it.")


def _document_in(session: Session, actor: Actor, dossier: Dossier, document_id: int) -> Document:
    """Return the dossier's document for a change by the actor, who forms the dossier; refused if they may not read
    its content."""
    document = filed_document(session, dossier.id, document_id)
    if document is None:
        raise NotFound()
    if unreadable_content(session, actor, [document]):
        raise PermissionDenied(UNREADABLE_CONTENT)
    return document


def filed_document(session: Session, dossier_id: int, document_id: int) -> Document | None:
    """Return the document if the dossier holds it (with its versions and files), else None: one lookup, where the
    dossier's every document would be loaded for a save or a download that holds SQLite's write lock meanwhile."""
    query = select(Document).join(DossierDocument).where(DossierDocument.dossier_id == dossier_id)
    return session.scalar(query.where(Document.id == document_id).options(*DOCUMENT_FILES))


# ---------------------------------------------------------------- closing


def closing_problems(dossier: Dossier, *, today: date) -> list[Problem]:
    """Return what stops the dossier from closing, in words: metadata, documents, drafts, dates (none after
    ``today``: a year typed wrong would carry the dossier's end, appraisal and hand-over dates with it), duplicates."""
    values = {
        "title": dossier.title,
        "rights": dossier.rights,
        "language": dossier.language,
        "start_date": dossier.start_date.isoformat(),
    }
    problems = metadata.validate("dossier", values)
    documents = [link.document for link in dossier.links]
    # A paper dossier's documents are on its sheets: those registered here are listed, none is required. Its sheets
    # are numbered when it closes if it is kept 5 years or more (NĐ 30/2020 Điều 29 k.4), and the number is kept.
    paper = dossier.medium is not Medium.ELECTRONIC
    if not documents and not paper:
        problems.append(Problem("documents", N_("The dossier has no document.")))
    if paper and not dossier.sheet_total and period_of(dossier).goes_to_agency_archive():
        problems.append(
            Problem("sheet_total", N_("Give the number of sheets of the paper dossier, numbered on closing."))
        )
    for link in dossier.links:
        named = {"ordinal": link.ordinal, "name": document_name(link.document)}
        if link.document.status is DocumentStatus.DRAFT:
            problems.append(Problem("documents", N_("Document no. %(ordinal)s (%(name)s) is still a draft."), named))
        if link.document.issued_date > today:
            problems.append(
                Problem(
                    "documents",
                    N_("Document no. %(ordinal)s (%(name)s) is dated %(day)s, after today: check its year."),
                    {**named, "day": f"{link.document.issued_date:%d/%m/%Y}"},
                )
            )
        elif dossier.end_date and link.document.issued_date > dossier.end_date:
            problems.append(
                Problem("documents", N_("Document no. %(ordinal)s (%(name)s) is dated after the dossier ends."), named)
            )
    problems.extend(_duplicates(dossier))
    problems.extend(supplementary_values.closing_problems(dossier))
    return problems


def _duplicates(dossier: Dossier) -> list[Problem]:
    # NĐ 30 Điều 29 k.4: duplicates are removed from the dossier before it is closed: one document twice (its number,
    # notation and issuer), or one file added twice (the documents of a batch of files have no number yet).
    files = _current_files(object_session(dossier), dossier.id)
    by_number: dict[tuple, int] = {}
    by_file: dict[int, int] = {}
    problems = []
    for link in dossier.links:
        document, file_id = link.document, files.get(link.document_id)
        key = metadata.document_identity(document.code_number, document.code_notation, document.organ_name)
        named = {"ordinal": link.ordinal, "name": document_name(document)}
        if document.code_number and key in by_number:
            problems.append(Problem("documents", SAME_NUMBER, {**named, "first": by_number[key]}))
        elif file_id in by_file:
            problems.append(Problem("documents", SAME_FILE_NAMED, {**named, "first": by_file[file_id]}))
        if document.code_number:
            by_number.setdefault(key, link.ordinal)
        if file_id is not None:
            by_file.setdefault(file_id, link.ordinal)
    return problems


def files_held_already(session: Session, dossier_id: int, document_ids: Iterable[int]) -> list[Problem]:
    """Return, for documents just added, each whose file the dossier already held (``SAME_FILE``), said at once so the
    officer takes it out before closing asks them to. Two queries; no document is loaded."""
    query = select(DossierDocument.document_id, DossierDocument.ordinal).where(DossierDocument.dossier_id == dossier_id)
    ordinals = {document_id: ordinal for document_id, ordinal in session.execute(query)}
    files, added = _current_files(session, dossier_id), set(document_ids)
    first: dict[int, int] = {}
    problems = []
    for document_id in sorted(ordinals, key=lambda key: ordinals[key]):
        file_id = files.get(document_id)
        if file_id is None:
            continue
        if file_id in first and document_id in added:
            problems.append(
                Problem("documents", SAME_FILE, {"ordinal": ordinals[document_id], "first": first[file_id]})
            )
        first.setdefault(file_id, ordinals[document_id])
    return problems


SAME_NUMBER = N_("Document no. %(ordinal)s (%(name)s) duplicates document no. %(first)s.")
SAME_FILE = N_("Document no. %(ordinal)s holds the same file as document no. %(first)s.")
SAME_FILE_NAMED = N_("Document no. %(ordinal)s (%(name)s) holds the same file as document no. %(first)s.")


def document_name(document: Document) -> str:
    """A document as the closing checklist names it beside its number in the dossier (which closing changes to the
    index's date order): its number and notation, else the start of its summary."""
    if document.code_number:
        return "/".join(part for part in (document.code_number, document.code_notation) if part)
    summary = " ".join(document.subject.split())
    return summary if len(summary) <= 60 else summary[:59] + "…"


def _current_files(session: Session | None, dossier_id: int) -> dict[int, int]:
    """Return each of the dossier's documents' current file (its last version's; files are stored once per content,
    so one file id is one content), in one query."""
    if session is None:
        return {}
    query = (
        select(DocumentVersion.document_id, DocumentVersion.file_id)
        .join(DossierDocument, DossierDocument.document_id == DocumentVersion.document_id)
        .where(DossierDocument.dossier_id == dossier_id)
        .order_by(DocumentVersion.document_id, DocumentVersion.number)
    )
    return {document_id: file_id for document_id, file_id in session.execute(query)}


@dataclass(frozen=True)
class PreparedIndex:
    """A dossier's document index made before closing it, with what it was made from."""

    index: pdf_index.DocumentIndex
    pdf: bytes


# Closing sets the dossier's dates from its documents; the person confirms the dates they were shown.
DATES_CHANGED = N_("The documents now give the dossier the dates %(start)s – %(end)s: check them and confirm again.")
DOCUMENTS_CHANGED = N_(
    "The dossier's documents changed after you opened this page (added, taken out or edited by someone): check the "
    "list and the document index below, then confirm again."
)


def closing_dates(dossier: Dossier) -> tuple[date, date]:
    """Return the start and end dates closing gives the dossier: its time span covers its documents ("thời gian
    tài liệu"), so an officer who opened it today for work begun earlier need not correct the start by hand."""
    issued = [link.document.issued_date for link in dossier.links]
    start = min(dossier.start_date, *issued) if issued else dossier.start_date
    end = dossier.end_date if dossier.end_date is not None else max(issued, default=start)
    return start, end


def prepare_close(session: Session, actor: Actor, dossier_id: int, *, now: datetime, font: str = "") -> PreparedIndex:
    """Check that the dossier can be closed and make the index PDF it would get, reading only.

    Rendering the PDF takes longer than the rest of closing; made here, in a transaction that only reads, it keeps
    other writers from waiting on it. :func:`close_dossier` uses it unless the index changed meanwhile.
    """
    dossier = _ready_to_close(session, actor, dossier_id, now=now)
    index = chronological_index(dossier, now)
    return PreparedIndex(index, pdf_index.render(index, font=font))


def documents_seen(dossier: Dossier) -> str:
    """Return a short digest of the dossier's documents as they are now (which, and each one's revision): the
    closing page carries it, and closing refuses once it no longer matches."""
    return _documents_digest((link.document_id, link.document.revision) for link in dossier.links)


def documents_seen_of(session: Session, dossier_id: int) -> str:
    """Return :func:`documents_seen` of a dossier whose documents are not loaded (one query)."""
    query = (
        select(DossierDocument.document_id, Document.revision)
        .join(Document, Document.id == DossierDocument.document_id)
        .where(DossierDocument.dossier_id == dossier_id)
    )
    return _documents_digest(session.execute(query).all())


def _documents_digest(held: Iterable[tuple[int, int]]) -> str:
    text = ",".join(f"{document_id}.{revision}" for document_id, revision in sorted(held))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ready_to_close(session: Session, actor: Actor, dossier_id: int, *, now: datetime, lock: bool = False) -> Dossier:
    """Return the dossier if it may close now, or refuse with every problem. ``lock`` (it closes now): its documents'
    rows are locked and read again first, so an edit of one from another dossier that is saving meanwhile ends before
    the seal is taken and is sealed with it (``document_to_edit`` locks the same row)."""
    dossier = editable(session, actor, dossier_id)
    if lock:
        lock_documents(session, dossier)
    problems = closing_problems(dossier, today=local_date(now))
    if problems:
        raise InvalidMetadata(problems)
    return dossier


def lock_documents(session: Session, dossier: Dossier) -> None:
    """Lock the rows of the dossier's documents and read them again, so what changes them next sees every value saved
    before. In one order (by id) everywhere: two dossiers sharing documents and closing at once wait, never deadlock."""
    if dossier.links:
        locked = select(Document).where(Document.id.in_([link.document_id for link in dossier.links]))
        ordered = locked.order_by(Document.id).with_for_update()
        session.scalars(ordered.execution_options(populate_existing=True)).all()


def close_dossier(
    session: Session,
    actor: Actor,
    dossier_id: int,
    *,
    store: FileStore,
    now: datetime,
    font: str = "",
    prepared: PreparedIndex | None = None,
    shown_dates: tuple[date, date] | None = None,
    shown_documents: str | None = None,
) -> Dossier:
    """Close a dossier: run the checklist, number documents by date, make the index PDF (or take the ``prepared``
    one if it shows exactly this index), start the clock. ``shown_dates`` are the start and end the person was
    shown and confirmed: if the documents now make others, nothing is closed and the new ones are said;
    ``shown_documents`` (``documents_seen`` of the page they confirmed): if a colleague added, took out or edited a
    document since, nothing is closed either, so no one seals an index they did not see."""
    dossier = _ready_to_close(session, actor, dossier_id, now=now, lock=True)
    if shown_documents is not None and shown_documents != documents_seen(dossier):
        raise RuleViolation(DOCUMENTS_CHANGED)
    start, end = closing_dates(dossier)
    if shown_dates is not None and (start, end) != shown_dates:
        raise RuleViolation(DATES_CHANGED, start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))
    renumber_chronologically(session, dossier)
    dossier.start_date, dossier.end_date = start, end
    total = page_counts.fill(session, actor, dossier, now=now)
    seal(session, actor, dossier, store=store, now=now, font=font, prepared=prepared, page_total_counted=total)
    return dossier


def seal(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    *,
    store: FileStore,
    now: datetime,
    font: str = "",
    prepared: PreparedIndex | None = None,
    index_file: StoredFile | None = None,
    **details,
) -> None:
    """Keep the index PDF of a dossier whose documents and dates are final (``index_file``: one made elsewhere, as
    a bag brings it; else made now), start its clock and close it."""
    if index_file is None:
        index = snapshot.document_index(dossier, now.astimezone(LOCAL_TZ))
        pdf = prepared.pdf if prepared is not None and prepared.index == index else pdf_index.render(index, font=font)
        index_file = stored_file(session, store.put(io.BytesIO(pdf)), "muc-luc-van-ban.pdf", now=now)
    dossier.index_file_id = index_file.id
    dossier.appraisal_due_on = clock.due_on(period_of(dossier), dossier.end_date or dossier.start_date)
    lifecycle.apply(
        session,
        dossier,
        "close",
        actor,
        now=now,
        index_sha256=index_file.sha256,
        documents=len(dossier.links),
        **details,
    )


def period_of(dossier: Dossier) -> clock.Period:
    """Return the retention period fixed on the dossier when it was opened."""
    return clock.Period(dossier.retention_permanent, dossier.retention_years, dossier.retention_condition)


def renumber_chronologically(session: Session, dossier: Dossier) -> None:
    """Number the documents in the order they were issued, not the order they were filed (PL6 III.4.b)."""
    ordered = sorted(dossier.links, key=lambda link: (link.document.issued_date, link.ordinal))
    for link in ordered:
        link.ordinal = -link.ordinal  # step aside first: (dossier, ordinal) is unique
    session.flush()
    for number, link in enumerate(ordered, start=1):
        link.ordinal = number
    session.flush()
    session.refresh(dossier, ["links"])


# The longest reason kept (TransferItem.reason); a reason is a sentence or two, not a report.
REASON_LENGTH = 500


def reopen_dossier(session: Session, actor: Actor, dossier_id: int, reason: str, *, now: datetime) -> Dossier:
    """Reopen a closed dossier; the reason is required and audited (NĐ 30 Điều 29 k.4)."""
    dossier = get_dossier(session, actor, dossier_id)
    permissions.require(actor, "dossier.edit", dossier.organisation_id, dossier.unit_id)
    reason = metadata.check_text({"reason": reason}, {"reason": REASON_LENGTH})["reason"]
    if not reason:
        raise InvalidMetadata([Problem("reason", N_("Give the reason for reopening."))])
    # A dossier its unit keeps is appraised where it is: once on a destruction list, it stays as listed.
    listed = session.scalar(
        select(DestructionList)
        .join(DestructionItem)
        .where(
            DestructionItem.dossier_id == dossier.id,
            DestructionList.state.not_in((DestructionListState.EXECUTED, DestructionListState.WITHDRAWN)),
        )
        .limit(1)
    )
    if listed is not None:
        raise RuleViolation(
            N_("The dossier is on destruction list %(title)s; it cannot be reopened while the list is being decided."),
            title=listed.title,
        )
    lifecycle.apply(session, dossier, "reopen", actor, now=now, reason=reason.strip())
    dossier.appraisal_due_on = None
    return dossier


# ---------------------------------------------------------------- submission and acceptance


def submit(session: Session, actor: Actor, dossier_ids: list[int], *, now: datetime) -> Transfer:
    """Submit closed dossiers of one unit to the agency archive as one transfer ("nộp lưu")."""
    if not dossier_ids:
        raise RuleViolation(N_("Choose at least one dossier to submit."))
    if len(set(dossier_ids)) != len(dossier_ids):
        raise RuleViolation(N_("The same dossier cannot appear twice in a transfer list."))
    # Two submissions of one dossier at once: the second waits, then finds it submitted (PostgreSQL).
    session.execute(select(Dossier.id).where(Dossier.id.in_(dossier_ids)).with_for_update())
    dossiers = [get_dossier(session, actor, dossier_id) for dossier_id in dossier_ids]
    units = {dossier.unit_id for dossier in dossiers}
    if len(units) != 1:
        raise RuleViolation(N_("A transfer list holds the dossiers of one unit."))
    if len({dossier.year for dossier in dossiers}) != 1:
        raise RuleViolation(N_("A transfer list holds the dossiers of one year's list: submit each year apart."))
    first = dossiers[0]
    permissions.require(actor, "dossier.submit", first.organisation_id, first.unit_id)
    for dossier in dossiers:
        if not period_of(dossier).goes_to_agency_archive():
            raise RuleViolation(
                N_("Dossier %(code)s is kept under 5 years: it stays with its unit."), code=dossier.file_code
            )
    transfer = Transfer(
        organisation_id=first.organisation_id,
        unit_id=first.unit_id,
        year=first.year,  # the year of the dossier list, which the mục lục and the biên bản name
        state=TransferState.OPEN,
        submitted_by_id=actor.user_id,
        submitted_at=now,
    )
    session.add(transfer)
    session.flush()
    for dossier in dossiers:
        lifecycle.apply(session, dossier, "submit", actor, now=now, transfer_id=transfer.id)
        session.add(TransferItem(transfer_id=transfer.id, dossier_id=dossier.id, outcome=ItemOutcome.PENDING))
    session.flush()
    notices.tell_role(
        session,
        first.organisation_id,
        Role.ARCHIVIST,
        "transfer_submitted",
        str(transfer.id),
        N_("%(unit)s submitted %(count)s dossiers to the agency archive: they wait for your check."),
        now=now,
        subject=("transfer", transfer.id),
        unit=first.unit.name,
        count=len(dossiers),
    )
    return transfer


def returned(session: Session, dossier: Dossier) -> TransferItem | None:
    """Return the agency archive's return of a closed dossier (its reason shown until the dossier is reopened or
    submitted again), None when its last submission was not returned."""
    if dossier.state is not DossierState.CLOSED:
        return None
    last = session.scalar(
        select(TransferItem).where(TransferItem.dossier_id == dossier.id).order_by(TransferItem.id.desc()).limit(1)
    )
    return last if last is not None and last.outcome is ItemOutcome.REJECTED else None


def _pending_item(session: Session, actor: Actor, item_id: int) -> TransferItem:
    item = session.get(TransferItem, item_id)
    if item is None:
        raise NotFound()
    permissions.require(actor, "dossier.accept", item.transfer.organisation_id)
    if item.outcome is not ItemOutcome.PENDING:
        raise RuleViolation(N_("This dossier has already been %(outcome)s."), outcome=item.outcome.value)
    return item


def accept(session: Session, actor: Actor, item_id: int, *, store: FileStore, now: datetime) -> Dossier:
    """Accept a submitted dossier into the agency archive after re-checking every file's digest."""
    item = _pending_item(session, actor, item_id)
    dossier = item.dossier
    _check_fixity(session, actor, dossier, store)
    metadata_seal.refuse_changed(session, dossier)  # Điều 30 k.3b: its metadata as it was closed, too
    scan_checks.refuse_unaccepted(session, dossier)  # the archivist accepts each scan warning first
    _decide(item, actor, ItemOutcome.ACCEPTED, "", now)
    lifecycle.apply(session, dossier, "accept", actor, now=now, transfer_id=item.transfer_id)
    return dossier


def reject(session: Session, actor: Actor, item_id: int, reason: str, *, now: datetime) -> Dossier:
    """Return a submitted dossier to its unit, with the reason the archivist gives."""
    item = _pending_item(session, actor, item_id)
    reason = metadata.check_text({"reason": reason}, {"reason": REASON_LENGTH})["reason"]
    if not reason:
        raise InvalidMetadata([Problem("reason", N_("Give the reason for returning the dossier."))])
    _decide(item, actor, ItemOutcome.REJECTED, reason.strip(), now)
    lifecycle.apply(
        session, item.dossier, "reject", actor, now=now, reason=reason.strip(), transfer_id=item.transfer_id
    )
    notices.tell(
        session,
        told_of(session, item.dossier, {item.dossier.creator_id, item.transfer.submitted_by_id}),
        "dossier_returned",
        str(item.id),
        N_("Dossier %(code)s was returned by the agency archive: %(reason)s"),
        now=now,
        subject=("dossier", item.dossier_id),
        code=item.dossier.file_code,
        reason=reason.strip(),
    )
    return item.dossier


def _decide(item: TransferItem, actor: Actor, outcome: ItemOutcome, reason: str, now: datetime) -> None:
    item.outcome, item.reason, item.decided_by_id, item.decided_at = outcome, reason, actor.user_id, now
    if all(other.outcome is not ItemOutcome.PENDING for other in item.transfer.items):
        transitions.move(item.transfer, transitions.TRANSFER, "complete")


def _check_fixity(session: Session, actor: Actor, dossier: Dossier, store: FileStore) -> None:
    # Điều 30 k.3b: the archive checks what it receives; a file that changed since capture is refused.
    for stored, name in dossier_files(dossier):
        try:
            actual = store.digest(stored.sha256)
        except FileNotFoundError:
            actual = "missing"
        if actual != stored.sha256:
            raise _changed_file(session, actor, dossier, stored, name)


def _changed_file(session: Session, actor: Actor, dossier: Dossier, stored: StoredFile, name: str) -> RuleViolation:
    """Return the refusal of a file that changed since capture, named as its reader may read it: by its document's
    number in the dossier when they may not read that document's content (all of a restricted dossier's for the
    archivist, or a document restricted on its own), since a file's name often says what its summary says."""
    link = next(
        (
            link
            for link in dossier.links
            if any(version.file is stored and version.filename == name for version in link.document.versions)
        ),
        None,
    )
    readable = set() if unreadable_dossiers(session, actor, [dossier]) else readable_content(session, actor, dossier)
    if link is None or link.document_id in readable:  # the dossier's index file has a name that says nothing
        return RuleViolation(N_("File %(name)s does not match its digest recorded at capture."), name=name)
    return RuleViolation(
        N_("A file of document no. %(number)s of the dossier does not match its digest recorded at capture."),
        number=link.ordinal,
    )


def dossier_files(dossier: Dossier) -> list[tuple[StoredFile, str]]:
    """Return every stored file of the dossier with a name for people: all versions, then the index."""
    files = [(version.file, version.filename) for link in dossier.links for version in link.document.versions]
    if dossier.index_file is not None:
        files.append((dossier.index_file, "muc-luc-van-ban.pdf"))
    return files


# ---------------------------------------------------------------- downloads


def open_version(
    session: Session, actor: Actor, dossier_id: int, version_id: int, *, store: FileStore, now: datetime
) -> tuple[BinaryIO, DocumentVersion]:
    """Open a document version's bytes for the actor and audit the download (PL6 III.6.l)."""
    version = readable_version(session, actor, dossier_id, version_id)
    stream = store.open(version.file.sha256)
    audit_download(session, actor, dossier_id, version, now=now)
    return stream, version


def readable_version(session: Session, actor: Actor, dossier_id: int, version_id: int) -> DocumentVersion:
    """Return a version of a document of the dossier whose files the actor may download (the file itself or its
    preservation copy); NotFound otherwise, and while the dossier's files are gone."""
    dossier = _with_content(get_dossier(session, actor, dossier_id, with_documents=False))
    version = session.get(DocumentVersion, version_id)
    if version is None or filed_document(session, dossier.id, version.document_id) is None:
        raise NotFound()
    if not content_readable(session, actor, dossier, version.document):
        raise NotFound()  # a document restricted on its own: its files look absent to the others
    return version


def audit_download(
    session: Session, actor: Actor, dossier_id: int, version: DocumentVersion, *, now: datetime, **details
) -> None:
    """Audit a download of a version's file (or of its copy, named in ``details``), as the access statistics count."""
    audit.record(
        session,
        actor,
        "document.downloaded",
        "document",
        version.document_id,
        now=now,
        version=version.number,
        dossier_id=dossier_id,
        **details,
    )


def content_readable(session: Session, actor: Actor, dossier: Dossier, document: Document) -> bool:
    """Return True if the actor, who reads ``dossier``, may open ``document``'s files (not restricted to others)."""
    return permissions.can_read_content(actor, document, content_access(session, [document])[document.id])


def first_readable_dossiers(session: Session, actor: Actor, document_ids: list[int]) -> dict[int, int]:
    """Return, for each document, the first dossier holding it that the actor reads (none: not in the answer). A
    document filed in two units' dossiers (``link_document``) is read by each unit from its own."""
    if not document_ids:
        return {}
    holders = holding_dossiers(session, document_ids)
    grants = permissions.dossier_access(session, [held for found in holders.values() for held in found])
    readable = {
        document_id: [held.id for held in found if permissions.can_read_dossier(actor, held, grants[held.id])]
        for document_id, found in holders.items()
    }
    return {document_id: min(ids) for document_id, ids in readable.items() if ids}


def holding_dossiers(session: Session, document_ids: list[int]) -> dict[int, list[Dossier]]:
    """Return the dossiers each document is filed in (once per document in a read-only transaction)."""
    memo = read_memo(session, "holding_dossiers")
    missing = [document_id for document_id in document_ids if memo is None or document_id not in memo]
    found: dict[int, list[Dossier]] = {document_id: [] for document_id in missing}
    if missing:
        query = select(DossierDocument.document_id, Dossier).join(Dossier)
        query = query.where(DossierDocument.document_id.in_(missing))
        for document_id, holder in session.execute(query):
            found[document_id].append(holder)
    if memo is not None:
        memo.update(found)
    known = memo if memo is not None else found
    return {document_id: known[document_id] for document_id in document_ids if known[document_id]}


# Whose files are no longer here: destroyed by a decision, or handed over to the historical archive.
CONTENT_GONE = {
    DossierState.DESTROYED: N_("The dossier was destroyed by decision; its files no longer exist."),
    DossierState.TRANSFERRED: N_("The dossier was handed over to the historical archive; its files are kept there."),
}


def _with_content(dossier: Dossier) -> Dossier:
    """Refuse, in words, to open a file of a dossier whose content is gone (its metadata stays readable)."""
    if dossier.state in CONTENT_GONE:
        raise RuleViolation(CONTENT_GONE[dossier.state])
    return dossier


def open_index(
    session: Session, actor: Actor, dossier_id: int, *, store: FileStore, now: datetime, font: str = ""
) -> BinaryIO:
    """Open the dossier's document index PDF and audit the download: the one made at closing, or, for a reader who
    may not read every summary in it, the same index printed again with those summaries left out."""
    dossier = _with_content(get_dossier(session, actor, dossier_id))
    if dossier.index_file is None:
        raise NotFound()
    withheld = withheld_summaries(session, actor, dossier)
    audit.record(session, actor, "dossier.index_downloaded", "dossier", dossier.id, now=now, withheld=len(withheld))
    if not withheld:
        return store.open(dossier.index_file.sha256)
    closed_at = (dossier.closed_at or now).astimezone(LOCAL_TZ)
    return io.BytesIO(pdf_index.render(snapshot.document_index(dossier, closed_at, withheld), font=font))
