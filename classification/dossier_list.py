"""The yearly dossier list ("Danh mục hồ sơ", NĐ 30/2020 Điều 28 and Phụ lục V).

The registry office builds a draft list of headings and entries (by hand, by copying last
year's forward, or by importing a spreadsheet: ``classification.spreadsheet``); the head approves
and issues it, after which it is read-only: what is added later is kept apart as an addition
(by the registry) or an ad-hoc entry ("hồ sơ phát sinh", by an officer), which the unit head
reviews. Assigning entries to units and people stays possible all year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase, Session

from erms import audit, metadata, notices, permissions, transitions
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import (
    AuditEvent,
    ClassificationHeading,
    Dossier,
    DossierList,
    DossierListEntry,
    EntryReview,
    RetentionRow,
    RoleMembership,
    Unit,
    User,
)
from erms.models.dossier_list import DossierListState
from erms.models.org import Role
from erms.permissions import Actor

# The head's comments on returning a list: a page of remarks at most.
RETURN_COMMENT_LENGTH = 4000
# Who is told that the year's list was issued: those who keep it and those who open its dossiers.
LIST_READERS = (Role.REGISTRY, Role.OFFICER, Role.UNIT_HEAD)

# What the head is told when a list waits for approval, and the registry while the year's list is not approved.
WAITS_FOR_APPROVAL = N_("The dossier list of %(year)s waits for your approval.")
NOT_APPROVED = N_("The dossier list of %(year)s is not approved yet: prepare it for the head's approval.")
NOT_MADE = N_("The dossier list of %(year)s is not made yet: make it, then send it for the head's approval.")
NOTATION_TAKEN = N_("The file notation %(notation)s is already used in this list.")
REFUSALS = {"responsible_user_id": N_("Choose a person who works in that unit.")}
# A year joined to another by a dash or "đến" is one end of a period of several years.
PERIOD_AFTER = re.compile(r"\s*(?:[-–—]|đến)\s*\d{4}")
PERIOD_BEFORE = re.compile(r"\d{4}\s*(?:[-–—]|đến)\s*$")


def create_list(session: Session, actor: Actor, organisation_id: int, year: int, *, now: datetime) -> DossierList:
    """Create the draft list of ``year``; one list per organisation per year."""
    permissions.require(actor, "dossier_list.manage", organisation_id)
    exists = session.scalar(
        select(DossierList.id).where(DossierList.organisation_id == organisation_id, DossierList.year == year)
    )
    if exists:
        raise RuleViolation(N_("The dossier list of %(year)s already exists."), year=year)
    dossier_list = DossierList(organisation_id=organisation_id, year=year, created_at=now)
    session.add(dossier_list)
    session.flush()
    audit.record(session, actor, "dossier_list.created", "dossier_list", dossier_list.id, now=now, year=year)
    return dossier_list


def add_heading(
    session: Session,
    actor: Actor,
    list_id: int,
    label: str,
    title: str,
    *,
    abbreviation: str = "",
    parent_id: int | None = None,
    now: datetime,
) -> ClassificationHeading:
    """Add a heading ("đề mục"): top level numbered I, II … with an abbreviation; sub-headings 1, 2 …"""
    dossier_list = draft_list(session, actor, list_id)
    text = checked_text(ClassificationHeading, label=label, title=title, abbreviation=abbreviation)
    label, title, abbreviation = text["label"], text["title"], text["abbreviation"]
    order = session.scalar(select(func.count()).where(ClassificationHeading.dossier_list_id == list_id))
    heading = ClassificationHeading(
        dossier_list_id=list_id,
        parent_id=parent_id,
        label=label,
        title=title,
        abbreviation=abbreviation,
        sort_order=order,
    )
    session.add(heading)
    session.flush()
    audit.record(
        session, actor, "dossier_list.heading_added", "dossier_list", dossier_list.id, now=now, label=label, title=title
    )
    return heading


def add_entry(
    session: Session,
    actor: Actor,
    list_id: int,
    *,
    title: str,
    unit_id: int,
    retention_row_id: int | None,
    heading_id: int | None = None,
    file_notation: str = "",
    responsible_user_id: int | None = None,
    note: str = "",
    now: datetime,
    period: tuple[bool, int | None, str] | None = None,
) -> DossierListEntry:
    """Add a planned dossier; on an approved list it is kept as an addition made after approval."""
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.manage", dossier_list.organisation_id)
    text = checked_text(DossierListEntry, title=title, file_notation=file_notation, note=note)
    title, file_notation, note = text["title"], text["file_notation"], text["note"]
    entry = _new_entry(
        session,
        dossier_list,
        title=title,
        unit_id=unit_id,
        retention_row_id=retention_row_id,
        heading_id=heading_id,
        file_notation=file_notation,
        responsible_user_id=responsible_user_id,
        note=note,
        created_by=actor,
        now=now,
        period=period,
    )
    _record_added(session, actor, entry, now, addition=is_addition(entry))
    return entry


def _record_added(session: Session, actor: Actor, entry: DossierListEntry, now: datetime, **details) -> None:
    audit.record(
        session,
        actor,
        "dossier_list.entry_added",
        "dossier_list_entry",
        entry.id,
        now=now,
        file_notation=entry.file_notation,
        title=entry.title,
        **details,
    )


def is_addition(entry: DossierListEntry) -> bool:
    """Return True for an entry added after its list was approved (registry addition or ad-hoc)."""
    approved_at = entry.dossier_list.approved_at
    return approved_at is not None and entry.created_at > approved_at


def add_ad_hoc_entry(
    session: Session,
    actor: Actor,
    list_id: int,
    *,
    title: str,
    retention_row_id: int,
    heading_id: int | None = None,
    now: datetime,
) -> DossierListEntry:
    """Add a "hồ sơ phát sinh" to an approved list for the officer's own unit, flagged for review."""
    # Another organisation's list is as one that does not exist (its state is not told either).
    dossier_list = get_list(session, actor, list_id)
    if dossier_list.state is not DossierListState.APPROVED:
        raise RuleViolation(N_("Ad-hoc dossiers are added to an approved dossier list."))
    # The officer's own unit in the list's organisation (one who works for two agencies has a unit in each).
    units = set(
        session.scalars(
            select(Unit.id).where(
                Unit.id.in_(actor.unit_ids(Role.OFFICER, Role.UNIT_HEAD)),
                Unit.organisation_id == dossier_list.organisation_id,
            )
        )
    )
    if not units:
        raise PermissionDenied()
    title = checked_text(DossierListEntry, title=title)["title"]
    entry = _new_entry(
        session,
        dossier_list,
        title=title,
        unit_id=min(units),
        retention_row_id=retention_row_id,
        heading_id=heading_id,
        file_notation="",
        responsible_user_id=actor.user_id,
        note="",
        created_by=actor,
        now=now,
        ad_hoc=True,
    )
    audit.record(
        session,
        actor,
        "dossier_list.ad_hoc_entry_added",
        "dossier_list_entry",
        entry.id,
        now=now,
        file_notation=entry.file_notation,
        title=title,
    )
    return entry


