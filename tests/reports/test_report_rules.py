"""The reports count with SQL what the product decides one dossier at a time in Python: both must agree, on every
dossier of the known agency and on any day (``reports.rules`` beside ``filing.dossiers.deadline_of``,
``retention.clock`` and ``exports.handover``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from erms.models import Dossier
from erms.models.dossier import DossierState
from exports import handover
from filing import dossiers
from reports import rules
from retention import clock

DAYS = [
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 5, 1),
    date(2026, 5, 2),
    date(2026, 6, 15),
    date(2027, 6, 30),
    date(2027, 7, 1),
    date(2028, 1, 1),
    date(2031, 1, 1),
]


def chosen(session, condition) -> set[int]:
    return set(session.scalars(select(Dossier.id).where(condition)))


def test_late_closing_and_late_hand_over_are_those_the_workspace_shows(agency):
    session = agency.session
    everything = list(session.scalars(select(Dossier).where(Dossier.organisation_id == agency.world.org.id)))
    workspace = [dossier for dossier in everything if dossier.state in (DossierState.OPEN, DossierState.CLOSED)]
    for today in DAYS:
        shown = [deadline for dossier in workspace if (deadline := dossiers.deadline_of(dossier, today))]
        late_close = {deadline.dossier.id for deadline in shown if deadline.overdue and deadline.action == "close"}
        late_submit = {deadline.dossier.id for deadline in shown if deadline.overdue and deadline.action == "submit"}
        assert chosen(session, rules.open_past_end(today)) == late_close, today
        assert chosen(session, rules.handover_overdue(today)) == late_submit, today
    # The dataset holds each case: the one past its end, the late one, the settled one, the kept-back one.
    names = {dossier.id: name for name, dossier in agency.dossiers.items()}
    assert {names[i] for i in chosen(session, rules.open_past_end(date(2026, 6, 15)))} == {"D2"}
    assert {names[i] for i in chosen(session, rules.handover_overdue(date(2026, 6, 15)))} == {"D9", "D8"}
    assert {names[i] for i in chosen(session, rules.handover_overdue(date(2027, 7, 1)))} == {"D9", "D8", "D10"}


def test_the_three_months_after_a_settlement_are_counted_as_the_clock_counts_them():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        first = rules.settled_before(day)
        for settled in (first - timedelta(days=offset) for offset in range(1, 5)):
            assert clock.add_months(settled, 3) < day
        for settled in (first + timedelta(days=offset) for offset in range(0, 5)):
            assert clock.add_months(settled, 3) >= day
        day += timedelta(days=1)


def test_due_at_the_historical_archive_is_what_the_hand_over_page_offers(agency):
    session, organisation = agency.session, agency.world.org.id
    for handover_years in (5, 10):
        for today in DAYS:
            offered = {
                dossier.id
                for dossier in handover._eligible(session, organisation)
                if handover.due_year(dossier, handover_years) <= today.year
            }
            assert chosen(session, rules.due_at_historical_archive(today, handover_years)) == offered
    assert chosen(session, rules.due_at_historical_archive(date(2026, 6, 15), 5)) == {agency.dossiers["D14"].id}
