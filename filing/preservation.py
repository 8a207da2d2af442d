"""Preservation copies (bản sao bảo quản, NĐ 30/2020 PL6 III.5.e): each stored document file of an office or raster
image format is copied once into PDF/A-2b, the normalisation Archivematica and RODA do, so that it can still be read
when the software that made it is gone. The original is kept unchanged; the copy is stored beside it (content
addressed, with its digests) and shown, downloaded and joined into the whole-dossier PDF in its place.

Which files: those PRONOM names by their bytes (``filing.formats``) with an id in CONVERTIBLE. Each gets one row,
made or failed with the reason, so a file LibreOffice cannot read is not tried again every round. The worker makes
the copies a few at a time (``erms.jobs``) and ``erms preservation run`` at once; never a web request.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erms import audit
from erms.errors import NotFound
from erms.models import DestroyedFile, DocumentVersion, StoredFile
from erms.models.preservation import FAILED, MADE, PreservationCopy
from erms.permissions import Actor
from erms.storage import Captured, FileStore
from exports.snapshot import copy_name as copy_name  # the download names the copy as the hand-over package does
from filing import dossiers, libreoffice

# The format of every copy: Acrobat PDF/A - Portable Document Format 2b.
TARGET = "fmt/477"
# PRONOM ids LibreOffice converts, with the module that opens them and the extension its type detection expects.
CONVERTIBLE: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("fmt/412",), (libreoffice.WRITER, "docx")),  # Word 2007 onwards
    **dict.fromkeys(("fmt/40", "fmt/39"), (libreoffice.WRITER, "doc")),  # Word 97-2003, 6.0/95
    **dict.fromkeys(("fmt/136", "fmt/290", "fmt/291", "fmt/1756"), (libreoffice.WRITER, "odt")),
    **dict.fromkeys(("fmt/969", "fmt/50", "fmt/52", "fmt/53", "fmt/355"), (libreoffice.WRITER, "rtf")),
    **dict.fromkeys(("fmt/214",), (libreoffice.CALC, "xlsx")),  # Excel 2007 onwards
    **dict.fromkeys(("fmt/59", "fmt/61", "fmt/62"), (libreoffice.CALC, "xls")),
    **dict.fromkeys(("fmt/137", "fmt/294", "fmt/295"), (libreoffice.CALC, "ods")),
    **dict.fromkeys(("fmt/215",), (libreoffice.IMPRESS, "pptx")),  # PowerPoint 2007 onwards
    **dict.fromkeys(("fmt/125", "fmt/126"), (libreoffice.IMPRESS, "ppt")),
    **dict.fromkeys(("fmt/138", "fmt/292", "fmt/293"), (libreoffice.IMPRESS, "odp")),
    **dict.fromkeys(("fmt/11", "fmt/12", "fmt/13"), (libreoffice.DRAW, "png")),
    **dict.fromkeys(
        ("fmt/41", "fmt/42", "fmt/43", "fmt/44", "fmt/645", "x-fmt/390", "x-fmt/391", "x-fmt/398"),
        (libreoffice.DRAW, "jpg"),
    ),
    **dict.fromkeys(("fmt/353",), (libreoffice.DRAW, "tif")),
    **dict.fromkeys(("fmt/3", "fmt/4"), (libreoffice.DRAW, "gif")),
    **dict.fromkeys(("fmt/116", "fmt/117", "fmt/118", "fmt/119"), (libreoffice.DRAW, "bmp")),
}
# Files a worker round converts: about LibreOffice's start plus a fraction of a second each (bench/RESULTS.md,
# "Preservation copies"), so a backlog left by an upgrade is copied in a day or two without holding the machine.
BATCH = 20
TIMEOUT = 120.0  # seconds a file may take before its run's processes are killed and the file recorded as failed


@dataclass(frozen=True)
class Waiting:
    """A stored file waiting for its copy: its id, digest and PRONOM id."""

    file_id: int
    sha256: str
    puid: str


@dataclass(frozen=True)
class Attempt:
    """What one conversion gave: the copy's bytes as stored, or the reason there are none."""

    waiting: Waiting
    captured: Captured | None
    reason: str = ""