def waiting_for(session: Session, actor: Actor, year: int) -> list[notices.Waiting]:
    """The lists waiting for this head's approval, and (for those who prepare them) the list of ``year`` while it is
    not approved: NĐ 30/2020 Điều 28 wants it issued at the start of the year."""
    approving = permissions.organisations_where(actor, "dossier_list.approve", org_wide=True)
    preparing = permissions.organisations_where(actor, "dossier_list.manage", org_wide=True)
    if not approving and not preparing:
        return []
    query = select(DossierList).where(
        (DossierList.organisation_id.in_(approving) & (DossierList.state == DossierListState.SUBMITTED))
        | (DossierList.organisation_id.in_(preparing) & (DossierList.year == year))
    )
    lists = list(session.scalars(query.order_by(DossierList.year, DossierList.id)))
    waiting = [
        notices.Waiting(WAITS_FOR_APPROVAL, ("dossier_list", each.id), {"year": each.year})
        for each in lists
        if each.organisation_id in approving and each.state is DossierListState.SUBMITTED
    ]
    this_year = {each.organisation_id: each for each in lists if each.year == year}
    for organisation_id in preparing:
        found = this_year.get(organisation_id)
        if found is None:
            waiting.append(notices.Waiting(NOT_MADE, None, {"year": year}))
        elif found.state is DossierListState.DRAFT:
            waiting.append(notices.Waiting(NOT_APPROVED, ("dossier_list", found.id), {"year": year}))
    return waiting


def submit_for_approval(session: Session, actor: Actor, list_id: int, *, now: datetime) -> DossierList:
    """Send the draft list to the head for approval ("trình duyệt"); it is read-only while it waits."""
    _lock(session, list_id)  # the state is read and moved by one person at a time
    dossier_list = draft_list(session, actor, list_id)
    if not dossier_list.entries:
        raise RuleViolation(N_("An empty dossier list cannot be approved."))
    transitions.move(dossier_list, transitions.DOSSIER_LIST, "submit")
    dossier_list.submitted_by_id, dossier_list.submitted_at = actor.user_id, now
    audit.record(session, actor, "dossier_list.submitted", "dossier_list", list_id, now=now, year=dossier_list.year)
    notices.tell_role(
        session,
        dossier_list.organisation_id,
        Role.HEAD,
        "dossier_list_submitted",
        f"{list_id}:{_returns(session, list_id)}",
        WAITS_FOR_APPROVAL,
        now=now,
        subject=("dossier_list", list_id),
        year=dossier_list.year,
    )
    return dossier_list


