"""Requests to use archived records ("phiếu yêu cầu khai thác, sử dụng tài liệu lưu trữ", issue 28).

A staff member asks for dossiers the agency archive holds, with a purpose; the registry or the archivist records a
citizen's request at the reading room. The head approves, with the last day, or refuses with the reason; an approval
may leave out some dossiers, the note saying why, and those are neither shared nor lent. Approved:
- every dossier is shared with the reader's account until that day — the requester's, or for a citizen the account
  of the person who serves them in the reading room —, so ``erms.permissions`` lets them read its record and its
  files, if any; its views are audited as any other, and the worker ends the share after the day;
- a dossier on paper (paper or hybrid) is lent by the archivist against a slip and is due back that day; a loan not
  returned by then is told to the reader and the archivists, once.
Every step is audited on the request (and each share on its dossier).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata, notices, permissions, transitions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import (
    AccessChange,
    AccessChangeKind,
    AccessChangeState,
    Dossier,
    Organisation,
    Role,
    UseRequest,
    UseRequestItem,
    UseRequestState,
)
from erms.models.dossier import DossierState, Medium
from erms.permissions import Actor
from exports.pdf import box_labels
from filing.dossiers import local_date
from holdings import storage

# A request names at most this many dossiers; more is a second request (and a second decision).
MAX_DOSSIERS = 50
# The longest the head may let records out: a longer need is asked again, and decided again.
MAX_DAYS = 90
CODE_SEPARATORS = re.compile(r"[\s,;]+")
LIMITS = {
    "purpose": metadata.column_length(UseRequest, "purpose"),
    "reader_name": metadata.column_length(UseRequest, "reader_name"),
    "reader_identity": metadata.column_length(UseRequest, "reader_identity"),
    "reader_address": metadata.column_length(UseRequest, "reader_address"),
    "note": metadata.column_length(UseRequest, "decision_note"),
}


@dataclass(frozen=True)
class Asked:
    """What a person fills in: the dossier codes, the purpose, and for a citizen who they are."""

    codes: str
    purpose: str
    for_citizen: bool = False
    reader_name: str = ""
    reader_identity: str = ""
    reader_address: str = ""


def _refuse_repeat(
    session: Session, actor: Actor, organisation_id: int, for_citizen: bool, texts: dict, dossier_ids: set[int]
) -> None:
    """A form sent twice (a double click, a reload) must not give the head two requests to decide: the same person
    asking again for the same dossiers, reader and purpose while their first request still waits is refused."""
    waiting = session.scalars(
        select(UseRequest).where(
            UseRequest.organisation_id == organisation_id,
            UseRequest.recorded_by_id == actor.user_id,
            UseRequest.state == UseRequestState.REQUESTED,
        )
    )
    asked = (None if for_citizen else actor.user_id, *texts.values(), dossier_ids)
    for earlier in waiting:
        held = {item.dossier_id for item in earlier.items}
        if (earlier.requester_id, *(getattr(earlier, key) for key in texts), held) == asked:
            raise RuleViolation(
                N_("Your request %(reference)s for these dossiers is already waiting for the head's decision."),
                reference=earlier.reference,
            )


def ask(session: Session, actor: Actor, organisation_id: int, asked: Asked, *, now: datetime) -> UseRequest:
    """Record a request for the archived dossiers ``asked.codes`` names, numbered in the year, and tell the head."""
    permissions.require(actor, "use.record" if asked.for_citizen else "use.request", organisation_id)
    typed = {
        "purpose": asked.purpose.strip(),
        "reader_name": asked.reader_name.strip() if asked.for_citizen else "",
        "reader_identity": asked.reader_identity.strip() if asked.for_citizen else "",
        "reader_address": asked.reader_address.strip() if asked.for_citizen else "",
    }
    problems: list[Problem] = []
    try:
        texts = metadata.check_text(typed, LIMITS)
        problems += _reader_problems(texts, asked.for_citizen)
    except InvalidMetadata as wrong:  # said together with what is wrong with the codes: one round, not two
        problems += wrong.problems
    dossiers = _archived(session, actor, organisation_id, asked, problems)
    if problems:
        raise InvalidMetadata(problems)
    session.get(Organisation, organisation_id, with_for_update=True)  # two requests at once: numbered one by one
    _refuse_repeat(session, actor, organisation_id, asked.for_citizen, texts, {dossier.id for dossier in dossiers})
    year = local_date(now).year
    last = session.scalar(
        select(func.max(UseRequest.number)).where(
            UseRequest.organisation_id == organisation_id, UseRequest.year == year
        )
    )
    request = UseRequest(
        organisation_id=organisation_id,
        year=year,
        number=(last or 0) + 1,
        state=UseRequestState.REQUESTED,
        requester_id=None if asked.for_citizen else actor.user_id,
        purpose=texts["purpose"],
        reader_name=texts["reader_name"],
        reader_identity=texts["reader_identity"],
        reader_address=texts["reader_address"],
        recorded_by_id=actor.user_id,
        requested_at=now,
        items=[
            UseRequestItem(dossier_id=dossier.id, online=dossier.medium is not Medium.PAPER, paper=_on_paper(dossier))
            for dossier in dossiers
        ],
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor,
        "use.requested",
        "use_request",
        request.id,
        now=now,
        reference=request.reference,
        dossiers=[dossier.file_code for dossier in dossiers],
        purpose=request.purpose,
        reader=request.reader_name,
    )
    notices.tell_role(
        session,
        organisation_id,
        Role.HEAD,
        "use_requested",
        str(request.id),
        WAITS_FOR_DECISION,
        now=now,
        subject=("use_request", request.id),
        reference=request.reference,
        count=len(dossiers),
        purpose=request.purpose,
    )
    return request


def _reader_problems(texts: dict[str, str], for_citizen: bool) -> list[Problem]:
    problems = [] if texts["purpose"] else [Problem("purpose", N_("Say what the records are needed for."))]
    if for_citizen:
        problems += [Problem(name, metadata.MESSAGES["required"]) for name in ("reader_name",) if not texts[name]]
        if not texts["reader_identity"]:
            problems.append(Problem("reader_identity", N_("Write the number of the reader's identity card.")))
    return problems


def _archived(
    session: Session, actor: Actor, organisation_id: int, asked: Asked, problems: list[Problem]
) -> list[Dossier]:
    """Return the dossiers the codes name, in their order, adding a problem for each one the archive cannot serve."""
    if metadata.FORBIDDEN_CHARACTERS.search(asked.codes):  # no code holds one (and PostgreSQL cannot compare a NUL)
        problems.append(Problem("codes", metadata.CONTROL_CHARACTER))
        return []
    codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(asked.codes.strip()) if code))
    if not codes:
        problems.append(Problem("codes", N_("Write the code of at least one dossier of the agency archive.")))
        return []
    if len(codes) > MAX_DOSSIERS:
        problems.append(Problem("codes", N_("At most %(limit)s dossiers in one request."), {"limit": MAX_DOSSIERS}))
        return []
    # A code typed in small letters is the same code (the labels print it in capitals): compared in capitals.
    found = {
        dossier.file_code.upper(): dossier
        for dossier in session.scalars(
            select(Dossier).where(
                Dossier.organisation_id == organisation_id,
                func.upper(Dossier.file_code).in_([code.upper() for code in codes]),
                Dossier.state == DossierState.ARCHIVED,
            )
        )
    }
    missing = [code for code in codes if code.upper() not in found]
    if missing:
        problems.append(
            Problem("codes", N_("Not held by the agency archive: %(codes)s."), {"codes": ", ".join(missing)})
        )
    chosen = list({found[code.upper()].id: found[code.upper()] for code in codes if code.upper() in found}.values())
    if not asked.for_citizen:
        access = permissions.dossier_access(session, chosen)
        readable = [
            dossier.file_code
            for dossier in chosen
            if dossier.medium is Medium.ELECTRONIC and permissions.can_read_dossier(actor, dossier, access[dossier.id])
        ]
        if readable:
            problems.append(
                Problem("codes", N_("You can read these already: %(codes)s."), {"codes": ", ".join(readable)})
            )
    return chosen


def _on_paper(dossier: Dossier) -> bool:
    return dossier.medium is not Medium.ELECTRONIC


def _require_org_wide(actor: Actor, action: str, organisation_id: int) -> None:
    """The head, the archivist and the registry act for the whole organisation's archive, never for one unit."""
    if not permissions.can_org_wide(actor, action, organisation_id):
        raise PermissionDenied()


