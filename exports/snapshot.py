"""Read what an export needs from the database into frozen values; the only DB reader in exports/."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, aliased

from classification import marking_decisions
from erms import audit
from erms.models import (
    AccessChange,
    AccessChangeState,
    AuditEvent,
    CertifiedCopy,
    ClassificationHeading,
    Document,
    DocumentOpinion,
    DocumentRecipient,
    DocumentVersion,
    Dossier,
    DossierDocument,
    DossierList,
    DossierListEntry,
    DossierPlacement,
    HandoverBatch,
    Organisation,
    Package,
    PreservationCopy,
    Repository,
    SignatureCheck,
    StorageBox,
    StoredFile,
    SupplementaryField,
    Unit,
    User,
)
from erms.models.dossier import DossierState, Medium
from erms.models.handover import BatchState
from erms.models.scan import CONFIRMED
from erms.models.supplementary import RecordKind
from exports.pdf.box_labels import place_line
from exports.pdf.pdf_index import DocumentIndex, IndexRow
from retention.clock import Period

# What an index prints instead of a summary its reader may not read (filing.dossiers.withheld_summaries' reasons).
WITHHELD = {
    "top_secret": "(không hiển thị trích yếu: văn bản Tuyệt mật)",
    "restricted": "(trích yếu hạn chế sử dụng, chỉ dành cho người được chỉ định)",
}


def document_index(
    dossier: Dossier,
    printed_at: datetime,
    withheld: Mapping[int, str] | None = None,
    counted: Mapping[int, int] | None = None,
) -> DocumentIndex:
    """Return the "Mục lục văn bản" of ``dossier``: its documents in their ordinal (chronological) order; a document
    in ``withheld`` (id: a WITHHELD reason) shows why its summary is left out instead of the summary, and one with
    no number of pages the count in ``counted`` (id: pages) that closing will fill in."""
    rows = []
    for link in dossier.links:
        document = link.document
        number = "/".join(part for part in (document.code_number, document.code_notation) if part)
        reason = (withheld or {}).get(document.id)
        subject = WITHHELD[reason] if reason else document.subject
        rows.append(
            IndexRow(
                ordinal=link.ordinal,
                number_notation=number,
                issued_date=document.issued_date,
                type_and_subject=f"{document.type_name} {subject}".strip(),
                author=document.organ_name,
                pages=str(document.page_amount or (counted or {}).get(document.id) or ""),
                note=document.description,
            )
        )
    return DocumentIndex(
        parent_organisation=dossier.organisation.parent_name,
        organisation=dossier.organisation.name,
        file_notation=dossier.file_notation,
        file_code=dossier.file_code,
        year=dossier.year,
        title=dossier.title,
        rows=tuple(rows),
        printed_at=printed_at,
    )


# ---------------------------------------------------------------- hand-over packages


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    """One stored file as a package lists it: digests recorded at capture, size, type, people's name."""

    sha256: str
    sha512: str
    size: int
    media_type: str
    filename: str
    captured_at: datetime
    signed: bool  # a PDF signature dictionary was seen at capture
    puid: str | None = None  # PRONOM's identifier of its format (None: not identified yet; "": no match)
    format_name: str = ""
    preservation: MigrationSnapshot | None = None  # the attempt to copy it into PDF/A, if one was made


@dataclass(frozen=True, slots=True)
class MigrationSnapshot:
    """The attempt to copy a stored file into PDF/A for preservation (PL6 III.5.e, filing.preservation): the copy it
    made (None: the tool failed, ``reason`` says why), the copy's format (PRONOM), the tool and its version in its
    own words, and when. The package carries the copy and PREMIS tells the migration."""

    copy: FileSnapshot | None
    target: str
    tool: str
    made_at: datetime
    reason: str


class CopyForm(NamedTuple):
    """Whether a document is handed over as an original or as a copy: ``code`` (ASCII, EAD's genreform/@normal) and
    ``label`` (what TT 02's CopyForm, EAD's genreform and PREMIS's significantProperties say)."""

    code: str
    label: str


