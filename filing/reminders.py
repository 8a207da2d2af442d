"""Deadline reminders the daily job leaves as notices (NĐ 30 PL6 III.5.b): an incoming document whose handling
deadline is near or past, told to the unit it was sent to; a dossier due at the agency archive within 30 days, or
overdue, told to the officer who keeps it. Each deadline is told once (a changed deadline is told again)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from erms import notices
from erms.errors import N_
from erms.models import Document, Dossier, RegisterEntry
from erms.models.dossier import DossierState
from filing.dossiers import deadline_of, told_of

# Days before its handling deadline an incoming document is recalled to its unit.
HANDLING_NOTICE_DAYS = 2


def _shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def remind_handling(session: Session, today: date, *, now: datetime) -> int:
    """Tell each unit of the incoming documents it has not handled whose deadline is near or past."""
    query = (
        select(RegisterEntry)
        .join(RegisterEntry.document)
        .where(
            RegisterEntry.assigned_unit_id.is_not(None),
            RegisterEntry.handled_on.is_(None),
            Document.due_date <= today + timedelta(days=HANDLING_NOTICE_DAYS),
        )
        .options(contains_eager(RegisterEntry.document))
    )
    told = 0
    for entry in session.scalars(query):
        assert entry.assigned_unit_id is not None and entry.document.due_date is not None  # the query asks both
        told += notices.tell(
            session,
            notices.unit_people(session, entry.organisation_id, entry.assigned_unit_id),
            "handling_due",
            f"{entry.id}:{entry.document.due_date.isoformat()}",
            N_("Incoming document no. %(number)s is due to be handled by %(date)s."),
            now=now,
            subject=("register_entry", entry.id),
            number=entry.number,
            date=_shown(entry.document.due_date),
        )
    return told


def remind_handover(session: Session, today: date, *, now: datetime) -> int:
    """Tell each officer of the closed dossiers due at the agency archive within 30 days, or overdue."""
    told = 0
    closed = select(Dossier).where(Dossier.state == DossierState.CLOSED).options(selectinload(Dossier.keep_backs))
    for dossier in session.scalars(closed):
        deadline = deadline_of(dossier, today)
        if deadline is None:
            continue
        told += notices.tell(
            session,
            told_of(session, dossier, {dossier.creator_id}),
            "handover_due",
            f"{dossier.id}:{deadline.due_on.isoformat()}",
            N_("Dossier %(code)s is due at the agency archive by %(date)s: submit it."),
            now=now,
            subject=("dossier", dossier.id),
            code=dossier.file_code,
            date=_shown(deadline.due_on),
        )
    return told
