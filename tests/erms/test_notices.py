"""Notices told as steps happen: a submission to the archivists, a returned dossier to its officer, an incoming
document to the unit it was sent to, an approved list to those who open its dossiers; each once, each linked."""

from datetime import date

from erms import notices
from erms.models import Role
from erms.models.register import RegisterKind
from filing import dossiers, registers, reminders
from tests.factories import DOCUMENT, upload


def told(session, world, username: str, kind: str) -> list:
    return [notice for notice in notices.newest(session, world.users[username].id) if notice.kind == kind]


def test_a_submission_tells_the_archivists_and_a_return_tells_its_officer_why(world, session, store, now, make_dossier):
    dossier = make_dossier("submitted")
    (waiting,) = told(session, world, "archivist", "transfer_submitted")
    assert waiting.subject_type == "transfer" and '"count": 1' in waiting.params
    assert told(session, world, "officer1", "transfer_submitted") == []
    item = dossiers.pending_items(session, world.actor("archivist"))[0]
    dossiers.reject(session, world.actor("archivist"), item.id, "Thiếu mục lục văn bản", now=now)
    (returned,) = told(session, world, "officer1", "dossier_returned")
    assert (returned.subject_type, returned.subject_id) == ("dossier", dossier.id)
    assert "Thiếu mục lục văn bản" in returned.params and dossier.file_code in returned.params
    assert told(session, world, "officer2", "dossier_returned") == []


def test_an_incoming_document_sent_to_a_unit_tells_its_people_only(world, session, store, now):
    registry = world.actor("registry")
    entry = registers.register_document(
        session, registry, world.org.id, RegisterKind.INCOMING, dict(DOCUMENT), upload(), store=store, now=now
    )
    registers.assign_unit(
        session, registry, world.org.id, entry.year, entry.series, entry.number, world.unit_a.id, now=now
    )
    for username in ("officer1", "unithead"):
        (notice,) = told(session, world, username, "document_assigned")
        assert notice.subject_type == "register_entry" and world.unit_a.name in notice.params
    assert told(session, world, "officer2", "document_assigned") == []
    assert told(session, world, "archivist", "document_assigned") == []


def test_an_approved_list_tells_the_registry_and_those_who_open_dossiers(world, session):
    world.approved_list()
    for username in ("registry", "officer1", "officer2", "unithead"):
        assert len(told(session, world, username, "dossier_list_approved")) == 1
    assert told(session, world, "head", "dossier_list_approved") == []  # the head approved it
    assert told(session, world, "council1", "dossier_list_approved") == []


def test_a_person_is_told_once_and_an_inactive_person_not_at_all(world, session, now):
    world.users["officer2"].active = False
    people = {world.users["officer1"].id, world.users["officer2"].id}
    assert notices.tell(session, people, "test", "1", "Hello", now=now) == 1
    assert notices.tell(session, people, "test", "1", "Hello", now=now) == 0
    assert notices.unseen_count(session, world.users["officer1"].id) == 1 + len(
        told(session, world, "officer1", "dossier_list_approved")
    )
    assert told(session, world, "officer2", "test") == []


def test_roles_are_told_by_organisation(world, session, now):
    assert notices.tell_role(session, world.org.id, Role.COUNCIL, "test", "1", "Hello", now=now) == 1
    assert len(told(session, world, "council1", "test")) == 1


def test_deadlines_are_told_ahead_once_to_whoever_must_act(world, session, store, now, make_dossier):
    registry = world.actor("registry")
    data = dict(DOCUMENT, due_date="2026-06-10")
    entry = registers.register_document(
        session, registry, world.org.id, RegisterKind.INCOMING, data, upload(), store=store, now=now
    )
    registers.assign_unit(
        session, registry, world.org.id, entry.year, entry.series, entry.number, world.unit_a.id, now=now
    )
    assert reminders.remind_handling(session, date(2026, 6, 7), now=now) == 0  # three days ahead: not yet
    assert reminders.remind_handling(session, date(2026, 6, 8), now=now) == 2  # officer1 and the unit head
    assert reminders.remind_handling(session, date(2026, 6, 11), now=now) == 0  # told once
    (notice,) = told(session, world, "officer1", "handling_due")
    assert "10/06/2026" in notice.params and told(session, world, "officer2", "handling_due") == []

    dossier = make_dossier("closed")  # work of 2026, due at the agency archive by 31/12/2027
    assert reminders.remind_handover(session, date(2027, 11, 30), now=now) == 0
    assert reminders.remind_handover(session, date(2027, 12, 1), now=now) == 1
    assert reminders.remind_handover(session, date(2028, 1, 5), now=now) == 0
    (notice,) = told(session, world, "officer1", "handover_due")
    assert (notice.subject_type, notice.subject_id) == ("dossier", dossier.id) and "31/12/2027" in notice.params
