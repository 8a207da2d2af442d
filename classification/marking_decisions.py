"""Changing a document's security marking ("thay đổi độ mật", "giải mật"): the head's decision, with a reason.

The registry sets the marking when it registers a document (``filing.registers``); after that only
the head of the agency changes it (Luật Bảo vệ bí mật nhà nước 2018 Điều 11-13: whoever decides
what is a state secret decides on changing or lifting its level). A change is its own audited
decision, never a side effect of correcting other metadata (``filing.dossiers.update_document``
refuses it). A document whose file is stored cannot be raised to a classified level: the file
would have to leave the networked system first (Điều 5 k.5).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from classification import markings
from erms import audit, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Document
from erms.permissions import Actor

# The audit action of a decision: the hand-over package reads the decisions back from the log (exports.snapshot).
MARKING_CHANGED = "document.marking_changed"
SAME_MARKING = N_("The document already has this marking.")
CONTENT_STORED = N_(
    "The file of this document is stored in the system: it cannot become classified here. "
    "Have the file removed from the networked system first (Law on Protection of State Secrets "
    "2018, Article 5.5)."
)


def decidable_document(session: Session, actor: Actor, document_id: int) -> Document:
    """Return the document whose marking the actor may change; another organisation's looks like none."""
    document = session.get(Document, document_id)
    if document is None or not permissions.can_read_document(
        actor, document.organisation_id, permissions.document_units(session, document)
    ):
        raise NotFound()
    permissions.require(actor, "document.change_marking", document.organisation_id)
    return document


def change_marking(
    session: Session, actor: Actor, document_id: int, marking: str, reason: str, *, now: datetime
) -> Document:
    """Set the document's marking to ``marking`` for ``reason``; the decision is audited before and after."""
    document = decidable_document(session, actor, document_id)
    problems = []
    if marking not in {known.value for known in markings.SecurityMarking}:
        problems.append(Problem("marking", N_("Choose one of the listed values.")))
    elif marking == document.marking:
        problems.append(Problem("marking", SAME_MARKING))
    if not reason.strip():
        problems.append(Problem("reason", N_("Give the reason for the change of marking.")))
    if problems:
        raise InvalidMetadata(problems)
    if document.versions and not markings.may_store_content(markings.SecurityMarking(marking)):
        raise RuleViolation(CONTENT_STORED)
    before = document.marking
    document.marking = marking
    audit.record(
        session,
        actor,
        MARKING_CHANGED,
        "document",
        document.id,
        now=now,
        before=before,
        after=marking,
        reason=reason.strip(),
    )
    return document
