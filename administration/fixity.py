"""The fixity audit (kiểm tra tính toàn vẹn): stored files re-read, oldest-checked first, against both digests taken
at capture. Each check is kept as an event (PREMIS: date, outcome, agent); an altered or missing file is a notice to
the archivists of every organisation whose records hold it.

Files are read outside any transaction (reading takes long; nobody should wait to save meanwhile) and at a set rate,
so the audit never takes the disk from the people working.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from erms import audit, notices
from erms.db import transaction
from erms.errors import N_
from erms.models import (
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    FixityEvent,
    FixityOutcome,
    Organisation,
    Role,
    StoredFile,
)
from erms.models.appraisal import DestroyedFile
from erms.storage import CHUNK, FileStore

NOTICES = {
    FixityOutcome.ALTERED: N_(
        "A stored file has other bytes than at capture (%(held_by)s): %(sha256)s. Put it back: erms fixity repair."
    ),
    FixityOutcome.MISSING: N_(
        "A stored file is missing from the store (%(held_by)s): %(sha256)s. Put it back: erms fixity repair."
    ),
}


class UnknownFile(Exception):
    """No stored file has the SHA-256 asked for."""


@dataclass(frozen=True)
class Found:
    """What one check found for one stored file."""

    sha256: str
    outcome: FixityOutcome
    size: int  # bytes read


@dataclass(frozen=True)
class Pace:
    """How fast to read: at most ``bytes_per_second`` (None: as fast as the disk goes), until ``until`` (monotonic)."""

    bytes_per_second: float | None = None
    until: float | None = None


def due(
    session: Session, limit: int | None, sha256: str | None = None, checked_before: datetime | None = None
) -> Sequence[Row[int, str, str]]:
    """Return (id, sha256, sha512) of the files to check: the one named, or the oldest-checked first, only those not
    checked since ``checked_before`` if given (files whose bytes a destruction deleted are never checked)."""
    query = select(StoredFile.id, StoredFile.sha256, StoredFile.sha512)
    if sha256 is not None:
        found = session.execute(query.where(StoredFile.sha256 == sha256)).all()
        if not found:
            raise UnknownFile(f"No stored file has the SHA-256 {sha256}")
        return found
    destroyed = select(DestroyedFile.file_id).where(DestroyedFile.deleted_at.is_not(None))
    query = query.where(StoredFile.id.not_in(destroyed))
    if checked_before is not None:
        query = query.where((StoredFile.fixity_checked_at.is_(None)) | (StoredFile.fixity_checked_at < checked_before))
    ordered = query.order_by(StoredFile.fixity_checked_at.asc().nulls_first(), StoredFile.id).limit(limit)
    return session.execute(ordered).all()


def reread(store: FileStore, sha256: str, sha512: str) -> tuple[FixityOutcome, int]:
    """Read the stored bytes once, computing both digests; return the outcome and the bytes read."""
    digests, size = (hashlib.sha256(), hashlib.sha512()), 0
    try:
        with store.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                for digest in digests:
                    digest.update(chunk)
    except FileNotFoundError:
        return FixityOutcome.MISSING, 0
    intact = digests[0].hexdigest() == sha256 and digests[1].hexdigest() == sha512
    return (FixityOutcome.INTACT if intact else FixityOutcome.ALTERED), size


def record(session: Session, file_id: int, sha256: str, outcome: FixityOutcome, agent: str, *, now: datetime) -> None:
    """Keep the check as an event, date the file's last check, and tell the archivists of a failure."""
    session.add(FixityEvent(stored_file_id=file_id, checked_at=now, outcome=outcome, agent=agent))
    stored = session.get(StoredFile, file_id)
    assert stored is not None  # stored files are never deleted, only their bytes
    stored.fixity_checked_at = now
    if outcome is FixityOutcome.INTACT:
        return
    for organisation_id in holders(session, file_id):
        notices.tell_role(
            session,
            organisation_id,
            Role.ARCHIVIST,
            f"fixity_{outcome.value}",
            sha256[:40],
            NOTICES[outcome],
            now=now,
            sha256=sha256,
            held_by=held_by(session, file_id, organisation_id),
        )


