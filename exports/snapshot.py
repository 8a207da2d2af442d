"""Read what an export needs from the database into frozen values; the only DB reader in exports/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from erms import audit
from erms.models import (Dossier, DossierDocument, DossierListEntry, Document, DocumentVersion, HandoverBatch,
                         HandoverItem, Organisation, Package, StoredFile, User)
from erms.models.dossier import DossierState
from erms.models.handover import BatchState
from exports.pdf_index import DocumentIndex, IndexRow
from retention.clock import Period


def document_index(dossier: Dossier, printed_at: datetime) -> DocumentIndex:
    """Return the "Mục lục văn bản" of ``dossier``: its documents in their ordinal (chronological) order."""
    rows = []
    for link in dossier.links:
        document = link.document
        number = "/".join(part for part in (document.code_number, document.code_notation) if part)
        rows.append(IndexRow(
            ordinal=link.ordinal,
            number_notation=number,
            issued_date=document.issued_date,
            type_and_subject=f"{document.type_name} {document.subject}".strip(),
            author=document.organ_name,
            pages=str(document.page_amount or ""),
            note=document.description,
        ))
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

@dataclass(frozen=True)
class FileSnapshot:
    """One stored file as a package lists it: digests recorded at capture, size, type, people's name."""

    sha256: str
    sha512: str
    size: int
    media_type: str
    filename: str
    captured_at: datetime


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class HeadingSnapshot:
    """The dossier-list heading ("đề mục") a dossier was planned under."""

    list_year: int
    label: str
    abbreviation: str
    title: str
    decision_ref: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


def _file(stored: StoredFile, filename: str) -> FileSnapshot:
    return FileSnapshot(stored.sha256, stored.sha512, stored.size, stored.media_type, filename, stored.created_at)


def _document(link) -> DocumentSnapshot:
    document = link.document
    return DocumentSnapshot(
        id=document.id, ordinal=link.ordinal, direction=document.direction.value, type_name=document.type_name,
        code_number=document.code_number, code_notation=document.code_notation, issued_date=document.issued_date,
        organ_name=document.organ_name, subject=document.subject, language=document.language,
        page_amount=document.page_amount, description=document.description, signer_name=document.signer_name,
        signer_position=document.signer_position, urgency=document.urgency, marking=document.marking,
        keyword=document.keyword, created_at=document.created_at,
        files=tuple(_file(version.file, version.filename) for version in document.versions),
    )


def dossier_snapshot(dossier: Dossier) -> DossierSnapshot:
    """Return the frozen view of one dossier, documents in their ordinal (chronological) order."""
    entry = dossier.entry
    heading = None
    if entry.heading is not None:
        heading = HeadingSnapshot(entry.dossier_list.year, entry.heading.label, entry.heading.abbreviation,
                                  entry.heading.title, entry.dossier_list.decision_ref)
    return DossierSnapshot(
        id=dossier.id, file_code=dossier.file_code, year=dossier.year, file_notation=dossier.file_notation,
        title=dossier.title,
        retention=Period(dossier.retention_permanent, dossier.retention_years, dossier.retention_condition),
        rights=dossier.rights, language=dossier.language, start_date=dossier.start_date, end_date=dossier.end_date,
        page_total=dossier.page_total, description=dossier.description, keyword=dossier.keyword,
        unit_name=dossier.unit.name, creator_name=dossier.creator.full_name, opened_at=dossier.opened_at,
        closed_at=dossier.closed_at, archived_at=dossier.archived_at, heading=heading,
        documents=tuple(_document(link) for link in dossier.links),
        index_file=_file(dossier.index_file, "muc-luc-van-ban.pdf") if dossier.index_file else None,
    )


# Everything a package reads, loaded in a handful of queries instead of several per document.
_PACKAGE_LOADS = (
    joinedload(Dossier.organisation), joinedload(Dossier.unit), joinedload(Dossier.creator),
    joinedload(Dossier.index_file),
    joinedload(Dossier.entry).options(joinedload(DossierListEntry.heading), joinedload(DossierListEntry.dossier_list)),
    selectinload(Dossier.links).joinedload(DossierDocument.document).selectinload(Document.versions)
    .joinedload(DocumentVersion.file),
)