def _returns(session: Session, list_id: int) -> int:
    """Return how many times the list was returned: each sending and each return is told once per round."""
    returned = select(func.count()).where(
        AuditEvent.action == "dossier_list.returned",
        AuditEvent.subject_type == "dossier_list",
        AuditEvent.subject_id == list_id,
    )
    return session.execute(returned).scalar_one()


def return_list(session: Session, actor: Actor, list_id: int, comment: str, *, now: datetime) -> DossierList:
    """Return a list sent for approval to the registry with the head's comments; it becomes a draft again."""
    _lock(session, list_id)  # the state is read and moved by one person at a time
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.approve", dossier_list.organisation_id)
    if dossier_list.state is not DossierListState.SUBMITTED:
        raise RuleViolation(N_("Only a list sent for approval can be returned."))
    comment = metadata.check_text({"comment": comment.strip()}, {"comment": RETURN_COMMENT_LENGTH})["comment"]
    if not comment:
        raise InvalidMetadata([Problem("comment", N_("Say what must change before the list is approved."))])
    transitions.move(dossier_list, transitions.DOSSIER_LIST, "return")
    dossier_list.return_comment, dossier_list.returned_by_id, dossier_list.returned_at = comment, actor.user_id, now
    year, round_number = dossier_list.year, _returns(session, list_id)
    audit.record(session, actor, "dossier_list.returned", "dossier_list", list_id, now=now, year=year, reason=comment)
    told = notices.holders(session, dossier_list.organisation_id, Role.REGISTRY)
    if dossier_list.submitted_by_id is not None:
        told.add(dossier_list.submitted_by_id)
    notices.tell(
        session,
        told,
        "dossier_list_returned",
        f"{list_id}:{round_number}",
        N_("The head returned the dossier list of %(year)s: %(comment)s"),
        now=now,
        subject=("dossier_list", list_id),
        year=dossier_list.year,
        comment=comment,
    )
    return dossier_list


def approve(
    session: Session,
    actor: Actor,
    list_id: int,
    decision_ref: str,
    *,
    now: datetime,
    decision_date: date | None = None,
) -> DossierList:
    """Approve and issue the list (the head's decision, numbered and dated: the day of ``now`` unless given); it
    becomes read-only."""
    _lock(session, list_id)  # the state is read and moved by one person at a time
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.approve", dossier_list.organisation_id)
    if dossier_list.state is DossierListState.APPROVED:
        raise RuleViolation(N_("The dossier list of %(year)s is already approved."), year=dossier_list.year)
    if not dossier_list.entries:
        raise RuleViolation(N_("An empty dossier list cannot be approved."))
    decision_ref = checked_text(DossierList, decision_ref=decision_ref)["decision_ref"]
    today = now.astimezone(LOCAL_TZ).date()
    if decision_date is not None and decision_date > today:
        raise InvalidMetadata([Problem("decision_date", N_("The decision cannot be dated after today."))])
    if decision_date is not None and decision_date.year < dossier_list.year - 1:
        # A year's list is issued at the start of its year, or late in the one before.
        earliest = {"year": dossier_list.year - 1}
        raise InvalidMetadata([Problem("decision_date", N_("The decision is dated in %(year)s or later."), earliest)])
    transitions.move(dossier_list, transitions.DOSSIER_LIST, "approve")
    dossier_list.decision_ref = decision_ref
    dossier_list.decision_date = decision_date or today
    dossier_list.return_comment = ""
    dossier_list.approved_by_id = actor.user_id
    dossier_list.approved_at = now
    audit.record(
        session,
        actor,
        "dossier_list.approved",
        "dossier_list",
        list_id,
        now=now,
        year=dossier_list.year,
        decision_ref=decision_ref,
        entries=len(dossier_list.entries),
    )
    organisation_id = dossier_list.organisation_id
    told = set().union(*(notices.holders(session, organisation_id, role) for role in LIST_READERS))
    notices.tell(
        session,
        told - {actor.user_id},
        "dossier_list_approved",
        str(list_id),
        N_("The dossier list of %(year)s was approved: its dossiers can be opened."),
        now=now,
        subject=("dossier_list", list_id),
        year=dossier_list.year,
    )
    return dossier_list


# ---------------------------------------------------------------- past records taken in (intake)

# The list of a year nobody kept in ERMS: issued on paper then, recorded now as it stands in the records taken in.
PAST_LIST_NOTE = "Ghi nhận khi tiếp nhận hồ sơ"


def past_list(session: Session, actor: Actor, organisation_id: int, year: int, *, now: datetime) -> DossierList:
    """Return the list of ``year`` to take past dossiers into, recording it (approved: it was issued when its year
    began, on paper) if ERMS never held one."""
    permissions.require(actor, "records.import", organisation_id)
    found = session.scalar(
        select(DossierList).where(DossierList.organisation_id == organisation_id, DossierList.year == year)
    )
    if found is not None:
        return found
    dossier_list = DossierList(
        organisation_id=organisation_id,
        year=year,
        state=DossierListState.DRAFT,
        created_at=now,
        decision_ref=PAST_LIST_NOTE,
    )
    session.add(dossier_list)
    transitions.move(dossier_list, transitions.DOSSIER_LIST, "record_past")
    dossier_list.approved_by_id, dossier_list.approved_at = actor.user_id, now
    session.flush()
    audit.record(
        session, actor, "dossier_list.recorded_from_intake", "dossier_list", dossier_list.id, now=now, year=year
    )
    return dossier_list


