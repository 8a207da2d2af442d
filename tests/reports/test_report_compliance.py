"""Filing compliance per unit, per person and per year (issue 25 item 1; PL6 II.3, III.4.đ): every figure of the
known agency (tests/reports/dataset.py), the list behind every number, and who reads which units."""

from __future__ import annotations

import pytest

from erms.errors import InvalidMetadata, NotFound, PermissionDenied
from reports import service
from tests.factories import NOW, another_agency
from tests.reports.dataset import drills, grid

VP, TCKH = "Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"
# entries, no dossier, opened, closed, submitted, accepted, open late, hand-over overdue, registered, never filed
HEADINGS = [
    "Code",
    "Unit",
    "List entries",
    "Entries with no dossier",
    "Dossiers opened",
    "Closed",
    "Submitted to the archive",
    "Accepted by the archive",
    "Open past their expected end",
    "Past the hand-over deadline",
    "Registered documents sent",
    "Registered documents never filed",
]


def report(agency, username="head", year=2026, unit=None):
    world = agency.world
    return service.compliance_report(agency.session, world.actor(username), world.org.id, unit, year, now=NOW)


def test_every_figure_per_unit_and_the_total(agency):
    units = report(agency).table("units")
    assert [column.heading for column in units.columns] == HEADINGS
    assert grid(units) == [
        # TCKH: e5-e7 opened (D5 archived, D6 submitted, D7 returned); r3, r5 sent to it, neither filed.
        ["TCKH", TCKH, 3, 0, 3, 3, 2, 1, 0, 0, 2, 2],
        # VP: e1-e4, e15 and the ad-hoc entry; D1, D2 open (D2 past its end), D15 handed over, D8 overdue since 1/5;
        # r1 filed in D1, r2 not.
        ["VP", VP, 6, 2, 4, 2, 1, 1, 1, 1, 2, 1],
        ["", "Sent to no unit", 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],  # r4, outgoing
        ["", "Total", 9, 2, 7, 5, 3, 2, 1, 1, 5, 4],
    ]


def test_every_figure_per_person(agency):
    people = report(agency).table("people")
    assert [column.heading for column in people.columns][:2] == ["Unit", "Person"]
    assert grid(people) == [
        [TCKH, "Nguyễn Văn officer2", 3, 0, 3, 3, 2, 1, 0, 0, 1, 1],
        [TCKH, "Nobody named", 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],  # r5, sent to the unit only
        [VP, "Nguyễn Văn officer1", 4, 1, 3, 1, 1, 1, 1, 0, 1, 0],
        [VP, "Nguyễn Văn unithead", 1, 0, 1, 1, 0, 0, 0, 1, 0, 0],  # the ad-hoc D8
        [VP, "Nobody named", 1, 1, 0, 0, 0, 0, 0, 0, 1, 1],  # e4 and r2
    ]


def test_an_earlier_year_counts_its_own_dossiers_and_a_kept_back_one_is_not_late(agency):
    # 2024: D9 closed and not submitted by 31/12/2025; D10 likewise but kept back until 30/6/2027; D13 is kept by its
    # unit (2 years); D14 archived.
    assert grid(report(agency, year=2024).table("units")) == [
        ["TCKH", TCKH, 2, 0, 2, 2, 1, 1, 0, 0, 0, 0],
        ["VP", VP, 2, 0, 2, 2, 0, 0, 0, 1, 0, 0],
        ["", "Total", 4, 0, 4, 4, 1, 1, 0, 1, 0, 0],
    ]
    assert grid(report(agency, year=2019).table("units")) == [
        ["TCKH", TCKH, *[0] * 10],
        ["VP", VP, *[0] * 10],
        ["", "Total", *[0] * 10],
    ]


