"""Scans uploaded by an officer (bản số hóa, issue 27): each held to TT 02/2019's rules at upload, its warnings kept
with the document for the archivist to accept.

The officer says a file is a scan of paper (the "scan" box of the upload form, ``scan`` in the API). ``check`` then
reads it with ``filing.scans.inspect``: a file that is not a PDF, cannot be read, is locked by a password or has no
page is refused (nothing is kept: the caller's transaction is rolled back); a PDF that misses a rule (version before
1.4, a page under 200 dpi, a page not in colour, a page without a scanned image) is kept, with a warning shown on the
dossier page and listed in the archive queue. The agency archive accepts a submitted dossier only once an archivist
has accepted every such warning of its files (``refuse_unaccepted``): the archive then knowingly keeps a scan
below the standard, or returns the dossier for a better scan.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Document, DocumentVersion, DossierDocument, ScanCheck
from erms.models.dossier import Dossier, DossierState, Medium
from erms.permissions import Actor
from erms.storage import FileStore
from filing import scans

# What cannot be checked as a scan at all: refused at upload. Every other problem is a warning.
REFUSED = frozenset({scans.NOT_A_PDF, scans.UNREADABLE, scans.ENCRYPTED, scans.NO_PAGES})

NOTHING_TO_ACCEPT = N_("This file carries no scan warning to accept.")
ALREADY_ACCEPTED = N_("The warning on this scan was already accepted.")
NOT_SUBMITTED = N_("The warning on a scan is accepted once its dossier is submitted to the agency archive.")
UNACCEPTED = N_(
    "%(count)s scans of this dossier do not meet TT 02/2019 and their warnings are not accepted: accept each "
    "warning in the archive queue, or return the dossier for better scans."
)


def check(session: Session, actor: Actor, version: DocumentVersion, *, store: FileStore, now: datetime) -> ScanCheck:
    """Hold the version's file to the rules for a scan; refuse one that cannot be checked, keep the rest."""
    report = scans.inspect(store.path_for(version.file.sha256))
    refusals = [problem for problem in report.problems if problem.template in REFUSED]
    if refusals:
        raise InvalidMetadata([Problem("file", problem.template, problem.params) for problem in refusals])
    row = ScanCheck(
        version_id=version.id,
        document_id=version.document_id,
        checked_at=now,
        checked_by_id=actor.user_id,
        pdf_version=report.pdf_version,
        pages=report.pages,
        lowest_dpi=None if report.lowest_dpi is None else int(report.lowest_dpi + 0.5),
        colour_modes=",".join(sorted(report.colour_modes)),
        problems=json.dumps(
            [{"template": problem.template, "params": problem.params} for problem in report.problems],
            ensure_ascii=False,
        ),
    )
    session.add(row)
    session.flush()
    return row


def problems_of(row: ScanCheck) -> list[Problem]:
    """Return what the check found, as problems to translate ("file" their field)."""
    return [Problem("file", item["template"], item["params"]) for item in json.loads(row.problems)]


def warning(row: ScanCheck) -> bool:
    """True for a scan that misses a rule and whose warning no archivist has accepted yet."""
    return row.problems != "[]" and row.accepted_at is None


def of_versions(session: Session, version_ids: list[int]) -> dict[int, ScanCheck]:
    """Return the scan check of each of the versions that was uploaded as a scan."""
    if not version_ids:
        return {}
    query = select(ScanCheck).where(ScanCheck.version_id.in_(version_ids)).options(selectinload(ScanCheck.accepted_by))
    return {row.version_id: row for row in session.scalars(query)}


def unaccepted(session: Session, dossier_ids: list[int]) -> dict[int, list[ScanCheck]]:
    """Return, for each of the dossiers that has any, its scans' warnings not accepted yet, in the dossier's order."""
    if not dossier_ids:
        return {}
    query = (
        select(DossierDocument.dossier_id, ScanCheck)
        .join(ScanCheck, ScanCheck.document_id == DossierDocument.document_id)
        .where(
            DossierDocument.dossier_id.in_(dossier_ids),
            ScanCheck.problems != "[]",
            ScanCheck.accepted_at.is_(None),
        )
        .order_by(DossierDocument.dossier_id, DossierDocument.ordinal, ScanCheck.version_id)
        .options(selectinload(ScanCheck.version).selectinload(DocumentVersion.document))
    )
    found: dict[int, list[ScanCheck]] = {}
    for dossier_id, row in session.execute(query):
        found.setdefault(dossier_id, []).append(row)
    return found


def refuse_unaccepted(session: Session, dossier: Dossier) -> None:
    """Refuse to take a dossier into the archive while a scan of it carries a warning no archivist accepted."""
    waiting = unaccepted(session, [dossier.id]).get(dossier.id, [])
    if waiting:
        raise RuleViolation(UNACCEPTED, count=len(waiting))


def accept(session: Session, actor: Actor, version_id: int, *, now: datetime) -> ScanCheck:
    """Accept the warning of a scan: the archive keeps it as it is (the archivist's right to accept dossiers)."""
    version = session.get(DocumentVersion, version_id)
    if version is None:
        raise NotFound()
    document = version.document
    permissions.require(actor, "dossier.accept", document.organisation_id)
    row = session.scalar(select(ScanCheck).where(ScanCheck.version_id == version_id))
    if row is None or row.problems == "[]":
        raise RuleViolation(NOTHING_TO_ACCEPT)
    if row.accepted_at is not None:
        raise RuleViolation(ALREADY_ACCEPTED)
    # The archive accepts what it is asked to take in (the queue lists the submitted dossiers' scans): a scan of a
    # dossier still with its unit may yet be replaced by a better one, and is not the archive's to judge yet.
    waiting = (
        select(Dossier.id)
        .join(DossierDocument)
        .where(DossierDocument.document_id == document.id, Dossier.state == DossierState.SUBMITTED)
    )
    if session.scalar(waiting.limit(1)) is None:
        raise RuleViolation(NOT_SUBMITTED)
    row.accepted_by_id, row.accepted_at = actor.user_id, now
    audit.record(
        session,
        actor,
        "scan_warning.accepted",
        "document",
        document.id,
        now=now,
        version=version.number,
        filename=version.filename,
        sha256=version.file.sha256,
        problems=[str(problem) for problem in problems_of(row)],
    )
    session.flush()
    return row


def note_scan(session: Session, actor: Actor, dossier: Dossier, document: Document, *, now: datetime) -> None:
    """Record that a scan was attached to a paper or hybrid dossier: the scan names its paper original, and a paper
    dossier becomes hybrid (audited)."""
    if dossier.medium is Medium.ELECTRONIC:
        return
    document.paper_original = dossier.file_code
    if dossier.medium is Medium.PAPER:
        dossier.medium = Medium.HYBRID
        audit.record(
            session,
            actor,
            "dossier.digitised",
            "dossier",
            dossier.id,
            now=now,
            medium_before=Medium.PAPER.value,
            medium=Medium.HYBRID.value,
            document_id=document.id,
        )
