"""Submission to the agency archive in batches ("nộp lưu hồ sơ vào Lưu trữ cơ quan", NĐ 30/2020 Điều 30).

A unit's officers or its head choose closed dossiers from what the year's dossier list planned, seeing the list
reconciled first: entries never opened, dossiers still open, entries added after the list was approved, dossiers
already past their hand-over deadline. The choice becomes one transfer, printed as the "mục lục hồ sơ, tài liệu nộp
lưu" (Phụ lục V). The archivist accepts or returns each dossier (``filing.dossiers``); once every dossier is decided,
the registry and the archivist each sign the joint check, and the second signature stores the "biên bản giao nhận
hồ sơ, tài liệu" with both names.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from classification.dossier_list import is_addition
from erms import audit, notices, permissions
from erms.errors import N_, NotFound, PermissionDenied, RuleViolation
from erms.models import (
    Dossier,
    DossierList,
    DossierListEntry,
    DossierPlacement,
    Organisation,
    Role,
    StorageBox,
    Transfer,
    TransferItem,
    Unit,
    User,
)
from erms.models.dossier import DossierState, Medium
from erms.models.dossier_list import DossierListState
from erms.models.transfer import ItemOutcome, TransferState
from erms.permissions import Actor
from erms.storage import FileStore
from exports.pdf import box_labels, transfer_pdf
from filing.dossiers import deadline_of, dossier_files, local_date, period_of, stored_file


@dataclass(frozen=True)
class Reconciliation:
    """A unit's dossiers of one year's list, as the submission page shows them before anything is chosen."""

    year: int
    unit: Unit
    ready: list[Dossier]  # closed, for the agency archive, not waiting: may be chosen
    late: set[int]  # ids among ``ready`` already past their hand-over deadline
    still_open: list[Dossier]
    not_opened: list[DossierListEntry]
    added: list[DossierListEntry]  # entered after the list was approved (additions, ad-hoc dossiers)
    sent: list[Dossier]  # waiting for the archivist, or in the agency archive


def submitting_units(session: Session, actor: Actor) -> list[Unit]:
    """Return the units whose dossiers the actor may submit."""
    ids = actor.unit_ids(*permissions.RULES["dossier.submit"])
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name))) if ids else []


def reconcile(session: Session, actor: Actor, unit_id: int, year: int, today: date) -> Reconciliation:
    """Return the unit's dossiers of the ``year`` list reconciled against it; only what goes to the agency archive
    (5 years or more) counts: the unit keeps the rest."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit_id not in actor.unit_ids(*permissions.RULES["dossier.submit"]):
        raise NotFound()
    entries = session.scalars(
        select(DossierListEntry)
        .join(DossierList)
        .where(
            DossierList.organisation_id == unit.organisation_id,
            DossierList.year == year,
            DossierList.state == DossierListState.APPROVED,
            DossierListEntry.unit_id == unit_id,
        )
        .order_by(DossierListEntry.number)
    ).all()
    opened = {
        dossier.entry_id: dossier
        for dossier in session.scalars(
            select(Dossier)
            .where(Dossier.entry_id.in_([entry.id for entry in entries]))
            .options(selectinload(Dossier.keep_backs))  # the deadline of each reads them
        )
    }
    waiting = _waiting(session, list(opened.values()))
    kept = [entry for entry in entries if _goes_to_archive(entry)]
    dossiers = [opened[entry.id] for entry in kept if entry.id in opened]
    ready = [d for d in dossiers if d.state is DossierState.CLOSED and d.id not in waiting]
    return Reconciliation(
        year=year,
        unit=unit,
        ready=ready,
        late={d.id for d in ready if (deadline := deadline_of(d, today)) is not None and deadline.overdue},
        still_open=[d for d in dossiers if d.state is DossierState.OPEN],
        not_opened=[entry for entry in kept if entry.id not in opened],
        added=[entry for entry in kept if entry.ad_hoc or is_addition(entry)],
        sent=[d for d in dossiers if d.id in waiting or d.state is DossierState.ARCHIVED],
    )


def first_ready_year(session: Session, unit_id: int, today: date) -> int:
    """Return the oldest year of the unit's closed dossiers waiting to be submitted (the most pressing), else last
    year, the one whose work is now due."""
    closed = session.scalars(
        select(Dossier).where(Dossier.unit_id == unit_id, Dossier.state == DossierState.CLOSED).order_by(Dossier.year)
    ).all()
    waiting = _waiting(session, list(closed))
    ready = [d.year for d in closed if d.id not in waiting and period_of(d).goes_to_agency_archive()]
    return ready[0] if ready else today.year - 1