# NĐ 30/2020 Điều 25 k.1 c: a paper document copied to an electronic one by scanning it and the agency's digital
# signature is a "bản sao y", which Điều 26 gives the legal value of the main copy (bản chính).
ORIGINAL = CopyForm("original", "Bản gốc, bản chính")
CERTIFIED_COPY = CopyForm("certified-copy", "Bản sao y từ văn bản giấy sang văn bản điện tử")
UNCERTIFIED_COPY = CopyForm("uncertified-copy", "Bản sao chưa có chữ ký số hợp lệ của cơ quan")


def copy_form(outcome: str | None) -> CopyForm:
    """Return how the package presents a document whose certified-copy request (CertifiedCopy.outcome) is
    ``outcome``, None when no one asked: every writer says what this decides, so TT 02, EAD and PREMIS agree.

    The Archives Law and NĐ 30 take originals (bản gốc, bản chính), or a lawful copy where the original is gone: a
    document no one said is a copy is handed over as the agency's original; one the officer said is a copy is a
    certified copy only once the signature check found the agency's valid signature (filing.certified_copies), and
    otherwise (still pending, or refused) it is said to be a copy without it, never passed off as an original.
    """
    if outcome is None:
        return ORIGINAL
    return CERTIFIED_COPY if outcome == CONFIRMED else UNCERTIFIED_COPY


@dataclass(frozen=True, slots=True)
class SupplementaryValue:
    """One supplementary metadata value of a record (NĐ 30 PL6 III.7.c) with its field's code, label and type: the
    package names it by the code, types it and labels it for people, withdrawn fields' values as any other."""

    name: str
    label: str
    data_type: str  # FieldType's value: text, number, date (ISO day) or choice
    value: str  # as stored: numbers with a dot, days in ISO


Supplementary = tuple[SupplementaryValue, ...]


@dataclass(frozen=True, slots=True)
class OpinionSnapshot:
    """An opinion given on a document while it was handled (``DocumentOpinion``), with its author's name: the package
    carries it as an action on the record (NĐ 30 PL6 III.5.a)."""

    kind: str  # OpinionKind values
    text: str
    author: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class MarkingChange:
    """A change of a document's security marking, the head's decision (classification.marking_decisions), as its
    audit event kept it: the package carries it as a security control of the record (NĐ 30 PL6 III.7.d)."""

    changed_at: datetime
    before: str  # SecurityMarking values
    after: str
    reason: str


@dataclass(frozen=True, slots=True)
class AccessChangeSnapshot:
    """A confirmed change of who reads a dossier or one of its documents (filing.access), in force or ended since;
    a person shared with is not named: the package says only that a named person was."""

    id: int
    document_id: int | None  # None: a change of the dossier
    kind: str  # AccessChangeKind's value
    decided_at: datetime
    unit_name: str  # a share with a unit: the unit's name ("" otherwise)
    until: date | None
    ends_share_id: int | None  # an early end of a share: that share's id
    reason: str


