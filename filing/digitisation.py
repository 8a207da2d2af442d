"""Digitising paper dossiers (số hóa, issue 28 part 5): a scan attached to a paper dossier makes it hybrid, and the
scan keeps the code of the paper original it was made from ("mã hồ sơ gốc giấy", TT 05/2025's field for digitised
records) beside its TT 02/2019 check.

Two ways a scan reaches a paper dossier:
- the officer forming it uploads a file marked as a scan (``filing.dossiers.add_document``):
  ``filing.scan_checks.note_scan``;
- the archive digitises a paper dossier it holds (accepted, ARCHIVED): :func:`digitise`, the archivist's, which adds
  the scan as a document of the dossier after the index made at closing (the index describes the paper). A scan that
  misses TT 02/2019's rules is refused unless the archivist accepts it, as the legacy import does; the acceptance
  is then recorded on the scan's check at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from erms import audit, metadata, metadata_seal, permissions
from erms.errors import N_, InvalidMetadata, PermissionDenied, Problem, RuleViolation
from erms.models import Document, Dossier, Organisation
from erms.models.dossier import DossierState, Medium
from erms.permissions import Actor
from erms.storage import FileStore
from filing import dossiers, scan_checks

NOT_PAPER = N_("Dossier %(code)s is electronic: only a paper or hybrid dossier is digitised.")
NOT_HELD = N_("Only a dossier the archive holds is digitised by the archive; this one is %(state)s.")
NO_FILE = N_("Choose the scan of the dossier.")


def digitise(
    session: Session,
    actor: Actor,
    dossier_id: int,
    form: dict[str, str],
    upload: dossiers.Upload | None,
    *,
    store: FileStore,
    now: datetime,
    accept_warnings: bool = False,
) -> Document:
    """Add the archive's scan of a paper dossier it holds as a document of the dossier (``form``: ``subject`` what
    the scan holds, ``issued_date`` and ``page_amount`` if known); the dossier becomes hybrid."""
    session.get(Dossier, dossier_id, with_for_update=True)  # two scans at once: numbered one after the other
    dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)  # NotFound for non-readers
    if not permissions.can_org_wide(actor, "records.digitise", dossier.organisation_id):
        raise PermissionDenied()
    if dossier.medium is Medium.ELECTRONIC:
        raise RuleViolation(NOT_PAPER, code=dossier.file_code)
    if dossier.state is not DossierState.ARCHIVED:
        raise RuleViolation(NOT_HELD, state=dossier.state.value)
    metadata_seal.refuse_changed(session, dossier)  # resealing must not make a change from outside look sealed
    values = metadata.check("document", _described(session, dossier, form))
    if upload is None:
        raise InvalidMetadata([Problem("file", NO_FILE)])
    document = dossiers.new_document(session, actor, dossier.organisation_id, values, upload, store=store, now=now)
    checked = scan_checks.check(session, actor, document.versions[-1], store=store, now=now)
    if scan_checks.warning(checked):
        if not accept_warnings:
            raise InvalidMetadata(scan_checks.problems_of(checked))
        checked.accepted_by_id, checked.accepted_at = actor.user_id, now
    link = dossiers.append_link(session, actor, dossier, document, now=now)
    audit.record(
        session,
        actor,
        "document.digitised",
        "document",
        document.id,
        now=now,
        dossier_id=dossier.id,
        ordinal=link.ordinal,
        sha256=document.versions[-1].file.sha256,
        scan_problems=[str(problem) for problem in scan_checks.problems_of(checked)],
    )
    scan_checks.note_scan(session, actor, dossier, document, now=now)
    # The archive's own change to a dossier it holds: its metadata sealed again, the new digest in the audit log.
    digest = metadata_seal.seal(session, dossier, now=now)
    audit.record(session, actor, "dossier.resealed", "dossier", dossier.id, now=now, metadata_sha256=digest)
    return document


def _described(session: Session, dossier: Dossier, form: dict[str, str]) -> dict:
    """Return the scan's document metadata: what the archivist says, the rest from the dossier it copies."""
    organisation = session.get_one(Organisation, dossier.organisation_id)
    given = {
        "direction": "internal",
        "status": "final",
        "type_name": "Bản số hóa",
        "issued_date": form.get("issued_date") or dossier.start_date.isoformat(),
        "organ_name": organisation.name,
        "subject": form.get("subject", ""),
        "language": dossier.language or "Tiếng Việt",
        "page_amount": form.get("page_amount", ""),
        "urgency": "normal",
        "marking": "none",
    }
    return metadata.coerce("document", given)
