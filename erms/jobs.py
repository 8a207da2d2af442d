"""Scheduled jobs and long procedures: thin adapters that own the transactions and call the services.

One scheduler per deployment (docs/architecture.md §3): every process may start one, but each tick
first takes the database lease, and each job claims its period ("2026-06-15", "2026") by a
unique row before it runs, so two schedulers at once still run a job once. ``erms jobs run-due``
runs the due jobs once, for cron-minded operators and for tests.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from administration import backup, backup_register, fixity, lookups, metadata_fixity, orphans
from erms import (
    accounts,
    background,
    extract,
    intake_runner,  # noqa: F401  (the intake jobs' handlers register as it is imported)
    mail,
    notices,
    permissions,
    search,
)
from erms.config import LOCAL_TZ, TIMEZONE
from erms.db import transaction
from erms.errors import N_, NotFound, PermissionDenied, RuleViolation
from erms.models import BackgroundJob, JobRun, LookupKind, SchedulerLease
from erms.models.background import JobState
from erms.permissions import Actor, load_actor
from erms.search_index import records
from erms.storage import FileStore
from exports import handover
from exports.bagging import verify
from exports.pdf import destruction_record
from filing import (
    access,
    format_records,
    formats,
    libreoffice,
    preservation,
    recognised,
    reminders,
    signature_checks,
    signatures,
    suggestions,
    uploads,
)
from holdings import use_requests
from retention import appraisal, destruction

log = logging.getLogger(__name__)

LEASE = "scheduler"
LEASE_SECONDS = 120
TICK_SECONDS = 60
# How often the worker looks for queued background jobs: a page's work starts within this.
QUEUE_SECONDS = 2
SEARCH_REBUILD_JOB = "search.rebuild"
SEARCH_REBUILD_SUBJECT = "search_index"
BACKUP_JOB = "backup.create"
SWEEP_JOB = "store.sweep"
# A fixity round: the worker re-reads files for at most this long, then leaves the disk alone until the next one.
FIXITY_SECONDS = 60
# A round of the metadata seals' check takes at most this many dossiers (a few seconds of reading the database).
METADATA_BATCH = 500
# How often the worker looks for files to copy into PDF/A: apart from the queue's round, which a batch of
# conversions (seconds each) would hold up.
PRESERVATION_SECONDS = 30


@dataclass(frozen=True)
class Job:
    """A job: its name, the period a run covers (one run per period) and the service it calls."""

    name: str
    period: Callable[[date], str]
    run: Callable[..., int]


def queue_backup(session: Session, today: date, *, now: datetime) -> int:
    """Queue today's backup for the worker (a backup outlives any transaction: it is a background job)."""
    background.enqueue(session, None, BACKUP_JOB, f"backup:{today.isoformat()}", {}, now=now)
    return 1


def queue_sweep(session: Session, today: date, *, now: datetime) -> int:
    """Queue today's sweep of the bytes no record lists (rolled-back uploads) for the worker."""
    background.enqueue(session, None, SWEEP_JOB, f"sweep:{today.isoformat()}", {}, now=now)
    return 1


# Log-ins are forgotten this long after they began: far past any session limit an agency sets (10 hours by default).
WEB_SESSIONS_KEPT = timedelta(days=30)


def forget_web_sessions(session: Session, today: date, *, now: datetime) -> int:
    """Delete the record of log-ins begun over WEB_SESSIONS_KEPT ago (their sessions ended long since)."""
    return accounts.forget_web_sessions(session, now - WEB_SESSIONS_KEPT)