@dataclass(frozen=True, slots=True)
class DocumentSnapshot:
    """A document of a dossier with its TT 02/2019 metadata and the files of its versions."""

    id: int
    ordinal: int
    direction: str
    type_name: str
    code_number: str
    code_notation: str
    issued_date: date
    organ_name: str
    subject: str
    language: str
    page_amount: int | None
    description: str
    signer_name: str
    signer_position: str
    urgency: str
    marking: str
    keyword: str
    created_at: datetime
    files: tuple[FileSnapshot, ...]
    copy_form: CopyForm = ORIGINAL
    supplementary: Supplementary = ()
    marking_changes: tuple[MarkingChange, ...] = ()
    opinions: tuple[OpinionSnapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class HeadingSnapshot:
    """The dossier-list heading ("đề mục") a dossier was planned under."""

    list_year: int
    label: str
    abbreviation: str
    title: str
    decision_ref: str


@dataclass(frozen=True, slots=True)
class DossierSnapshot:
    """A dossier with its TT 02/2019 metadata, its documents and its document index PDF."""

    id: int
    file_code: str
    year: int
    file_notation: str
    title: str
    retention: Period
    rights: str
    language: str
    start_date: date
    end_date: date | None
    page_total: int | None
    description: str
    keyword: str
    unit_name: str
    creator_name: str
    opened_at: datetime
    closed_at: datetime | None
    archived_at: datetime | None
    heading: HeadingSnapshot | None
    documents: tuple[DocumentSnapshot, ...]
    index_file: FileSnapshot | None
    # Paper and hybrid dossiers (issue 28): the medium ("electronic", "paper", "hybrid"), the sheets numbered on
    # closing, and where the archive keeps the paper (box_labels.place_line; "" if it is in no box).
    medium: str = Medium.ELECTRONIC.value
    sheet_total: int | None = None
    place: str = ""
    box_number: int | None = None  # the box's number, unique in the fonds (None: in no box)
    supplementary: Supplementary = ()
    access_changes: tuple[AccessChangeSnapshot, ...] = ()

    @property
    def paper(self) -> bool:
        """Whether the dossier's content is on paper only: the package describes it and carries none of its files."""
        return self.medium == Medium.PAPER.value

    @property
    def physical(self) -> bool:
        """Whether any of the dossier is on paper (paper or hybrid): the package says what and where."""
        return self.medium != Medium.ELECTRONIC.value


OnDossiers = Callable[[list[DossierSnapshot]], None]


@dataclass(frozen=True, slots=True)
class SignatureSnapshot:
    """The latest check of a signed file's signatures (filing.signature_checks), as the package records it."""

    status: str
    checked_at: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class RecipientSnapshot:
    """A receiving organisation of an outgoing document as it was saved, with its code ("" when none was known)."""

    name: str
    code: str


@dataclass(frozen=True, slots=True)
class PackageSnapshot:
    """Everything a package is built from: the fonds, the dossiers, who builds it and when."""

    name: str
    kind: str  # "handover" (to the historical archive) or "dossier" (one dossier for an auditor)
    organisation_code: str
    organisation_name: str
    parent_name: str
    archive_code: str
    year: int
    operator_name: str
    operator_position: str
    created_at: datetime
    audit_head: str
    dossiers: tuple[DossierSnapshot, ...]
    signatures: dict[str, SignatureSnapshot] = field(default_factory=dict)  # by the file's SHA-256
    # Each outgoing document's receiving organisations in order, by the document's id (the others have none).
    recipients: dict[int, tuple[RecipientSnapshot, ...]] = field(default_factory=dict)


# Read with column queries, not ORM objects: a package holds tens of thousands of documents, which
# the session's identity map would keep in memory until the end (bench/RESULTS.md, hand-over export).
_FILE_COLUMNS = (
    StoredFile.sha256,
    StoredFile.sha512,
    StoredFile.size,
    StoredFile.media_type,
    StoredFile.created_at,
    StoredFile.has_pdf_signature,
    StoredFile.puid,
    StoredFile.format_name,
)
_DOCUMENT_COLUMNS = (
    Document.id,
    DossierDocument.ordinal,
    Document.direction,
    Document.type_name,
    Document.code_number,
    Document.code_notation,
    Document.issued_date,
    Document.organ_name,
    Document.subject,
    Document.language,
    Document.page_amount,
    Document.description,
    Document.signer_name,
    Document.signer_position,
    Document.urgency,
    Document.marking,
    Document.keyword,
    Document.created_at,
    CertifiedCopy.outcome,  # read into DocumentSnapshot.copy_form
    Document.supplementary,  # last: read into DocumentSnapshot.supplementary
)
_DOSSIER_COLUMNS = (
    Dossier.id,
    Dossier.file_code,
    Dossier.year,
    Dossier.file_notation,
    Dossier.title,
    Dossier.retention_permanent,
    Dossier.retention_years,
    Dossier.retention_condition,
    Dossier.rights,
    Dossier.language,
    Dossier.start_date,
    Dossier.end_date,
    Dossier.page_total,
    Dossier.description,
    Dossier.keyword,
    Unit.name,
    User.full_name,
    Dossier.opened_at,
    Dossier.closed_at,
    Dossier.archived_at,
    DossierList.year,
    ClassificationHeading.label,
    ClassificationHeading.abbreviation,
    ClassificationHeading.title,
    DossierList.decision_ref,
    Dossier.medium,
    Dossier.sheet_total,
    Repository.code,
    StorageBox.shelf_unit,
    StorageBox.shelf,
    StorageBox.number,
    DossierPlacement.file_number,
    Dossier.supplementary,
    *_FILE_COLUMNS,
)
# Whether each document field after ``direction`` repeats from document to document (types,
# issuers, signers, dates …): such values are kept once each, not once per document.
_REPEATS = (True, False, True, True, True, False, True, False, True, True, True, True, True, True, True)
# Dossiers read at a time: the first ones reach the copy within a few hundredths of a second, and
# bound parameters per IN (...) stay well under SQLite's and PostgreSQL's limits.
_CHUNK = 200


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class _Fields:
    """The organisation's supplementary fields, read once for the package (one query for both kinds), by which each
    record's stored values are read."""

    def __init__(self, session: Session, organisation_id: int) -> None:
        query = (
            select(SupplementaryField)
            .where(SupplementaryField.organisation_id == organisation_id)
            .order_by(SupplementaryField.position, SupplementaryField.id)
        )
        self._fields: dict[RecordKind, list[tuple[str, str, str]]] = {kind: [] for kind in RecordKind}
        for item in session.scalars(query):
            self._fields[item.applies_to].append((item.name, item.label, item.data_type.value))

    def values(self, kind: RecordKind, stored: str) -> Supplementary:
        """Return a record's values (``stored``: its canonical JSON) in the order its forms show their fields."""
        fields = self._fields[kind]
        if not fields or stored == "{}":  # most records: nothing to parse
            return ()
        values = json.loads(stored)
        return tuple(
            SupplementaryValue(name, label, data_type, values[name])
            for name, label, data_type in fields
            if values.get(name)
        )


def copy_name(filename: str) -> str:
    """Return the name a file's preservation copy goes by, downloaded or in a package: the original's, with
    " (PDF-A).pdf" for its extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem} (PDF-A).pdf"


def _file(filename: str, columns, preservation: MigrationSnapshot | None = None) -> FileSnapshot:
    """Return the file read from ``_FILE_COLUMNS``' values under the name people know it by."""
    sha256, sha512, size, media_type, created, signed, puid, name = columns
    return FileSnapshot(sha256, sha512, size, media_type, filename, created, signed, puid, name, preservation)


def _migration(filename: str, attempt, copy) -> MigrationSnapshot | None:
    """Return the preservation copy attempt read from its columns and the copy's ``_FILE_COLUMNS`` (None: no attempt;
    a copy of None: the attempt failed); the copy is named as it downloads."""
    target, tool, made_at, reason = attempt
    if tool is None:
        return None
    made = _file(copy_name(filename), copy) if copy[0] is not None else None
    return MigrationSnapshot(made, target, tool, made_at, reason)


def _files(session: Session, dossier_ids: list[int]) -> dict[int, list[FileSnapshot]]:
    """Return {document id: the files of its versions, by version number} for the dossiers' documents, each with
    its preservation copy attempt (outer joins: most files have none)."""
    files: dict[int, list[FileSnapshot]] = {}
    documents = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(dossier_ids))
    copy = aliased(StoredFile)
    attempt = (PreservationCopy.target, PreservationCopy.tool, PreservationCopy.made_at, PreservationCopy.reason)
    query = (
        select(DocumentVersion.document_id, DocumentVersion.filename, *_FILE_COLUMNS, *attempt)
        .add_columns(*(getattr(copy, column.key) for column in _FILE_COLUMNS))
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .outerjoin(PreservationCopy, PreservationCopy.source_file_id == StoredFile.id)
        .outerjoin(copy, copy.id == PreservationCopy.copy_file_id)
        .where(DocumentVersion.document_id.in_(documents))
        .order_by(DocumentVersion.document_id, DocumentVersion.number)
    )
    width = len(_FILE_COLUMNS)
    for document_id, filename, *row in session.execute(query):
        preservation = _migration(filename, row[width : width + len(attempt)], row[width + len(attempt) :])
        files.setdefault(document_id, []).append(_file(filename, row[:width], preservation))
    return files