def past_entry(
    session: Session,
    actor: Actor,
    dossier_list: DossierList,
    *,
    title: str,
    unit_id: int,
    file_notation: str,
    retention_row_id: int | None,
    period: tuple[bool, int | None, str],
    now: datetime,
) -> DossierListEntry:
    """Return the list's entry of ``file_notation`` for a past dossier taken in: the planned one if the list has it,
    else one added (and audited) as the records show it."""
    permissions.require(actor, "records.import", dossier_list.organisation_id)
    found = session.scalar(
        select(DossierListEntry).where(
            DossierListEntry.dossier_list_id == dossier_list.id, DossierListEntry.file_notation == file_notation
        )
    )
    if found is not None:
        return found
    entry = _new_entry(
        session,
        dossier_list,
        title=title,
        unit_id=unit_id,
        retention_row_id=retention_row_id,
        heading_id=None,
        file_notation=file_notation,
        responsible_user_id=None,
        note="",
        created_by=actor,
        now=now,
        period=period,
    )
    _record_added(session, actor, entry, now, intake=True)
    return entry


def checked_text(model: type[DeclarativeBase], **values: str) -> dict[str, str]:
    """Return the free-text values normalised, or raise InvalidMetadata naming each one that holds a control
    character or is longer than its column of ``model``."""
    return metadata.check_text(values, {name: metadata.column_length(model, name) for name in values})


def _lock(session: Session, list_id: int) -> None:
    """Hold the list's row until the transaction ends (PostgreSQL; SQLite's writers take turns already)."""
    session.get(DossierList, list_id, with_for_update=True)


def _get(session: Session, list_id: int) -> DossierList:
    dossier_list = session.get(DossierList, list_id)
    if dossier_list is None:
        raise NotFound()
    return dossier_list


def draft_list(session: Session, actor: Actor, list_id: int) -> DossierList:
    """Return a draft list the actor may change; an approved one is read-only."""
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.manage", dossier_list.organisation_id)
    if dossier_list.state is DossierListState.SUBMITTED:
        raise RuleViolation(N_("The dossier list waits for the head's approval: it changes only if it is returned."))
    if dossier_list.state is not DossierListState.DRAFT:
        raise RuleViolation(N_("An approved dossier list is read-only."))
    return dossier_list


def _new_entry(
    session: Session,
    dossier_list: DossierList,
    *,
    title: str,
    unit_id: int,
    retention_row_id: int | None,
    heading_id: int | None,
    file_notation: str,
    responsible_user_id: int | None,
    note: str,
    created_by: Actor,
    now: datetime,
    ad_hoc: bool = False,
    period: tuple[bool, int | None, str] | None = None,
) -> DossierListEntry:
    """Add an entry numbered next; ``period`` (permanent, years, condition) overrides the row's. An entry given
    no heading goes under its unit's usual one, so that every notation carries a heading's abbreviation."""
    if heading_id is None:
        heading_id = _usual_heading(session, dossier_list, unit_id)
    _check_references(
        session,
        dossier_list,
        unit_id=unit_id,
        heading_id=heading_id,
        responsible_user_id=responsible_user_id,
        retention_row_id=retention_row_id,
    )
    row = session.get(RetentionRow, retention_row_id) if retention_row_id else None
    if period is None:
        period = (row.permanent, row.period_years, row.condition) if row else (False, None, "")
    # Two people adding at once take the next number in turn: PostgreSQL holds the list's row until the first
    # commits (SQLite's writers take turns already), instead of both taking the same number and one failing.
    session.execute(select(DossierList.id).where(DossierList.id == dossier_list.id).with_for_update())
    number = (
        session.scalar(
            select(func.max(DossierListEntry.number)).where(DossierListEntry.dossier_list_id == dossier_list.id)
        )
        or 0
    ) + 1
    notation = file_notation or _notation(session, number, heading_id)
    if session.scalar(
        select(DossierListEntry.id).where(
            DossierListEntry.dossier_list_id == dossier_list.id, DossierListEntry.file_notation == notation
        )
    ):
        raise RuleViolation(NOTATION_TAKEN, notation=notation)
    entry = DossierListEntry(
        dossier_list_id=dossier_list.id,
        heading_id=heading_id,
        number=number,
        file_notation=notation,
        title=title,
        retention_row_id=row.id if row else None,
        retention_permanent=period[0],
        retention_years=period[1],
        retention_condition=period[2],
        unit_id=unit_id,
        responsible_user_id=responsible_user_id,
        note=note,
        ad_hoc=ad_hoc,
        created_by_id=created_by.user_id,
        created_at=now,
    )
    dossier_list.entries.append(entry)
    session.flush()
    return entry