JOBS = (
    # PL6 III.5.g: periodic backups, every day on the worker's first tick of the day (past midnight).
    Job("queue_backup", date.isoformat, queue_backup),
    Job("queue_sweep", date.isoformat, queue_sweep),
    Job("flag_due_dossiers", date.isoformat, appraisal.flag_due_dossiers),
    Job("flag_overdue_handovers", date.isoformat, appraisal.flag_overdue_handovers),
    # A share of a dossier is in force through its last day; the first tick after midnight ends it.
    Job("end_expired_shares", date.isoformat, access.end_expired),
    # Paper lent on a request to use records and not back by its day: told once to the reader and the archivists.
    Job("remind_overdue_loans", date.isoformat, use_requests.remind_overdue),
    # PL6 III.5.b: deadlines told ahead to whoever must act (handling an incoming document, handing over a dossier).
    Job("remind_handling", date.isoformat, reminders.remind_handling),
    Job("remind_handover", date.isoformat, reminders.remind_handover),
    # NĐ 30/2020 Điều 28: the dossier list is approved at the start of the year; remind once a year.
    Job("remind_dossier_list", lambda today: str(today.year), appraisal.remind_dossier_list),
    Job("forget_web_sessions", date.isoformat, forget_web_sessions),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def holder_name() -> str:
    """Return who this process is, as written in the lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lease(session: Session, holder: str, *, now: datetime) -> bool:
    """Take or renew the scheduler lease for ``holder``; False while another process holds it."""
    expires = now + timedelta(seconds=LEASE_SECONDS)
    renewed = cast(  # an UPDATE's result is a CursorResult; Session.execute is typed with the plain Result
        CursorResult[Any],
        session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE, (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires)
        ),
    )
    if renewed.rowcount:
        return True
    if session.get(SchedulerLease, LEASE) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=LEASE, holder=holder, expires_at=expires))
    except IntegrityError:
        return False
    return True


def holds_lease(session: Session, holder: str, *, now: datetime) -> bool:
    """Return True if ``holder`` holds the lease now (asked reading only)."""
    lease = session.get(SchedulerLease, LEASE)
    return lease is not None and lease.holder == holder and lease.expires_at >= now


def lease_holder(session: Session, *, now: datetime) -> str | None:
    """Return who holds the lease now, None when nobody does (no worker running)."""
    lease = session.get(SchedulerLease, LEASE)
    return lease.holder if lease is not None and lease.expires_at >= now else None


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a worker process holds the scheduler's lease now, which one, until when; and the schedule's latest
    run (``JobRun``), so an administrator sees that the daily jobs (the backup first) are being run."""

    holder: str | None
    expires_at: datetime | None
    running: bool
    last_run: JobRun | None


def worker_status(session: Session, *, now: datetime) -> WorkerStatus:
    """Return the worker's status as the lease and the schedule's runs show it (an administrator's question)."""
    lease = session.get(SchedulerLease, LEASE)
    last_run = session.scalar(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1))
    if lease is None:
        return WorkerStatus(None, None, False, last_run)
    return WorkerStatus(lease.holder, lease.expires_at, lease.expires_at > now, last_run)


def worker_running(session: Session, *, now: datetime) -> bool:
    """Whether a worker process holds the lease now (what a page showing work in progress asks on each refresh)."""
    lease = session.get(SchedulerLease, LEASE)
    return lease is not None and lease.expires_at > now


# What waits for the deployment's administrators on their home page while the worker or the backups fail.
NO_WORKER = N_("No worker process is running: builds, imports, backups and the search index wait until it is started.")
BACKUP_FAILED = N_("The last backup failed: the background work page says why.")


def waiting_for(session: Session, actor: Actor, *, now: datetime) -> list[notices.Waiting]:
    """The deployment's administrator's steps, from the records' states: a worker to start, a backup that failed."""
    if not actor.system_admin:
        return []
    steps = []
    if not worker_running(session, now=now):
        steps.append(notices.Waiting(NO_WORKER, ("background_work", 0)))
    last = background.latest_of_kind(session, BACKUP_JOB)
    if last is not None and last.state is JobState.FAILED:
        steps.append(notices.Waiting(BACKUP_FAILED, ("background_work", 0)))
    return steps