def _marking_changes(session: Session, dossier_ids: list[int]) -> dict[int, list[MarkingChange]]:
    """Return {document id: the changes of its marking, oldest first} for the dossiers' documents, from the audit
    log, where each decision is kept with its reason (one query, by the log's subject index)."""
    documents = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(dossier_ids))
    query = (
        select(AuditEvent.subject_id, AuditEvent.occurred_at, AuditEvent.before_state, AuditEvent.after_state)
        .add_columns(AuditEvent.details)
        .where(
            AuditEvent.subject_type == "document",
            AuditEvent.subject_id.in_(documents),
            AuditEvent.action == marking_decisions.MARKING_CHANGED,
        )
        .order_by(AuditEvent.id)
    )
    changes: dict[int, list[MarkingChange]] = {}
    for document_id, when, before, after, details in session.execute(query):
        reason = json.loads(details).get("reason", "")
        changes.setdefault(document_id, []).append(MarkingChange(when, before, after, reason))
    return changes


def _opinions(session: Session, dossier_ids: list[int]) -> dict[int, list[OpinionSnapshot]]:
    """Return {document id: its opinions in the order given} for the dossiers' documents (one query)."""
    documents = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(dossier_ids))
    query = (
        select(DocumentOpinion.document_id, DocumentOpinion.kind, DocumentOpinion.text, User.full_name)
        .add_columns(DocumentOpinion.given_at)
        .join(User, User.id == DocumentOpinion.author_id)
        .where(DocumentOpinion.document_id.in_(documents))
        .order_by(DocumentOpinion.given_at, DocumentOpinion.id)
    )
    opinions: dict[int, list[OpinionSnapshot]] = {}
    for document_id, kind, text, author, given_at in session.execute(query):
        opinions.setdefault(document_id, []).append(OpinionSnapshot(kind.value, text, author, given_at))
    return opinions