CLOSED_UNIT = N_("This unit has been closed: choose one that works now.")


def _check_unit(unit: Unit | None, organisation_id: int) -> Unit:
    """Refuse a unit of another organisation, or one closed (giải thể): nobody there forms its dossiers."""
    if unit is None or unit.organisation_id != organisation_id:
        raise RuleViolation(N_("The unit does not belong to this organisation."))
    if not unit.active:
        raise RuleViolation(CLOSED_UNIT)
    return unit


def _check_references(
    session: Session,
    dossier_list: DossierList,
    *,
    unit_id: int,
    heading_id: int | None,
    responsible_user_id: int | None,
    retention_row_id: int | None,
) -> None:
    """Refuse what an entry of this list cannot name: a unit of another organisation, a heading of another
    list, a person who does not work here, a retention row that does not exist or belongs to another organisation's
    own table (only the organisation's tables and the common ones count, as ``spreadsheet.row_of_code`` reads them;
    each on its form field)."""
    _check_unit(session.get(Unit, unit_id), dossier_list.organisation_id)
    heading = session.get(ClassificationHeading, heading_id) if heading_id else None
    row = session.get(RetentionRow, retention_row_id) if retention_row_id else None
    wrong = {
        "heading_id": heading_id and (heading is None or heading.dossier_list_id != dossier_list.id),
        "responsible_user_id": responsible_user_id is not None
        and not _forms_in(session, responsible_user_id, dossier_list.organisation_id, unit_id),
        "retention_row_id": retention_row_id
        and (row is None or row.schedule.organisation_id not in (None, dossier_list.organisation_id)),
    }
    problems = [
        Problem(field, REFUSALS.get(field, metadata.MESSAGES["enum"])) for field, refused in wrong.items() if refused
    ]
    if problems:
        raise InvalidMetadata(problems)


def _usual_heading(session: Session, dossier_list: DossierList, unit_id: int) -> int | None:
    """Return the heading most of the unit's entries of the list stand under, else the list's first top heading."""
    used = session.execute(
        select(DossierListEntry.heading_id, func.count())
        .where(
            DossierListEntry.dossier_list_id == dossier_list.id,
            DossierListEntry.unit_id == unit_id,
            DossierListEntry.heading_id.is_not(None),
        )
        .group_by(DossierListEntry.heading_id)
        .order_by(func.count().desc(), DossierListEntry.heading_id)
        .limit(1)
    ).first()
    if used is not None:
        return used[0]
    return session.scalar(
        select(ClassificationHeading.id)
        .where(ClassificationHeading.dossier_list_id == dossier_list.id, ClassificationHeading.parent_id.is_(None))
        .order_by(ClassificationHeading.sort_order, ClassificationHeading.id)
        .limit(1)
    )


def _forms_in(session: Session, user_id: int, organisation_id: int, unit_id: int) -> bool:
    """Return True if the user is active and forms dossiers in the unit (an officer or the unit's head)."""
    return (
        session.scalar(
            select(User.id)
            .join(User.memberships)
            .where(
                User.id == user_id,
                User.active.is_(True),
                RoleMembership.organisation_id == organisation_id,
                RoleMembership.unit_id == unit_id,
                RoleMembership.role.in_((Role.OFFICER, Role.UNIT_HEAD)),
            )
            .limit(1)
        )
        is not None
    )


def _notation(session: Session, number: int, heading_id: int | None) -> str:
    """Return "NN.ABBR": the number, then the abbreviation of the top heading (NĐ 30 Phụ lục V I.2)."""
    abbreviation = ""
    heading = session.get(ClassificationHeading, heading_id) if heading_id else None
    while heading is not None:
        abbreviation = heading.abbreviation or abbreviation
        heading = session.get(ClassificationHeading, heading.parent_id) if heading.parent_id else None
    return f"{number:02d}.{abbreviation}" if abbreviation else f"{number:02d}"


# ---------------------------------------------------------------- copy forward, assignment, review


