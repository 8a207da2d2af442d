"""Destruction ("tiêu hủy tài liệu hết giá trị"): the list, the council, the decisions and the execution.

The chain is docs/standards.md product decision 7: the archivist's list of expired records with its
explanation → council members' opinions → the archival authority's appraisal ("thẩm định") →
the head's decision → execution → the destruction record ("biên bản hủy tài liệu"). Only an
approved list is executed.

Execution is a resumable procedure: :func:`start_execution`, then :func:`next_step` until it
returns None, then :func:`finish`, each in its own transaction. A dossier's step plans the removal
of its files and moves it to DESTROYED in one commit; file steps then delete the planned bytes, so
a process killed anywhere is finished by running the same procedure again, with one record.
This module renders nothing: the adapter passes the record's PDF bytes to :func:`finish`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session

from erms import audit, lifecycle, metadata, notices, permissions, transitions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import (
    AppraisalDecision,
    DestroyedFile,
    DestructionItem,
    DestructionList,
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    DossierPlacement,
    PreservationCopy,
    Role,
    StoredFile,
    User,
)
from erms.models.appraisal import AppraisalOutcome, CouncilOpinion, DestructionListState
from erms.models.dossier import DossierState
from erms.permissions import Actor
from erms.storage import FileStore
from retention import custody
from retention.appraisal import period_of
from retention.holds import held_dossier_ids, text_problems

# The longest text each field of a destruction list keeps: its column, or for the free Text columns a
# bound that still holds a page of explanation.
LONG_TEXT = 10_000
TEXT_LIMITS = {
    "title": metadata.column_length(DestructionList, "title"),
    "number": metadata.column_length(DestructionList, "decision_number"),
    "signer": metadata.column_length(DestructionList, "decision_signer"),
    "explanation": LONG_TEXT,
    "comment": LONG_TEXT,
    "reason": LONG_TEXT,
}
State = DestructionListState


def local_date(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def get_list(session: Session, actor: Actor, list_id: int) -> DestructionList:
    """Return the destruction list if the actor may read it: whoever takes a step of appraisal or destruction in its
    organisation (archivist, council, head), not every reader of its dossiers."""
    destruction_list = session.get(DestructionList, list_id)
    if destruction_list is None or not permissions.in_destruction_chain(actor, destruction_list.organisation_id):
        raise NotFound()
    return destruction_list


def lists_of(session: Session, actor: Actor) -> list[DestructionList]:
    """Return the destruction lists of the actor's organisations, newest first."""
    query = (
        select(DestructionList)
        .where(DestructionList.organisation_id.in_(actor.organisation_ids()))
        .order_by(DestructionList.proposed_at.desc(), DestructionList.id.desc())
    )
    return list(session.scalars(query))


# ---------------------------------------------------------------- what may be destroyed


def destruction_problems(
    session: Session, dossiers: list[Dossier], on: date, *, holds_stop: bool = True
) -> list[Problem]:
    """Return, per dossier, why it cannot be destroyed on ``on``: permanent, held (unless ``holds_stop`` is False:
    the execution keeps a held dossier and destroys the rest), not due, not where appraised."""
    held = held_dossier_ids(session, [dossier.id for dossier in dossiers]) if holds_stop else set()
    problems = []
    for dossier in dossiers:
        where = dossier.file_code
        if dossier.retention_permanent:
            problems.append(Problem(where, N_("The dossier is kept permanently: it is never destroyed.")))
        elif dossier.id in held:
            problems.append(Problem(where, N_("The dossier is under a hold: it cannot be destroyed.")))
        elif not custody.is_appraisable(dossier):
            problems.append(
                Problem(
                    where,
                    N_(
                        "Only a dossier in the agency archive, or a closed one its unit keeps "
                        "under 5 years, can be destroyed."
                    ),
                )
            )
        elif dossier.appraisal_due_on is None or dossier.appraisal_due_on > on:
            problems.append(
                Problem(
                    where,
                    N_("The dossier is not due for appraisal until %(due)s."),
                    {"due": dossier.appraisal_due_on or "—"},
                )
            )
    return problems


