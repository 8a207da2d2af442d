"""The document flow (issue 25 item 3; PL6 II.3, III.6.a): incoming and outgoing per period and month, ordinary and
classified apart as the thesis's tables 2.4-2.5 count them, handling deadlines met and missed, per unit."""

from __future__ import annotations

from datetime import date

import pytest

from erms.errors import InvalidMetadata, PermissionDenied
from reports import service
from tests.factories import NOW
from tests.reports.dataset import drills, grid

VP, TCKH = "Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"
FIRST_HALF = (date(2026, 1, 1), date(2026, 6, 30))


def report(agency, period=FIRST_HALF, username="head", unit=None):
    world = agency.world
    return service.flow_report(agency.session, world.actor(username), world.org.id, unit, *period, now=NOW)


def test_every_figure_per_register(agency):
    registers = report(agency).table("registers")
    assert [column.heading for column in registers.columns] == [
        "Incoming or outgoing",
        "Registered",
        "Ordinary",
        "Classified (state secrets)",
        "With a handling deadline",
        "Handled by the deadline",
        "Handled after the deadline",
        "Overdue, not handled",
        "Not yet due, not handled",
    ]
    assert grid(registers) == [
        # r1 handled on time, r2 overdue (1/4), r3 handled late, r5 classified and due 30/6.
        ["Incoming documents", 4, 3, 1, 4, 1, 1, 1, 1],
        ["Outgoing documents", 1, 1, 0, 0, 0, 0, 0, 0],  # r4
        ["Total", 5, 4, 1, 4, 1, 1, 1, 1],
    ]
    # 2025: r6 incoming, r7 outgoing classified (the change table of the yearly report compares them).
    assert grid(report(agency, (date(2025, 1, 1), date(2025, 12, 31))).table("registers")) == [
        ["Incoming documents", 1, 1, 0, 0, 0, 0, 0, 0],
        ["Outgoing documents", 1, 0, 1, 0, 0, 0, 0, 0],
        ["Total", 2, 1, 1, 0, 0, 0, 0, 0],
    ]
    # The period's days are Vietnamese days, both ends included: 10/3 alone holds r1.
    assert grid(report(agency, (date(2026, 3, 10), date(2026, 3, 10))).table("registers"))[-1] == [
        "Total", 1, 1, 0, 1, 1, 0, 0, 0,
    ]  # fmt: skip


def test_every_figure_per_month_and_per_unit(agency):
    assert grid(report(agency).table("months")) == [
        ["01/2026", 0, 0, 0, 0],
        ["02/2026", 0, 0, 0, 0],
        ["03/2026", 2, 0, 0, 0],
        ["04/2026", 0, 0, 0, 0],
        ["05/2026", 1, 0, 0, 0],
        ["06/2026", 1, 1, 1, 0],
    ]
    assert grid(report(agency).table("units")) == [
        ["TCKH", TCKH, 2, 2, 0, 1, 0, 1],  # r3 late, r5 ahead
        ["VP", VP, 2, 2, 1, 0, 1, 0],  # r1 on time, r2 overdue
        ["", "Total", 4, 4, 1, 1, 1, 1],
    ]


def test_a_units_documents_are_those_sent_to_it_and_those_it_filed(agency):
    world = agency.world
    for username, unit in (("head", world.unit_a.id), ("unithead", None)):
        found = report(agency, username=username, unit=unit)
        assert grid(found.table("registers")) == [
            ["Incoming documents", 2, 2, 0, 2, 1, 0, 1, 0],
            ["Outgoing documents", 0, 0, 0, 0, 0, 0, 0, 0],
            ["Total", 2, 2, 0, 2, 1, 0, 1, 0],
        ]
        assert grid(found.table("units")) == [["VP", VP, 2, 2, 1, 0, 1, 0], ["", "Total", 2, 2, 1, 0, 1, 0]]
    with pytest.raises(PermissionDenied):
        report(agency, username="unithead", unit=world.unit_b.id)
    with pytest.raises(PermissionDenied):
        report(agency, username="registry")


def test_each_number_lists_exactly_the_register_lines_it_counts(agency):
    world, session = agency.world, agency.session
    for username in ("head", "unithead"):
        for cell, drill in drills(report(agency, username=username)):
            page = service.list_behind(
                session, world.actor(username), world.org.id, "flow", drill.figure, drill.params(), now=NOW,
                handover_years=5,
            )  # fmt: skip
            assert page.total == cell.value, (username, drill)
    late = service.list_behind(
        session,
        world.actor("archivist"),
        world.org.id,
        "flow",
        "overdue",
        {"start": "2026-01-01", "end": "2026-06-30"},
        now=NOW,
        handover_years=5,
    )
    r2 = agency.registered["r2"]
    assert [(line.code, line.title, line.unit) for line in late.lines] == [
        (f"{r2.number}/2026", "Quyết định: Văn bản r2", VP)
    ]
    assert late.lines[0].link == r2.id  # the archivist reads the register


def test_a_top_secret_summary_stays_hidden_from_those_not_authorised(agency):
    world, session = agency.world, agency.session
    with session.begin_nested() as savepoint:
        agency.registered["r5"].document.marking = "tuyet_mat"
        session.flush()
        params = {"start": "2026-01-01", "end": "2026-06-30", "kind": "incoming", "month": "2026-06"}
        for username, shown in (("head", "Quyết định: Văn bản r5"), ("archivist", None)):
            page = service.list_behind(
                session, world.actor(username), world.org.id, "flow", "classified", params, now=NOW, handover_years=5
            )
            assert [line.title for line in page.lines] == [shown]
        savepoint.rollback()


def test_a_reversed_or_too_long_period_and_bad_filters_are_refused_in_words(agency):
    world, session = agency.world, agency.session
    for period in ((date(2026, 6, 1), date(2026, 1, 1)), (date(2020, 1, 1), date(2025, 1, 1))):
        with pytest.raises(InvalidMetadata) as refused:
            report(agency, period)
        assert [problem.field for problem in refused.value.problems] == ["end"]
    assert len(report(agency, (date(2020, 1, 1), date(2024, 12, 31))).table("months").rows) == 60
    head = world.actor("head")
    for params in (
        {"start": "2026-01-01"},
        {"start": "2026-01-01", "end": "2026-06-30", "kind": "internal"},
        {"start": "2026-01-01", "end": "2026-06-30", "month": "2026-13"},
    ):
        with pytest.raises(InvalidMetadata):
            service.list_behind(session, head, world.org.id, "flow", "registered", params, now=NOW, handover_years=5)
