"""Taking a document out of an open dossier (gỡ văn bản khỏi hồ sơ), and putting it back.

An officer files the wrong document, or the same one twice: until the dossier closes, one who forms it takes the
document out, with a reason. The document itself is never deleted: filed elsewhere or registered, it stays there;
filed nowhere else, it is kept, found from this dossier's page, and put back while the dossier is open (the records
management systems' recycle bin, Alfresco's trashcan). A closed dossier changes no more: its documents are sealed.
Each step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import Document, Dossier, DossierDocument, RegisterEntry, RemovedDocument
from erms.permissions import Actor
from filing import dossiers

REASON_LENGTH = 1000


@dataclass(frozen=True)
class Kept:
    """Where a document taken out of a dossier stays: how many other dossiers hold it, and whether it has a register
    line (then it waits there to be filed again)."""

    elsewhere: int
    registered: bool


def kept(session: Session, dossier_id: int, document_id: int) -> Kept:
    """Return where the document stays once taken out of the dossier (what the form tells before it is done)."""
    others = select(func.count()).where(
        DossierDocument.document_id == document_id, DossierDocument.dossier_id != dossier_id
    )
    line = select(RegisterEntry.id).where(RegisterEntry.document_id == document_id)
    return Kept(session.scalar(others) or 0, session.scalar(line) is not None)


def remove(
    session: Session,
    actor: Actor,
    dossier_id: int,
    document_id: int,
    reason: str,
    *,
    now: datetime,
    seen_removal: int | None = None,
) -> RemovedDocument:
    """Take the document out of the open dossier, for ``reason``; refused unless the actor forms the dossier.
    ``seen_removal``: the ``latest_removal`` the person's form was opened after; one made since is refused (two people
    each taking out "the copy" of a document filed twice would leave the dossier without it)."""
    reason = metadata.check_text({"reason": reason}, {"reason": REASON_LENGTH})["reason"].strip()
    if not reason:
        raise InvalidMetadata([Problem("reason", N_("Give the reason for taking the document out of the dossier."))])
    dossier = _locked(session, actor, dossier_id)
    link = next((link for link in dossier.links if link.document_id == document_id), None)
    if link is None:
        raise NotFound()
    if seen_removal is not None:
        _refuse_removed_since(session, dossier.id, seen_removal)
    if dossiers.unreadable_content(session, actor, [link.document]):
        raise PermissionDenied(dossiers.UNREADABLE_CONTENT)
    if widens_access(session, dossier, document_id):
        raise RuleViolation(WIDENS_ACCESS)
    # Taken out before, filed again by reference since: the earlier removal is superseded by this one.
    session.execute(
        delete(RemovedDocument).where(
            RemovedDocument.dossier_id == dossier.id, RemovedDocument.document_id == document_id
        )
    )
    removed = RemovedDocument(
        dossier_id=dossier.id,
        document_id=document_id,
        ordinal=link.ordinal,
        removed_by_id=actor.user_id,
        removed_at=now,
        reason=reason,
    )
    session.delete(link)
    session.add(removed)
    session.flush()
    session.refresh(dossier, ["links"])
    audit.record(
        session, actor, "document.removed", "document", document_id, now=now, dossier_id=dossier.id,
        ordinal=removed.ordinal, reason=reason,
    )  # fmt: skip
    return removed


def put_back(session: Session, actor: Actor, dossier_id: int, removal_id: int, *, now: datetime) -> DossierDocument:
    """File a document taken out of the open dossier back into it, under the next number."""
    dossier = _locked(session, actor, dossier_id)
    removed = session.get(RemovedDocument, removal_id)
    if removed is None or removed.dossier_id != dossier.id:
        raise NotFound()
    session.delete(removed)
    # Filed again meanwhile (by reference): it is where it was asked to be.
    again = next((link for link in dossier.links if link.document_id == removed.document_id), None)
    if again is not None:
        return again
    # As filing by reference: putting it back must not make one who forms the dossier a reader of what is not theirs.
    if dossiers.unreadable_content(session, actor, [removed.document]):
        raise PermissionDenied(dossiers.UNREADABLE_CONTENT)
    link = dossiers.append_link(session, actor, dossier, removed.document, now=now)
    audit.record(
        session, actor, "document.put_back", "document", removed.document_id, now=now, dossier_id=dossier.id,
        ordinal=link.ordinal,
    )  # fmt: skip
    return link


# Two people taking out each copy of a document filed twice: the second is told of the first.
REMOVED_SINCE = N_(
    "Document no. %(ordinal)s was taken out of this dossier after you opened this form (reason: %(reason)s). Check "
    "that this one should go too, then confirm again."
)


def latest_removal(session: Session, dossier_id: int) -> int:
    """Return the id of the latest taking out from the dossier still in force (0: none); a removal form carries it."""
    return session.scalar(select(func.max(RemovedDocument.id)).where(RemovedDocument.dossier_id == dossier_id)) or 0


def _refuse_removed_since(session: Session, dossier_id: int, seen_removal: int) -> None:
    since = select(RemovedDocument).where(RemovedDocument.dossier_id == dossier_id, RemovedDocument.id > seen_removal)
    latest = session.scalars(since.order_by(RemovedDocument.id.desc())).first()
    if latest is not None:
        raise RuleViolation(REMOVED_SINCE, ordinal=latest.ordinal, reason=latest.reason)


def removal_of(session: Session, dossier_id: int, document_id: int) -> RemovedDocument | None:
    """Return the taking out of the document from the dossier, while it is not put back."""
    taken = select(RemovedDocument).where(
        RemovedDocument.dossier_id == dossier_id, RemovedDocument.document_id == document_id
    )
    return session.scalar(taken)


def removed_from(session: Session, dossier: Dossier) -> list[RemovedDocument]:
    """Return the documents taken out of the dossier and not put back, the latest first."""
    query = select(RemovedDocument).where(RemovedDocument.dossier_id == dossier.id)
    return list(session.scalars(query.order_by(RemovedDocument.removed_at.desc(), RemovedDocument.id.desc())))


# Out of a restricted dossier, a document still registered or filed elsewhere would be read there by people the
# restriction kept it from: that is a change of access, which another person confirms (``filing.access``).
WIDENS_ACCESS = N_(
    "The dossier is restricted and this document is also in the register or in another dossier: taken out, it would "
    "be read there by people the restriction keeps it from. Ask for the restriction to be changed instead."
)


def widens_access(session: Session, dossier: Dossier, document_id: int) -> bool:
    """True if taking the document out of the dossier would let others read it (WIDENS_ACCESS)."""
    if not permissions.dossier_access(session, [dossier])[dossier.id].restricted:
        return False
    where = kept(session, dossier.id, document_id)
    return bool(where.elsewhere or where.registered)


def taken_out_of(session: Session, document_ids: list[int]) -> dict[int, permissions.ContentAccess]:
    """Return, for each of the documents taken out of dossiers, what decides who reads it as if those dossiers still
    held it: kept nowhere else, it is read (in the audit log) by no more people than read it before."""
    if not document_ids:
        return {}
    query = select(RemovedDocument.document_id, Dossier).join(Dossier, Dossier.id == RemovedDocument.dossier_id)
    rows = session.execute(query.where(RemovedDocument.document_id.in_(document_ids))).all()
    grants = permissions.dossier_access(session, [dossier for _, dossier in rows])
    documents = {
        document.id: document for document in session.scalars(select(Document).where(Document.id.in_(document_ids)))
    }
    own = permissions.document_access(session, documents.values())
    held: dict[int, list] = {}
    for document_id, dossier in rows:
        held.setdefault(document_id, []).append((dossier, grants[dossier.id]))
    return {
        document_id: permissions.ContentAccess(own[document_id], tuple(pairs)) for document_id, pairs in held.items()
    }


def _locked(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """Return the open dossier the actor forms, its state locked so a close waits for this change (or refuse)."""
    dossier = dossiers.editable(session, actor, dossier_id)
    state = session.execute(select(Dossier.state).where(Dossier.id == dossier.id).with_for_update()).scalar_one()
    if state is not dossier.state:
        raise RuleViolation(dossiers.NOT_OPEN, state=state.value)
    return dossier