def copy_forward(session: Session, actor: Actor, organisation_id: int, year: int, *, now: datetime) -> DossierList:
    """Create the draft list of ``year`` from last year's: headings, entries, retention, units, people.

    Lists arrive late in practice (thesis, chương 2): starting from last year's plan is the quick
    way to have one at the start of the year (NĐ 30 Điều 28). Entries are renumbered in order and
    last year's number in a title becomes the new year; ad-hoc entries come along only if their
    unit head accepted them.
    """
    previous = session.scalar(
        select(DossierList).where(DossierList.organisation_id == organisation_id, DossierList.year == year - 1)
    )
    if previous is None:
        raise RuleViolation(N_("There is no dossier list of %(year)s to copy from."), year=year - 1)
    dossier_list = create_list(session, actor, organisation_id, year, now=now)
    headings = _copy_headings(session, previous, dossier_list)
    copied = [entry for entry in previous.entries if not entry.ad_hoc or _accepted(session, entry)]
    for entry in copied:
        heading_id = headings.get(entry.heading_id) if entry.heading_id is not None else None
        # Someone who has left since last year forms no dossier this year: the entry stays with the unit.
        person = entry.responsible_user_id
        if person is not None and not _forms_in(session, person, organisation_id, entry.unit_id):
            person = None
        _new_entry(
            session,
            dossier_list,
            title=_next_year(entry.title, year),
            unit_id=entry.unit_id,
            retention_row_id=entry.retention_row_id,
            heading_id=heading_id,
            file_notation="",
            responsible_user_id=person,
            note=entry.note,
            created_by=actor,
            now=now,
            period=(entry.retention_permanent, entry.retention_years, entry.retention_condition),
        )
    audit.record(
        session,
        actor,
        "dossier_list.copied_forward",
        "dossier_list",
        dossier_list.id,
        now=now,
        source_year=year - 1,
        entries=len(copied),
    )
    return dossier_list


def _next_year(title: str, year: int) -> str:
    """Return a title with last year's number replaced by the new year ("… năm 2025" → "… năm 2026"); a year that
    bounds a period of several years ("giai đoạn 2026-2031") names that period and stays."""

    def replace(found: re.Match) -> str:
        before, after = title[: found.start()], title[found.end() :]
        in_period = PERIOD_AFTER.match(after) or PERIOD_BEFORE.search(before)
        return found.group(0) if in_period else str(year)

    return re.sub(rf"(?<!\d){year - 1}(?!\d)", replace, title)


def _copy_headings(session: Session, previous: DossierList, target: DossierList) -> dict[int, int]:
    """Copy the headings in order, parents before children; return old id -> new id."""
    mapping: dict[int, int] = {}
    for heading in previous.headings:
        copy = ClassificationHeading(
            dossier_list_id=target.id,
            parent_id=mapping.get(heading.parent_id) if heading.parent_id is not None else None,
            label=heading.label,
            abbreviation=heading.abbreviation,
            title=heading.title,
            sort_order=heading.sort_order,
        )
        session.add(copy)
        session.flush()
        mapping[heading.id] = copy.id
    return mapping


def _accepted(session: Session, entry: DossierListEntry) -> bool:
    return bool(session.scalar(select(EntryReview.accepted).where(EntryReview.entry_id == entry.id)))


# How the assignment is named where a conflict lists what differs.
ASSIGNMENT = "Đơn vị, người lập hồ sơ"


def assign_entry(
    session: Session,
    actor: Actor,
    entry_id: int,
    unit_id: int,
    responsible_user_id: int | None,
    *,
    now: datetime,
    seen_revision: int | None = None,
) -> DossierListEntry:
    """Give an entry to a unit and (optionally) the person who will form the dossier ("người lập hồ sơ");
    ``seen_revision`` is the entry's revision the form showed (a save over a later one is a conflict)."""
    entry = _entry(session, entry_id)
    permissions.require(actor, "dossier_list.manage", entry.dossier_list.organisation_id)
    if seen_revision is not None and seen_revision != entry.revision:
        changed = (entry.unit_id, entry.responsible_user_id) != (unit_id, responsible_user_id)
        raise audit.conflict(session, "dossier_list_entry", entry.id, [ASSIGNMENT] if changed else [])
    unit = _check_unit(session.get(Unit, unit_id), entry.dossier_list.organisation_id)
    if responsible_user_id is not None and not _forms_in(session, responsible_user_id, unit.organisation_id, unit.id):
        raise InvalidMetadata([Problem("responsible_user_id", REFUSALS["responsible_user_id"])])
    before = (entry.unit_id, entry.responsible_user_id)
    entry.unit_id, entry.responsible_user_id = unit_id, responsible_user_id
    audit.record(
        session,
        actor,
        "dossier_list.entry_assigned",
        "dossier_list_entry",
        entry.id,
        now=now,
        unit_before=before[0],
        person_before=before[1],
        unit=unit_id,
        person=responsible_user_id,
    )
    return entry