def dossier_file_ids(session: Session, dossier_id: int) -> set[int]:
    """Return the stored files of a dossier: every version of its documents and its document index."""
    versions = (
        select(DocumentVersion.file_id)
        .join(DossierDocument, DossierDocument.document_id == DocumentVersion.document_id)
        .where(DossierDocument.dossier_id == dossier_id)
    )
    index = select(Dossier.index_file_id).where(Dossier.id == dossier_id, Dossier.index_file_id.is_not(None))
    return set(session.scalars(union(versions, index)))


def preservation_copies(session: Session, file_ids: Iterable[int]) -> set[int]:
    """Return the stored PDF/A copies of the given files (filing.preservation): destroyed with them."""
    copies = select(PreservationCopy.copy_file_id).where(
        PreservationCopy.source_file_id.in_(list(file_ids)), PreservationCopy.copy_file_id.is_not(None)
    )
    return set(session.scalars(copies))


def still_needed(session: Session, file_ids: Iterable[int]) -> set[int]:
    """Return which files something not destroyed still uses: a living dossier, an unfiled document, a list, or a
    file still used whose preservation copy it is."""
    ids = list(file_ids)
    if not ids:
        return set()
    pairs = session.execute(
        select(PreservationCopy.copy_file_id, PreservationCopy.source_file_id).where(
            PreservationCopy.copy_file_id.in_(ids)
        )
    ).all()
    sources_used = _in_use(session, [source for _, source in pairs]) if pairs else set()
    return _in_use(session, ids) | {copy for copy, source in pairs if copy is not None and source in sources_used}


def _in_use(session: Session, ids: list[int]) -> set[int]:
    """Return which of the files a living dossier, an unfiled document or a destruction list uses."""
    living = Dossier.state != DossierState.DESTROYED
    filed_living = (
        select(DocumentVersion.file_id)
        .join(DossierDocument, DossierDocument.document_id == DocumentVersion.document_id)
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(DocumentVersion.file_id.in_(ids), living)
    )
    unfiled = (
        select(DocumentVersion.file_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            DocumentVersion.file_id.in_(ids),
            ~select(DossierDocument.id).where(DossierDocument.document_id == Document.id).exists(),
        )
    )
    indexes = select(Dossier.index_file_id).where(Dossier.index_file_id.in_(ids), living)
    attachments = [
        select(column).where(column.in_(ids))
        for column in (
            DestructionList.appraisal_file_id,
            DestructionList.decision_file_id,
            DestructionList.record_file_id,
        )
    ]
    return set(session.scalars(union(filed_living, unfiled, indexes, *attachments)))


def _extent(session: Session, dossier: Dossier) -> tuple[int, int, int]:
    """Return the documents, pages and bytes of a dossier (the extent the record prints)."""
    sizes = session.scalars(select(StoredFile.size).where(StoredFile.id.in_(dossier_file_ids(session, dossier.id))))
    pages = sum(link.document.page_amount or 0 for link in dossier.links)
    return len(dossier.links), pages, sum(sizes)


@dataclass(frozen=True)
class Totals:
    """The extent of a selection of dossiers, as the preview and the list show it."""

    dossiers: int
    documents: int
    pages: int
    size: int


def totals(session: Session, dossiers: list[Dossier]) -> Totals:
    """Return the dossiers, documents, pages and bytes of a selection (the preview before a decision)."""
    extents = [_extent(session, dossier) for dossier in dossiers]
    return Totals(len(dossiers), *(sum(extent[column] for extent in extents) for column in range(3)))


def list_totals(destruction_list: DestructionList) -> Totals:
    """Return the extent of a destruction list as recorded when its dossiers were proposed, but for the dossiers a
    hold kept when it was executed (the record and the reports count them as not destroyed)."""
    items = [item for item in destruction_list.items if not item.held]
    return Totals(
        len(items),
        sum(item.documents for item in items),
        sum(item.pages for item in items),
        sum(item.size for item in items),
    )


def open_record(session: Session, actor: Actor, list_id: int, *, store: FileStore) -> BinaryIO:
    """Open the stored destruction record of an executed list."""
    destruction_list = get_list(session, actor, list_id)
    if destruction_list.record_file is None:
        raise NotFound()
    return store.open(destruction_list.record_file.sha256)


# ---------------------------------------------------------------- the chain of decisions