def _goes_to_archive(entry: DossierListEntry) -> bool:
    return entry.retention_permanent or bool(entry.retention_condition) or (entry.retention_years or 0) >= 5


def _waiting(session: Session, dossiers: list[Dossier]) -> set[int]:
    pending = select(TransferItem.dossier_id).where(
        TransferItem.dossier_id.in_([dossier.id for dossier in dossiers]), TransferItem.outcome == ItemOutcome.PENDING
    )
    return set(session.scalars(pending))


def get_transfer(session: Session, actor: Actor, transfer_id: int) -> Transfer:
    """Return a transfer the actor may read: its unit's people, the registry, the archivists and the head."""
    transfer = session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .options(selectinload(Transfer.items).selectinload(TransferItem.dossier))
    )
    if transfer is None or not permissions.can(actor, "transfer.read", transfer.organisation_id, transfer.unit_id):
        raise NotFound()
    return transfer


def transfers_of(session: Session, actor: Actor, limit: int = 100) -> list[Transfer]:
    """Return the newest transfers the actor may read."""
    readable = [
        transfer
        for transfer in session.scalars(
            select(Transfer)
            .where(Transfer.organisation_id.in_(actor.organisation_ids()))
            .order_by(Transfer.submitted_at.desc(), Transfer.id.desc())
            .limit(limit * 4)
        )
        if permissions.can(actor, "transfer.read", transfer.organisation_id, transfer.unit_id)
    ]
    return readable[:limit]


def readable_page(session: Session, actor: Actor, page: int, per_page: int) -> tuple[list[Transfer], int]:
    """Return one page of the transfers the actor may read (``get_transfer``'s rule, in the query), newest first,
    and their total."""
    query = select(Transfer).where(_readable(actor))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    loaded = query.options(
        selectinload(Transfer.unit), selectinload(Transfer.items).selectinload(TransferItem.dossier)
    )  # what the answer shows of each, in a few queries whatever the page's size
    ordered = loaded.order_by(Transfer.submitted_at.desc(), Transfer.id.desc())
    return list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page))), total


def _readable(actor: Actor) -> ColumnElement[bool]:
    """Return the SQL condition of "transfer.read": a grant of its organisation, for its unit or organisation-wide."""
    roles = permissions.RULES["transfer.read"]
    grants = [grant for grant in actor.grants if grant.role in roles]
    wide = [grant.organisation_id for grant in grants if grant.unit_id is None]
    units = [
        and_(Transfer.organisation_id == grant.organisation_id, Transfer.unit_id == grant.unit_id)
        for grant in grants
        if grant.unit_id is not None
    ]
    return or_(Transfer.organisation_id.in_(wide), *units)


# What the mục lục prints for a dossier its reader may not read, as the access statistics show it.
WITHHELD_TITLE = "(không hiển thị: hồ sơ hạn chế sử dụng)"


WAITS_FOR_SIGNATURE = N_("The transfer of %(unit)s waits for your signature on the joint check.")
NOTHING_RECEIVED = N_(
    "Every dossier of this transfer was returned: nothing was handed over, so there is no hand-over record to sign."
)


def received_any(transfer: Transfer) -> bool:
    """True once the archive accepted a dossier of the transfer: only then is there a hand-over to record."""
    return any(item.outcome is ItemOutcome.ACCEPTED for item in transfer.items)


def waiting_for(session: Session, actor: Actor) -> list[notices.Waiting]:
    """The transfers whose every dossier is decided and whose joint check waits for this person's side: the archive's
    (the archivist) or the registry's, oldest first."""
    archive = permissions.organisations_where(actor, "dossier.accept")
    registry = permissions.organisations_where(actor, "transfer.check")
    if not archive and not registry:
        return []
    unsigned = or_(
        Transfer.organisation_id.in_(archive) & Transfer.archive_signed_at.is_(None),
        Transfer.organisation_id.in_(registry) & Transfer.registry_signed_at.is_(None),
    )
    query = (
        select(Transfer)
        .where(
            Transfer.state == TransferState.COMPLETED,
            unsigned,
            Transfer.items.any(TransferItem.outcome == ItemOutcome.ACCEPTED),
        )
        .options(selectinload(Transfer.unit))
        .order_by(Transfer.submitted_at, Transfer.id)
    )
    return [
        notices.Waiting(WAITS_FOR_SIGNATURE, ("transfer", transfer.id), {"unit": transfer.unit.name})
        for transfer in session.scalars(query)
    ]