def change_entry(
    session: Session,
    actor: Actor,
    entry_id: int,
    *,
    title: str,
    retention_row_id: int | None,
    period: tuple[bool, int | None, str],
    note: str,
    seen_revision: int | None,
    now: datetime,
) -> DossierListEntry:
    """Correct an entry of a draft list: its title, retention and note (its unit and person: ``assign_entry``)."""
    entry = draft_entry(session, actor, entry_id, seen_revision)
    text = checked_text(DossierListEntry, title=title, note=note)
    if not text["title"]:
        raise InvalidMetadata([Problem("title", metadata.MESSAGES["required"])])
    _check_references(
        session, entry.dossier_list, unit_id=entry.unit_id, heading_id=entry.heading_id,
        responsible_user_id=entry.responsible_user_id, retention_row_id=retention_row_id,
    )  # fmt: skip
    before = {"title": entry.title, "retention": _retention(entry), "note": entry.note}
    entry.title, entry.note, entry.retention_row_id = text["title"], text["note"], retention_row_id
    entry.retention_permanent, entry.retention_years, entry.retention_condition = period
    after = {"title": entry.title, "retention": _retention(entry), "note": entry.note}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record(session, actor, "dossier_list.entry_changed", "dossier_list_entry", entry.id, now=now, changed=changed)
    return entry


def remove_entry(
    session: Session, actor: Actor, entry_id: int, *, seen_revision: int | None, now: datetime
) -> DossierList:
    """Take an entry out of a draft list (planned by mistake, or twice); the entries after it move up one number,
    their notations with them unless given by hand. Returns the list."""
    entry = draft_entry(session, actor, entry_id, seen_revision)
    dossier_list = entry.dossier_list
    _lock(session, dossier_list.id)  # numbers move: nobody adds one meanwhile
    audit.record(
        session, actor, "dossier_list.entry_removed", "dossier_list_entry", entry.id, now=now,
        file_notation=entry.file_notation, title=entry.title,
    )  # fmt: skip
    gone = entry.number
    dossier_list.entries.remove(entry)
    session.delete(entry)
    session.flush()
    for later in sorted((e for e in dossier_list.entries if e.number > gone), key=lambda e: e.number):
        generated = later.file_notation == _notation(session, later.number, later.heading_id)
        later.number -= 1
        if generated:
            later.file_notation = _notation(session, later.number, later.heading_id)
        session.flush()  # one at a time: each takes the notation the one before has just left
    return dossier_list


def _retention(entry: DossierListEntry) -> list:
    """The entry's retention as the audit log keeps it: permanent, years, condition."""
    return [entry.retention_permanent, entry.retention_years, entry.retention_condition]


def draft_entry(session: Session, actor: Actor, entry_id: int, seen_revision: int | None) -> DossierListEntry:
    """An entry of a draft list the actor manages, as the form showed it (a later save is a conflict)."""
    entry = _entry(session, entry_id)
    draft_list(session, actor, entry.dossier_list_id)
    if seen_revision is not None and seen_revision != entry.revision:
        raise audit.conflict(session, "dossier_list_entry", entry.id, [])
    return entry


def review_entry(
    session: Session, actor: Actor, entry_id: int, accepted: bool, note: str = "", *, now: datetime
) -> EntryReview:
    """Record the unit head's review of an ad-hoc entry: accepted into the plan, or not (saying why: a dossier not
    opened yet is then not opened from it). Whoever asked for it and whoever forms it are told either way."""
    entry = _entry(session, entry_id)
    permissions.require(actor, "dossier_list.review", entry.dossier_list.organisation_id, entry.unit_id)
    if not entry.ad_hoc:
        raise RuleViolation(N_("Only ad-hoc dossiers are reviewed."))
    if session.scalar(select(EntryReview.id).where(EntryReview.entry_id == entry_id)):
        raise RuleViolation(N_("This ad-hoc dossier has already been reviewed."))
    note = checked_text(EntryReview, note=note)["note"]
    if not accepted and not note:
        raise InvalidMetadata([Problem("note", NO_REASON)])
    review = EntryReview(entry_id=entry_id, accepted=accepted, note=note, reviewed_by_id=actor.user_id, reviewed_at=now)
    session.add(review)
    session.flush()
    _tell_reviewed(session, entry, review, now=now)
    audit.record(
        session,
        actor,
        "dossier_list.entry_reviewed",
        "dossier_list_entry",
        entry_id,
        now=now,
        accepted=accepted,
        note=review.note,
    )
    return review


NO_REASON = N_("Say why the ad-hoc dossier is not accepted: the officer who asked for it reads it.")
REVIEWED = {
    True: N_('The unit head accepted the ad-hoc dossier %(notation)s "%(title)s".'),
    False: N_('The unit head did not accept the ad-hoc dossier %(notation)s "%(title)s": %(note)s'),
}


def _tell_reviewed(session: Session, entry: DossierListEntry, review: EntryReview, *, now: datetime) -> None:
    """Tell whoever asked for the ad-hoc dossier and whoever forms it how the unit head decided, with the note."""
    people = {entry.created_by_id, entry.responsible_user_id} - {None, review.reviewed_by_id}
    notices.tell(
        session,
        (person for person in people if person is not None),
        "entry_reviewed",
        f"entry:{entry.id}",
        REVIEWED[review.accepted],
        now=now,
        subject=("dossier_list", entry.dossier_list_id),
        notation=entry.file_notation,
        title=entry.title,
        note=review.note,
    )


