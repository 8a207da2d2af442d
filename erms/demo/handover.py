"""Demo part: permanent dossiers of an earlier year, archived long enough ago to be due for hand-over.

The work happens six years back and the dossiers enter the agency archive the year after, so
they fall due for the historical archive this year (5 years, docs/standards.md decision 4):
``erms export handover --org 000.00.12.H26 --year <this year>`` builds a real package from them.
Every step goes through the filing services with a past ``now``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from classification import dossier_list as dossier_lists
from erms.demo.context import PLAN, DemoContext
from filing import dossiers

YEARS_BACK = 6
DOSSIERS = 3


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(3, 0), UTC)  # 10:00 in Hà Nội


def seed(context: DemoContext, *, now: datetime) -> None:
    """Permanent dossiers archived in earlier years, due for hand-over to the historical archive."""
    year = now.year - YEARS_BACK
    session, registry = context.session, context.actor("registry")
    planned = _moment(date(year, 1, 5))
    dossier_list = dossier_lists.create_list(session, registry, context.organisation.id, year, now=planned)
    entries = []
    for label, abbreviation, title, rows in PLAN:
        permanent = [(entry_title, code, unit) for entry_title, code, unit in rows if context.rows[code].permanent]
        if not permanent:
            continue
        heading = dossier_lists.add_heading(
            session, registry, dossier_list.id, label, title, abbreviation=abbreviation, now=planned
        )
        entries += [
            dossier_lists.add_entry(
                session,
                registry,
                dossier_list.id,
                title=entry_title.format(y=year, y5=year + 5),
                unit_id=context.unit_id(unit),
                retention_row_id=context.rows[code].id,
                heading_id=heading.id,
                now=planned,
            )
            for entry_title, code, unit in permanent
        ]
    dossier_lists.approve(
        session, context.actor("head"), dossier_list.id, "03/QĐ-UBND", now=planned, decision_date=date(year, 1, 5)
    )
    for entry in [entry for entry in entries if entry.unit_id == context.unit_id("VP")][:DOSSIERS]:
        _walk(context, entry, year)


def _walk(context: DemoContext, entry, year: int) -> None:
    """Open, fill, close in ``year``; submit and accept in February of the next year."""
    session, officer = context.session, context.actor("officer1")
    worked = _moment(date(year, 3, 2))
    dossier = dossiers.open_dossier(
        session, officer, entry.id, {"start_date": date(year, 3, 2).isoformat()}, now=worked
    )
    context.add_documents(dossier, entry.title, date(year, 3, 2), now=_moment(date(year, 11, 30)))
    closed = _moment(date(year, 12, 15))
    dossiers.close_dossier(session, officer, dossier.id, store=context.store, now=closed, font=context.font)
    submitted = _moment(date(year + 1, 2, 10))
    transfer = dossiers.submit(session, officer, [dossier.id], now=submitted)
    context.hand_over(transfer, now=submitted + timedelta(days=5))