def ready_to_sign(session: Session, item_id: int) -> int | None:
    """The transfer of an item once every item of it is accepted or returned and one at least accepted (its joint
    check is signed next), else None."""
    item = session.get(TransferItem, item_id)
    if item is None or item.transfer.state is not TransferState.COMPLETED or not received_any(item.transfer):
        return None
    return item.transfer_id


def person(session: Session, user_id: int | None) -> User | None:
    """Return the person who did a step of the transfer (None before it was done)."""
    return session.get(User, user_id) if user_id is not None else None


def sign(
    session: Session, actor: Actor, transfer_id: int, *, store: FileStore, now: datetime, font: str = ""
) -> Transfer:
    """Sign the joint check of a transfer whose every dossier is decided: the registry's side or the archive's side,
    whichever the actor holds; the second signature stores the biên bản giao nhận."""
    # Two signers at once: the second waits for the first, so it sees the first signature and stores the record.
    session.get(Transfer, transfer_id, with_for_update=True)
    transfer = get_transfer(session, actor, transfer_id)
    if transfer.state is not TransferState.COMPLETED:
        raise RuleViolation(N_("Every dossier of the transfer must be accepted or returned before it is signed."))
    if not received_any(transfer):
        raise RuleViolation(NOTHING_RECEIVED)
    organisation_id = transfer.organisation_id
    if permissions.can(actor, "dossier.accept", organisation_id) and transfer.archive_signed_at is None:
        transfer.archive_signed_by_id, transfer.archive_signed_at, side = actor.user_id, now, "archive"
    elif permissions.can(actor, "transfer.check", organisation_id) and transfer.registry_signed_at is None:
        transfer.registry_signed_by_id, transfer.registry_signed_at, side = actor.user_id, now, "registry"
    elif permissions.can(actor, "dossier.accept", organisation_id) or permissions.can(
        actor, "transfer.check", organisation_id
    ):
        raise RuleViolation(N_("You have already signed this transfer."))
    else:
        raise PermissionDenied()
    audit.record(session, actor, "transfer.signed", "transfer", transfer.id, now=now, side=side)
    if transfer.archive_signed_at is not None and transfer.registry_signed_at is not None:
        _store_record(session, transfer, store, now, font)
    else:
        waiting_for = Role.REGISTRY if side == "archive" else Role.ARCHIVIST
        notices.tell_role(
            session,
            organisation_id,
            waiting_for,
            "transfer_sign",
            str(transfer.id),
            WAITS_FOR_SIGNATURE,
            now=now,
            subject=("transfer", transfer.id),
            unit=transfer.unit.name,
        )
    return transfer


def _store_record(session: Session, transfer: Transfer, store: FileStore, now: datetime, font: str) -> None:
    pdf = transfer_pdf.handover_record(record_values(session, transfer, now), font=font)
    row = stored_file(session, store.put(io.BytesIO(pdf)), f"bien-ban-giao-nhan-{transfer.id}.pdf", now=now)
    transfer.record_file_id = row.id
    audit.record(session, None, "transfer.recorded", "transfer", transfer.id, now=now, sha256=row.sha256)


def list_values(
    session: Session, transfer: Transfer, unreadable: Collection[int] = (), *, printed_at: datetime | None = None
) -> transfer_pdf.TransferList:
    """Return what the mục lục hồ sơ, tài liệu nộp lưu prints, ``printed_at`` (default: when it was submitted): the
    dossiers handed over or still to be checked, counted; those the archive returned after them, not counted (the
    biên bản giao nhận it goes with counts what was received). The title of a dossier ``unreadable`` by its reader
    (``filing.dossiers.unreadable_dossiers``) is WITHHELD_TITLE."""
    organisation = _organisation(session, transfer)
    places = _places(session, [item.dossier_id for item in transfer.items])
    rows = [
        transfer_pdf.ListRow(
            code=item.dossier.file_notation,
            title=WITHHELD_TITLE if item.dossier_id in unreadable else item.dossier.title,
            dates=_dates(item.dossier),
            retention=period_of(item.dossier).label(),
            documents=len(item.dossier.links),
            note=_note(item, places.get(item.dossier_id)),
        )
        for item in transfer.items
        if item.outcome is not ItemOutcome.REJECTED
    ]
    returned = [
        f"{item.dossier.file_notation}: {item.reason}"
        for item in transfer.items
        if item.outcome is ItemOutcome.REJECTED
    ]
    submitter = person(session, transfer.submitted_by_id)
    return transfer_pdf.TransferList(
        parent_name=organisation.name,  # the unit's list: its organisation stands above it
        unit_name=transfer.unit.name,
        year=transfer.year,
        rows=rows,
        made_by=submitter.full_name if submitter else "",
        made_by_position=submitter.position if submitter else "",
        made_on=local_date(transfer.submitted_at),
        printed_at=printed_at or transfer.submitted_at,
        returned=returned,
    )