def _access_changes(session: Session, dossier_ids: list[int]) -> dict[int, list[AccessChangeSnapshot]]:
    """Return {dossier id: its confirmed changes of access (in force or ended since), in the order decided}; the
    proposed and the rejected ones never changed who reads it."""
    query = (
        select(AccessChange.dossier_id, AccessChange.id, AccessChange.document_id, AccessChange.kind)
        .add_columns(AccessChange.decided_at, Unit.name, AccessChange.until, AccessChange.ends_share_id)
        .add_columns(AccessChange.reason)
        .outerjoin(Unit, Unit.id == AccessChange.unit_id)
        .where(
            AccessChange.dossier_id.in_(dossier_ids),
            AccessChange.state.in_((AccessChangeState.CONFIRMED, AccessChangeState.ENDED)),
        )
        .order_by(AccessChange.decided_at, AccessChange.id)
    )
    changes: dict[int, list[AccessChangeSnapshot]] = {}
    for dossier_id, change_id, document_id, kind, decided, unit, until, ends, reason in session.execute(query):
        changes.setdefault(dossier_id, []).append(
            AccessChangeSnapshot(change_id, document_id, kind.value, decided, unit or "", until, ends, reason)
        )
    return changes


def _documents(
    session: Session, dossier_ids: list[int], shared: dict, fields: _Fields
) -> dict[int, list[DocumentSnapshot]]:
    """Return {dossier id: its documents in ordinal (chronological) order}; ``shared`` keeps one object
    per distinct value of the repeating fields."""
    files, markings = _files(session, dossier_ids), _marking_changes(session, dossier_ids)
    opinions = _opinions(session, dossier_ids)
    documents: dict[int, list[DocumentSnapshot]] = {}
    keep = shared.setdefault
    query = (
        select(DossierDocument.dossier_id, *_DOCUMENT_COLUMNS)
        .join(Document, Document.id == DossierDocument.document_id)
        .outerjoin(CertifiedCopy, CertifiedCopy.document_id == Document.id)
        .where(DossierDocument.dossier_id.in_(dossier_ids))
        .order_by(DossierDocument.dossier_id, DossierDocument.ordinal)
    )
    for dossier_id, document_id, ordinal, direction, *columns, outcome, stored in session.execute(query):
        values = [keep(value, value) if repeats else value for repeats, value in zip(_REPEATS, columns, strict=True)]
        # Files, the copy form, the supplementary values, the marking's changes and the opinions, the last fields, go
        # in *values too: given by keyword, mypy counts them twice.
        values += [
            tuple(files.get(document_id, ())),
            copy_form(outcome),
            fields.values(RecordKind.DOCUMENT, stored),
            tuple(markings.get(document_id, ())),
            tuple(opinions.get(document_id, ())),
        ]
        documents.setdefault(dossier_id, []).append(DocumentSnapshot(document_id, ordinal, direction.value, *values))
    return documents


