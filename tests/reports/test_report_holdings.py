"""The holdings (issue 25 item 2; PL6 II.3, III.6.a): what is in custody by unit, year, retention and state with its
extent, what falls due, and what was destroyed or handed over, each line naming its decision or receipt."""

from __future__ import annotations

from datetime import date

import pytest

from erms.errors import InvalidMetadata, NotFound, PermissionDenied
from reports import service
from tests.factories import NOW
from tests.reports.dataset import drills, grid

VP, TCKH = "Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"


def report(agency, username="head", year=None, unit=None, handover_years=5):
    world = agency.world
    return service.holdings_report(
        agency.session, world.actor(username), world.org.id, unit, year, now=NOW, handover_years=handover_years
    )


def listed_behind(agency, figure: str, params: dict):
    """Return the head's list behind one holdings figure."""
    world = agency.world
    return service.list_behind(
        agency.session, world.actor("head"), world.org.id, "holdings", figure, params, now=NOW, handover_years=5
    )


def size(serials: list[int]) -> int:
    """The bytes of the documents the dataset made with these serial numbers (b"%PDF-report " + n written n times)."""
    return sum(12 + len(str(n)) * n for n in serials)


def test_every_figure_per_unit(agency):
    units = report(agency).table("units")
    assert [column.key for column in units.columns] == [
        "code", "unit", "dossiers", "documents", "pages", "bytes", "due_this_year", "due_next_year", "due_historical",
    ]  # fmt: skip
    assert grid(units) == [
        # D13 (2 years, due 1/1/2027), D14 (permanent, archived 2021: due at the historical archive), D5, D6, D7.
        ["TCKH", TCKH, 5, 5, 5 + 6 + 9 + 10 + 11, size([5, 6, 9, 10, 11]), 0, 1, 1],
        # D11 (2 years, due 1/1/2026), D9, D10, D8; not D12 (destroyed), D15 (handed over), D1, D2 (open).
        ["VP", VP, 4, 4, 1 + 3 + 4 + 13, size([1, 3, 4, 13]), 1, 0, 0],
        ["", "Total", 9, 9, 62, size([1, 3, 4, 5, 6, 9, 10, 11, 13]), 1, 1, 1],
    ]
    assert units.rows[0][5].drill is None and units.rows[0][4].drill is None  # measures list nothing
    # Kept 10 years after its hand-over period, the permanent dossier is not due yet.
    assert grid(report(agency, handover_years=10).table("units"))[-1][-1] == 0


def test_every_line_per_year_retention_and_state(agency):
    assert grid(report(agency).table("years")) == [
        [2023, "2 năm", "Closed", 1, 1, 1, size([1])],
        [2024, "Vĩnh viễn", "In the agency archive", 1, 1, 6, size([6])],
        [2024, "2 năm", "Closed", 1, 1, 5, size([5])],
        [2024, "10 năm", "Closed", 2, 2, 7, size([3, 4])],
        [2026, "10 năm", "Closed", 2, 2, 24, size([11, 13])],
        [2026, "10 năm", "Submitted, awaiting acceptance", 1, 1, 10, size([10])],
        [2026, "10 năm", "In the agency archive", 1, 1, 9, size([9])],
    ]
    assert grid(report(agency, year=2024).table("years")) == [
        [2024, "Vĩnh viễn", "In the agency archive", 1, 1, 6, size([6])],
        [2024, "2 năm", "Closed", 1, 1, 5, size([5])],
        [2024, "10 năm", "Closed", 2, 2, 7, size([3, 4])],
    ]
    assert grid(report(agency, year=2024).table("units")) == [
        ["TCKH", TCKH, 2, 2, 11, size([5, 6]), 0, 1, 1],
        ["VP", VP, 2, 2, 7, size([3, 4]), 0, 0, 0],
        ["", "Total", 4, 4, 18, size([3, 4, 5, 6]), 0, 1, 1],
    ]


def test_destroyed_and_handed_over_name_their_decision_and_receipt(agency):
    disposal = report(agency).table("disposal")
    assert grid(disposal) == [
        [2026, "Handed over", "25/BB-LTLS", date(2026, 6, 15), 1, 1, 12],
        [2026, "Destroyed", "45/QĐ-UBND", date(2026, 6, 15), 1, 1, 2],
    ]
    received, destroyed = disposal.rows
    assert (received[2].record.kind, received[2].record.id) == ("handover_batch", agency.batch_id)
    assert (destroyed[2].record.kind, destroyed[2].record.id) == ("destruction_list", agency.decision_id)
    for row, name in ((received, "D15"), (destroyed, "D12")):
        drill = row[4].drill
        page = listed_behind(agency, drill.figure, drill.params())
        assert [line.code for line in page.lines] == [agency.dossiers[name].file_code]
        assert page.lines[0].link == agency.dossiers[name].id  # its page shows what is left of it
    # D12 was on a withdrawn list first: it destroyed nothing, so it has no line and lists nothing.
    assert listed_behind(agency, "destroyed", {"decision": str(agency.withdrawn_id)}).lines == []
    # Unit B left nothing: its unit head would read an empty table.
    assert grid(report(agency, unit=agency.world.unit_b.id).table("disposal")) == []


def test_each_number_lists_exactly_the_dossiers_it_counts(agency):
    found = report(agency)
    for cell, drill in drills(found):
        page = listed_behind(agency, drill.figure, drill.params())
        listed = (
            sum(line.documents for line in page.lines)
            if cell in [row[3] for row in found.table("units").rows]
            else page.total
        )
        assert listed == cell.value, drill
    due = listed_behind(agency, "due_this_year", {})
    assert [line.code for line in due.lines] == [agency.dossiers["D11"].file_code]


def test_a_unit_head_reads_their_unit_and_bad_filters_are_refused(agency):
    world, session = agency.world, agency.session
    assert grid(report(agency, "unithead").table("units")) == [
        ["VP", VP, 4, 4, 21, size([1, 3, 4, 13]), 1, 0, 0],
        ["", "Total", 4, 4, 21, size([1, 3, 4, 13]), 1, 0, 0],
    ]
    assert [row[4].value for row in report(agency, "unithead").table("disposal").rows] == [1, 1]
    with pytest.raises(PermissionDenied):
        report(agency, "unithead", unit=world.unit_b.id)
    with pytest.raises(PermissionDenied):
        report(agency, "officer1")
    head = world.actor("head")
    for params in ({"state": "open"}, {"retention": "ten"}, {"year": "abc"}):
        with pytest.raises(InvalidMetadata):
            service.list_behind(session, head, world.org.id, "holdings", "custody", params, now=NOW, handover_years=5)
    for figure, params in (("destroyed", {"decision": "999999"}), ("transferred", {"batch": "x"})):
        with pytest.raises(NotFound):
            service.list_behind(session, head, world.org.id, "holdings", figure, params, now=NOW, handover_years=5)