def pending(session: Session, limit: int | None = BATCH) -> list[Waiting]:
    """Return the documents' files of a convertible format that have no copy (nor a failed attempt), oldest first;
    files a destruction deleted are left alone."""
    destroyed = select(DestroyedFile.file_id).where(DestroyedFile.deleted_at.is_not(None))
    query = (
        select(StoredFile.id, StoredFile.sha256, StoredFile.puid)
        .where(
            StoredFile.puid.in_(CONVERTIBLE),
            StoredFile.format_basis == "signature",
            ~select(PreservationCopy.id).where(PreservationCopy.source_file_id == StoredFile.id).exists(),
            select(DocumentVersion.id).where(DocumentVersion.file_id == StoredFile.id).exists(),
            StoredFile.id.not_in(destroyed),
        )
        .order_by(StoredFile.id)
        .limit(limit)
    )
    return [Waiting(file_id, sha256, puid or "") for file_id, sha256, puid in session.execute(query)]


def convert(store: FileStore, waiting: Sequence[Waiting], *, timeout: float = TIMEOUT) -> list[Attempt]:
    """Convert the files, in order, outside any transaction (conversions take seconds) and store each PDF/A in the
    file store: one LibreOffice run for the files of each kind (Writer, Calc...). A file a shared run did not copy
    is tried again alone, so that one LibreOffice cannot read, or that hangs it, costs the others nothing and gets
    a reason of its own. A failure is an Attempt with its reason, not an exception."""
    done: dict[int, Attempt] = {}
    for family in dict.fromkeys(CONVERTIBLE[item.puid][0] for item in waiting):
        group = [item for item in waiting if CONVERTIBLE[item.puid][0] == family]
        attempts = _converted(store, group, family, timeout)
        if len(group) > 1:
            attempts = [
                _converted(store, [attempt.waiting], family, timeout)[0] if attempt.captured is None else attempt
                for attempt in attempts
            ]
        done.update((attempt.waiting.file_id, attempt) for attempt in attempts)
    return [done[item.file_id] for item in waiting]


def _converted(store: FileStore, group: list[Waiting], family: str, timeout: float) -> list[Attempt]:
    """Convert ``group`` in one LibreOffice run in a private temporary folder; store each PDF/A made."""
    with tempfile.TemporaryDirectory(prefix="erms-preservation-") as work:
        sources = [(store.path_for(item.sha256), CONVERTIBLE[item.puid][1]) for item in group]
        try:
            made = libreoffice.convert_all(sources, family, Path(work), timeout=timeout)
        except OSError as error:  # a stored file missing or unreadable: the run never started
            return [Attempt(item, None, str(error)[:1000]) for item in group]
        return [
            Attempt(item, None, str(pdf)[:1000])
            if isinstance(pdf, libreoffice.Failed)
            else Attempt(item, _put(store, pdf))
            for item, pdf in zip(group, made, strict=True)
        ]


def _put(store: FileStore, pdf: Path) -> Captured:
    with pdf.open("rb") as stream:
        return store.put(stream)


def record(session: Session, attempt: Attempt, tool: str, *, now: datetime) -> PreservationCopy | None:
    """Keep the attempt (the copy's stored file, or the reason) and audit it; None when another run kept one first."""
    captured = attempt.captured
    copy_id = None if captured is None else dossiers.stored_file(session, captured, "copy.pdf", now=now).id
    row = PreservationCopy(
        source_file_id=attempt.waiting.file_id,
        copy_file_id=copy_id,
        outcome=MADE if copy_id is not None else FAILED,
        reason=attempt.reason,
        target=TARGET,
        tool=tool[:200],
        made_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    audit.record(
        session,
        None,
        "stored_file.preservation_copy",
        "stored_file",
        attempt.waiting.file_id,
        now=now,
        outcome=row.outcome,
        copy_sha256=attempt.captured.sha256 if attempt.captured is not None else None,
        reason=attempt.reason,
        tool=row.tool,
    )
    return row


def copies_of(session: Session, file_ids: Iterable[int]) -> dict[int, PreservationCopy]:
    """Return the attempts made for the given source files, by source file id."""
    ids = list(file_ids)
    if not ids:
        return {}
    rows = session.scalars(select(PreservationCopy).where(PreservationCopy.source_file_id.in_(ids)))
    return {row.source_file_id: row for row in rows}


def open_copy(
    session: Session, actor: Actor, dossier_id: int, version_id: int, *, store: FileStore, now: datetime
) -> tuple[BinaryIO, DocumentVersion]:
    """Open the PDF/A copy of a version's file for whoever may download the version, audited as its download;
    NotFound when the version has no copy made."""
    version = dossiers.readable_version(session, actor, dossier_id, version_id)
    made = copies_of(session, [version.file_id]).get(version.file_id)
    if made is None or made.copy is None:
        raise NotFound()
    stream = store.open(made.copy.sha256)
    dossiers.audit_download(session, actor, dossier_id, version, now=now, preservation_copy=made.copy.sha256)
    return stream, version
