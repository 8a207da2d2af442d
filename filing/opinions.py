"""How a document was handled ("quá trình xử lý văn bản", NĐ 30 PL6 III.5.a; TT 02/2019 field 17): the register's
distribution of an incoming document, the drafts' versions and the opinions given on it — directions, comments,
approvals of content and of form, a draft sent back to its author (PL6 III.1.n).

An opinion is content, as the document's summary is: its text is read only by whoever reads that summary (its
content not restricted to others, and a tuyệt mật one's by the head alone, as the register shows it); the others see
that an opinion of some kind was given, by whom and when. Who gives which kind is ``permissions.opinion_kinds``';
an opinion is given to a document whose dossiers are all open: a closed dossier's record is fixed (and sealed,
``erms.metadata_seal``), so it takes none. It is given from the document's page in a dossier, and from its register
line before anyone files it (the leader directs an incoming document as soon as it is registered): both show the same
handling and apply the same rules (``Reached``); the unit it was sent to is its unit (``permissions.document_units``).
Opinions are never changed or deleted: a correction is a new opinion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from classification import markings
from erms import audit, metadata, notices, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import Document, DocumentOpinion, Dossier, DossierDocument, OpinionKind, RegisterEntry, Role, User
from erms.models.dossier import DocumentStatus, DossierState
from erms.models.register import RegisterKind
from erms.permissions import Actor
from filing import dossiers, registers

OPINION_KINDS = frozenset(kind.value for kind in OpinionKind)
TEXT_LENGTH = metadata.column_length(DocumentOpinion, "text")
FIXED = N_("Dossier %(code)s is no longer open: the record of its documents is fixed and takes no new opinion.")
ONLY_DRAFTS = N_("Only a draft is sent back to its author; this document is final.")
NO_TEXT = N_("Write the opinion (for a draft sent back: the reason).")
NO_KIND = N_("Choose the kind of opinion.")
NOT_READ = N_("You do not read this document's summary, so you give no opinion on it: an opinion is read where it is.")
DIRECTED = N_("Incoming document no. %(number)s was directed by %(who)s: its register line gives the direction.")
DIRECTED_TO_SEND = N_(
    "Incoming document no. %(number)s was directed by %(who)s before it was sent to a unit: send it on as its register "
    "line's direction says."
)
# The lines a leader's home page lists as waiting for a direction, newest first; the register holds the rest.
WAITING_LINES = 10
NOT_YOURS = N_(
    "An opinion of kind %(kind)s on this document is not yours to give: the head of the organisation and the heads "
    "of the units it was sent to or filed by give directions, approvals and drafts sent back. You may give: "
    "%(allowed)s."
)


@dataclass(frozen=True)
class Step:
    """One step of a document's handling: ``what`` is "registered", "sent_to", "draft" (a version of a draft),
    "version" (of a final document: its versions need not have been drafts) or an opinion's kind."""

    at: datetime
    what: str
    who: str
    text: str | None = None  # an opinion's text; None when the reader may not read it
    detail: str = ""  # the unit sent to, a version's number

    @property
    def opinion(self) -> bool:
        """Whether the step is an opinion (whose text may be withheld) rather than the register's or a version."""
        return self.what in OPINION_KINDS


@dataclass(frozen=True)
class Handling:
    """What a document's page and its register line's show of its handling, and what the reader may add to it."""

    steps: list[Step]
    readable: bool  # the reader reads the opinions' text
    kinds: tuple[OpinionKind, ...]  # those the reader may give now (none once a dossier holding it is closed)
    fixed_in: str  # the code of a closed dossier holding the document, "" while all are open
    sent_back: Step | None  # the draft is sent back and no version was added since


@dataclass(frozen=True)
class Reached:
    """A document as its reader reached it — from a dossier's page or from its register line (before it is filed) —
    and whether they read its opinions' text there: both pages show one handling and take opinions by one rule."""

    document: Document
    readable: bool
    dossier: Dossier | None = None  # the dossier whose page it was reached from
    entry: RegisterEntry | None = None  # the register line it was reached from

    def where(self) -> dict[str, Any]:
        """Return what the audit event names the page by, as a view of the document is recorded."""
        if self.dossier is not None:
            return {"dossier_id": self.dossier.id}
        assert self.entry is not None  # reached from one place or the other
        return {"register_entry_id": self.entry.id}


def in_dossier(session: Session, actor: Actor, dossier: Dossier, document: Document) -> Reached:
    """Return the document as reached from ``dossier``'s page (which the actor reads)."""
    return Reached(document, reads_opinions(session, actor, dossier, document), dossier=dossier)