def package(session: Session, dossier_ids: list[int], *, name: str, kind: str, year: int, operator_id: int | None,
            now: datetime) -> PackageSnapshot:
    """Return the frozen view of a package of ``dossier_ids`` (one organisation), read in one go."""
    query = (select(Dossier).where(Dossier.id.in_(dossier_ids))
             .order_by(Dossier.year, Dossier.file_notation, Dossier.id).options(*_PACKAGE_LOADS))
    dossiers = list(session.scalars(query))
    organisation = dossiers[0].organisation
    operator = session.get(User, operator_id) if operator_id else None
    return PackageSnapshot(
        name=name, kind=kind, organisation_code=organisation.code, organisation_name=organisation.name,
        parent_name=organisation.parent_name, archive_code=organisation.archive_code, year=year,
        operator_name=operator.full_name if operator else "ERMS (console)",
        operator_position=operator.position if operator else "", created_at=now,
        audit_head=audit.head_hash(session), dossiers=tuple(dossier_snapshot(dossier) for dossier in dossiers),
    )


def permanent_dossiers(session: Session, organisation_id: int) -> list[Dossier]:
    """Return the organisation's permanent dossiers not yet transferred or destroyed, by code."""
    query = (select(Dossier).where(Dossier.organisation_id == organisation_id, Dossier.retention_permanent.is_(True),
                                   Dossier.state.not_in((DossierState.TRANSFERRED, DossierState.DESTROYED)))
             .order_by(Dossier.file_code))
    return list(session.scalars(query))


def batched_dossier_ids(session: Session, dossier_ids: list[int]) -> dict[int, int]:
    """Return {dossier id: batch id} for those of ``dossier_ids`` already in a hand-over batch."""
    query = select(HandoverItem.dossier_id, HandoverItem.batch_id).where(HandoverItem.dossier_id.in_(dossier_ids))
    return {dossier_id: batch_id for dossier_id, batch_id in session.execute(query)}


def draft_batch(session: Session, organisation_id: int, year: int) -> HandoverBatch | None:
    """Return the organisation's batch of ``year`` that has no valid package yet, if any."""
    query = select(HandoverBatch).where(HandoverBatch.organisation_id == organisation_id, HandoverBatch.year == year,
                                        HandoverBatch.state == BatchState.DRAFT)
    return session.scalar(query)


def next_batch_seq(session: Session, organisation_id: int, year: int) -> int:
    """Return the next sequence number of the organisation's batches of ``year`` (1 for the first)."""
    query = select(func.max(HandoverBatch.seq)).where(HandoverBatch.organisation_id == organisation_id,
                                                     HandoverBatch.year == year)
    return (session.scalar(query) or 0) + 1


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    """Return the organisation (fonds) with ``code``."""
    return session.scalar(select(Organisation).where(Organisation.code == code))


def batches(session: Session, organisation_ids: set[int]) -> list[HandoverBatch]:
    """Return the hand-over batches of these organisations, newest first."""
    query = (select(HandoverBatch).where(HandoverBatch.organisation_id.in_(organisation_ids))
             .order_by(HandoverBatch.year.desc(), HandoverBatch.seq.desc()))
    return list(session.scalars(query))


def batch_by_name(session: Session, name: str) -> HandoverBatch | None:
    """Return the batch whose bag is called ``name`` (``<fonds-code>_<year>_<seq>``)."""
    parts = name.rsplit("_", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    query = (select(HandoverBatch).join(HandoverBatch.organisation)
             .where(Organisation.code == parts[0], HandoverBatch.year == int(parts[1]),
                    HandoverBatch.seq == int(parts[2])))
    return session.scalar(query)


def latest_package(session: Session, *, batch_id: int | None = None, dossier_id: int | None = None) -> Package | None:
    """Return the newest package built for a batch or for one dossier."""
    query = select(Package).order_by(Package.id.desc()).limit(1)
    query = query.where(Package.batch_id == batch_id) if batch_id else query.where(Package.dossier_id == dossier_id)
    return session.scalar(query)


def package_by_path(session: Session, path: str) -> Package | None:
    """Return the package recorded at ``path``."""
    return session.scalar(select(Package).where(Package.path == path).order_by(Package.id.desc()).limit(1))