def release_lease(session: Session, holder: str, *, now: datetime) -> None:
    """Give the lease up at once (a command that stood in for the worker), so a worker need not wait for it."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
        .values(expires_at=now)
    )


def claim_run(session: Session, job: Job, today: date, holder: str, *, now: datetime) -> bool:
    """Claim the job's run for today's period; False if some process has already run it."""
    # Insert first, no look-up: the unique key decides, and a SQLite writer takes its lock at once.
    period = job.period(today)
    try:
        with session.begin_nested():
            session.add(JobRun(job=job.name, period=period, holder=holder, started_at=now))
    except IntegrityError:
        return False
    return True


def run_due(factory: Callable[[], Session], *, now: datetime, holder: str | None = None) -> dict[str, int]:
    """Run every job whose period has not run yet, if this process holds the lease; return what ran."""
    holder = holder or holder_name()
    today = now.astimezone(LOCAL_TZ).date()
    with transaction(factory) as session:
        if not acquire_lease(session, holder, now=now):
            return {}
    ran = {}
    for job in JOBS:
        # One transaction per job: the claim and the job's work commit together or not at all.
        with transaction(factory) as session:
            if claim_run(session, job, today, holder, now=now):
                ran[job.name] = job.run(session, today, now=now)
    return ran


def run_scheduler(factory: Callable[[], Session], settings: dict, log: Callable[[str], None]) -> None:
    """Run the blocking scheduler: a tick every minute runs the due jobs under the lease."""
    lower_priority(settings["WORKER_NICE"])
    scheduler = BlockingScheduler(timezone=TIMEZONE)

    def tick() -> None:
        ran = run_due(factory, now=datetime.now(UTC))
        for name, count in ran.items():
            log(f"{name}: {count}")

    store = FileStore(settings["STORAGE_ROOT"])
    if queue_rebuild_if_outdated(factory):
        log("search: the index is not built yet, or of another version than this code's: rebuilding")

    def work() -> None:
        for job in work_once(factory, store, settings, holder_name()):
            log(f"background job {job.id} ({job.kind}): {job.state.value}")

    scheduler.add_job(
        tick, "interval", seconds=TICK_SECONDS, next_run_time=datetime.now(UTC), max_instances=1, coalesce=True
    )
    scheduler.add_job(
        work, "interval", seconds=QUEUE_SECONDS, next_run_time=datetime.now(UTC), max_instances=1, coalesce=True
    )

    def audit_fixity() -> None:
        for found in fixity.failures(fixity_round(factory, store, settings, holder_name())):
            log(f"fixity: {found.sha256} {found.outcome.value}")

    scheduler.add_job(audit_fixity, "interval", seconds=FIXITY_SECONDS, max_instances=1, coalesce=True)

    def check_metadata_seals() -> None:
        for found in metadata_round(factory, settings, holder_name()):
            if found.outcome is not metadata_fixity.Outcome.INTACT:
                log(f"metadata seal: {found.file_code} {found.outcome.value} {found.changes}".rstrip())

    scheduler.add_job(check_metadata_seals, "interval", seconds=FIXITY_SECONDS, max_instances=1, coalesce=True)

    def preserve() -> None:
        for attempt in preservation_round(factory, store, holder_name()):
            log(f"preservation copy: {attempt.waiting.sha256} {attempt.reason or 'made'}")

    scheduler.add_job(preserve, "interval", seconds=PRESERVATION_SECONDS, max_instances=1, coalesce=True)

    def send_mail() -> None:
        now = datetime.now(UTC)
        with transaction(factory) as session:
            mine = holds_lease(session, holder_name(), now=now)
        if mine and (sent := mail.send_due(factory, settings, now=now)):
            log(f"notices by e-mail: {sent}")

    scheduler.add_job(send_mail, "interval", seconds=TICK_SECONDS, max_instances=1, coalesce=True)
    stop_gracefully(scheduler, factory)
    scheduler.start()


def stop_gracefully(scheduler: BlockingScheduler, factory: Callable[[], Session]) -> None:
    """On SIGTERM (``make run`` or systemd stopping the worker): claim no new job, put the running one back in the
    queue at its next step, and give the lease up once the running work has ended (``atexit`` runs after the
    scheduler's threads are joined), so a worker started at once takes over at once, not two minutes later."""
    holder = holder_name()

    def give_up_lease() -> None:
        with transaction(factory) as session:
            release_lease(session, holder, now=datetime.now(UTC))

    def stop(_signal: int, _frame: object) -> None:
        background.STOPPING.set()
        scheduler.shutdown(wait=False)

    atexit.register(give_up_lease)
    signal.signal(signal.SIGTERM, stop)


def queue_rebuild_if_outdated(factory: Callable[[], Session]) -> BackgroundJob | None:
    """Queue a rebuild of the search index when it holds documents of another version (or none yet), as after an
    upgrade that changed what is indexed: nobody has to remember ``erms search rebuild``. Return the job, if any."""
    with transaction(factory) as session:
        if not search.outdated(session):
            return None
        return background.enqueue(session, None, SEARCH_REBUILD_JOB, SEARCH_REBUILD_SUBJECT, {}, now=utcnow())


def lower_priority(niceness: int) -> None:
    """Let the web processes go first: background work (and the extraction processes it starts) yields the CPU."""
    if not 0 <= niceness <= 19:
        raise ValueError(f"WORKER_NICE must be between 0 and 19, not {niceness}")
    os.nice(niceness)


def fixity_round(factory: Callable[[], Session], store: FileStore, settings: dict, holder: str) -> list[fixity.Found]:
    """If ``holder`` holds the lease: re-read the files due for their fixity check, for at most one round's time at
    FIXITY_MB_PER_S, oldest-checked first."""
    with transaction(factory, read_only=True) as session:
        if not holds_lease(session, holder, now=utcnow()):
            return []
    # Up to a second before the next round is due, so the rate holds from one round to the next.
    pace = fixity.Pace(settings["FIXITY_MB_PER_S"] * 1_000_000, until=time.monotonic() + FIXITY_SECONDS - 1)
    since = utcnow() - timedelta(days=settings["FIXITY_DAYS"])
    return fixity.check(factory, store, agent=f"erms worker {holder}", clock=utcnow, checked_before=since, pace=pace)


def metadata_round(factory: Callable[[], Session], settings: dict, holder: str) -> list[metadata_fixity.Found]:
    """If ``holder`` holds the lease: compare with their seals up to METADATA_BATCH dossiers not checked for
    METADATA_CHECK_DAYS, the oldest-checked first."""
    with transaction(factory, read_only=True) as session:
        if not holds_lease(session, holder, now=utcnow()):
            return []
    since = utcnow() - timedelta(days=settings["METADATA_CHECK_DAYS"])
    return metadata_fixity.check(factory, clock=utcnow, limit=METADATA_BATCH, checked_before=since)


def preservation_round(factory: Callable[[], Session], store: FileStore, holder: str) -> list[preservation.Attempt]:
    """If ``holder`` holds the lease: copy a batch of the files waiting into PDF/A."""
    with transaction(factory, read_only=True) as session:
        if not holds_lease(session, holder, now=utcnow()):
            return []
    return make_preservation_copies(factory, store)


def make_preservation_copies(
    factory: Callable[[], Session],
    store: FileStore,
    *,
    limit: int | None = preservation.BATCH,
    timeout: float = preservation.TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> list[preservation.Attempt]:
    """Copy up to ``limit`` waiting files into PDF/A, converted outside any transaction and each kept in one of its
    own; return the attempts. Without LibreOffice nothing is tried (the files wait for it to be installed)."""
    with transaction(factory, read_only=True) as session:
        waiting = preservation.pending(session, limit)
    if not waiting:
        return []
    try:
        tool = libreoffice.version()
    except libreoffice.Failed as error:
        log.warning("preservation: %s; %s files wait for it", error, len(waiting))
        return []
    attempts = []
    # A round's worth at a time, each kept before the next is converted: the console's run of a whole backlog
    # loses at most one round's work if it is stopped.
    for start in range(0, len(waiting), preservation.BATCH):
        for attempt in preservation.convert(store, waiting[start : start + preservation.BATCH], timeout=timeout):
            with transaction(factory) as session:
                if preservation.record(session, attempt, tool, now=clock()) is not None:
                    attempts.append(attempt)
    return attempts


def work_once(factory: Callable[[], Session], store: FileStore, settings: dict, holder: str) -> list[BackgroundJob]:
    """If ``holder`` holds the lease: run the queued background jobs, then index what is queued for search.

    One thread does both, so the index has one writer and a rebuild never races with the queue.
    """
    with transaction(factory, read_only=True) as session:
        if not holds_lease(session, holder, now=utcnow()):
            return []
    ran = background.run_pending(factory, store, settings, utcnow, holder)
    if background.STOPPING.is_set():
        return ran
    index_queued(factory)
    check_signatures(factory, store)
    identify_formats(factory, store)
    return ran


def identify_formats(factory: Callable[[], Session], store: FileStore) -> int:
    """Identify the formats of a batch of files waiting (PRONOM, in a child process outside any transaction); a batch
    the child cannot finish is taken a file at a time, and a file that still fails is recorded as not identified."""
    with transaction(factory, read_only=True) as session:
        waiting = format_records.pending(session)
    if not waiting:
        return 0
    found = formats.identify_in_child([(store.path_for(sha256), name) for _, sha256, name in waiting])
    if found is None:
        found = [
            (formats.identify_in_child([(store.path_for(sha256), name)]) or [formats.UNKNOWN])[0]
            for _, sha256, name in waiting
        ]
    with transaction(factory) as session:
        for (file_id, _, _), identified in zip(waiting, found, strict=True):
            format_records.record(session, file_id, identified)
    return len(waiting)


def check_signatures(factory: Callable[[], Session], store: FileStore, clock: Callable[[], datetime] = utcnow) -> int:
    """Validate the signatures of the signed files waiting (captured since, or not checked against today's roots),
    each in a child process and outside any transaction, and keep each check as evidence; return how many."""
    with transaction(factory, read_only=True) as session:
        waiting = [(stored.id, stored.sha256) for stored in signature_checks.pending(session)]
        roots, pems = signature_checks.roots_now(session)
    if not waiting:
        return 0
    with tempfile.TemporaryDirectory(prefix="erms-roots-") as folder:
        for number, pem in enumerate(pems):
            (Path(folder) / f"root-{number}.pem").write_text(pem, encoding="ascii")
        for file_id, sha256 in waiting:
            findings = signatures.validate_in_child(store.path_for(sha256), Path(folder), now=clock())
            with transaction(factory) as session:
                signature_checks.record(session, file_id, findings, roots, now=clock())
    return len(waiting)


def index_queued(factory: Callable[[], Session]) -> int:
    """Write what the search queue holds to the index, a batch at a time; return how many rows were written.

    The batch is read and built reading only and written to the index outside any transaction, so
    nobody waits to save while files are extracted; only the removal of the written rows writes. A
    batch whose index documents cannot be built is taken a row at a time, so one record at fault
    never holds up the others (``_index_one_by_one``).
    """
    written = 0
    while True:
        try:
            with transaction(factory, read_only=True) as session:
                work = search.queued(session)
        except Exception:  # noqa: BLE001 - a record the index cannot take; found and set aside below
            log.exception("search: a batch of the queue could not be built; taking its rows one by one")
            written += _index_one_by_one(factory)
            continue
        if work is None:
            return written
        _write_queued(factory, work)  # a failure here (the disk, the index) leaves the rows for the next run
        written += len(work.ids)


def _write_queued(factory: Callable[[], Session], work: search.Queued) -> None:
    """Write a batch of the queue to the index and remove its rows; keep what the first page of each document's
    file states and a PDF's page count, from what was extracted for the index in its guarded child process
    (``filing.suggestions``: never in a page request)."""
    files: dict[int, tuple[str, extract.Extracted]] = {}

    def first_page(entry: records.Entry, extracted: extract.Extracted) -> None:
        if entry.content_file is not None and entry.fields["kind"] == records.DOCUMENT:
            first = replace(extracted, text=extracted.text[: recognised.FIRST_PAGE])
            files[entry.fields["record_id"]] = (entry.content_file.sha256, first)

    search.write(work, first_page)
    with transaction(factory) as session:
        search.done(session, work)
    if files:  # apart: the index's progress never waits on, nor is undone with, the reading of the pages
        with transaction(factory) as session:
            suggestions.keep(session, files, lambda organisation_id: _form_lists(session, organisation_id))


def _form_lists(session: Session, organisation_id: int) -> tuple[list[str], list[str]]:
    """Return the document types and issuers the organisation's document form offers."""
    return (
        lookups.offered(session, organisation_id, LookupKind.DOCUMENT_TYPE),
        lookups.offered(session, organisation_id, LookupKind.ISSUER),
    )


def _index_one_by_one(factory: Callable[[], Session]) -> int:
    """Index the queue's rows one at a time up to the first that cannot be built, which is removed from the
    queue and logged (``erms search verify`` then names the record; a rebuild takes it again); return how
    many rows were written."""
    written = 0
    while True:
        with transaction(factory, read_only=True) as session:
            oldest = search.oldest_queued(session)
        if oldest is None:
            return written
        try:
            with transaction(factory, read_only=True) as session:
                work: search.Queued | None = search.queued(session, limit=1)  # the same row: only this thread removes
        except Exception:  # noqa: BLE001 - this row is the one at fault
            work = None
        if work is None:
            log.error("search: %s cannot be indexed and leaves the queue (erms search verify names it)", oldest[1])
            with transaction(factory) as session:
                search.forget_queued(session, oldest[0])
            return written
        _write_queued(factory, work)
        written += len(work.ids)


@background.handler(SEARCH_REBUILD_JOB, stoppable=True)
def _rebuild_index_job(_payload: dict, context: background.Context) -> None:
    # The queue keeps what is saved meanwhile; the same worker thread indexes it into the new generation after.
    # Stopped half-way, Whoosh keeps its live generation and PostgreSQL the rows rewritten so far, with its index;
    # the index's version stays unmarked, so the worker's next start asks for a whole rebuild again if it is old.
    # A rebuild in the database commits batch by batch and reports progress in transactions of its own between them.
    with transaction(context.factory, read_only=not search.rebuild_writes_database(), lock_early=False) as session:
        count = search.rebuild(session, lambda done, total: context.progress(f"{done}/{total}"))
    context.progress(f"{count}/{count}")


@background.handler(BACKUP_JOB, stoppable=True)  # a stopped backup leaves no set (backup.create)
def _backup_job(_payload: dict, context: background.Context) -> None:
    """Make a backup set on every configured target; one target that fails does not stop the others."""
    chosen = backup.targets(context.settings["BACKUP_TARGETS"])
    if not chosen:  # a deployment without backups fails every night, and says so to its administrators
        log.warning("backup: no backup target is configured (ERMS_BACKUP_TARGETS): nothing was backed up")
        _tell_backup_failure(context, backup_register.NOT_CONFIGURED)
        raise RuleViolation(backup_register.NOT_CONFIGURED, day=f"{context.clock().astimezone(LOCAL_TZ):%d/%m/%Y}")
    session = context.factory()
    bind = session.get_bind()
    session.close()
    engine = bind if isinstance(bind, Engine) else bind.engine
    failures, now = [], context.clock()  # one name for the set on every medium
    for target in chosen:
        try:
            made = make_backup(engine, context.factory, context.settings, target, now=now, progress=_reporting(context))
            log.info("backup: set %s on %s, %s files copied", made.manifest.name, target.name, made.copied)
            for problem in backup.damaged(target):
                log.warning("backup: %s; its files are kept until it is repaired or removed", problem)
        except backup.BackupError as error:
            failures.append(str(error))
    if failures:
        _tell_backup_failure(context, backup_register.FAILED, "; ".join(failures))
        raise backup.BackupError("; ".join(failures))


def _tell_backup_failure(context: background.Context, template: str, reason: str = "") -> None:
    with transaction(context.factory) as session:
        backup_register.tell_failure(session, template, now=context.clock(), reason=reason)


@background.handler(SWEEP_JOB)
def _sweep_job(_payload: dict, context: background.Context) -> None:
    grace = timedelta(hours=context.settings["STORE_SWEEP_GRACE_HOURS"])
    removed = orphans.sweep(context.factory, context.store, now=context.clock(), grace=grace)
    for sha256 in removed:
        log.info("store sweep: removed %s, which no record lists", sha256)
    # The API's upload sessions expire after a day: their rows and part files go in the same daily sweep.
    with transaction(context.factory) as session:
        expired = uploads.sweep(session, Path(context.settings["DATA_DIR"]) / "uploads", now=context.clock())
    context.progress(json.dumps({"removed": len(removed), "expired": expired}))  # worded by the page that shows it


def make_backup(
    engine: Engine,
    factory: Callable[[], Session],
    settings: dict,
    target: backup.Target,
    *,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> backup.Made:
    """Make a set on ``target``, record it, then remove from the medium the sets past BACKUP_KEEP_DAYS."""
    backup.check_not_the_origin(Path(settings["DATA_DIR"]), target)
    made = backup.create(engine, settings, target, now=now, progress=progress)
    keep = settings["BACKUP_KEEP_DAYS"]
    with transaction(factory) as session:
        backup_register.record(session, made, keep_days=keep, now=now)
    removed = backup.prune(target, keep, now.astimezone(LOCAL_TZ).date())
    with transaction(factory) as session:
        backup_register.pruned(session, target.name, removed, now=now)
    return made


def _reporting(context: background.Context) -> Callable[[int, int], None]:
    return lambda done, total: context.progress(f"{done}/{total}")


def backups_holding(session: Session, now: datetime) -> list[destruction.Backup]:
    """Return the recorded backup sets that hold what a destruction now removes, until each leaves its medium."""
    return [destruction.Backup(name, until) for name, until in backup_register.holding(session, now)]


def start_destruction(session: Session, actor: Actor, list_id: int, settings: dict, *, now: datetime) -> BackgroundJob:
    """Begin executing an approved destruction list — holds and every dossier re-checked now, refusals in words —
    and queue the rest for the worker (the page then shows how far it is)."""
    backups = backups_holding(session, now)
    destruction.start_execution(session, actor, list_id, backups, now=now)
    return background.enqueue(
        session,
        actor.user_id,
        DESTRUCTION_JOB,
        destruction_subject(list_id),
        {"list_id": list_id, "user_id": actor.user_id},
        now=now,
    )


DESTRUCTION_JOB = "destruction.execute"
HANDOVER_BUILD_JOB = "handover.build"
# A build reports every file copied; the page needs a fresh count every second or so, not 20,000 writes.
PROGRESS_EVERY = timedelta(seconds=1)


def queue_build(session: Session, actor: Actor, batch_id: int, *, now: datetime) -> BackgroundJob:
    """Check that the batch may be packaged and queue its build for the worker (one build per batch at a time)."""
    handover.buildable_batch(session, actor, batch_id)
    return background.enqueue(
        session,
        actor.user_id,
        HANDOVER_BUILD_JOB,
        build_subject(batch_id),
        {"batch_id": batch_id, "user_id": actor.user_id},
        now=now,
    )


def build_subject(batch_id: int) -> str:
    return f"handover_batch:{batch_id}"


# Who works on the destruction pages (the retention blueprint's chain), where a destruction's job is shown.
DESTRUCTION_PAGE_ACTIONS = ("retention.appraise", "destruction.opinion", "destruction.approve", "retention.hold")


def readable_job(session: Session, actor: Actor, job_id: int) -> BackgroundJob:
    """Return a background job whose status the actor may read: the person who queued it, or whoever reads the page
    that shows it (a hand-over batch's build: its archivists; a destruction: the destruction chain of the list's
    organisation). A job of no such page (a search rebuild, a backup) is its requester's only; others get NotFound."""
    job = session.get(BackgroundJob, job_id)
    if job is None:
        raise NotFound()
    if job.requested_by_id is not None and job.requested_by_id == actor.user_id:
        return job
    page, _, number = job.subject.partition(":")
    try:
        if page == "handover_batch" and number.isdigit():
            handover.get_batch(session, actor, int(number))
            return job
        if page == "destruction_list" and number.isdigit():
            listed = destruction.get_list(session, actor, int(number))
            if any(permissions.can(actor, action, listed.organisation_id) for action in DESTRUCTION_PAGE_ACTIONS):
                return job
    except (NotFound, PermissionDenied):
        pass
    raise NotFound()


@background.handler(HANDOVER_BUILD_JOB, stoppable=True)  # a stopped build leaves no package
def _build_package_job(payload: dict, context: background.Context) -> None:
    # The bag is written while only reading, so nobody waits to save meanwhile; then it is recorded in a short
    # transaction that checks the batch and its holds again. Run again after a kill, it writes the bag anew.
    progress = BuildProgress(context.progress, context.clock)
    settings = handover.BuildSettings(
        store=context.store,
        out_dir=Path(context.settings["DATA_DIR"]) / "packages",
        font=context.settings.get("PDF_FONT", ""),
        eark_tool=verify.find_eark_tool(os.environ.get("ERMS_EARK_VALIDATOR")),
        progress=progress.copied,
        verifying=progress.verifying,
        checked=progress.checked,
    )
    user_id, batch_id, now = payload["user_id"], payload["batch_id"], context.clock()
    with transaction(context.factory, read_only=True) as session:
        written = handover.write_batch_package(session, load_actor(session, user_id), batch_id, settings, now=now)
    with transaction(context.factory) as session:
        handover.record_batch_package(session, load_actor(session, user_id), batch_id, written, now=now)


class BuildProgress:
    """A build's progress as the batch page reads it: JSON of files copied, verifying, checks ended."""

    def __init__(self, write: Callable[[str], None], clock: Callable[[], datetime]) -> None:
        self.write, self.clock = write, clock
        self.figures: dict = {"done": 0, "total": 0, "verifying": False, "checked": []}
        self.written_at: datetime | None = None

    def copied(self, done: int, total: int) -> None:
        self.figures.update(done=done, total=total)
        if self.written_at is None or self.clock() - self.written_at >= PROGRESS_EVERY or done == total:
            self._save()

    def verifying(self) -> None:
        self.figures["verifying"] = True
        self._save()

    def checked(self, check) -> None:
        self.figures["checked"].append(check.name)
        self._save()

    def _save(self) -> None:
        self.written_at = self.clock()
        self.write(json.dumps(self.figures, ensure_ascii=False))


def destruction_subject(list_id: int) -> str:
    return f"destruction_list:{list_id}"


@background.handler(DESTRUCTION_JOB)
def _execute_destruction_job(payload: dict, context: background.Context) -> None:
    # Safe to run again: a killed worker's execution resumes at the step it had reached.
    execute_destruction(
        context.factory,
        payload["user_id"],
        payload["list_id"],
        store=context.store,
        settings=context.settings,
        clock=context.clock,
        progress=context.progress,
    )


def execute_destruction(
    factory: Callable[[], Session],
    user_id: int,
    list_id: int,
    *,
    store: FileStore,
    settings: dict,
    clock: Callable[[], datetime],
    progress: Callable[[str], None] = lambda _step: None,
) -> None:
    """Execute an approved destruction list step by step, one commit per step; rerun it to resume."""
    with transaction(factory) as session:
        started = clock()
        backups = backups_holding(session, started)
        destruction.start_execution(session, load_actor(session, user_id), list_id, backups, now=started)
    while True:
        with transaction(factory) as session:
            step = destruction.next_step(session, load_actor(session, user_id), list_id, store=store, now=clock())
        if step is None:
            break
        progress(step)
    with transaction(factory) as session:
        now, actor = clock(), load_actor(session, user_id)
        values = destruction.record_values(session, actor, list_id, now=now)
        pdf = destruction_record.render(values, font=settings.get("PDF_FONT", ""))
        destruction.finish(session, actor, list_id, pdf, store=store, now=now)