def on_line(session: Session, actor: Actor, entry_id: int) -> Reached:
    """Return a register line's document as its page reaches it: the line's readers see it (else not found), and
    read its opinions' text where they read its summary (a tuyệt mật one's only if authorised, a document restricted
    on its own only if they read its content: ``registers.withheld_summaries``)."""
    entry = registers.readable_line(session, actor, entry_id)
    readable = not registers.withheld_summaries(session, actor, [entry])
    return Reached(entry.document, readable, entry=entry)


def handling(session: Session, actor: Actor, reached: Reached) -> Handling:
    """Return the handling of the document as the actor reached it, in time order."""
    document, readable = reached.document, reached.readable
    opinions = _opinions(session, document.id)
    names = _names(session, [o.author_id for o in opinions] + [v.created_by_id for v in document.versions])
    given = [Step(o.given_at, o.kind.value, names[o.author_id], o.text if readable else None) for o in opinions]
    added = "draft" if document.status is DocumentStatus.DRAFT else "version"
    versions = [Step(v.created_at, added, names[v.created_by_id], detail=str(v.number)) for v in document.versions]
    fixed_in = _fixed_in(session, document)
    latest = _sent_back(document, opinions)
    return Handling(
        steps=sorted([*_distribution(session, document), *versions, *given], key=lambda step: step.at),
        readable=readable,
        kinds=() if fixed_in else _offered(session, actor, document, readable),
        fixed_in=fixed_in,
        sent_back=None if latest is None else given[opinions.index(latest)],
    )


def give(
    session: Session, actor: Actor, dossier_id: int, document_id: int, kind: str, text: str, *, now: datetime
) -> DocumentOpinion:
    """Add the actor's opinion to a document of a dossier, from the dossier's page (``add``); a document of a dossier
    the actor does not read is not found."""
    dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)
    document = dossiers.filed_document(session, dossier.id, document_id)
    if document is None:
        raise NotFound()
    return add(session, actor, in_dossier(session, actor, dossier, document), kind, text, now=now)


def add(session: Session, actor: Actor, reached: Reached, kind: str, text: str, *, now: datetime) -> DocumentOpinion:
    """Add the actor's opinion to the document they reached; a draft sent back tells its author.

    Refused, nothing kept: a document whose content the actor may not read, a kind they may not give (forbidden); no
    kind or text, a text too long (the form again); a dossier holding it closed, a final document sent back (the
    rule's message).
    """
    document = reached.document
    if not reached.readable:
        raise PermissionDenied(NOT_READ)
    chosen, text = _checked(kind, text)
    if chosen not in (allowed := _rights(session, actor, document)):
        raise PermissionDenied(NOT_YOURS, kind=chosen.value, allowed=", ".join(item.value for item in allowed))
    if fixed_in := _fixed_in(session, document, lock=True):
        raise RuleViolation(FIXED, code=fixed_in)
    if chosen is OpinionKind.SENT_BACK and document.status is not DocumentStatus.DRAFT:
        raise RuleViolation(ONLY_DRAFTS)
    opinion = DocumentOpinion(
        document_id=document.id,
        kind=chosen,
        text=text,
        version=document.versions[-1].number if document.versions else None,
        author_id=actor.user_id,
        given_at=now,
    )
    session.add(opinion)
    session.flush()
    _record(session, actor, reached, opinion, now)
    if chosen is OpinionKind.SENT_BACK:
        assert reached.dossier is not None  # a draft is reached in its dossier: the register takes final documents
        _tell_author(session, actor, reached.dossier, document, opinion, now)
    if chosen is OpinionKind.DIRECTION:
        _tell_handlers(session, actor, reached, opinion, now)
    return opinion


def awaiting_direction(session: Session, actor: Actor, year: int, limit: int = WAITING_LINES) -> list[RegisterEntry]:
    """Return the incoming register lines of ``year`` the actor directs (``permissions.directed_lines``) that have no
    direction yet and are not handled, newest first: what their home page offers to direct, in one query.

    A line whose summary the actor may not read (a tuyệt mật one unless authorised, a document restricted on its own:
    ``registers.withheld_summaries``, as the register shows it) is left out: they give it no opinion (``add``)."""
    if not permissions.organisations_where(actor, "document.direct"):
        return []  # one who directs nothing costs the home page no query
    directed = exists().where(
        DocumentOpinion.document_id == RegisterEntry.document_id, DocumentOpinion.kind == OpinionKind.DIRECTION
    )
    query = (
        select(RegisterEntry)
        .join(RegisterEntry.document)
        .where(
            permissions.directed_lines(actor),
            RegisterEntry.kind == RegisterKind.INCOMING,
            RegisterEntry.year == year,
            RegisterEntry.handled_on.is_(None),
            ~directed,
        )
        .order_by(RegisterEntry.registered_at.desc(), RegisterEntry.id.desc())
        .limit(limit)
        .options(contains_eager(RegisterEntry.document), joinedload(RegisterEntry.assigned_unit))
    )
    lines = list(session.scalars(query))
    withheld = registers.withheld_summaries(session, actor, lines) if lines else {}
    return [line for line in lines if line.id not in withheld]


