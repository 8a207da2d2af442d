"""Scheduled jobs: the due flag and notices, and two schedulers racing for the same runs."""

import threading
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from erms import jobs, migrate, notices
from erms.db import make_engine, make_session_factory, transaction
from erms.models import AppraisalWorkItem, JobRun, Notification
from retention import appraisal
from tests.factories import World


def test_daily_job_flags_newly_due_dossiers_once_and_tells_the_archivists(world, session, make_dossier, later):
    dossier = make_dossier("archived")
    today = date(2037, 1, 1)
    assert appraisal.flag_due_dossiers(session, today, now=later) == 1
    assert appraisal.flag_due_dossiers(session, today, now=later) == 0  # already a work item
    assert session.scalar(select(AppraisalWorkItem.dossier_id)) == dossier.id
    told = notices.newest(session, world.users["archivist"].id)
    assert [(notice.template, notice.params) for notice in told if notice.kind == "appraisal_due"] == [
        ("%(count)s dossiers became due for appraisal.", '{"count": 1}')
    ]
    assert [notice.kind for notice in notices.newest(session, world.users["officer1"].id)] == ["dossier_list_approved"]


def test_yearly_and_overdue_reminders(world, session, make_dossier, later):
    make_dossier("closed")  # closed in 2026, a 10-year dossier: due at the archive by 31/12/2027
    assert appraisal.flag_overdue_handovers(session, date(2027, 12, 31), now=later) == 0
    assert appraisal.flag_overdue_handovers(session, date(2028, 1, 1), now=later) == 1
    assert appraisal.remind_dossier_list(session, date(2037, 1, 1), now=later) == 1
    registry = notices.newest(session, world.users["registry"].id)
    assert registry[0].kind == "dossier_list_reminder" and '"year": 2037' in registry[0].params


def test_two_schedulers_at_once_run_each_job_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    factory = make_session_factory(engine)
    now = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    with transaction(factory) as session:
        World(session, now)  # an organisation without an approved list for 2027: the registry gets reminded
    start, results = threading.Barrier(2), {}

    def scheduler(name: str) -> None:
        start.wait()
        results[name] = jobs.run_due(factory, now=now, holder=name)

    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ("web-1", "web-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(ran) for ran in results.values()) == [0, len(jobs.JOBS)]  # one ran every job, the other none
    # The lease expires two minutes later; another process then takes it but finds today's runs claimed.
    assert jobs.run_due(factory, now=now.replace(hour=2), holder="web-3") == {}
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == len(jobs.JOBS)
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
    engine.dispose()