def _dossier(
    row, documents: list[DocumentSnapshot], fields: _Fields, access: list[AccessChangeSnapshot]
) -> DossierSnapshot:
    (
        dossier_id,
        file_code,
        year,
        notation,
        title,
        permanent,
        years,
        condition,
        rights,
        language,
        start,
        end,
        pages,
        description,
        keyword,
        unit_name,
        creator_name,
        opened,
        closed,
        archived,
        list_year,
        label,
        abbreviation,
        heading_title,
        decision_ref,
        medium,
        sheets,
        repository,
        shelf_unit,
        shelf,
        box_number,
        file_number,
        stored,
        *index,
    ) = row
    heading = (
        HeadingSnapshot(list_year, label, abbreviation, heading_title, decision_ref) if label is not None else None
    )
    index_file = _file("muc-luc-van-ban.pdf", index) if index[0] is not None else None  # an outer join
    return DossierSnapshot(
        id=dossier_id,
        file_code=file_code,
        year=year,
        file_notation=notation,
        title=title,
        retention=Period(permanent, years, condition),
        rights=rights,
        language=language,
        start_date=start,
        end_date=end,
        page_total=pages,
        description=description,
        keyword=keyword,
        unit_name=unit_name,
        creator_name=creator_name,
        opened_at=opened,
        closed_at=closed,
        archived_at=archived,
        heading=heading,
        documents=tuple(documents),
        index_file=index_file,
        medium=medium.value,
        sheet_total=sheets,
        place=place_line(repository, shelf_unit, shelf, box_number, file_number) if repository is not None else "",
        box_number=box_number,
        supplementary=fields.values(RecordKind.DOSSIER, stored),
        access_changes=tuple(access),
    )