def directed_documents(session: Session, document_ids: Iterable[int]) -> set[int]:
    """Return which of the documents have a direction: a unit's list of its incoming documents says so (one query,
    none for no document). That one exists is shown to whoever sees the line; its text only on the line's page."""
    wanted = set(document_ids)
    if not wanted:
        return set()
    query = select(DocumentOpinion.document_id).where(
        DocumentOpinion.document_id.in_(wanted), DocumentOpinion.kind == OpinionKind.DIRECTION
    )
    return set(session.scalars(query))


def reads_opinions(session: Session, actor: Actor, dossier: Dossier, document: Document) -> bool:
    """Return True if the actor, who reads ``dossier``, reads the text of the document's opinions: as its summary,
    unless its content is restricted to others, or it is tuyệt mật and the actor not the one authorised."""
    authorised = permissions.can(actor, "register.read_top_secret", document.organisation_id)
    visible = markings.summary_visible(markings.SecurityMarking(document.marking), authorised)
    return visible and dossiers.content_readable(session, actor, dossier, document)


def opinions_of(session: Session, document_ids: Iterable[int]) -> dict[int, list[DocumentOpinion]]:
    """Return each document's opinions in the order given, with their authors (two queries for any number of
    documents)."""
    found: dict[int, list[DocumentOpinion]] = {}
    query = select(DocumentOpinion).where(DocumentOpinion.document_id.in_(set(document_ids)))
    query = query.options(selectinload(DocumentOpinion.author))
    for opinion in session.scalars(query.order_by(DocumentOpinion.given_at, DocumentOpinion.id)):
        found.setdefault(opinion.document_id, []).append(opinion)
    return found


def _opinions(session: Session, document_id: int) -> list[DocumentOpinion]:
    return opinions_of(session, [document_id]).get(document_id, [])


def _checked(kind: str, text: str) -> tuple[OpinionKind, str]:
    """Return the kind and the normalised text, or raise naming every problem at once."""
    problems = []
    chosen = next((member for member in OpinionKind if member.value == kind), None)
    if chosen is None:
        problems.append(Problem("kind", NO_KIND))
    try:
        text = metadata.check_text({"text": text or ""}, {"text": TEXT_LENGTH})["text"].strip()
    except InvalidMetadata as error:
        problems += error.problems
    else:
        if not text:
            problems.append(Problem("text", NO_TEXT))
    if problems:
        raise InvalidMetadata(problems)
    assert chosen is not None  # reported as a problem just above
    return chosen, text


def _rights(session: Session, actor: Actor, document: Document) -> tuple[OpinionKind, ...]:
    """Return the kinds the actor may give on the document, as ``permissions.opinion_kinds`` decides."""
    return permissions.opinion_kinds(actor, document.organisation_id, permissions.document_units(session, document))


def _offered(session: Session, actor: Actor, document: Document, readable: bool) -> tuple[OpinionKind, ...]:
    """Return the kinds the page offers: none to one who may not read the opinions; a final document is not sent
    back (``give`` says why, to a forged request)."""
    if not readable:
        return ()
    final = document.status is not DocumentStatus.DRAFT
    return tuple(kind for kind in _rights(session, actor, document) if not (final and kind is OpinionKind.SENT_BACK))


def _fixed_in(session: Session, document: Document, *, lock: bool = False) -> str:
    """Return the code of a dossier holding the document that is no longer open, "" when all are open; ``lock``
    holds their rows so none closes (and seals the document without this opinion) before the opinion commits."""
    holders = select(DossierDocument.dossier_id).where(DossierDocument.document_id == document.id)
    query = select(Dossier.state, Dossier.file_code).where(Dossier.id.in_(holders))
    if lock:
        query = query.with_for_update()
    return next((code for state, code in session.execute(query) if state is not DossierState.OPEN), "")