def get(session: Session, actor: Actor, request_id: int, *, lock: bool = False) -> UseRequest:
    """Return a request the actor reads (who asked, who recorded it, the register's readers); NotFound otherwise."""
    request = session.get(UseRequest, request_id, with_for_update=lock, options=(selectinload(UseRequest.items),))
    if request is None or not permissions.can_read_use_request(
        actor, request.organisation_id, (request.requester_id, request.recorded_by_id)
    ):
        raise NotFound()
    return request


def decide(
    session: Session,
    actor: Actor,
    request_id: int,
    approve: bool,
    until: date | None,
    note: str,
    *,
    now: datetime,
    refused_items: Collection[int] = (),
) -> UseRequest:
    """Approve a request until a day (each dossier served as its medium allows) or refuse it with the reason; an
    approval may leave out some of its dossiers (``refused_items``, item ids), the note saying why."""
    request = get(session, actor, request_id, lock=True)  # two decisions at once: the second sees the first
    _require_org_wide(actor, "use.decide", request.organisation_id)
    if request.state is not UseRequestState.REQUESTED:
        raise RuleViolation(N_("This request has already been decided."))
    note = metadata.check_text({"note": note.strip()}, LIMITS)["note"]
    today = local_date(now)
    if not approve and not note:
        raise InvalidMetadata([Problem("note", N_("Give the reason for refusing."))])
    left_out = _left_out(request, set(refused_items), note) if approve else set()
    if approve:
        _check_until(until, today)
        gone = [
            item.dossier.file_code
            for item in request.items
            if item.id not in left_out and item.dossier.state is not DossierState.ARCHIVED
        ]
        if gone:
            raise RuleViolation(N_("No longer held by the agency archive: %(codes)s."), codes=", ".join(gone))
    for item in request.items:
        item.refused = item.id in left_out
    transitions.move(request, transitions.USE_REQUEST, "approve" if approve else "refuse")
    request.until = until if approve else None
    request.decided_by_id, request.decided_at, request.decision_note = actor.user_id, now, note
    if approve:
        _share(session, actor, request, now)
    audit.record(
        session,
        actor,
        "use.approved" if approve else "use.refused",
        "use_request",
        request.id,
        now=now,
        reference=request.reference,
        until=request.until.isoformat() if request.until else None,
        note=note,
        refused=sorted(item.dossier.file_code for item in request.items if item.refused),
    )
    _tell_decision(session, request, now)
    return request


