"""The dossier list, second pass (issue 22): the person of an entry is one who forms dossiers in its unit (never a
council member nor another unit's officer), a period of several years survives copy-forward, and an entry given no
heading still gets a notation with its unit's usual heading."""

from __future__ import annotations

import pytest

from classification import dossier_list as dossier_lists
from erms.errors import InvalidMetadata


def test_only_a_person_of_the_entrys_unit_forms_its_dossier(session, world, now):
    planned = world.approved_list(2026, entries=1)
    registry = world.actor("registry")
    for outsider in ("council1", "officer2", "archivist"):
        with pytest.raises(InvalidMetadata, match="works in that unit"):
            dossier_lists.add_entry(
                session,
                registry,
                planned.id,
                title="Hồ sơ",
                unit_id=world.unit_a.id,
                retention_row_id=world.rows["10y"].id,
                responsible_user_id=world.users[outsider].id,
                now=now,
            )
        with pytest.raises(InvalidMetadata, match="works in that unit"):
            dossier_lists.assign_entry(
                session, registry, planned.entries[0].id, world.unit_a.id, world.users[outsider].id, now=now
            )
    added = dossier_lists.add_entry(
        session,
        registry,
        planned.id,
        title="Hồ sơ",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        responsible_user_id=world.users["unithead"].id,
        now=now,
    )
    assert added.responsible_user_id == world.users["unithead"].id
    moved = dossier_lists.assign_entry(
        session, registry, added.id, world.unit_b.id, world.users["officer2"].id, now=now
    )
    assert (moved.unit_id, moved.responsible_user_id) == (world.unit_b.id, world.users["officer2"].id)


def test_copy_forward_keeps_a_period_of_several_years(session, world, now):
    planned = world.approved_list(2026, entries=1)
    registry = world.actor("registry")
    for title in ("Đề án cải cách hành chính giai đoạn 2026-2031", "Kế hoạch công tác năm 2026", "Từ 2024 đến 2026"):
        dossier_lists.add_entry(
            session,
            registry,
            planned.id,
            title=title,
            unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id,
            now=now,
        )
    copied = dossier_lists.copy_forward(session, registry, world.org.id, 2027, now=now)
    assert [entry.title for entry in copied.entries][1:] == [
        "Đề án cải cách hành chính giai đoạn 2026-2031",
        "Kế hoạch công tác năm 2027",
        "Từ 2024 đến 2026",
    ]


def test_an_entry_without_a_heading_is_noted_under_its_units_usual_heading(session, world, now):
    planned = world.approved_list(2026, entries=2)  # two entries of unit A under "I. Tổng hợp" (TH)
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        planned.id,
        title="Hồ sơ phát sinh",
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    assert ad_hoc.file_notation == "03.TH" and ad_hoc.heading is not None
    other = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer2"),
        planned.id,
        title="Hồ sơ của phòng khác",
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    assert other.file_notation == "04.TH"  # a unit with no entry yet: the list's first heading