def _dossiers(
    session: Session, dossier_ids: list[int], on_dossiers: OnDossiers, fields: _Fields
) -> list[DossierSnapshot]:
    """Return the dossiers in package order (year, notation), each with its documents and index file."""
    rows: list[Row[*tuple[Any, ...]]] = []  # SQLAlchemy types only the first ten columns of a select
    for ids in _chunks(dossier_ids):
        query = (
            select(*_DOSSIER_COLUMNS)
            .join(Unit, Unit.id == Dossier.unit_id)
            .join(User, User.id == Dossier.creator_id)
            .join(DossierListEntry, DossierListEntry.id == Dossier.entry_id)
            .join(DossierList, DossierList.id == DossierListEntry.dossier_list_id)
            .outerjoin(ClassificationHeading, ClassificationHeading.id == DossierListEntry.heading_id)
            .outerjoin(StoredFile, StoredFile.id == Dossier.index_file_id)
            # The paper's place, read through the models: exports sits below holdings (docs/architecture.md §2).
            .outerjoin(DossierPlacement, DossierPlacement.dossier_id == Dossier.id)
            .outerjoin(StorageBox, StorageBox.id == DossierPlacement.box_id)
            .outerjoin(Repository, Repository.id == StorageBox.repository_id)
            .where(Dossier.id.in_(ids))
        )
        rows.extend(session.execute(query))
    rows.sort(key=lambda row: (row[2], row[3], row[0]))  # year, notation, id
    dossiers: list[DossierSnapshot] = []
    shared: dict = {}
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        ids = [row.id for row in chunk]
        documents, access = _documents(session, ids, shared, fields), _access_changes(session, ids)
        read = [_dossier(row, documents.get(row.id, []), fields, access.get(row.id, [])) for row in chunk]
        on_dossiers(read)
        dossiers.extend(read)
    return dossiers


def package(
    session: Session,
    dossier_ids: list[int],
    *,
    name: str,
    kind: str,
    year: int,
    operator_id: int | None,
    now: datetime,
    on_dossiers: OnDossiers = lambda _dossiers: None,
) -> PackageSnapshot:
    """Return the frozen view of a package of ``dossier_ids`` (one organisation), read in a few queries.

    ``on_dossiers`` is given the dossiers as they are read, a few hundred at a time in package order,
    so that their files can be copied while the rest is read (bag.Build.add).
    """
    organisation = session.scalar(
        select(Organisation)
        .join(Dossier, Dossier.organisation_id == Organisation.id)
        .where(Dossier.id == dossier_ids[0])
    )
    assert organisation is not None  # the dossiers exist (the caller read their ids) and each has an organisation
    operator = session.get(User, operator_id) if operator_id else None
    return PackageSnapshot(
        name=name,
        kind=kind,
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        parent_name=organisation.parent_name,
        archive_code=organisation.archive_code,
        year=year,
        operator_name=operator.full_name if operator else "ERMS (console)",
        operator_position=operator.position if operator else "",
        created_at=now,
        audit_head=audit.head_hash(session),
        dossiers=tuple(_dossiers(session, list(dossier_ids), on_dossiers, _Fields(session, organisation.id))),
        signatures=_signatures(session, list(dossier_ids)),
        recipients=_recipients(session, list(dossier_ids)),
    )


def _signatures(session: Session, dossier_ids: list[int]) -> dict[str, SignatureSnapshot]:
    """Return the latest signature check of each signed file of the dossiers' documents, by SHA-256."""
    documents = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(dossier_ids))
    signed = (
        select(StoredFile.id)
        .join(DocumentVersion, DocumentVersion.file_id == StoredFile.id)
        .where(DocumentVersion.document_id.in_(documents), StoredFile.has_pdf_signature)
    )
    newest = select(func.max(SignatureCheck.id)).where(SignatureCheck.stored_file_id.in_(signed))
    query = (
        select(StoredFile.sha256, SignatureCheck.status, SignatureCheck.checked_at, SignatureCheck.summary)
        .join(StoredFile, StoredFile.id == SignatureCheck.stored_file_id)
        .where(SignatureCheck.id.in_(newest.group_by(SignatureCheck.stored_file_id)))
    )
    return {
        sha256: SignatureSnapshot(status, checked, summary)
        for sha256, status, checked, summary in session.execute(query)
    }


