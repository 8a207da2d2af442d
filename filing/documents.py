"""Documents (văn bản) read by their own id, as the JSON API names them: with the rights of the dossier pages.

A document is seen by whoever reads a dossier holding it (``permissions.can_read_dossier``, the dossier page's
check); its content (files, summary) only by those ``permissions.can_read_content`` allows, as on that page. A
registered document not yet filed in any dossier is read from its register line, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session, selectinload

from erms import permissions
from erms.errors import NotFound
from erms.models import Document, DocumentOpinion, DocumentRecipient, DocumentVersion, Dossier
from erms.models.preservation import PreservationCopy
from erms.models.scan import CertifiedCopy, ScanCheck
from erms.permissions import Actor
from erms.storage import FileStore
from filing import certified_copies, dossiers, opinions, preservation, recipients, scan_checks, signature_checks


@dataclass(frozen=True)
class Readable:
    """A document the actor sees, the dossier they see it in, and whether its content is theirs to read."""

    document: Document
    dossier: Dossier
    content: bool


@dataclass(frozen=True)
class Checks:
    """What the checks found of documents' files, as the dossier page shows it: each signed file's verdict, each scan's
    check against TT 02/2019, each document's certified-copy decision, each file's preservation copy (four queries for
    any number of documents)."""

    signatures: dict[int, signature_checks.Evidence]  # by stored file id
    scans: dict[int, ScanCheck]  # by version id
    certified: dict[int, CertifiedCopy]  # by document id
    copies: dict[int, PreservationCopy]  # by the source's stored file id: its PDF/A copy, or why there is none


def checks_of(session: Session, found: list[Readable]) -> Checks:
    """Return the checks of the documents whose content their reader may read (the others show no file)."""
    readable = [item.document for item in found if item.content]
    versions = [version for document in readable for version in document.versions]
    return Checks(
        signatures=signature_checks.evidence(session, [version.file for version in versions]),
        scans=scan_checks.of_versions(session, [version.id for version in versions]),
        certified=certified_copies.of_documents(session, [document.id for document in readable]),
        copies=preservation.copies_of(session, [version.file_id for version in versions]),
    )


@dataclass(frozen=True)
class Handled:
    """What documents' handling holds for the API: each one's opinions, oldest first, with their authors, and each
    outgoing one's recipients with their codes (two queries for any number of documents)."""

    opinions: dict[int, list[DocumentOpinion]]  # by document id
    recipients: dict[int, list[DocumentRecipient]]  # by document id


def handled_of(session: Session, found: list[Readable]) -> Handled:
    """Return the opinions and recipients of the documents found; whose opinion's text a reader reads is the
    shape's to decide, as for the summary."""
    return handled_for(session, [item.document.id for item in found])


def handled_for(session: Session, document_ids: list[int]) -> Handled:
    """Return the opinions and recipients of documents read otherwise (a register's lines)."""
    return Handled(opinions.opinions_of(session, document_ids), recipients.of(session, document_ids))


def get_document(session: Session, actor: Actor, document_id: int) -> Readable:
    """Return the document if the actor reads a dossier holding it; NotFound otherwise (another unit's, another
    organisation's, or in a dossier restricted to others look alike)."""
    document = session.get(Document, document_id, options=(selectinload(Document.versions),))
    if document is None or document.organisation_id not in actor.organisation_ids():
        raise NotFound()
    content = dossiers.content_access(session, [document])[document.id]
    readable = [holder for holder, access in content.holders if permissions.can_read_dossier(actor, holder, access)]
    if not readable:
        raise NotFound()
    # A dossier whose files are still here is the one to open them from.
    readable.sort(key=lambda holder: (holder.state in dossiers.CONTENT_GONE, holder.id))
    return Readable(document, readable[0], permissions.can_read_content(actor, document, content))


def dossier_documents(
    session: Session, actor: Actor, dossier_id: int, page: int, per_page: int
) -> tuple[list[Readable], int]:
    """Return one page of the documents of a dossier the actor reads, in the dossier's order, and their total."""
    dossier = dossiers.get_dossier(session, actor, dossier_id)
    links = sorted(dossier.links, key=lambda link: link.ordinal)
    chosen = links[(page - 1) * per_page : page * per_page]
    content = dossiers.readable_content(session, actor, dossier, [link.document for link in chosen])
    return [Readable(link.document, dossier, link.document_id in content) for link in chosen], len(links)


def open_version(
    session: Session, actor: Actor, document_id: int, version_id: int, *, store: FileStore, now: datetime
) -> tuple[BinaryIO, DocumentVersion]:
    """Open a version of the document for the actor, audited as the dossier page's download (PL6 III.6.l)."""
    readable = get_document(session, actor, document_id)
    if version_id not in {version.id for version in readable.document.versions}:
        raise NotFound()
    return dossiers.open_version(session, actor, readable.dossier.id, version_id, store=store, now=now)
