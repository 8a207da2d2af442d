"""Changes of access to a dossier ("thay đổi quyền truy cập hồ sơ"): proposed, shown as a pending warning, in force
only once an authorised person confirms them (NĐ 30 PL6 III.3.b/c, IV.1.a/c/d).

A share opens the dossier (and the documents it holds) to another unit or a named person of the organisation,
until a day or until ended; a restriction ("Hạn chế sử dụng") leaves it to the people named, those who form it in
its unit and the head; opening undoes that. The confirmer is the head, or the head of the dossier's unit, and never
the proposer. Every step is audited; the search index follows from the changed rows (``erms.search``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata, permissions, transitions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import (
    AccessChange,
    AccessChangeKind,
    AccessChangeState,
    Document,
    Dossier,
    Unit,
    User,
)
from erms.models.dossier import DossierState
from erms.permissions import Actor
from filing.dossiers import get_dossier

PUBLIC = "public"
SHARES = (AccessChangeKind.SHARE_UNIT, AccessChangeKind.SHARE_PERSON)
# Gone from the agency (destroyed, or handed over to the historical archive): their access no longer changes here.
GONE = (DossierState.DESTROYED, DossierState.TRANSFERRED)
LEFT = N_("Dossier %(code)s is no longer in the archive.")
TWIN = N_("The same change is already waiting for confirmation.")


@dataclass(frozen=True)
class Panel:
    """What the dossier page shows of its access: the regime, the shares in force and the pending changes."""

    restricted: bool
    shares: list[AccessChange]
    pending: list[AccessChange]
    can_propose: bool
    can_confirm: bool


def panel(session: Session, actor: Actor, dossier: Dossier) -> Panel:
    """Return the access panel of a dossier the actor reads."""
    changes = list(
        session.scalars(
            select(AccessChange)
            .where(
                AccessChange.dossier_id == dossier.id,
                AccessChange.state.in_((AccessChangeState.PROPOSED, AccessChangeState.CONFIRMED)),
            )
            .options(selectinload(AccessChange.unit), selectinload(AccessChange.user))
            .order_by(AccessChange.id)
        )
    )
    return Panel(
        restricted=dossier.rights == permissions.RESTRICTED,
        shares=[c for c in changes if c.state is AccessChangeState.CONFIRMED and c.kind in SHARES],
        pending=[c for c in changes if c.state is AccessChangeState.PROPOSED],
        can_propose=permissions.can(actor, "access.propose", dossier.organisation_id, dossier.unit_id),
        can_confirm=permissions.can(actor, "access.confirm", dossier.organisation_id, dossier.unit_id),
    )


def pending_for(session: Session, actor: Actor) -> list[AccessChange]:
    """Return the proposed changes the actor may confirm (their home page's warning), oldest first."""
    query = (
        select(AccessChange)
        .join(Dossier, AccessChange.dossier_id == Dossier.id)
        .where(AccessChange.state == AccessChangeState.PROPOSED, AccessChange.proposed_by_id != actor.user_id)
        .options(selectinload(AccessChange.unit), selectinload(AccessChange.user))
        .order_by(AccessChange.id)
    )
    return [
        change
        for change, dossier in session.execute(query.add_columns(Dossier))
        if permissions.can(actor, "access.confirm", dossier.organisation_id, dossier.unit_id)
    ]


def propose(session: Session, actor: Actor, dossier_id: int, form: dict[str, str], *, now: datetime) -> AccessChange:
    """Propose a change; ``form`` holds kind, unit_id or user_id (shares), until (YYYY-MM-DD, optional), reason
    and, to end a share, share_id. Nothing changes until it is confirmed."""
    # Its documents are loaded only for a change of one of them (a rule proposes hundreds of dossier changes at once).
    dossier = get_dossier(session, actor, dossier_id, with_documents=bool(form.get("document_id", "").strip()))
    if not permissions.can(actor, "access.propose", dossier.organisation_id, dossier.unit_id):
        raise PermissionDenied()
    if dossier.state in GONE:
        raise RuleViolation(LEFT, code=dossier.file_code)
    kind = next((kind for kind in AccessChangeKind if kind.value == form.get("kind", "")), None)
    reason = metadata.check_text({"reason": form.get("reason", "")}, {"reason": 500})["reason"]
    problems = [] if reason else [Problem("reason", metadata.MESSAGES["required"])]
    if kind is None:
        raise InvalidMetadata([*problems, Problem("kind", metadata.MESSAGES["enum"])])
    change = AccessChange(
        organisation_id=dossier.organisation_id,
        dossier_id=dossier.id,
        kind=kind,
        state=AccessChangeState.PROPOSED,
        reason=reason,
        proposed_by_id=actor.user_id,
        proposed_at=now,
    )
    document = _document_of(dossier, form.get("document_id", ""), problems)
    change.document_id = document.id if document else None
    problems += _target_problems(session, dossier, document, change, form, now)
    if not problems and _waiting_twin(session, change):
        problems.append(Problem("kind", TWIN))
    if problems:
        raise InvalidMetadata(problems)
    session.add(change)
    session.flush()
    audit.record(session, actor, "access.proposed", "dossier", dossier.id, now=now, **_described(change))
    return change


def _waiting_twin(session: Session, change: AccessChange) -> bool:
    """Whether the same change (dossier, document, kind, whom, share ended) already waits for confirmation: a form
    sent twice, or a rule proposed again, adds nothing for the confirmer to decide twice."""
    same = [
        getattr(AccessChange, name).is_not_distinct_from(getattr(change, name))
        for name in ("document_id", "unit_id", "user_id", "ends_share_id")
    ]
    query = select(AccessChange.id).where(
        AccessChange.dossier_id == change.dossier_id,
        AccessChange.state == AccessChangeState.PROPOSED,
        AccessChange.kind == change.kind,
        *same,
    )
    return session.scalar(query.limit(1)) is not None


def _document_of(dossier: Dossier, chosen: str, problems: list[Problem]) -> Document | None:
    """The document of the dossier a change is about (none: the dossier itself)."""
    if not chosen.strip():
        return None
    document = next((link.document for link in dossier.links if str(link.document_id) == chosen.strip()), None)
    if document is None:
        problems.append(Problem("document_id", N_("Choose a document of this dossier.")))
    return document


def _target_problems(
    session: Session, dossier: Dossier, document: Document | None, change: AccessChange, form: dict, now: datetime
) -> list[Problem]:
    """Fill in what the change is about, returning what is wrong with it."""
    if change.kind is AccessChangeKind.SHARE_UNIT:
        unit = session.get(Unit, form_number(form.get("unit_id")))
        # A dossier is shared with another unit; a document restricted on its own may name its dossier's unit too.
        if (
            unit is None
            or unit.organisation_id != dossier.organisation_id
            or (not document and unit.id == dossier.unit_id)
        ):
            return [Problem("unit_id", N_("Choose another unit of the organisation."))]
        change.unit_id = unit.id
    elif change.kind is AccessChangeKind.SHARE_PERSON:
        user = session.get(User, form_number(form.get("user_id")))
        if (
            user is None
            or not user.active
            or dossier.organisation_id not in {m.organisation_id for m in user.memberships}
        ):
            return [Problem("user_id", N_("Choose a person of the organisation."))]
        if document and not _reads(session, user, dossier):
            return [Problem("user_id", N_("This person does not read the dossier: share the dossier with them first."))]
        change.user_id = user.id
    elif change.kind is AccessChangeKind.END_SHARE:
        share = session.get(AccessChange, form_number(form.get("share_id")))
        if (
            share is None
            or share.dossier_id != dossier.id
            or share.document_id != change.document_id
            or share.state is not AccessChangeState.CONFIRMED
        ):
            return [Problem("share_id", N_("Choose a share in force."))]
        change.ends_share_id = share.id
    else:
        wanted = permissions.RESTRICTED if change.kind is AccessChangeKind.RESTRICT else PUBLIC
        if document is not None and document.rights == wanted:
            return [Problem("kind", N_("The document is under this regime already."))]
        if document is None and dossier.rights == wanted:
            return [Problem("kind", N_("The dossier is under this regime already."))]
    if change.kind in SHARES:
        return _until(change, form.get("until", ""), now)
    return []


def _reads(session: Session, user: User, dossier: Dossier) -> bool:
    person = permissions.load_actor(session, user.id)
    return permissions.can_read_dossier(person, dossier, permissions.dossier_access(session, [dossier])[dossier.id])


def _until(change: AccessChange, text: str, now: datetime) -> list[Problem]:
    if not text.strip():
        return []
    change.until = metadata.parse_day(text)
    if change.until is None:
        return [Problem("until", metadata.MESSAGES["format"])]
    if change.until < now.date():
        return [Problem("until", N_("The last day of a share cannot be in the past."))]
    return []


def form_number(text: str | None) -> int:
    """Return the record id a form field names, or 0 (no record has it) for anything that is not one."""
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def decide(session: Session, actor: Actor, change_id: int, confirm: bool, *, now: datetime) -> AccessChange:
    """Confirm (the change takes effect at once) or reject a proposed change; the proposer decides nothing."""
    change = session.get(AccessChange, change_id)
    if change is None:
        raise NotFound()
    dossier = get_dossier(session, actor, change.dossier_id)
    if not permissions.can(actor, "access.confirm", dossier.organisation_id, dossier.unit_id):
        raise PermissionDenied()
    if change.state is not AccessChangeState.PROPOSED:
        raise RuleViolation(N_("This change was decided already."))
    if change.proposed_by_id == actor.user_id:
        raise RuleViolation(N_("Another authorised person confirms a change you proposed."))
    if confirm and dossier.state in GONE:  # proposed before the dossier left; rejecting it still tidies it away
        raise RuleViolation(LEFT, code=dossier.file_code)
    transitions.move(change, transitions.ACCESS_CHANGE, "confirm" if confirm else "reject")
    change.decided_by_id, change.decided_at = actor.user_id, now
    if confirm:
        _apply(session, dossier, change)
    action = "access.confirmed" if confirm else "access.rejected"
    audit.record(session, actor, action, "dossier", dossier.id, now=now, change=change.id, **_described(change))
    return change


def _apply(session: Session, dossier: Dossier, change: AccessChange) -> None:
    record = session.get(Document, change.document_id) if change.document_id else dossier
    assert record is not None  # a document of the dossier, checked when proposed
    if change.kind is AccessChangeKind.RESTRICT:
        record.rights = permissions.RESTRICTED
    elif change.kind is AccessChangeKind.OPEN:
        record.rights = PUBLIC
    elif change.kind is AccessChangeKind.END_SHARE:
        ended = session.get(AccessChange, change.ends_share_id)
        if ended is None or ended.state is not AccessChangeState.CONFIRMED:
            raise RuleViolation(N_("The share had already ended."))
        transitions.move(ended, transitions.ACCESS_CHANGE, "end")
        transitions.move(change, transitions.ACCESS_CHANGE, "end")  # done: nothing of it stays in force


def end_expired(session: Session, today: date, *, now: datetime) -> int:
    """End the shares whose last day has passed (the worker, several times a day); return how many."""
    expired = session.scalars(
        select(AccessChange).where(permissions.SHARES_IN_FORCE, AccessChange.until < today).order_by(AccessChange.id)
    ).all()
    for share in expired:
        transitions.move(share, transitions.ACCESS_CHANGE, "end")
        audit.record(session, None, "access.share_ended", "dossier", share.dossier_id, now=now, change=share.id)
    return len(expired)


def _described(change: AccessChange) -> dict:
    return {
        "document_id": change.document_id,
        "kind": change.kind.value,
        "unit_id": change.unit_id,
        "user_id": change.user_id,
        "until": change.until.isoformat() if change.until else None,
        "reason": change.reason,
    }