# The "Nơi nhận" block's last line, the copies the issuer keeps ("Lưu: VT, VP", NĐ 30/2020 Phụ lục I): shown as typed,
# but no receiving organisation of the package.
_KEPT_COPIES = re.compile(r"^\s*(lưu|luu)\s*:", re.IGNORECASE)


def _recipients(session: Session, dossier_ids: list[int]) -> dict[int, tuple[RecipientSnapshot, ...]]:
    """Return the receiving organisations of the dossiers' documents in order, by document id (one query)."""
    documents = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(dossier_ids))
    query = (
        select(DocumentRecipient.document_id, DocumentRecipient.name, DocumentRecipient.code)
        .where(DocumentRecipient.document_id.in_(documents))
        .order_by(DocumentRecipient.document_id, DocumentRecipient.position)
    )
    found: dict[int, list[RecipientSnapshot]] = {}
    for document_id, name, code in session.execute(query):
        if not _KEPT_COPIES.match(unicodedata.normalize("NFC", name)):
            found.setdefault(document_id, []).append(RecipientSnapshot(name, code))
    return {document_id: tuple(recipients) for document_id, recipients in found.items()}


def permanent_dossiers(session: Session, organisation_id: int) -> list[Dossier]:
    """Return the organisation's permanent dossiers not yet transferred or destroyed, by code."""
    query = (
        select(Dossier)
        .where(
            Dossier.organisation_id == organisation_id,
            Dossier.retention_permanent.is_(True),
            Dossier.state.not_in((DossierState.TRANSFERRED, DossierState.DESTROYED)),
        )
        .order_by(Dossier.file_code)
    )
    return list(session.scalars(query))


def draft_batch(session: Session, organisation_id: int, year: int) -> HandoverBatch | None:
    """Return the organisation's batch of ``year`` that has no valid package yet, if any."""
    query = select(HandoverBatch).where(
        HandoverBatch.organisation_id == organisation_id,
        HandoverBatch.year == year,
        HandoverBatch.state == BatchState.DRAFT,
    )
    return session.scalar(query)


def next_batch_seq(session: Session, organisation_id: int, year: int) -> int:
    """Return the next sequence number of the organisation's batches of ``year`` (1 for the first)."""
    query = select(func.max(HandoverBatch.seq)).where(
        HandoverBatch.organisation_id == organisation_id, HandoverBatch.year == year
    )
    return (session.scalar(query) or 0) + 1


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    """Return the organisation (fonds) with ``code``."""
    return session.scalar(select(Organisation).where(Organisation.code == code))


def batches(session: Session, organisation_ids: set[int]) -> list[HandoverBatch]:
    """Return the hand-over batches of these organisations, newest first."""
    query = (
        select(HandoverBatch)
        .where(HandoverBatch.organisation_id.in_(organisation_ids))
        .order_by(HandoverBatch.year.desc(), HandoverBatch.seq.desc())
    )
    return list(session.scalars(query))


def batch_by_name(session: Session, name: str) -> HandoverBatch | None:
    """Return the batch whose bag is called ``name`` (``<fonds-code>_<year>_<seq>``)."""
    parts = name.rsplit("_", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    query = (
        select(HandoverBatch)
        .join(HandoverBatch.organisation)
        .where(Organisation.code == parts[0], HandoverBatch.year == int(parts[1]), HandoverBatch.seq == int(parts[2]))
    )
    return session.scalar(query)


def latest_package(session: Session, *, batch_id: int | None = None, dossier_id: int | None = None) -> Package | None:
    """Return the newest package built for a batch or for one dossier."""
    query = select(Package).order_by(Package.id.desc()).limit(1)
    query = query.where(Package.batch_id == batch_id) if batch_id else query.where(Package.dossier_id == dossier_id)
    return session.scalar(query)


def package_by_path(session: Session, path: str) -> Package | None:
    """Return the package recorded at ``path``."""
    return session.scalar(select(Package).where(Package.path == path).order_by(Package.id.desc()).limit(1))
