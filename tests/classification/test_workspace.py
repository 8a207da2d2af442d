"""The officer's workspace queries: open dossiers, and what is due to close or to hand over (PL6 III.5.b)."""

from __future__ import annotations

from datetime import date

from filing import dossiers


def test_open_dossiers_of_the_officer(session, world, make_dossier):
    mine = make_dossier("open")
    make_dossier("closed")
    assert [dossier.id for dossier in dossiers.my_open_dossiers(session, world.actor("officer1"))] == [mine.id]
    assert dossiers.my_open_dossiers(session, world.actor("officer2")) == []


def test_hand_over_notice_starts_30_days_before_the_deadline(session, world, make_dossier):
    closed = make_dossier("closed")  # work ended 1 March 2026: hand over by 31 December 2027
    officer = world.actor("officer1")
    assert dossiers.deadlines(session, officer, date(2027, 11, 30)) == []
    notice = dossiers.deadlines(session, officer, date(2027, 12, 1))
    assert [(item.dossier.id, item.due_on, item.overdue, item.action) for item in notice] == [
        (closed.id, date(2027, 12, 31), False, "submit")
    ]
    assert dossiers.deadlines(session, officer, date(2028, 1, 2))[0].overdue


def test_short_kept_dossiers_are_not_handed_over_and_open_ones_of_a_past_year_are_due_to_close(
    session, world, make_dossier
):
    make_dossier("closed", row="2y")
    still_open = make_dossier("open")
    due = dossiers.deadlines(session, world.actor("officer1"), date(2027, 1, 10))
    assert [(item.dossier.id, item.action, item.overdue) for item in due] == [(still_open.id, "close", True)]
