"""The format of each stored file (định dạng tệp) as the worker identified it, and the files the archivist is told
of: those whose format PRONOM does not know by their bytes, or whose bytes are not what their name says.

The worker identifies what was captured a batch at a time, seconds after capture (``erms.jobs``, with
``filing.formats.identify_in_child``); files stored before this version wait their turn the same way.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms.models import DocumentVersion, DossierDocument, StoredFile
from filing import formats

BATCH = 50  # files a child identifies at once: its start and the signature load shared, its work bounded


def pending(session: Session, limit: int = BATCH) -> list[tuple[int, str, str]]:
    """Return (file id, SHA-256, a person's name for it) of files not identified yet, oldest first."""
    name = select(func.min(DocumentVersion.filename)).where(DocumentVersion.file_id == StoredFile.id)
    query = (
        select(StoredFile.id, StoredFile.sha256, name.scalar_subquery())
        .where(StoredFile.puid.is_(None))
        .order_by(StoredFile.id)
        .limit(limit)
    )
    return [(file_id, sha256, filename or "") for file_id, sha256, filename in session.execute(query)]


def record(session: Session, file_id: int, found: formats.Format) -> None:
    """Keep what was found of a file's format ("" PUID: nothing matched)."""
    stored = session.get_one(StoredFile, file_id)
    stored.puid, stored.format_name, stored.format_basis = found.puid, found.name[:300], found.basis


def unknown(stored: StoredFile) -> bool:
    """True for a file identified, but not by its bytes (PRONOM has no signature for it), or by bytes its name does
    not announce ("misnamed"): the archivist is told."""
    return stored.puid is not None and stored.format_basis != "signature"


def unknown_counts(session: Session, dossier_ids: list[int]) -> dict[int, int]:
    """Return, for each of the dossiers that has any, how many of its files ``unknown`` points out."""
    query = (
        select(DossierDocument.dossier_id, func.count(func.distinct(StoredFile.id)))
        .join(DocumentVersion, DocumentVersion.document_id == DossierDocument.document_id)
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .where(
            DossierDocument.dossier_id.in_(dossier_ids),
            StoredFile.puid.is_not(None),
            StoredFile.format_basis != "signature",
        )
        .group_by(DossierDocument.dossier_id)
    )
    return dict(session.execute(query).all())