def record_values(session: Session, transfer: Transfer, now: datetime) -> transfer_pdf.HandoverRecord:
    """Return what the biên bản giao nhận prints: who handed what to whom, counted from the accepted dossiers."""
    accepted = [item.dossier for item in transfer.items if item.outcome is ItemOutcome.ACCEPTED]
    starts = [dossier.start_date for dossier in accepted]
    ends = [dossier.end_date or dossier.start_date for dossier in accepted]
    submitter, receiver, registry = (
        person(session, transfer.submitted_by_id),
        person(session, transfer.archive_signed_by_id),
        person(session, transfer.registry_signed_by_id),
    )
    organisation = _organisation(session, transfer)
    return transfer_pdf.HandoverRecord(
        parent_name=organisation.parent_name,
        organisation_name=organisation.name,
        unit_name=transfer.unit.name,
        year=transfer.year,
        giver=(submitter.full_name, submitter.position) if submitter else ("", ""),
        receiver=(receiver.full_name, receiver.position) if receiver else ("", ""),
        checker=(registry.full_name, registry.position) if registry else ("", ""),
        dossiers=len(accepted),
        files=sum(len(dossier_files(dossier)) for dossier in accepted),
        returned=sum(1 for item in transfer.items if item.outcome is ItemOutcome.REJECTED),
        first_day=min(starts) if starts else None,
        last_day=max(ends) if ends else None,
        signed_on=local_date(now),
        printed_at=now,
        paper=sum(1 for dossier in accepted if dossier.medium is not Medium.ELECTRONIC),
        paper_only=sum(1 for dossier in accepted if dossier.medium is Medium.PAPER),
        boxes=len({placement.box_id for placement in _places(session, [dossier.id for dossier in accepted]).values()}),
    )


def _organisation(session: Session, transfer: Transfer) -> Organisation:
    organisation = session.get(Organisation, transfer.organisation_id)
    assert organisation is not None  # a transfer's organisation is never deleted
    return organisation


def _dates(dossier: Dossier) -> str:
    end = dossier.end_date or dossier.start_date
    return f"{dossier.start_date:%d/%m/%Y} - {end:%d/%m/%Y}"


def _places(session: Session, dossier_ids: list[int]) -> dict[int, DossierPlacement]:
    """Return where the archive keeps those of the dossiers it has put in a box (paper and hybrid ones)."""
    query = (
        select(DossierPlacement)
        .where(DossierPlacement.dossier_id.in_(dossier_ids))
        .options(selectinload(DossierPlacement.box).selectinload(StorageBox.repository))
    )
    return {placement.dossier_id: placement for placement in session.scalars(query)}


# The "Ghi chú" column says which dossiers are paper, their sheets and, once shelved, where they are (issue 28).
MEDIA = {Medium.PAPER: "Hồ sơ giấy", Medium.HYBRID: "Hồ sơ giấy và điện tử"}


def _note(item: TransferItem, placement: DossierPlacement | None = None) -> str:
    notes = []
    dossier = item.dossier
    if dossier.medium in MEDIA:
        sheets = f", {dossier.sheet_total} tờ" if dossier.sheet_total else ""
        notes.append(MEDIA[dossier.medium] + sheets)
    if placement is not None:
        box = placement.box
        notes.append(
            box_labels.place_line(box.repository.code, box.shelf_unit, box.shelf, box.number, placement.file_number)
        )
    if item.outcome is ItemOutcome.REJECTED:
        notes.append(f"Trả lại: {item.reason}")
    return "; ".join(notes)
