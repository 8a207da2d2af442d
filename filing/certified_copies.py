"""Certified copies (bản sao y, bản sao điện tử chứng thực, issue 27): a document the agency certifies as a true copy
of its paper original, by signing the file.

A document is presented as a certified copy only once the signature check of its file says the agency signed it:

- the file's verdict (``filing.signature_checks``: the worst of its signatures') is "valid": intact, not changed
  after signing, the chain trusted to a root the administrator installed, not expired or revoked; and
- one of its signers belongs to the agency: the signer as the check names them, "CN, O" of the certificate's
  subject (``filing.signatures._person``), has the organisation's name as its O (organisation) or as its CN (a seal
  certificate issued to the agency itself), compared without regard to case, Unicode form or spacing.

A trusted CA vouches for the subject's names, so a name match on a trusted, valid signature is the agency's word.
The check runs in the worker seconds after capture; until then the request is "pending" (the page says it awaits the
signature check). Every later check of the file (the trust roots changed) decides again. A request is refused at
once when the file carries no signature. Only a final document is a certified copy: a draft's content still moves.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import CertifiedCopy, Document, Organisation, SignatureCheck, StoredFile
from erms.models.dossier import DocumentStatus
from erms.models.scan import CONFIRMED, PENDING, REFUSED
from erms.permissions import Actor
from filing import signatures

# Why a request was refused (CertifiedCopy.reason); ``detail`` says the verdict or the signers.
UNSIGNED = "unsigned"
NOT_VALID = "not_valid"
NOT_THE_AGENCY = "not_the_agency"

ONLY_FINAL = N_("A certified copy is a final document: mark the document final first.")
NEEDS_FILE = N_("A certified copy needs the signed file of the document.")


def request(session: Session, actor: Actor, document: Document, *, now: datetime) -> CertifiedCopy:
    """Ask that ``document`` (already checked as the actor's to edit) be a certified copy; decide at once if its file
    is unsigned or already checked, else leave it pending for the worker's check. Audited."""
    if document.status is not DocumentStatus.FINAL:
        raise InvalidMetadata([Problem("certified_copy", ONLY_FINAL)])
    if not document.versions:
        raise InvalidMetadata([Problem("certified_copy", NEEDS_FILE)])
    stored = document.versions[-1].file
    copy = session.scalar(select(CertifiedCopy).where(CertifiedCopy.document_id == document.id))
    if copy is None:
        copy = CertifiedCopy(document_id=document.id)
        session.add(copy)
    copy.stored_file_id, copy.requested_by_id, copy.requested_at = stored.id, actor.user_id, now
    _decide(session, copy, stored, document.organisation_id, now=now)
    session.flush()
    audit.record(
        session,
        actor,
        "certified_copy.requested",
        "document",
        document.id,
        now=now,
        sha256=stored.sha256,
        outcome=copy.outcome,
        reason=copy.reason,
    )
    return copy


def recheck(session: Session, stored_file_id: int, *, now: datetime) -> None:
    """Decide again every request whose file has just been checked (the worker's ``signature_checks.record``); a
    changed decision is audited as the system's."""
    stored = session.get_one(StoredFile, stored_file_id)
    for copy in session.scalars(select(CertifiedCopy).where(CertifiedCopy.stored_file_id == stored_file_id)):
        document = session.get_one(Document, copy.document_id)
        before = copy.outcome
        _decide(session, copy, stored, document.organisation_id, now=now)
        if copy.outcome != before and copy.outcome != PENDING:
            audit.record(
                session,
                None,
                f"certified_copy.{copy.outcome}",
                "document",
                document.id,
                now=now,
                before=before,
                after=copy.outcome,
                reason=copy.reason,
                detail=copy.detail,
            )
    session.flush()


def _decide(session: Session, copy: CertifiedCopy, stored: StoredFile, organisation_id: int, *, now: datetime) -> None:
    if not stored.has_pdf_signature:
        copy.outcome, copy.reason, copy.detail, copy.decided_at = REFUSED, UNSIGNED, "", now
        return
    check = None
    if not stored.signature_pending:
        check = session.scalar(
            select(SignatureCheck)
            .where(SignatureCheck.stored_file_id == stored.id)
            .order_by(SignatureCheck.id.desc())
            .limit(1)
        )
    if check is None:
        copy.outcome, copy.reason, copy.detail, copy.decided_at = PENDING, "", "", None
        return
    organisation = session.get_one(Organisation, organisation_id)
    copy.outcome, copy.reason, copy.detail = judge(
        check.status, signatures.from_json(check.findings), organisation.name
    )
    copy.decided_at = now


def judge(status: str, findings: Iterable[signatures.Finding], organisation_name: str) -> tuple[str, str, str]:
    """Return (outcome, reason, detail) for a file whose check gave ``status`` and ``findings``."""
    findings = list(findings)
    if status != signatures.Status.VALID.value:
        return REFUSED, NOT_VALID, status
    agency = [finding.signer for finding in findings if belongs_to(finding.signer, organisation_name)]
    if agency:
        return CONFIRMED, "", "; ".join(agency)[:500]
    return REFUSED, NOT_THE_AGENCY, "; ".join(finding.signer for finding in findings)[:500]


def belongs_to(signer: str, organisation_name: str) -> bool:
    """True when the signer "CN, O" names the organisation as its O, or as its CN (or is the name alone)."""
    who, name = _folded(signer), _folded(organisation_name)
    if not name:
        return False
    return who == name or who.endswith(", " + name) or who.startswith(name + ", ")


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def of_documents(session: Session, document_ids: list[int]) -> dict[int, CertifiedCopy]:
    """Return the certified-copy request of each of the documents that has one."""
    if not document_ids:
        return {}
    query = select(CertifiedCopy).where(CertifiedCopy.document_id.in_(document_ids))
    return {copy.document_id: copy for copy in session.scalars(query)}