def pending_reviews(session: Session, actor: Actor) -> list[DossierListEntry]:
    """Return the ad-hoc entries of the actor's units (as unit head) that wait for a review."""
    units = actor.unit_ids(Role.UNIT_HEAD)
    reviewed = select(EntryReview.entry_id)
    query = (
        select(DossierListEntry)
        .where(
            DossierListEntry.ad_hoc.is_(True), DossierListEntry.unit_id.in_(units), DossierListEntry.id.not_in(reviewed)
        )
        .order_by(DossierListEntry.created_at, DossierListEntry.id)
    )
    return list(session.scalars(query))


def _entry(session: Session, entry_id: int) -> DossierListEntry:
    entry = session.get(DossierListEntry, entry_id)
    if entry is None:
        raise NotFound()
    return entry


# ---------------------------------------------------------------- reading


def lists_of(session: Session, actor: Actor, organisation_id: int) -> list[DossierList]:
    """Return every dossier list of the organisation, if it is one of the actor's, newest year first."""
    if organisation_id not in actor.organisation_ids():
        return []
    query = select(DossierList).where(DossierList.organisation_id == organisation_id).order_by(DossierList.year.desc())
    return list(session.scalars(query))


def get_list(session: Session, actor: Actor, list_id: int) -> DossierList:
    """Return a dossier list of one of the actor's organisations."""
    dossier_list = _get(session, list_id)
    if dossier_list.organisation_id not in actor.organisation_ids():
        raise NotFound()
    return dossier_list


def lists_page(session: Session, actor: Actor, page: int, per_page: int) -> tuple[list[DossierList], int]:
    """Return one page of the dossier lists of the actor's organisations, newest year first, and their total."""
    query = select(DossierList).where(DossierList.organisation_id.in_(actor.organisation_ids()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(DossierList.year.desc(), DossierList.id.desc())
    return list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page))), total


def entries_page(
    session: Session, actor: Actor, list_id: int, page: int, per_page: int
) -> tuple[list[DossierListEntry], int]:
    """Return one page of a dossier list's entries, in their order, and their total."""
    get_list(session, actor, list_id)
    query = select(DossierListEntry).where(DossierListEntry.dossier_list_id == list_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(DossierListEntry.number, DossierListEntry.id)
    return list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page))), total


def list_of_year(session: Session, actor: Actor, year: int) -> DossierList:
    """Return the list of ``year`` of the actor's organisation."""
    found = session.scalar(
        select(DossierList).where(DossierList.organisation_id.in_(actor.organisation_ids()), DossierList.year == year)
    )
    if found is None:
        raise NotFound(N_("There is no dossier list of %(year)s."), year=year)
    return found


@dataclass(frozen=True)
class UnitProgress:
    """One line of the dashboard: a unit's entries in this year's list and how many have a dossier."""

    unit: Unit
    entries: int
    with_dossier: int


@dataclass(frozen=True)
class Dashboard:
    """Whether this year's list exists and is approved, and each unit's progress in it."""

    year: int
    dossier_list: DossierList | None
    units: list[UnitProgress]


def dashboard(session: Session, actor: Actor, organisation_id: int, year: int) -> Dashboard:
    """Return, per unit, the entries of ``year``'s list and how many of them already have a dossier."""
    if organisation_id not in actor.organisation_ids():
        raise NotFound()
    dossier_list = session.scalar(
        select(DossierList).where(DossierList.organisation_id == organisation_id, DossierList.year == year)
    )
    units = session.scalars(select(Unit).where(Unit.organisation_id == organisation_id).order_by(Unit.code))
    counts: dict[int, tuple[int, int]] = {}
    if dossier_list is not None:
        query = (
            select(DossierListEntry.unit_id, func.count(DossierListEntry.id), func.count(Dossier.id))
            .outerjoin(Dossier, Dossier.entry_id == DossierListEntry.id)
            .where(DossierListEntry.dossier_list_id == dossier_list.id)
            .group_by(DossierListEntry.unit_id)
        )
        counts = {unit_id: (entries, opened) for unit_id, entries, opened in session.execute(query)}
    return Dashboard(year, dossier_list, [UnitProgress(unit, *counts.get(unit.id, (0, 0))) for unit in units])


def units_of(session: Session, organisation_id: int) -> list[Unit]:
    """Return the working units of an organisation (not the closed ones), for assigning entries and sending
    documents."""
    working = select(Unit).where(Unit.organisation_id == organisation_id, Unit.active.is_(True))
    return list(session.scalars(working.order_by(Unit.code)))


def people(session: Session, organisation_id: int) -> tuple[list[Unit], list[User]]:
    """Return the units and the active people of an organisation (a dossier may be shared with any of them)."""
    users = session.scalars(
        select(User)
        .join(User.memberships)
        .where(RoleMembership.organisation_id == organisation_id, User.active.is_(True))
        .distinct()
        .order_by(User.full_name)
    )
    return units_of(session, organisation_id), list(users)
