"""A person moved to another unit (or gone) leaves their dossiers to the old unit: their home no longer lists them,
and what happens to them (returned by the archive, due for hand-over) is told to the old unit's people (found trying
the administrator's first week)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from sqlalchemy import select

from administration import people
from erms import notices
from erms.models import Notification, TransferItem
from filing import dossiers, reminders


def told(session, world, name: str, kind: str) -> int:
    found = select(Notification).where(Notification.user_id == world.users[name].id, Notification.kind == kind)
    return len(session.scalars(found).all())


def test_a_moved_officers_home_drops_the_old_units_dossiers_and_its_people_are_told(
    browsers, session, world, now, make_dossier
):
    kept_open, submitted = make_dossier("open"), make_dossier("submitted")
    kept_open.title = "Hồ sơ công tác văn thư năm 2026 của Văn phòng"
    people.move_person(session, world.actor("admin"), world.users["officer1"].id, world.unit_b.id, now=now)
    session.commit()
    home = html.unescape(browsers("officer1").get("/").get_data(as_text=True))
    assert kept_open.title not in home and kept_open.file_code not in home
    item = session.scalar(select(TransferItem).where(TransferItem.dossier_id == submitted.id))
    dossiers.reject(session, world.actor("archivist"), item.id, "Thiếu biên bản họp", now=now)
    assert told(session, world, "unithead", "dossier_returned") == 1  # unit A's people, in its place
    assert told(session, world, "officer1", "dossier_returned") == 0  # who no longer reads it
    session.commit()
    assert "Thiếu biên bản họp" not in html.unescape(browsers("officer1").get("/notices/").get_data(as_text=True))


def test_a_closed_dossier_due_for_hand_over_is_told_to_its_unit_once_its_maker_left(session, world, make_dossier):
    closed = make_dossier("closed")
    world.users["officer1"].active = False
    session.flush()
    due = dossiers.due_on(closed)
    reminders.remind_handover(session, due, now=datetime(due.year, due.month, due.day, 3, tzinfo=UTC))
    assert told(session, world, "unithead", "handover_due") == 1
    assert told(session, world, "officer1", "handover_due") == 0


def test_an_entry_assigned_to_one_who_left_goes_back_to_the_unit(session, world, now):
    entry = world.approved_list(entries=1).entries[0]
    entry.responsible_user_id = world.users["officer1"].id
    world.user("officer3", world.users["officer1"].memberships[0].role, world.unit_a)
    session.flush()
    assert entry not in dossiers.my_entries(session, world.actor("officer3"))  # officer1's, while they are there
    assert entry in dossiers.my_entries(session, world.actor("officer1"))
    world.users["officer1"].active = False
    session.flush()
    assert entry in dossiers.my_entries(session, world.actor("officer3"))
    assert entry in dossiers.my_entries(session, world.actor("unithead"))


def test_a_moved_officer_no_longer_reads_notices_about_the_old_units_records(
    browsers, session, world, now, make_dossier
):
    old, mine_still = make_dossier("open"), make_dossier("open")
    old.title = "Hồ sơ thanh tra nội bộ của Văn phòng"
    mine_still.unit_id = world.unit_b.id  # a dossier of the unit the officer moves to
    officer = world.users["officer1"].id
    for dossier, key in ((old, "old"), (mine_still, "new")):
        notices.tell(
            session, [officer], "draft_opinion", key, "Dossier %(title)s has an opinion.",
            subject=("dossier", dossier.id), now=now, title=dossier.title,
        )  # fmt: skip
    people.move_person(session, world.actor("admin"), officer, world.unit_b.id, now=now)
    session.commit()
    page = html.unescape(browsers("officer1").get("/notices/").get_data(as_text=True))
    assert old.title not in page and f"/dossiers/{old.id}" not in page
    assert mine_still.title in page
