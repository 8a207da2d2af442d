"""The yearly dossier list ("Danh mục hồ sơ", NĐ 30/2020 Điều 28 and Phụ lục V).

The registry office builds a draft list of headings and entries; the head approves and issues
it, after which it is read-only except for ad-hoc entries ("hồ sơ phát sinh") that officers add
during the year, flagged for their unit head's review.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, permissions
from erms.errors import N_, NotFound, PermissionDenied, RuleViolation
from erms.models import ClassificationHeading, DossierList, DossierListEntry, RetentionRow, Unit
from erms.models.dossier_list import DossierListState
from erms.models.org import Role
from erms.permissions import Actor


def create_list(session: Session, actor: Actor, organisation_id: int, year: int, *, now: datetime) -> DossierList:
    """Create the draft list of ``year``; one list per organisation per year."""
    permissions.require(actor, "dossier_list.manage", organisation_id)
    exists = session.scalar(select(DossierList.id).where(
        DossierList.organisation_id == organisation_id, DossierList.year == year))
    if exists:
        raise RuleViolation(N_("The dossier list of %(year)s already exists."), year=year)
    dossier_list = DossierList(organisation_id=organisation_id, year=year, created_at=now)
    session.add(dossier_list)
    session.flush()
    audit.record(session, actor, "dossier_list.created", "dossier_list", dossier_list.id, now=now, year=year)
    return dossier_list


def add_heading(session: Session, actor: Actor, list_id: int, label: str, title: str, *,
                abbreviation: str = "", parent_id: int | None = None, now: datetime) -> ClassificationHeading:
    """Add a heading ("đề mục"): top level numbered I, II … with an abbreviation; sub-headings 1, 2 …"""
    dossier_list = _draft(session, actor, list_id)
    order = session.scalar(select(func.count()).where(ClassificationHeading.dossier_list_id == list_id))
    heading = ClassificationHeading(dossier_list_id=list_id, parent_id=parent_id, label=label, title=title,
                                    abbreviation=abbreviation, sort_order=order)
    session.add(heading)
    session.flush()
    audit.record(session, actor, "dossier_list.heading_added", "dossier_list", dossier_list.id, now=now,
                 label=label, title=title)
    return heading


def add_entry(session: Session, actor: Actor, list_id: int, *, title: str, unit_id: int,
              retention_row_id: int | None, heading_id: int | None = None, file_notation: str = "",
              responsible_user_id: int | None = None, note: str = "", now: datetime) -> DossierListEntry:
    """Add a planned dossier to a draft list; the number and notation follow the top heading."""
    dossier_list = _draft(session, actor, list_id)
    entry = _new_entry(session, dossier_list, title=title, unit_id=unit_id, retention_row_id=retention_row_id,
                       heading_id=heading_id, file_notation=file_notation,
                       responsible_user_id=responsible_user_id, note=note, created_by=actor, now=now)
    audit.record(session, actor, "dossier_list.entry_added", "dossier_list_entry", entry.id, now=now,
                 file_notation=entry.file_notation, title=title)
    return entry


def add_ad_hoc_entry(session: Session, actor: Actor, list_id: int, *, title: str, retention_row_id: int,
                     heading_id: int | None = None, now: datetime) -> DossierListEntry:
    """Add a "hồ sơ phát sinh" to an approved list for the officer's own unit, flagged for review."""
    dossier_list = _get(session, list_id)
    if dossier_list.state is not DossierListState.APPROVED:
        raise RuleViolation(N_("Ad-hoc dossiers are added to an approved dossier list."))
    units = actor.unit_ids(Role.OFFICER, Role.UNIT_HEAD)
    if not units:
        raise PermissionDenied()
    entry = _new_entry(session, dossier_list, title=title, unit_id=min(units), retention_row_id=retention_row_id,
                       heading_id=heading_id, file_notation="", responsible_user_id=actor.user_id, note="",
                       created_by=actor, now=now, ad_hoc=True)
    audit.record(session, actor, "dossier_list.ad_hoc_entry_added", "dossier_list_entry", entry.id, now=now,
                 file_notation=entry.file_notation, title=title)
    return entry


def approve(session: Session, actor: Actor, list_id: int, decision_ref: str, *, now: datetime) -> DossierList:
    """Approve and issue the list (the head's decision); it becomes read-only."""
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.approve", dossier_list.organisation_id)
    if dossier_list.state is DossierListState.APPROVED:
        raise RuleViolation(N_("The dossier list of %(year)s is already approved."), year=dossier_list.year)
    if not dossier_list.entries:
        raise RuleViolation(N_("An empty dossier list cannot be approved."))
    dossier_list.state = DossierListState.APPROVED
    dossier_list.decision_ref = decision_ref
    dossier_list.approved_by_id = actor.user_id
    dossier_list.approved_at = now
    audit.record(session, actor, "dossier_list.approved", "dossier_list", list_id, now=now,
                 year=dossier_list.year, decision_ref=decision_ref, entries=len(dossier_list.entries))
    return dossier_list


def _get(session: Session, list_id: int) -> DossierList:
    dossier_list = session.get(DossierList, list_id)
    if dossier_list is None:
        raise NotFound()
    return dossier_list


def _draft(session: Session, actor: Actor, list_id: int) -> DossierList:
    dossier_list = _get(session, list_id)
    permissions.require(actor, "dossier_list.manage", dossier_list.organisation_id)
    if dossier_list.state is not DossierListState.DRAFT:
        raise RuleViolation(N_("An approved dossier list is read-only."))
    return dossier_list


def _new_entry(session: Session, dossier_list: DossierList, *, title: str, unit_id: int,
               retention_row_id: int | None, heading_id: int | None, file_notation: str,
               responsible_user_id: int | None, note: str, created_by: Actor, now: datetime,
               ad_hoc: bool = False) -> DossierListEntry:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != dossier_list.organisation_id:
        raise RuleViolation(N_("The unit does not belong to this organisation."))
    row = session.get(RetentionRow, retention_row_id) if retention_row_id else None
    number = (session.scalar(select(func.max(DossierListEntry.number))
                             .where(DossierListEntry.dossier_list_id == dossier_list.id)) or 0) + 1
    notation = file_notation or _notation(session, number, heading_id)
    entry = DossierListEntry(
        dossier_list_id=dossier_list.id, heading_id=heading_id, number=number, file_notation=notation,
        title=title, retention_row_id=row.id if row else None,
        retention_permanent=row.permanent if row else False,
        retention_years=row.period_years if row else None,
        retention_condition=row.condition if row else "",
        unit_id=unit_id, responsible_user_id=responsible_user_id, note=note, ad_hoc=ad_hoc,
        created_by_id=created_by.user_id, created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


def _notation(session: Session, number: int, heading_id: int | None) -> str:
    """Return "NN.ABBR": the number, then the abbreviation of the top heading (NĐ 30 Phụ lục V I.2)."""
    abbreviation = ""
    heading = session.get(ClassificationHeading, heading_id) if heading_id else None
    while heading is not None:
        abbreviation = heading.abbreviation or abbreviation
        heading = session.get(ClassificationHeading, heading.parent_id) if heading.parent_id else None
    return f"{number:02d}.{abbreviation}" if abbreviation else f"{number:02d}"