def reconsider(session: Session, actor: Actor, request_id: int, *, now: datetime) -> UseRequest:
    """Take a refusal back (made by mistake, or the reason is gone): the request waits for a decision again, the
    earlier one kept in the audit log, so nobody has to ask again under a new number."""
    request = get(session, actor, request_id, lock=True)
    _require_org_wide(actor, "use.decide", request.organisation_id)
    if request.state is not UseRequestState.REFUSED:
        raise RuleViolation(N_("Only a refused request is reconsidered."))
    audit.record(
        session,
        actor,
        "use.reconsidered",
        "use_request",
        request.id,
        now=now,
        reference=request.reference,
        refused_by=request.decided_by_id,
        refused_at=request.decided_at.isoformat() if request.decided_at else None,
        note=request.decision_note,
    )
    transitions.move(request, transitions.USE_REQUEST, "reconsider")
    request.decided_by_id, request.decided_at, request.decision_note = None, None, ""
    return request


def _left_out(request: UseRequest, refused: set[int], note: str) -> set[int]:
    """Check the dossiers an approval leaves out: this request's, not all of them, and the note says why."""
    problems = []
    if refused - {item.id for item in request.items}:
        problems.append(Problem("refused", N_("Choose dossiers of this request.")))
    elif refused and len(refused) == len(request.items):
        problems.append(Problem("refused", N_("To refuse every dossier, refuse the request.")))
    if refused and not note:
        problems.append(Problem("note", N_("Give the reason for refusing these dossiers.")))
    if problems:
        raise InvalidMetadata(problems)
    return refused


def served(request: UseRequest) -> list[UseRequestItem]:
    """Return the dossiers of a request that are served: all of an approved request's but those it left out."""
    if request.state is not UseRequestState.APPROVED:
        return []
    return [item for item in request.items if not item.refused]