def _sent_back(document: Document, opinions: list[DocumentOpinion]) -> DocumentOpinion | None:
    """Return the opinion that sent the draft back, while no version was added since (None otherwise)."""
    current = document.versions[-1].number if document.versions else None
    sent = [o for o in opinions if o.kind is OpinionKind.SENT_BACK]
    if document.status is DocumentStatus.DRAFT and sent and sent[-1].version == current:
        return sent[-1]
    return None


def _distribution(session: Session, document: Document) -> list[Step]:
    """Return the register's steps of the document: registered, and sent to a unit (and person) for handling, by the
    clerk its latest audited sending names (the line keeps no sender of its own)."""
    entry = session.scalar(select(RegisterEntry).where(RegisterEntry.document_id == document.id))
    if entry is None:
        return []
    steps = [Step(entry.registered_at, "registered", entry.registered_by.full_name, detail=str(entry.number))]
    if entry.assigned_unit is not None and entry.assigned_at is not None:
        person = f" — {entry.assigned_user.full_name}" if entry.assigned_user else ""
        sending = audit.last_event(session, "document", document.id, action="document.assigned")
        sender = audit.actor_of(session, sending) if sending else ""
        steps.append(Step(entry.assigned_at, "sent_to", sender, detail=entry.assigned_unit.name + person))
    return steps


def _names(session: Session, user_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(set(user_ids))))
    return {user_id: name for user_id, name in rows}


def _record(session: Session, actor: Actor, reached: Reached, opinion: DocumentOpinion, now: datetime) -> None:
    """Audit the opinion: its kind always, its text only for a document whose summary everyone who reads it reads
    (never a tuyệt mật or restricted one's; the log masks the text as a summary for a reader who may not read it)."""
    document = reached.document
    restricted = permissions.document_access(session, [document])[document.id].restricted
    open_text = markings.summary_shown_to_all(document.marking) and not restricted
    audit.record(
        session,
        actor,
        "document.opinion_given",
        "document",
        document.id,
        now=now,
        **reached.where(),
        opinion_id=opinion.id,
        kind=opinion.kind.value,
        opinion_text=opinion.text if open_text else None,
    )


def _tell_handlers(session: Session, actor: Actor, reached: Reached, opinion: DocumentOpinion, now: datetime) -> None:
    """Tell who handles a directed incoming document: the person the registry sent it to, else the heads of the unit
    it was sent to, who share its work out — not every officer (``notices.unit_people``): a large unit's dozens would
    each get every direction. When that leaves no one but the director (a unit head directing his unit's document, a
    unit with no head), the unit's people are told; when it was sent to no unit yet, the registry, to send it on as
    the direction says. The notice names the line, never the direction (a notice may go by e-mail): the line's page
    gives it, as the draft sent back's page gives its reason."""
    line = select(RegisterEntry).where(RegisterEntry.document_id == opinion.document_id)
    entry = reached.entry or session.scalar(line)
    if entry is None:
        return
    if entry.assigned_unit_id is None:  # directed before it was sent on: the registry sends it as the direction says
        registry = notices.holders(session, entry.organisation_id, Role.REGISTRY) - {actor.user_id}
        notices.tell(
            session, registry, "document_directed", str(opinion.id), DIRECTED_TO_SEND, now=now,
            subject=("register_entry", entry.id), number=entry.number, who=actor.full_name,
        )  # fmt: skip
        return
    organisation, unit = entry.organisation_id, entry.assigned_unit_id
    named = {entry.assigned_user_id} if entry.assigned_user_id is not None else set()
    told = (named or notices.holders(session, organisation, Role.UNIT_HEAD, unit)) - {actor.user_id}
    notices.tell(
        session,
        told or notices.unit_people(session, organisation, unit) - {actor.user_id},
        "document_directed",
        str(opinion.id),
        DIRECTED,
        now=now,
        subject=("register_entry", entry.id),
        number=entry.number,
        who=actor.full_name,
    )


def _tell_author(
    session: Session, actor: Actor, dossier: Dossier, document: Document, opinion: DocumentOpinion, now: datetime
) -> None:
    """Tell the draft's author (who added its latest version, or recorded it) it was sent back; the notice names the
    document by its place, never the reason (a notice may go by e-mail): the page shows it."""
    author = document.versions[-1].created_by_id if document.versions else document.created_by_id
    ordinal = next(link.ordinal for link in dossier.links if link.document_id == document.id)
    notices.tell(
        session,
        {author},
        "draft_sent_back",
        str(opinion.id),
        N_("Draft no. %(ordinal)s of dossier %(code)s was sent back by %(who)s: its page gives the reason."),
        now=now,
        subject=("dossier", dossier.id),
        ordinal=ordinal,
        code=dossier.file_code,
        who=actor.full_name,
    )
