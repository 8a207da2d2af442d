"""The worker's check of the metadata seals (PL6 III.7.đ): every closed dossier compared with its seal, day after
day; a change made in the database outside ERMS is audited and told once to the archivists of its organisation,
naming the elements (never the values), and cleared when put back; a dossier closed before seals existed is sealed by
its first check; open and destroyed dossiers are left alone; ``erms fixity metadata`` names each change and exits 1."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import create_engine, select, text

from administration import metadata_fixity
from administration.metadata_fixity import Found, Outcome
from erms import jobs, notices
from erms.cli import erms_group
from erms.models import AuditEvent, Dossier, MetadataSeal, Role
from tests.administration.test_fixity import runner  # noqa: F401  (a SQLite instance with a closed dossier)
from tests.erms.test_metadata_seal import outside
from tests.factories import NOW, another_agency

LATER = NOW + timedelta(days=2)
SUBJECT_CHANGED = "văn bản số 2: Trích yếu nội dung"


def audited(session, action: str) -> list[dict]:
    return [
        json.loads(details)
        for details in session.scalars(select(AuditEvent.details).where(AuditEvent.action == action))
    ]


def told(session, user_id: int) -> list[dict]:
    """The params of the notices of a change outside ERMS that the person has."""
    return [
        json.loads(notice.params) for notice in notices.newest(session, user_id) if notice.kind == "metadata_changed"
    ]


def test_an_unchanged_dossier_is_checked_and_stays_quiet(session, session_factory, make_dossier, world):
    dossier = make_dossier("archived")
    assert metadata_fixity.check(session_factory, clock=lambda: LATER) == [
        Found(dossier.id, dossier.file_code, Outcome.INTACT)
    ]
    session.expire_all()
    kept = session.get(MetadataSeal, dossier.id)
    assert kept.checked_at == LATER and not kept.changed
    assert audited(session, "dossier.metadata_changed") == [] and told(session, world.users["archivist"].id) == []


def test_a_change_outside_erms_is_told_once_to_each_archivist_of_its_organisation(
    session, session_factory, make_dossier, world, store, now
):
    dossier = make_dossier("closed", documents=2)
    second_archivist = world.user("archivist_b", Role.ARCHIVIST, None)
    other = another_agency(session, world, store, now)
    outside(session, "update documents set subject = 'Trích yếu khác' where id = :id", id=dossier.links[1].document_id)
    first = metadata_fixity.check(session_factory, clock=lambda: LATER)
    again = metadata_fixity.check(session_factory, clock=lambda: LATER + timedelta(days=1))
    changed = Found(dossier.id, dossier.file_code, Outcome.CHANGED, SUBJECT_CHANGED)
    assert first == again == [changed]  # still changed, still said, but told only once
    assert audited(session, "dossier.metadata_changed") == [{"changes": SUBJECT_CHANGED}]
    for archivist in (world.users["archivist"], second_archivist):
        assert told(session, archivist.id) == [{"code": dossier.file_code, "changes": SUBJECT_CHANGED}]
    assert told(session, world.users["officer1"].id) == [] and told(session, other.actors["archivist2"].user_id) == []
    assert "Trích yếu khác" not in str(audited(session, "dossier.metadata_changed"))
    session.expire_all()
    assert session.get(MetadataSeal, dossier.id).changed


def test_putting_the_value_back_clears_the_change_and_a_later_one_is_told_again(
    session, session_factory, make_dossier, world
):
    dossier = make_dossier("closed")
    title = dossier.title
    outside(session, "update dossiers set title = 'Hồ sơ khác' where id = :id", id=dossier.id)
    assert [item.outcome for item in metadata_fixity.check(session_factory, clock=lambda: LATER)] == [Outcome.CHANGED]
    outside(session, "update dossiers set title = :title where id = :id", title=title, id=dossier.id)
    assert [item.outcome for item in metadata_fixity.check(session_factory, clock=lambda: LATER)] == [Outcome.RESTORED]
    session.expire_all()
    assert not session.get(MetadataSeal, dossier.id).changed
    assert audited(session, "dossier.metadata_restored") == [{}]  # the log says it was put back
    outside(session, "update dossiers set title = 'Hồ sơ khác nữa' where id = :id", id=dossier.id)
    third = LATER + timedelta(days=1)
    assert [item.outcome for item in metadata_fixity.check(session_factory, clock=lambda: third)] == [Outcome.CHANGED]
    assert (
        len(audited(session, "dossier.metadata_changed")) == 2 and len(told(session, world.users["archivist"].id)) == 2
    )


def test_a_dossier_closed_before_seals_existed_is_sealed_first_by_its_first_check(
    session, session_factory, make_dossier
):
    sealed, unsealed = make_dossier("closed"), make_dossier("submitted")
    outside(session, "delete from metadata_seals where dossier_id = :id", id=unsealed.id)
    first = metadata_fixity.check(session_factory, clock=lambda: LATER, limit=1)
    assert first == [Found(unsealed.id, unsealed.file_code, Outcome.SEALED)]
    kept = session.get(MetadataSeal, unsealed.id)
    assert audited(session, "dossier.sealed") == [{"metadata_sha256": kept.sha256}] and kept.checked_at == LATER
    outside(session, "update dossiers set title = 'Hồ sơ khác' where id = :id", id=unsealed.id)
    found = metadata_fixity.check(session_factory, clock=lambda: LATER + timedelta(hours=1))
    assert [(item.dossier_id, item.outcome) for item in found] == [
        (sealed.id, Outcome.INTACT),  # checked longest ago (on closing) first
        (unsealed.id, Outcome.CHANGED),  # its new seal holds what it was
    ]


def test_open_and_destroyed_dossiers_are_not_checked(session, session_factory, make_dossier):
    make_dossier("open")
    destroyed = make_dossier("closed")
    outside(session, "update dossiers set state = 'destroyed', title = 'Hồ sơ khác' where id = :id", id=destroyed.id)
    assert metadata_fixity.check(session_factory, clock=lambda: LATER) == []
    assert session.get(MetadataSeal, destroyed.id).checked_at == NOW  # as sealed on closing


def test_the_worker_checks_a_batch_under_its_lease_and_leaves_recent_checks_alone(
    session, session_factory, make_dossier
):
    dossier = make_dossier("closed")
    outside(session, "update dossiers set title = 'Hồ sơ khác' where id = :id", id=dossier.id)
    settings = {"METADATA_CHECK_DAYS": 1}
    assert jobs.metadata_round(session_factory, settings, "other-host:1") == []
    with session_factory() as lease_session:
        assert jobs.acquire_lease(lease_session, "worker:1", now=jobs.utcnow())
        lease_session.commit()
    found = jobs.metadata_round(session_factory, settings, "worker:1")
    assert [(item.file_code, item.outcome) for item in found] == [(dossier.file_code, Outcome.CHANGED)]
    assert jobs.metadata_round(session_factory, settings, "worker:1") == []  # checked today: tomorrow again
    assert len(audited(session, "dossier.metadata_changed")) == 1


def test_the_command_names_each_changed_dossier_and_exits_1(runner):  # noqa: F811
    intact = runner.invoke(erms_group, ["fixity", "metadata"])
    assert intact.exit_code == 0 and "metadata intact: 1 dossiers as sealed" in intact.output
    engine = create_engine(f"sqlite:///{runner.env['ERMS_DATA_DIR']}/erms.sqlite3")
    with engine.begin() as connection:
        code = connection.scalar(select(Dossier.file_code))
        connection.execute(text("update dossiers set title = 'Hồ sơ khác'"))
    engine.dispose()
    failed = runner.invoke(erms_group, ["fixity", "metadata", "--dossier", code])
    assert failed.exit_code == 1
    assert f"changed  {code}: Tiêu đề hồ sơ" in failed.output and "1 of 1 dossiers changed" in failed.output
    assert "Hồ sơ khác" not in failed.output
    unknown = runner.invoke(erms_group, ["fixity", "metadata", "--dossier", "KHONG-CO"])
    assert unknown.exit_code == 1 and "error: No closed dossier has the code KHONG-CO" in unknown.output