def _check_until(until: date | None, today: date) -> None:
    if until is None:
        raise InvalidMetadata([Problem("until", N_("Give the last day the records may be used."))])
    if not today <= until <= today + timedelta(days=MAX_DAYS):
        raise InvalidMetadata(
            [
                Problem(
                    "until",
                    N_("The last day must fall between today and %(latest)s (at most %(days)s days)."),
                    {"latest": f"{today + timedelta(days=MAX_DAYS):%d/%m/%Y}", "days": MAX_DAYS},
                )
            ]
        )


def _share(session: Session, actor: Actor, request: UseRequest, now: datetime) -> None:
    """Share each dossier with the reader's account until the last day, audited on the dossier: its record (the
    description, the index, where its paper is) and its files, if any, are theirs to read until then."""
    reader = request.requester_id or request.recorded_by_id
    for item in served(request):
        share = AccessChange(
            organisation_id=request.organisation_id,
            dossier_id=item.dossier_id,
            kind=AccessChangeKind.SHARE_PERSON,
            state=AccessChangeState.CONFIRMED,
            user_id=reader,
            until=request.until,
            reason=f"{request.reference}: {request.purpose}"[: LIMITS["purpose"]],
            proposed_by_id=request.recorded_by_id,
            proposed_at=request.requested_at,
            decided_by_id=actor.user_id,
            decided_at=now,
        )
        session.add(share)
        session.flush()
        item.share_id = share.id
        audit.record(
            session,
            actor,
            "use.shared",
            "dossier",
            item.dossier_id,
            now=now,
            change=share.id,
            request=request.reference,
            user_id=reader,
            until=request.until.isoformat() if request.until else None,
        )


def _tell_decision(session: Session, request: UseRequest, now: datetime) -> None:
    people = {request.requester_id or request.recorded_by_id, request.recorded_by_id}
    left_out = sum(item.refused for item in request.items)
    if request.state is UseRequestState.APPROVED and left_out:
        template = N_(
            "Request %(reference)s is approved but for %(count)s dossiers (%(note)s): the others may be used until "
            "%(date)s."
        )
    elif request.state is UseRequestState.APPROVED:
        template = N_("Request %(reference)s is approved: the records may be used until %(date)s.")
    else:
        template = N_("Request %(reference)s is refused: %(note)s")
    decision = f"{request.id}:{request.decided_at:%Y%m%d%H%M%S%f}"  # a reconsidered request's next decision is told too
    notices.tell(
        session,
        {person for person in people if person is not None},
        "use_decided",
        decision,
        template,
        now=now,
        subject=("use_request", request.id),
        reference=request.reference,
        date=f"{request.until:%d/%m/%Y}" if request.until else "",
        note=request.decision_note,
        count=left_out,
    )
    if any(item.paper for item in served(request)):
        notices.tell_role(
            session,
            request.organisation_id,
            Role.ARCHIVIST,
            "use_to_lend",
            decision,
            N_("Request %(reference)s is approved: prepare %(count)s paper dossiers to lend until %(date)s."),
            now=now,
            subject=("use_request", request.id),
            reference=request.reference,
            count=sum(item.paper for item in served(request)),
            date=f"{request.until:%d/%m/%Y}",
        )


# ---------------------------------------------------------------- the paper: lent and returned