def test_each_number_lists_exactly_the_records_it_counts(agency):
    world, session = agency.world, agency.session
    for cell, drill in drills(report(agency)):
        page = service.list_behind(
            session,
            world.actor("head"),
            world.org.id,
            "compliance",
            drill.figure,
            drill.params(),
            now=NOW,
            handover_years=5,
        )
        assert page.total == cell.value, drill
    opened_by_officer1 = service.list_behind(
        session,
        world.actor("head"),
        world.org.id,
        "compliance",
        "opened",
        {"year": "2026", "unit": str(world.unit_a.id), "person": str(world.users["officer1"].id)},
        now=NOW,
        handover_years=5,
    )
    codes = {agency.dossiers[name].file_code for name in ("D1", "D2", "D15")}
    assert {line.code for line in opened_by_officer1.lines} == codes
    assert all(line.link == line.id and line.title for line in opened_by_officer1.lines)
    unfiled = service.list_behind(
        session,
        world.actor("head"),
        world.org.id,
        "compliance",
        "unfiled_documents",
        {"year": "2026"},
        now=NOW,
        handover_years=5,
    )
    assert sorted(line.code for line in unfiled.lines) == sorted(
        f"{agency.registered[name].number}/2026" for name in ("r2", "r3", "r4", "r5")
    )
    nobody = service.list_behind(
        session,
        world.actor("head"),
        world.org.id,
        "compliance",
        "unfiled_entries",
        {"year": "2026", "unit": str(world.unit_a.id), "person": "none"},
        now=NOW,
        handover_years=5,
    )
    assert [(line.title, line.person) for line in nobody.lines] == [("Hồ sơ e4 năm 2026", "")]


def test_a_unit_head_reads_their_unit_only_and_others_nothing(agency):
    world, session = agency.world, agency.session
    own = report(agency, "unithead")
    assert grid(own.table("units")) == [
        ["VP", VP, 6, 2, 4, 2, 1, 1, 1, 1, 2, 1],
        ["", "Total", 6, 2, 4, 2, 1, 1, 1, 1, 2, 1],
    ]
    assert {row[0].value for row in own.table("people").rows} == {VP}
    assert grid(report(agency, "unithead", unit=world.unit_a.id).table("units"))[0][0] == "VP"
    with pytest.raises(PermissionDenied):
        report(agency, "unithead", unit=world.unit_b.id)
    for figure, params in (("opened", {"unit": str(world.unit_b.id)}), ("registered", {"unit": "none"})):
        with pytest.raises(PermissionDenied):
            service.list_behind(
                session, world.actor("unithead"), world.org.id, "compliance", figure, {"year": "2026", **params},
                now=NOW, handover_years=5,
            )  # fmt: skip
    # Without a unit, the unit head's list is their unit's: the other unit's dossiers are not in it.
    mine = service.list_behind(
        session,
        world.actor("unithead"),
        world.org.id,
        "compliance",
        "opened",
        {"year": "2026"},
        now=NOW,
        handover_years=5,
    )
    assert mine.total == 4 and {line.unit for line in mine.lines} == {VP}
    for username in ("officer1", "registry", "council1", "admin"):
        with pytest.raises(PermissionDenied):
            report(agency, username)
    for username in ("head", "archivist"):
        assert grid(report(agency, username).table("units"))[-1][2:] == [9, 2, 7, 5, 3, 2, 1, 1, 5, 4]


def test_another_organisation_is_never_reported(agency):
    world, session = agency.world, agency.session
    with session.begin_nested() as savepoint:
        other = another_agency(session, world, agency.store, NOW)
        with pytest.raises(NotFound):
            report(agency, unit=other.unit.id)  # its unit is unknown here
        with pytest.raises(NotFound):
            service.compliance_report(session, world.actor("head"), other.org.id, None, 2026, now=NOW)
        theirs = service.compliance_report(session, other.actors["head2"], other.org.id, None, 2026, now=NOW)
        assert grid(theirs.table("units")) == [
            ["VP", "Văn phòng quận Ba Đình", 1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            ["", "Total", 1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        ]
        assert grid(report(agency).table("units"))[-1][2:] == [9, 2, 7, 5, 3, 2, 1, 1, 5, 4]  # ours unchanged
        savepoint.rollback()


def test_bad_filters_are_refused_in_words(agency):
    world, session = agency.world, agency.session
    with pytest.raises(InvalidMetadata) as refused:
        report(agency, year=99999)
    assert refused.value.problems[0].field == "year"
    head = world.actor("head")
    for figure, params in (("unknown", {"year": "2026"}), ("opened", {"year": "2026", "unit": "abc"})):
        with pytest.raises(NotFound):
            service.list_behind(session, head, world.org.id, "compliance", figure, params, now=NOW, handover_years=5)
    with pytest.raises(InvalidMetadata):
        service.list_behind(
            session, head, world.org.id, "compliance", "opened", {"year": "20x6"}, now=NOW, handover_years=5
        )
    with pytest.raises(NotFound):  # a page past the last
        service.list_behind(
            session, head, world.org.id, "compliance", "opened", {"year": "2026"}, now=NOW, handover_years=5, page=2
        )