def propose(
    session: Session,
    actor: Actor,
    organisation_id: int,
    dossier_ids: list[int],
    title: str,
    explanation: str,
    *,
    now: datetime,
) -> DestructionList:
    """Put due dossiers on a new destruction list; every dossier is checked first, nothing half-applied."""
    permissions.require(actor, "retention.appraise", organisation_id)
    found = [session.get(Dossier, dossier_id) for dossier_id in dict.fromkeys(dossier_ids)]
    dossiers = [dossier for dossier in found if dossier is not None and dossier.organisation_id == organisation_id]
    if len(dossiers) != len(found):
        raise NotFound()
    problems = _text_problems(title=title, explanation=explanation)
    if not dossiers:
        problems.append(Problem("dossiers", N_("Choose at least one dossier.")))
    problems += destruction_problems(session, dossiers, local_date(now))
    listed = set(
        session.scalars(
            select(DestructionItem.dossier_id).where(
                DestructionItem.dossier_id.in_([dossier.id for dossier in dossiers]),
                DestructionItem.withdrawn.is_(False),
            )
        )
    )
    problems += [
        Problem(dossier.file_code, N_("The dossier is already on a destruction list."))
        for dossier in dossiers
        if dossier.id in listed
    ]
    if problems:
        raise InvalidMetadata(problems)
    destruction_list = DestructionList(
        organisation_id=organisation_id,
        state=State.PROPOSED,
        title=title.strip(),
        explanation=explanation.strip(),
        proposed_by_id=actor.user_id,
        proposed_at=now,
    )
    session.add(destruction_list)
    session.flush()
    for dossier in dossiers:
        documents, pages, size = _extent(session, dossier)
        session.add(
            DestructionItem(
                destruction_list_id=destruction_list.id,
                dossier_id=dossier.id,
                documents=documents,
                pages=pages,
                size=size,
            )
        )
        session.add(
            AppraisalDecision(
                dossier_id=dossier.id,
                outcome=AppraisalOutcome.DESTROY,
                reason=explanation.strip(),
                previous_period=period_of(dossier).label(),
                destruction_list_id=destruction_list.id,
                decided_by_id=actor.user_id,
                decided_at=now,
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "destruction_list.proposed",
        "destruction_list",
        destruction_list.id,
        now=now,
        after=State.PROPOSED.value,
        dossiers=[dossier.file_code for dossier in dossiers],
    )
    _tell_next(session, destruction_list, now)
    return destruction_list


# Who the list waits for in each state, and what they are told.
NEXT_STEP = {
    State.PROPOSED: (Role.COUNCIL, N_("Destruction list “%(title)s” waits for your opinion.")),
    State.APPRAISED: (Role.HEAD, N_("Destruction list “%(title)s” waits for your decision.")),
    State.APPROVED: (Role.ARCHIVIST, N_("The head decided to destroy list “%(title)s”: carry it out.")),
}


def waiting_for(session: Session, actor: Actor) -> list[notices.Waiting]:
    """The destruction lists whose next step is this person's (``NEXT_STEP``), those a council member has already
    given an opinion on left out, oldest first."""
    steps = [
        (state, org)
        for state, (role, _template) in NEXT_STEP.items()
        for org in actor.organisation_ids()
        if actor.has(role, org)
    ]
    if not steps:
        return []
    mine = or_(*(and_(DestructionList.state == state, DestructionList.organisation_id == org) for state, org in steps))
    answered = select(CouncilOpinion.destruction_list_id).where(CouncilOpinion.member_id == actor.user_id)
    query = select(DestructionList).where(mine, DestructionList.id.not_in(answered))
    return [
        notices.Waiting(NEXT_STEP[each.state][1], ("destruction_list", each.id), {"title": each.title})
        for each in session.scalars(query.order_by(DestructionList.proposed_at, DestructionList.id))
    ]


def _tell_next(session: Session, destruction_list: DestructionList, now: datetime) -> None:
    """Tell the people the list now waits for."""
    role, template = NEXT_STEP[destruction_list.state]
    notices.tell_role(
        session,
        destruction_list.organisation_id,
        role,
        f"destruction_{destruction_list.state.value}",
        str(destruction_list.id),
        template,
        now=now,
        subject=("destruction_list", destruction_list.id),
        title=destruction_list.title,
    )


def _text_problems(**fields: str) -> list[Problem]:
    """Return the required fields left empty, and those holding control characters or too long for their column."""
    empty = [Problem(name, N_("This field is required.")) for name, value in fields.items() if not value.strip()]
    return empty + text_problems({name: TEXT_LIMITS[name] for name in fields}, **fields)


def _in_state(destruction_list: DestructionList, state: State, refusal: str) -> None:
    if destruction_list.state is State.EXECUTED:
        raise RuleViolation(N_("This destruction list has already been executed."))
    if destruction_list.state is State.WITHDRAWN:
        raise RuleViolation(N_("This destruction list was withdrawn: nothing on it is destroyed."))
    if destruction_list.state is not state:
        raise RuleViolation(refusal)


def record_opinion(
    session: Session, actor: Actor, list_id: int, agrees: bool, comment: str, *, now: datetime
) -> CouncilOpinion:
    """Record a council member's opinion on a proposed list (one per member)."""
    destruction_list = get_list(session, actor, list_id)
    permissions.require(actor, "destruction.opinion", destruction_list.organisation_id)
    _in_state(destruction_list, State.PROPOSED, N_("The council gives its opinion before the appraisal."))
    if any(opinion.member_id == actor.user_id for opinion in destruction_list.opinions):
        raise RuleViolation(N_("You have already given your opinion on this list."))
    if not agrees and not comment.strip():
        raise InvalidMetadata([Problem("comment", N_("Say why you disagree."))])
    problems = text_problems({"comment": TEXT_LIMITS["comment"]}, comment=comment)
    if problems:
        raise InvalidMetadata(problems)
    opinion = CouncilOpinion(
        destruction_list_id=list_id, member_id=actor.user_id, agrees=agrees, comment=comment.strip(), recorded_at=now
    )
    destruction_list.opinions.append(opinion)
    session.flush()
    audit.record(
        session,
        actor,
        "destruction_list.opinion_recorded",
        "destruction_list",
        list_id,
        now=now,
        agrees=agrees,
        comment=opinion.comment,
    )
    return opinion


@dataclass(frozen=True)
class Paper:
    """A decision on paper: its number, date, signer (where one signs) and the attached scan or PDF."""

    number: str
    on: date | None
    attachment: BinaryIO | None
    signer: str = ""
    typed_date: str = ""  # what the form's date field held, when it is not a day (``on`` None)


# What a signed paper of the chain may be attached as: a PDF, or the scan as an image. The first bytes tell (a PDF's
# header may come anywhere in its first 1024 bytes, ISO 32000-1 §7.5.2); the name and the browser's word do not.
SCAN_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
NOT_A_SCAN = N_("The attachment is not a PDF nor a scanned image (JPEG, PNG, TIFF): attach the signed document.")


def scan_type(stream: BinaryIO) -> str | None:
    """Return the media type of an attached paper (PDF or image), or None when its bytes are neither."""
    start = stream.read(1024)
    stream.seek(0)
    if b"%PDF-" in start:
        return "application/pdf"
    return next((media for magic, media in SCAN_TYPES if start.startswith(magic)), None)


def _attach(
    session: Session, store: FileStore, stream: BinaryIO, *, now: datetime, media: str = "application/pdf"
) -> int:
    media = scan_type(stream) or media
    captured = store.put(stream)
    existing = session.scalar(select(StoredFile.id).where(StoredFile.sha256 == captured.sha256))
    if existing is not None:
        return existing
    row = StoredFile.of(captured, media, now)
    session.add(row)
    session.flush()
    return row.id


def _paper_problems(paper: Paper, *, signer: bool, after: tuple[date, str], today: date) -> list[Problem]:
    """What is wrong with a paper of the chain; ``after``: the day it cannot precede and what happened that day (the
    destruction record prints the chain's dates: they must follow one another and none lies ahead)."""
    problems = _text_problems(number=paper.number, **({"signer": paper.signer} if signer else {}))
    earliest, what = after
    if paper.on is None:
        problems.append(Problem("on", metadata.MESSAGES["format"] if paper.typed_date else N_("Give the date.")))
    elif paper.on > today:
        problems.append(Problem("on", N_("The date is after today.")))
    elif paper.on < earliest:
        problems.append(Problem("on", what, {"date": earliest.strftime("%d/%m/%Y")}))
    if paper.attachment is None:
        problems.append(Problem("attachment", N_("Attach the signed document (scan or PDF).")))
    elif scan_type(paper.attachment) is None:
        problems.append(Problem("attachment", NOT_A_SCAN))
    return problems


BEFORE_PROPOSED = N_("The appraisal cannot be dated before the list was proposed, on %(date)s.")
BEFORE_APPRAISAL = N_("The decision cannot be dated before the appraisal, of %(date)s.")


def council_agrees(destruction_list: DestructionList) -> bool:
    """Whether most of the council members' opinions given on the list agree to destroy."""
    return sum(opinion.agrees for opinion in destruction_list.opinions) * 2 > len(destruction_list.opinions)


def _council_problems(destruction_list: DestructionList) -> list[Problem]:
    """The list goes to the archival authority only with the council's agreement: most of its members' opinions."""
    opinions = destruction_list.opinions
    if not opinions:
        return [Problem("opinions", N_("No council member has given an opinion yet."))]
    if council_agrees(destruction_list):
        return []
    agreeing = sum(opinion.agrees for opinion in opinions)
    return [Problem("opinions", NO_MAJORITY, {"agreeing": agreeing, "given": len(opinions)})]


NO_MAJORITY = N_(
    "The council has not agreed to destroy these records (%(agreeing)s of %(given)s opinions agree): the list goes no "
    "further. Withdraw it, then propose again what the council agrees to destroy."
)


def withdraw(session: Session, actor: Actor, list_id: int, reason: str, *, now: datetime) -> DestructionList:
    """Stop a list before the head's decision ("rút lại danh mục"), for ``reason``: the archivist who keeps it, or the
    head who would decide, does so (the council disagreed, a dossier must be kept after all). Nothing is destroyed;
    the list keeps its dossiers as its record and they may be proposed again."""
    destruction_list = get_list(session, actor, list_id)
    organisation = destruction_list.organisation_id
    if not (
        permissions.can(actor, "retention.appraise", organisation)
        or permissions.can(actor, "destruction.approve", organisation)
    ):
        raise PermissionDenied()
    if destruction_list.state not in (State.PROPOSED, State.APPRAISED):
        _in_state(destruction_list, State.PROPOSED, N_("The head has decided: the list can no longer be withdrawn."))
    problems = _text_problems(reason=reason)
    if problems:
        raise InvalidMetadata(problems)
    before = destruction_list.state
    transitions.move(destruction_list, transitions.DESTRUCTION_LIST, "withdraw")
    destruction_list.withdrawn_reason = reason.strip()
    destruction_list.withdrawn_by_id, destruction_list.withdrawn_at = actor.user_id, now
    for item in destruction_list.items:
        item.withdrawn = True
    audit.record(
        session, actor, "destruction_list.withdrawn", "destruction_list", list_id, now=now,
        before=before.value, after=State.WITHDRAWN.value, reason=destruction_list.withdrawn_reason,
    )  # fmt: skip
    return destruction_list


def record_appraisal(
    session: Session, actor: Actor, list_id: int, paper: Paper, *, store: FileStore, now: datetime
) -> DestructionList:
    """Record the archival authority's written appraisal ("văn bản thẩm định") of the list."""
    destruction_list = get_list(session, actor, list_id)
    permissions.require(actor, "retention.appraise", destruction_list.organisation_id)
    _in_state(destruction_list, State.PROPOSED, N_("The appraisal is recorded once, after the council."))
    proposed = (local_date(destruction_list.proposed_at), BEFORE_PROPOSED)
    problems = _paper_problems(paper, signer=False, after=proposed, today=local_date(now))
    problems += _council_problems(destruction_list)
    if problems:
        raise InvalidMetadata(problems)
    assert paper.attachment is not None  # _paper_problems refuses a paper without one
    destruction_list.appraisal_number, destruction_list.appraisal_date = paper.number.strip(), paper.on
    destruction_list.appraisal_file_id = _attach(session, store, paper.attachment, now=now)
    transitions.move(destruction_list, transitions.DESTRUCTION_LIST, "record_appraisal")
    audit.record(
        session,
        actor,
        "destruction_list.appraised",
        "destruction_list",
        list_id,
        now=now,
        before=State.PROPOSED.value,
        after=State.APPRAISED.value,
        number=destruction_list.appraisal_number,
    )
    _tell_next(session, destruction_list, now)
    return destruction_list


def approve(
    session: Session, actor: Actor, list_id: int, paper: Paper, *, store: FileStore, now: datetime
) -> DestructionList:
    """Record the head's decision to destroy ("quyết định hủy tài liệu"); the proposer cannot approve."""
    destruction_list = get_list(session, actor, list_id)
    permissions.require(actor, "destruction.approve", destruction_list.organisation_id)
    _in_state(
        destruction_list,
        State.APPRAISED,
        N_("The archival authority's appraisal must be recorded before the head decides."),
    )
    if destruction_list.proposed_by_id == actor.user_id:
        raise RuleViolation(N_("You proposed this destruction list: someone else must approve it."))
    assert destruction_list.appraisal_date is not None  # recorded with the appraisal, which this state follows
    appraised = (destruction_list.appraisal_date, BEFORE_APPRAISAL)
    problems = _paper_problems(paper, signer=True, after=appraised, today=local_date(now))
    if problems:
        raise InvalidMetadata(problems)
    assert paper.attachment is not None  # _paper_problems refuses a paper without one
    destruction_list.decision_number, destruction_list.decision_date = paper.number.strip(), paper.on
    destruction_list.decision_signer = paper.signer.strip()
    destruction_list.decision_file_id = _attach(session, store, paper.attachment, now=now)
    destruction_list.decided_by_id = actor.user_id
    transitions.move(destruction_list, transitions.DESTRUCTION_LIST, "approve")
    audit.record(
        session,
        actor,
        "destruction_list.approved",
        "destruction_list",
        list_id,
        now=now,
        before=State.APPRAISED.value,
        after=State.APPROVED.value,
        number=destruction_list.decision_number,
    )
    _tell_next(session, destruction_list, now)
    return destruction_list


# ---------------------------------------------------------------- execution


@dataclass(frozen=True)
class Backup:
    """A backup set that still holds destroyed content until it expires (destruction reaches every copy)."""

    name: str
    expires_on: date


def start_execution(
    session: Session, actor: Actor, list_id: int, backups: list[Backup], *, now: datetime
) -> DestructionList:
    """Begin (or resume) executing an approved list after re-checking every dossier, holds included."""
    destruction_list = get_list(session, actor, list_id)
    permissions.require(actor, "retention.appraise", destruction_list.organisation_id)
    if destruction_list.state is State.EXECUTING:
        return destruction_list
    _in_state(destruction_list, State.APPROVED, N_("Only a destruction list approved by the head can be executed."))
    # A hold placed since the decision keeps its dossier when the execution reaches it, as one placed during it does:
    # it does not stop the rest of the list, which could then neither be executed nor withdrawn.
    dossiers = [item.dossier for item in destruction_list.items]
    problems = destruction_problems(session, dossiers, local_date(now), holds_stop=False)
    if problems:
        raise InvalidMetadata(problems)
    transitions.move(destruction_list, transitions.DESTRUCTION_LIST, "execute")
    destruction_list.executed_by_id = actor.user_id
    destruction_list.backups = json.dumps(
        [[backup.name, backup.expires_on.isoformat()] for backup in backups], ensure_ascii=False
    )
    audit.record(
        session,
        actor,
        "destruction_list.execution_started",
        "destruction_list",
        list_id,
        now=now,
        before=State.APPROVED.value,
        after=State.EXECUTING.value,
    )
    return destruction_list


def _executing(session: Session, actor: Actor, list_id: int) -> DestructionList:
    destruction_list = get_list(session, actor, list_id)
    permissions.require(actor, "retention.appraise", destruction_list.organisation_id)
    _in_state(destruction_list, State.EXECUTING, N_("Only a destruction list approved by the head can be executed."))
    return destruction_list


def next_step(session: Session, actor: Actor, list_id: int, *, store: FileStore, now: datetime) -> str | None:
    """Do the next step of an execution and describe it, or return None when only the record is left."""
    destruction_list = _executing(session, actor, list_id)
    item = next((item for item in destruction_list.items if not item.done), None)
    if item is not None:
        return _destroy_dossier(session, actor, destruction_list, item, now=now)
    planned = _next_planned(session, list_id)
    if planned is not None:
        return _delete_file(session, actor, planned, store=store, now=now)
    return None


def _next_planned(session: Session, list_id: int) -> DestroyedFile | None:
    return session.scalar(
        select(DestroyedFile)
        .where(
            DestroyedFile.destruction_list_id == list_id,
            DestroyedFile.deleted_at.is_(None),
            DestroyedFile.kept.is_(False),
        )
        .order_by(DestroyedFile.id)
        .limit(1)
    )


def _destroy_dossier(
    session: Session, actor: Actor, destruction_list: DestructionList, item: DestructionItem, *, now: datetime
) -> str:
    """Move one dossier to DESTROYED and plan the removal of the files nothing else uses, in one commit."""
    dossier = item.dossier
    item.done = True
    if held_dossier_ids(session, [dossier.id]):
        # A hold placed since the decision still stops this dossier (PL6 IV.1.g); it leaves the list, so that once
        # the hold is released it is appraised again and may be proposed on another.
        item.held = item.withdrawn = True
        audit.record(
            session,
            actor,
            "destruction_list.dossier_held",
            "destruction_list",
            destruction_list.id,
            now=now,
            file_code=dossier.file_code,
        )
        return f"held: {dossier.file_code}"
    lifecycle.apply(
        session,
        dossier,
        "destroy",
        actor,
        now=now,
        destruction_list_id=destruction_list.id,
        decision=destruction_list.decision_number,
    )
    unshelve(session, actor, dossier, now=now, why="destroyed", destruction_list_id=destruction_list.id)
    session.flush()
    files = dossier_file_ids(session, dossier.id)
    files |= preservation_copies(session, files)
    planned = set(
        session.scalars(select(DestroyedFile.file_id).where(DestroyedFile.destruction_list_id == destruction_list.id))
    )
    session.add_all(
        DestroyedFile(destruction_list_id=destruction_list.id, file_id=file_id)
        for file_id in sorted(files - still_needed(session, files) - planned)
    )
    session.flush()
    return f"destroyed: {dossier.file_code}"


def _place(placement: DossierPlacement) -> str:
    """Return where a placed dossier is, in the words of the archive's lists.

    The same words as holdings.storage.dossier_place (exports/pdf/box_labels.place_line), which this layer cannot
    import: tests/retention/test_paper_leaves_its_box.py holds the two equal.
    """
    box = placement.box
    parts = [f"Kho {box.repository.code}", f"giá {box.shelf_unit}"]
    if box.shelf:
        parts.append(f"khoang/ngăn {box.shelf}")
    parts += [f"hộp số {box.number:02d}", f"hồ sơ số {placement.file_number:02d} trong hộp"]
    return ", ".join(parts)


def unshelve(session: Session, actor: Actor | None, dossier: Dossier, *, now: datetime, why: str, **details) -> None:
    """Take a dossier that leaves the archive (destroyed, or received by the historical archive) out of its box, in
    the caller's transaction, audited on the dossier with the place it left; nothing if it is in no box.

    Its box then lists only what it holds; a box left empty stays until the archivist removes it (issue 28).
    exports.handover calls this too when a receipt marks dossiers TRANSFERRED.
    """
    placement = session.scalar(select(DossierPlacement).where(DossierPlacement.dossier_id == dossier.id))
    if placement is None:
        return
    box, number = placement.box, placement.file_number
    place = _place(placement)
    session.delete(placement)
    session.flush()
    session.expire(box, ["placements"])
    audit.record(
        session,
        actor,
        "dossier.unshelved",
        "dossier",
        dossier.id,
        now=now,
        place=place,
        box_id=box.id,
        file_number=number,
        file_code=dossier.file_code,
        why=why,
        **details,
    )


def _delete_file(session: Session, actor: Actor, planned: DestroyedFile, *, store: FileStore, now: datetime) -> str:
    """Delete one planned file's bytes, unless a living dossier has linked the same bytes meanwhile."""
    sha256 = planned.file.sha256
    if still_needed(session, [planned.file_id]):
        planned.kept = True
        return f"kept (in use again): {sha256}"
    store.delete(sha256)  # False when a killed run already removed it: the same end state
    planned.deleted_at = now
    audit.record(
        session,
        actor,
        "stored_file.destroyed",
        "stored_file",
        planned.file_id,
        now=now,
        sha256=sha256,
        destruction_list_id=planned.destruction_list_id,
    )
    return f"deleted: {sha256}"


def finish(
    session: Session, actor: Actor, list_id: int, record_pdf: bytes, *, store: FileStore, now: datetime
) -> DestructionList:
    """Store the destruction record ("biên bản hủy tài liệu") and close the execution; done once."""
    destruction_list = _executing(session, actor, list_id)
    if any(not item.done for item in destruction_list.items) or _next_planned(session, list_id) is not None:
        raise RuleViolation(N_("The execution is not finished yet: run it again."))
    destruction_list.record_file_id = _attach(session, store, io.BytesIO(record_pdf), now=now)
    destruction_list.executed_at = now
    transitions.move(destruction_list, transitions.DESTRUCTION_LIST, "finish")
    destroyed = [item.dossier.file_code for item in destruction_list.items if not item.held]
    audit.record(
        session,
        actor,
        "destruction_list.executed",
        "destruction_list",
        list_id,
        now=now,
        before=State.EXECUTING.value,
        after=State.EXECUTED.value,
        destroyed=destroyed,
        record_sha256=destruction_list.record_file.sha256 if destruction_list.record_file else None,
    )
    return destruction_list


# ---------------------------------------------------------------- the record's values


@dataclass(frozen=True)
class RecordRow:
    """One destroyed dossier as the destruction record lists it."""

    file_code: str
    title: str
    start_date: date
    end_date: date | None
    period: str
    documents: int
    pages: int
    size: int


@dataclass(frozen=True)
class MemberOpinion:
    """A council member's opinion as the destruction record prints it."""

    name: str
    agrees: bool
    comment: str


@dataclass(frozen=True)
class DestructionRecord:
    """Everything printed on a destruction record; built from the database, rendered elsewhere."""

    parent_organisation: str
    organisation: str
    title: str
    council: tuple[MemberOpinion, ...]
    appraisal: str
    decision: str
    executed_by: str
    rows: tuple[RecordRow, ...]
    held: tuple[str, ...]
    backups: tuple[Backup, ...]
    printed_at: datetime


def record_values(session: Session, actor: Actor, list_id: int, *, now: datetime) -> DestructionRecord:
    """Return the frozen values of a list's destruction record (the destroyed dossiers only)."""
    destruction_list = get_list(session, actor, list_id)
    organisation = destruction_list.items[0].dossier.organisation
    executor = session.get(User, destruction_list.executed_by_id or actor.user_id)
    assert executor is not None  # executed_by_id is a foreign key to users, and the actor is a user
    rows = tuple(
        RecordRow(
            item.dossier.file_code,
            item.dossier.title,
            item.dossier.start_date,
            item.dossier.end_date,
            period_of(item.dossier).label(),
            item.documents,
            item.pages,
            item.size,
        )
        for item in destruction_list.items
        if item.done and not item.held
    )
    appraisal_date = destruction_list.appraisal_date.strftime("%d/%m/%Y") if destruction_list.appraisal_date else ""
    decision_date = destruction_list.decision_date.strftime("%d/%m/%Y") if destruction_list.decision_date else ""
    return DestructionRecord(
        parent_organisation=organisation.parent_name,
        organisation=organisation.name,
        title=destruction_list.title,
        council=tuple(
            MemberOpinion(opinion.member.full_name, opinion.agrees, opinion.comment)
            for opinion in destruction_list.opinions
        ),
        appraisal=f"{destruction_list.appraisal_number} ngày {appraisal_date}",
        decision=f"{destruction_list.decision_number} ngày {decision_date}, {destruction_list.decision_signer}",
        executed_by=executor.full_name,
        rows=rows,
        held=tuple(item.dossier.file_code for item in destruction_list.items if item.held),
        backups=tuple(
            Backup(name, date.fromisoformat(expires)) for name, expires in json.loads(destruction_list.backups or "[]")
        ),
        printed_at=now.astimezone(LOCAL_TZ),
    )
