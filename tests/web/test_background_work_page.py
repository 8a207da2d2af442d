"""The deployment administrator's page of background work: every organisation's jobs, whether the worker runs,
and stopping a job that may stop (audited)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from erms import background, intake_runner, jobs
from erms.errors import N_, RuleViolation
from erms.models import AuditEvent, BackgroundJob, SchedulerLease
from erms.models.background import JobState
from erms.web.background_jobs import KINDS


@pytest.fixture
def deployment_admin(session, world, browsers):
    """The administrator of the deployment (the demo's "admin" given the deployment's right)."""
    world.users["admin"].system_admin = True
    session.commit()
    return browsers("admin")


def queue(session, world, kind: str, subject: str, by: str | None, now) -> BackgroundJob:
    user_id = world.users[by].id if by else None
    job = background.enqueue(session, user_id, kind, subject, {}, now=now)
    session.commit()
    return job


def page_of(browser) -> str:
    return html.unescape(browser.get("/jobs/").get_data(as_text=True))


def test_every_kind_of_background_work_has_words():
    assert set(background.HANDLERS) == set(KINDS)


def test_the_deployment_administrator_sees_every_job_and_whether_the_worker_runs(deployment_admin, session, world, now):
    assert "Chưa có tiến trình worker nào chạy." in page_of(deployment_admin)
    build = queue(session, world, jobs.HANDOVER_BUILD_JOB, "handover_batch:7", "archivist", now)
    destruction = queue(session, world, jobs.DESTRUCTION_JOB, "destruction_list:3", "archivist", now)
    backup = queue(session, world, jobs.BACKUP_JOB, "backup:2026-03-02", None, now)
    session.add(
        SchedulerLease(name=jobs.LEASE, holder="may-chu:4242", expires_at=datetime.now(UTC) + timedelta(minutes=2))
    )
    session.commit()
    response = deployment_admin.get("/jobs/")
    assert response.headers["Refresh"] == "10"  # work is waiting: the page follows it
    page = html.unescape(response.get_data(as_text=True))
    assert "Tiến trình worker may-chu:4242 đang chạy" in page
    assert "Lập gói tin giao nộp" in page and "lô giao nộp số 7" in page and "Thực hiện hủy" in page
    assert page.count("chờ worker") == 3 and world.users["archivist"].full_name in page and "hệ thống" in page
    stops = {job.id: f'action="/jobs/{job.id}/cancel"' in page for job in (build, destruction, backup)}
    assert stops == {build.id: True, destruction.id: False, backup.id: True}  # a destruction runs to its end
    stopped = deployment_admin.post(f"/jobs/{build.id}/cancel", {"back": "overview"})
    assert stopped.headers["Location"] == "/jobs/"
    session.expire_all()
    assert session.get(BackgroundJob, build.id).state is JobState.CANCELLED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "job.stop_asked"))
    # Logged against the batch: the organisation's readers of the log see who stopped its build.
    assert (event.actor_id, event.subject_type, event.subject_id) == (world.users["admin"].id, "handover_batch", 7)
    assert json.loads(event.details) == {"kind": jobs.HANDOVER_BUILD_JOB, "job": build.id}
    refused = deployment_admin.post(f"/jobs/{destruction.id}/cancel", {"back": "overview"}, follow_redirects=True)
    assert "không thể dừng" in html.unescape(refused.get_data(as_text=True))
    assert session.get(BackgroundJob, destruction.id).state is JobState.QUEUED
    session.get(SchedulerLease, jobs.LEASE).expires_at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    session.commit()
    page = page_of(deployment_admin)
    assert "Không có tiến trình worker nào đang chạy: tiến trình gần nhất, may-chu:4242, đã ngừng trả lời lúc" in page
    assert "02/03/2026 08:00" in page  # its lease's end, in Vietnam's time
    ended = page.split('id="ended"')[1]
    assert "Lập gói tin giao nộp" in ended and "đã dừng" in ended


def test_an_ended_job_says_how_far_it_got_or_why_it_failed(deployment_admin, session, world, now):
    rebuilt = queue(session, world, jobs.SEARCH_REBUILD_JOB, jobs.SEARCH_REBUILD_SUBJECT, None, now)
    refused = queue(session, world, jobs.DESTRUCTION_JOB, "destruction_list:3", "archivist", now)
    crashed = queue(session, world, jobs.BACKUP_JOB, "backup:2026-03-02", None, now)
    swept = queue(session, world, jobs.SWEEP_JOB, "sweep:2026-03-02", None, now)
    imported = queue(session, world, intake_runner.LEGACY_JOB, f"intake:{world.org.id}", "archivist", now)
    ends = {
        rebuilt: (JobState.DONE, "120/120", ""),
        refused: (
            JobState.FAILED,
            "",
            background.refusal_text(RuleViolation(N_("This work has already ended; there is nothing to stop."))),
        ),
        crashed: (JobState.FAILED, "", "BackupError: Backup to usb (/mnt/usb) failed: No space left on device"),
        swept: (JobState.DONE, '{"expired": 1, "removed": 2}', ""),
        imported: (JobState.DONE, '{"done": 6, "total": 6}', ""),
    }
    for job, (state, progress, error) in ends.items():
        job.state, job.progress, job.error, job.finished_at = state, progress, error, now
    session.commit()
    response = deployment_admin.get("/jobs/")
    assert "Refresh" not in response.headers
    page = html.unescape(response.get_data(as_text=True))
    assert "Không có công việc nào đang chờ hoặc đang chạy." in page
    assert "Dựng lại chỉ mục tìm kiếm" in page and "120 trên 120" in page
    assert "Công việc này đã kết thúc; không còn gì để dừng." in page  # the refusal, in the reader's language
    assert "BackupError: Backup to usb (/mnt/usb) failed: No space left on device" in page
    assert "đã xóa 2 tệp không thuộc hồ sơ, văn bản nào; 1 lượt tải lên hết hạn" in page
    assert f"{world.org.code} · {world.org.name}" in page and "6 trên 6" in page  # an import, by its organisation
    assert json.loads(session.get(BackgroundJob, refused.id).error)  # kept as written; only the page translates


def test_the_deployment_administrators_home_says_when_the_worker_is_down_or_the_last_backup_failed(
    deployment_admin, session, world, now, browsers
):
    def steps(browser) -> str:
        return html.unescape(browser.get("/").get_data(as_text=True)).split('id="waiting"')[-1]

    down = "Không có tiến trình worker nào đang chạy: việc lập gói tin, nhập tài liệu, sao lưu và chỉ mục tìm kiếm"
    failed = "Lần sao lưu gần nhất không thành công: trang công việc chạy nền cho biết lý do."
    assert down in steps(deployment_admin) and 'href="/jobs/"' in steps(deployment_admin)
    assert 'id="dossiers"' in deployment_admin.get("/").get_data(as_text=True)  # "admin" holds a role too
    assert down not in steps(browsers("archivist"))  # the deployment's administrator's to answer for
    session.add(SchedulerLease(name=jobs.LEASE, holder="may-chu:1", expires_at=datetime.now(UTC) + timedelta(hours=1)))
    backup = queue(session, world, jobs.BACKUP_JOB, "backup:2026-03-02", None, now)
    backup.state, backup.error = JobState.FAILED, "BackupError: usb is not there"
    session.commit()
    assert down not in steps(deployment_admin) and failed in steps(deployment_admin)
    queue(session, world, jobs.BACKUP_JOB, "backup:2026-03-03", None, now).state = JobState.DONE  # the next night's
    session.commit()
    assert failed not in steps(deployment_admin)