def _paper_item(session: Session, actor: Actor, item_id: int) -> UseRequestItem:
    item = session.get(UseRequestItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound()
    get(session, actor, item.request_id)  # the request must be one the actor reads
    _require_org_wide(actor, "use.lend", item.request.organisation_id)
    if not item.paper:
        raise RuleViolation(N_("Dossier %(code)s has no paper to lend."), code=item.dossier.file_code)
    if item.refused:
        raise RuleViolation(N_("Dossier %(code)s was refused on this request."), code=item.dossier.file_code)
    return item


def out_on_other_loans(session: Session, request: UseRequest) -> set[int]:
    """Return the ids of the request's dossiers out on another request's loan: its page offers no "lend" for them."""
    wanted = [item.dossier_id for item in request.items if item.lent_at is None]
    if not wanted:
        return set()
    query = select(UseRequestItem.dossier_id).where(
        UseRequestItem.dossier_id.in_(wanted),
        UseRequestItem.request_id != request.id,
        UseRequestItem.lent_at.is_not(None),
        UseRequestItem.returned_at.is_(None),
    )
    return set(session.scalars(query))


def lend(session: Session, actor: Actor, item_id: int, *, now: datetime) -> UseRequestItem:
    """Record that the archivist handed a paper dossier to its reader, due back on the request's last day."""
    item = _paper_item(session, actor, item_id)
    request = item.request
    if request.state is not UseRequestState.APPROVED:
        raise RuleViolation(N_("Only an approved request's paper is lent."))
    if item.lent_at is not None:
        raise RuleViolation(N_("Dossier %(code)s is already lent on this request."), code=item.dossier.file_code)
    assert request.until is not None  # every approval sets it
    if request.until < local_date(now):
        raise RuleViolation(N_("The request's last day (%(date)s) has passed."), date=f"{request.until:%d/%m/%Y}")
    # Two loans of one dossier on two requests at once: the second waits here and then sees the first.
    session.execute(select(Dossier.id).where(Dossier.id == item.dossier_id).with_for_update())
    out = session.scalar(
        select(UseRequestItem.id).where(
            UseRequestItem.dossier_id == item.dossier_id,
            UseRequestItem.lent_at.is_not(None),
            UseRequestItem.returned_at.is_(None),
        )
    )
    if out is not None:
        raise RuleViolation(N_("Dossier %(code)s is out on another loan."), code=item.dossier.file_code)
    item.lent_at, item.lent_by_id = now, actor.user_id
    audit.record(
        session,
        actor,
        "use.lent",
        "use_request",
        request.id,
        now=now,
        dossier=item.dossier.file_code,
        due=request.until.isoformat(),
    )
    return item


def take_back(session: Session, actor: Actor, item_id: int, *, now: datetime) -> UseRequestItem:
    """Record that a lent paper dossier came back to the archive."""
    item = _paper_item(session, actor, item_id)
    if item.lent_at is None or item.returned_at is not None:
        raise RuleViolation(N_("Dossier %(code)s is not out on this request."), code=item.dossier.file_code)
    item.returned_at, item.returned_to_id = now, actor.user_id
    audit.record(
        session, actor, "use.returned", "use_request", item.request_id, now=now, dossier=item.dossier.file_code
    )
    return item


def slip_of(session: Session, actor: Actor, request_id: int, *, now: datetime) -> UseRequest:
    """Return an approved request whose paper is lent against a slip, the printing audited."""
    request = get(session, actor, request_id)
    if not any(item.paper for item in served(request)):
        raise RuleViolation(N_("Only an approved request with paper dossiers has a lending slip."))
    audit.record(session, actor, "use.slip_printed", "use_request", request.id, now=now, reference=request.reference)
    return request


def place(session: Session, dossier_id: int) -> str:
    """Return where a paper dossier is kept, in the words of the archive's lists ("" before it has a box)."""
    placement = storage.placement_of(session, dossier_id)
    if placement is None:
        return ""
    box = placement.box
    return box_labels.place_line(box.repository.code, box.shelf_unit, box.shelf, box.number, placement.file_number)


def remind_overdue(session: Session, today: date, *, now: datetime) -> int:
    """Tell the reader and the archivists of each loan past its day, once per loan (the worker, daily)."""
    late = session.scalars(
        select(UseRequestItem)
        .join(UseRequestItem.request)
        .where(UseRequestItem.lent_at.is_not(None), UseRequestItem.returned_at.is_(None), UseRequest.until < today)
        .options(selectinload(UseRequestItem.dossier))
        .order_by(UseRequestItem.id)
    ).all()
    for item in late:
        request = item.request
        reader = {request.requester_id or request.recorded_by_id}
        archivists = notices.holders(session, request.organisation_id, Role.ARCHIVIST)
        notices.tell(
            session,
            reader | archivists,
            "use_overdue",
            str(item.id),
            N_("Dossier %(code)s lent on request %(reference)s was due back on %(date)s."),
            now=now,
            subject=("use_request", request.id),
            code=item.dossier.file_code,
            reference=request.reference,
            date=f"{request.until:%d/%m/%Y}",
        )
    return len(late)


STILL_LENT = N_(
    "%(name)s, whose account was deactivated, still has dossier %(code)s on loan (request %(reference)s, due back "
    "on %(date)s)."
)


def on_loan_to(session: Session, user_id: int) -> list[UseRequestItem]:
    """Return the paper dossiers lent on the person's own requests and not back yet, the soonest due first."""
    return list(
        session.scalars(
            select(UseRequestItem)
            .join(UseRequestItem.request)
            .where(
                UseRequest.requester_id == user_id,
                UseRequestItem.lent_at.is_not(None),
                UseRequestItem.returned_at.is_(None),
            )
            .options(selectinload(UseRequestItem.dossier))
            .order_by(UseRequest.until, UseRequestItem.id)
        )
    )


def tell_of_leaver(session: Session, user_id: int, name: str, *, now: datetime) -> int:
    """Tell the archivists of the paper still lent to a person whose account was deactivated (the reminder of a
    loan past its day would tell only them, and they can no longer read it); return how many loans."""
    loans = on_loan_to(session, user_id)
    for item in loans:
        request = item.request
        notices.tell(
            session,
            notices.holders(session, request.organisation_id, Role.ARCHIVIST),
            "use_leaver",
            f"{item.id}:{now:%Y%m%d}",  # told again if the person comes back and leaves again
            STILL_LENT,
            now=now,
            subject=("use_request", request.id),
            name=name,
            code=item.dossier.file_code,
            reference=request.reference,
            date=f"{request.until:%d/%m/%Y}" if request.until else "",
        )
    return len(loans)


# ---------------------------------------------------------------- lists and the register


def mine(session: Session, actor: Actor) -> list[UseRequest]:
    """Return the requests the actor asked for or recorded, newest first."""
    query = (
        select(UseRequest)
        .where((UseRequest.requester_id == actor.user_id) | (UseRequest.recorded_by_id == actor.user_id))
        .options(selectinload(UseRequest.items))
        .order_by(UseRequest.requested_at.desc(), UseRequest.id.desc())
    )
    return list(session.scalars(query))


WAITS_FOR_DECISION = N_("Request %(reference)s to use %(count)s archived dossiers waits for your decision: %(purpose)s")


def waiting_for(session: Session, actor: Actor) -> list[notices.Waiting]:
    """The requests waiting for this head's decision, worded as their notice."""
    return [
        notices.Waiting(
            WAITS_FOR_DECISION,
            ("use_request", request.id),
            {"reference": request.reference, "count": len(request.items), "purpose": request.purpose},
        )
        for request in waiting(session, actor)
    ]


def waiting(session: Session, actor: Actor) -> list[UseRequest]:
    """Return the requests waiting for this head's decision, oldest first."""
    organisations = permissions.organisations_where(actor, "use.decide", org_wide=True)
    if not organisations:
        return []
    query = (
        select(UseRequest)
        .where(UseRequest.organisation_id.in_(organisations), UseRequest.state == UseRequestState.REQUESTED)
        .options(selectinload(UseRequest.items))
        .order_by(UseRequest.requested_at, UseRequest.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Register:
    """The register of requests of a year ("sổ đăng ký khai thác, sử dụng tài liệu") and its counts."""

    year: int
    requests: list[UseRequest]
    counts: dict[str, int]


def register(session: Session, actor: Actor, organisation_id: int, year: int, today: date) -> Register:
    """Return the year's requests, oldest first, with what the reports count of them."""
    _require_org_wide(actor, "use.register", organisation_id)
    requests = list(
        session.scalars(
            select(UseRequest)
            .where(UseRequest.organisation_id == organisation_id, UseRequest.year == year)
            .options(selectinload(UseRequest.items).selectinload(UseRequestItem.dossier))
            .order_by(UseRequest.number)
        )
    )
    return Register(year, requests, counts(requests, today))


def counts(requests: list[UseRequest], today: date) -> dict[str, int]:
    """Count requests by outcome, the dossiers served online and on paper, and the loans out and overdue."""
    items = [item for request in requests for item in served(request)]
    out = [item for item in items if item.lent_at is not None and item.returned_at is None]
    return {
        "requests": len(requests),
        "citizens": sum(request.requester_id is None for request in requests),
        "waiting": sum(request.state is UseRequestState.REQUESTED for request in requests),
        "approved": sum(request.state is UseRequestState.APPROVED for request in requests),
        "refused": sum(request.state is UseRequestState.REFUSED for request in requests),
        "online": sum(item.online for item in items),
        "lent": sum(item.lent_at is not None for item in items),
        "out": len(out),
        "overdue": sum(1 for item in out if item.request.until is not None and item.request.until < today),
    }


def reader_of(request: UseRequest) -> str:
    """Return who uses the records: the citizen's name, or the staff member's."""
    if request.requester is not None:
        return request.requester.full_name
    return request.reader_name