def holders(session: Session, file_id: int) -> list[int]:
    """Return the organisations whose documents or dossier indexes hold the file (every one if none does)."""
    documents = (
        select(Document.organisation_id)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(DocumentVersion.file_id == file_id)
    )
    indexes = select(Dossier.organisation_id).where(Dossier.index_file_id == file_id)
    found = sorted(set(session.scalars(documents)) | set(session.scalars(indexes)))
    return found or list(session.scalars(select(Organisation.id).order_by(Organisation.id)))


def held_by(session: Session, file_id: int, organisation_id: int) -> str:
    """Name, for an organisation's archivists, the first of its records that holds the file: a dossier code and the
    document's number in it (no summary: a top secret one is never shown), or the dossier whose index it is. Never
    another organisation's record: the store shares bytes between them."""
    filed = session.execute(
        select(Dossier.file_code, DossierDocument.ordinal)
        .join(DossierDocument, DossierDocument.dossier_id == Dossier.id)
        .join(Document, Document.id == DossierDocument.document_id)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(DocumentVersion.file_id == file_id, Document.organisation_id == organisation_id)
        .order_by(Dossier.id, DossierDocument.ordinal)
        .limit(1)
    ).first()
    if filed is not None:
        return f"{filed.file_code} #{filed.ordinal}"
    index = session.scalar(
        select(Dossier.file_code)
        .where(Dossier.index_file_id == file_id, Dossier.organisation_id == organisation_id)
        .limit(1)
    )
    return index or "-"


def check(
    factory: Callable[[], Session],
    store: FileStore,
    *,
    agent: str,
    clock: Callable[[], datetime],
    limit: int | None = None,
    sha256: str | None = None,
    checked_before: datetime | None = None,
    pace: Pace = Pace(),
) -> list[Found]:
    """Check the files due (or the one named), each recorded in a short transaction of its own; return findings."""
    with transaction(factory, read_only=True) as session:
        files = due(session, limit, sha256, checked_before)
    found: list[Found] = []
    started, read = time.monotonic(), 0
    for file_id, digest, digest512 in files:
        if pace.until is not None and time.monotonic() >= pace.until:
            break
        outcome, size = reread(store, digest, digest512)
        with transaction(factory) as session:
            record(session, file_id, digest, outcome, agent, now=clock())
        found.append(Found(digest, outcome, size))
        read += size
        _keep_pace(pace, started, read)
    return found


def _keep_pace(pace: Pace, started: float, read: int) -> None:
    """Sleep until ``read`` bytes are no faster than the rate allows (never past the time allowed)."""
    if not pace.bytes_per_second:
        return
    ahead = started + read / pace.bytes_per_second - time.monotonic()
    if pace.until is not None:
        ahead = min(ahead, pace.until - time.monotonic())
    if ahead > 0:
        time.sleep(ahead)


def failures(found: list[Found]) -> list[Found]:
    return [item for item in found if item.outcome is not FixityOutcome.INTACT]


class NotRepaired(Exception):
    """No backup target holds intact bytes for the file; the message says where it looked."""


def repair(
    session: Session, store: FileStore, sha256: str, media: list[tuple[str, Path]], *, agent: str, now: datetime
) -> str:
    """Put back the bytes of an altered or missing stored file from the first backup medium holding them intact
    (both digests checked before they replace anything); return the medium's name. Audited, and checked again."""
    stored = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
    if stored is None:
        raise UnknownFile(f"No stored file has the SHA-256 {sha256}")
    looked = []
    for name, files in media:
        candidate = files / sha256[:2] / sha256[2:4] / sha256
        if candidate.is_file() and _digests(candidate) == (stored.sha256, stored.sha512):
            store.restore(sha256, candidate)
            audit.record(session, None, "stored_file.repaired", "stored_file", stored.id, now=now, source=name)
            record(session, stored.id, sha256, FixityOutcome.INTACT, agent, now=now)
            return name
        looked.append(f"{name} ({'other bytes' if candidate.is_file() else 'not there'})")
    raise NotRepaired(
        f"No backup medium holds the bytes of {sha256} intact: looked in " + ", ".join(looked or ["none"])
    )


def _digests(path: Path) -> tuple[str, str]:
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha512.update(chunk)
    return sha256.hexdigest(), sha512.hexdigest()
