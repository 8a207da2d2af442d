"""The operator's console: ``erms …`` (also ``flask --app erms.app erms …``).

Commands are thin: they open a transaction, call a service and print. Errors print the
precise English message and exit non-zero; nothing is half-written.
"""

from __future__ import annotations

import getpass
import os
import sys
import tarfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import click
from sqlalchemy import select

from administration import organisations, people, trust_roots
from erms import audit, config, migrate, search
from erms.db import make_engine, make_session_factory, transaction
from erms.errors import ERMSError, InvalidMetadata
from erms.intake_cli import import_group
from erms.models import BackgroundJob, Organisation, Role
from erms.models.background import JobState
from erms.safety_cli import backup_group, fixity_group, store_group
from erms.storage import FileStore
from exports import handover
from exports.bagging import unpack, verify
from filing import libreoffice


@dataclass
class Context:
    """What every command shares: the settings and, on first use, the database."""

    settings: dict

    @cached_property
    def any_engine(self):
        """The database whatever its schema (``erms db upgrade`` brings it to this code's)."""
        return make_engine(self.settings["DATABASE_URL"])

    @cached_property
    def engine(self):
        """The database, refused unless at this code's schema: a command run on an empty or older one (another data
        directory than the server's, an upgrade not finished) says so and where it looked, instead of a traceback."""
        try:
            migrate.require_current(self.any_engine)
        except migrate.SchemaNotCurrent as wrong:
            where = self.any_engine.url.render_as_string(hide_password=True)
            raise click.ClickException(f"{wrong} (database {where})") from None
        return self.any_engine

    def transaction(self, *, lock_early: bool = True):
        return transaction(make_session_factory(self.engine), lock_early=lock_early)


def utcnow() -> datetime:
    return datetime.now(UTC)


def fail(error: ERMSError) -> None:
    """Print a refused request precisely (every problem on its own line) and exit 1."""
    lines = [str(problem) for problem in error.problems] if isinstance(error, InvalidMetadata) else [str(error)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(1)


@click.group("erms")
@click.pass_context
def erms_group(ctx: click.Context) -> None:
    """ERMS: electronic records management (Vietnamese public agencies)."""
    ctx.obj = Context(config.load())
    try:
        search.install(ctx.obj.settings)
    except ValueError as error:  # a SEARCH_ENGINE this database cannot run
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


erms_group.add_command(backup_group)
erms_group.add_command(fixity_group)
erms_group.add_command(store_group)
erms_group.add_command(import_group)


@erms_group.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """Run the migrations up to the newest schema."""
    before = migrate.current_revision(obj.any_engine)
    with obj.any_engine.begin() as connection:
        migrate.upgrade(connection, storage_root=obj.settings["STORAGE_ROOT"])
    after, where = migrate.current_revision(obj.any_engine), obj.any_engine.url.render_as_string(hide_password=True)
    done = f"upgraded from schema revision {before or 'none'} to {after}" if before != after else f"already at {after}"
    click.echo(f"database at the newest schema ({done}): {where}")


@erms_group.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.pass_obj
def audit_verify(obj: Context) -> None:
    """Walk the hash chain; exit 1 naming the first altered or missing event."""
    with obj.transaction(lock_early=False) as session:
        report = audit.verify(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events verified")
        return
    click.echo(
        f"audit chain BROKEN at event {report.broken_id}: {report.reason} ({report.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)


@erms_group.group("admin")
def admin_group() -> None:
    """The deployment's administrators."""


@admin_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--password", default=None, help="Read from the prompt when omitted.")
@click.option("--another", is_flag=True, help="Make one more while an administrator exists already.")
@click.pass_obj
def admin_create(obj: Context, username: str, full_name: str, password: str | None, another: bool) -> None:
    """Make the first administrator of the deployment, who then sets the agency up in the web app (or one more)."""
    password = password or getpass.getpass("password: ")
    try:
        with obj.transaction() as session:
            people.create_system_admin(session, username, full_name, password, now=utcnow(), another=another)
    except ERMSError as error:
        fail(error)
    click.echo(f"administrator {username.strip()} created: log in to the web app to add organisations and people")


@admin_group.command("reset-password")
@click.argument("username")
@click.option("--password", default=None, help="Read from the prompt when omitted.")
@click.pass_obj
def admin_reset_password(obj: Context, username: str, password: str | None) -> None:
    """Give an administrator of the deployment a new password, to replace at the next log-in; their sessions end."""
    password = password or getpass.getpass("new password: ")
    try:
        with obj.transaction() as session:
            people.reset_system_admin_password(session, username, password, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"{username.strip()} logs in with the new password and chooses their own at once")


@erms_group.group("trust")
def trust_group() -> None:
    """The root certificates PDF signatures are validated against (none ships: the agency chooses)."""


@trust_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def trust_add(obj: Context, file: Path) -> None:
    """Install a root certificate (PEM or DER); the worker then checks every signed file again."""
    try:
        with obj.transaction() as session:
            root = trust_roots.add(session, None, file.read_bytes(), now=utcnow())
            click.echo(f"installed {root.fingerprint} {root.subject}")
    except ERMSError as error:
        fail(error)


@trust_group.command("list")
@click.pass_obj
def trust_list(obj: Context) -> None:
    """One installed root per line: its SHA-256 fingerprint, its last day and its subject."""
    with obj.transaction(lock_early=False) as session:
        for root in trust_roots.roots(session):
            click.echo(f"{root.fingerprint}  {root.not_after.date().isoformat()}  {root.subject}")


@trust_group.command("remove")
@click.argument("fingerprint")
@click.pass_obj
def trust_remove(obj: Context, fingerprint: str) -> None:
    """Remove an installed root by its fingerprint; signatures are checked again without it."""
    try:
        with obj.transaction() as session:
            trust_roots.remove(session, None, fingerprint, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"removed {fingerprint}")


@erms_group.group("org")
def org_group() -> None:
    """Organisations (archival fonds)."""


@org_group.command("list")
@click.pass_obj
def org_list(obj: Context) -> None:
    """Print one fonds code per line."""
    with obj.transaction() as session:
        for code in session.scalars(select(Organisation.code).order_by(Organisation.code)):
            click.echo(code)


@org_group.command("create")
@click.argument("code")
@click.option("--name", required=True, help="The organisation's name as records show it.")
@click.option("--parent", "parent_name", default="", help="The body it belongs to (cơ quan chủ quản).")
@click.pass_obj
def org_create(obj: Context, code: str, name: str, parent_name: str) -> None:
    """Add an organisation (archival fonds) by its OrganId, e.g. 000.00.00.G09."""
    try:
        with obj.transaction() as session:
            organisations.create_organisation(session, None, code, name, parent_name, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"organisation {code.strip()} created: {name.strip()}")


@erms_group.group("unit")
def unit_group() -> None:
    """Units (đơn vị) of an organisation."""


@unit_group.command("create")
@click.argument("code")
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code.")
@click.option("--name", required=True, help="The unit's name.")
@click.option("--parent", default="", help="Code of the unit it is part of; omit for one under the organisation.")
@click.pass_obj
def unit_create(obj: Context, code: str, organisation: str, name: str, parent: str) -> None:
    """Add a unit to an organisation, by the code its dossier notations end with (e.g. TCCB)."""
    try:
        with obj.transaction() as session:
            organisations.create_unit(session, None, organisation, code, name, parent_code=parent, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"unit {code.strip()} of {organisation.strip()} created: {name.strip()}")


@erms_group.group("user")
def user_group() -> None:
    """User accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name as shown on records.")
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--unit", default=None, help="Unit code; omit for an organisation-wide role.")
@click.option("--password", default=None, help="Read from the prompt when omitted.")
@click.option(
    "--keep-password",
    is_flag=True,
    help="The person keeps this password (default: they replace it with their own at their first log-in).",
)
@click.pass_obj
def user_create(obj: Context, username, full_name, organisation, roles, unit, password, keep_password) -> None:
    """Create a user with one or more roles."""
    password = password or getpass.getpass("password: ")
    account = {"username": username, "full_name": full_name, "password": password}
    try:
        with obj.transaction() as session:
            people.create_at_console(
                session, organisation, account, roles, unit, now=utcnow(), keep_password=keep_password
            )
    except ERMSError as error:
        fail(error)
    click.echo(f"created {username} ({', '.join(roles)})")


@erms_group.group("demo")
def demo_group() -> None:
    """Demonstration data."""


@demo_group.command("load")
@click.pass_obj
def demo_load(obj: Context) -> None:
    """Load the demo organisation once; every run (re)sets and prints the demo accounts' passwords."""
    from erms import demo

    with obj.transaction() as session:
        created = demo.load(session, now=utcnow(), progress=lambda label: click.echo(f"  {label}"))
        passwords = demo.reset_passwords(session, now=utcnow())
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo("demo accounts (username / password / role):")
    for username, password, role in passwords:
        click.echo(f"  {username:<10} {password:<22} {role}")


@erms_group.group("retention")
def retention_group() -> None:
    """Retention schedules, the due list and destruction."""


@retention_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code owning the table.")
@click.option("--code", required=True, help="Code of this table version, e.g. DDA-2025.")
@click.option("--title", required=True, help="Title of the table as issued.")
@click.option("--legal-basis", default="Thông tư 10/2022/TT-BNV", show_default=True)
@click.pass_obj
def retention_import(obj: Context, file, organisation, code, title, legal_basis) -> None:
    """Import an agency's retention table (JSON rows, schemas/retention-table-v1.json): all rows or none."""
    from retention import appraisal, schedule

    try:
        rows = schedule.read_table(Path(file).read_bytes())
        with obj.transaction() as session:
            owner = appraisal.organisation_by_code(session, organisation)
            table = schedule.import_schedule(
                session,
                None,
                rows,
                code=code,
                title=title,
                legal_basis=legal_basis,
                superseded=False,
                now=utcnow(),
                organisation_id=owner.id,
            )
            count = len(table.rows)
    except ERMSError as error:
        fail(error)
    click.echo(f"imported retention table {code}: {count} rows")


@retention_group.command("due")
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code.")
@click.option("--on", "on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Date, YYYY-MM-DD.")
@click.pass_obj
def retention_due(obj: Context, organisation, on) -> None:
    """List the archived dossiers due for appraisal on a date: due date, code, period, title."""
    from retention import appraisal

    try:
        with obj.transaction() as session:
            owner = appraisal.organisation_by_code(session, organisation)
            for dossier in appraisal.find_due(session, owner.id, on.date()):
                assert dossier.appraisal_due_on is not None  # find_due selects dossiers by their due date
                click.echo(
                    f"{dossier.appraisal_due_on.isoformat()}  {dossier.file_code}  "
                    f"{appraisal.period_of(dossier).label()}  {dossier.title}"
                )
    except ERMSError as error:
        fail(error)


@retention_group.command("execute")
@click.argument("list_id", type=int)
@click.option("--user", "username", required=True, help="The archivist executing the head's decision.")
@click.pass_obj
def retention_execute(obj: Context, list_id, username) -> None:
    """Execute an approved destruction list; if interrupted, run it again to finish."""
    from erms import jobs
    from erms.models import User
    from erms.storage import FileStore

    with obj.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        click.echo(f"error: no user {username}", err=True)
        sys.exit(1)
    try:
        jobs.execute_destruction(
            make_session_factory(obj.engine),
            user_id,
            list_id,
            store=FileStore(obj.settings["STORAGE_ROOT"]),
            settings=obj.settings,
            clock=utcnow,
            progress=lambda step: click.echo(step),
        )
    except ERMSError as error:
        fail(error)
    click.echo(f"destruction list {list_id} executed")


@erms_group.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs (one scheduler per deployment, elected by a database lease)."""


@jobs_group.command("run-due")
@click.pass_obj
def jobs_run_due(obj: Context) -> None:
    """Run the jobs due now once, then exit (for cron)."""
    from erms import jobs

    ran = jobs.run_due(make_session_factory(obj.engine), now=utcnow())
    if not ran:
        click.echo("nothing to run (already run for this period, or another scheduler holds the lease)")
    for name, count in ran.items():
        click.echo(f"{name}: {count}")


@jobs_group.command("run-scheduler")
@click.pass_obj
def jobs_run_scheduler(obj: Context) -> None:
    """Run the scheduler in the foreground (one per deployment; a second one waits for the lease)."""
    from erms import jobs

    jobs.run_scheduler(make_session_factory(obj.engine), obj.settings, log=click.echo)


@erms_group.group("preservation")
def preservation_group() -> None:
    """Preservation copies in PDF/A of office documents and images (the worker makes them a few at a time)."""


@preservation_group.command("run")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Convert at most N files (default: all).")
@click.pass_obj
def preservation_run(obj: Context, limit: int | None) -> None:
    """Copy the files waiting into PDF/A now, printing each outcome; files of unknown format wait identification."""
    from erms import jobs

    try:
        libreoffice.version()
    except libreoffice.Failed as error:
        click.echo(f"error: {error} (scripts/system-deps.sh installs it)", err=True)
        sys.exit(1)
    attempts = jobs.make_preservation_copies(
        make_session_factory(obj.engine), FileStore(obj.settings["STORAGE_ROOT"]), limit=limit
    )
    for attempt in attempts:
        made = attempt.captured.sha256 if attempt.captured is not None else f"failed: {attempt.reason}"
        click.echo(f"  {attempt.waiting.sha256} ({attempt.waiting.puid}) -> {made}")
    failed = sum(attempt.captured is None for attempt in attempts)
    click.echo(f"preservation copies: {len(attempts) - failed} made, {failed} failed")


class _SearchGroup(click.Group):
    """``erms search QUERY …`` runs a query; ``erms search rebuild|verify`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["query", *args]
        return super().parse_args(ctx, args)


@erms_group.group("search", cls=_SearchGroup)
def search_group() -> None:
    """Full-text search: query, rebuild the index, verify it against the database."""


@search_group.command("query", hidden=True)
@click.argument("words", nargs=-1, required=True)
@click.option("--as", "username", required=True, help="Search with this user's rights.")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def search_query(obj: Context, words, username, limit) -> None:
    """Print the records matching WORDS that USER may read, best first."""
    from erms.models import User
    from erms.permissions import load_actor

    with obj.transaction(lock_early=False) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            click.echo(f"error: no user {username}", err=True)
            sys.exit(1)
        actor = load_actor(session, user_id)
        results = search.query(session, actor, search.Search(text=" ".join(words), per_page=limit))
    click.echo(f"{'more than ' if results.more else ''}{results.total} records")
    for hit in results.hits:
        date = hit.fields["date"].date().isoformat()
        click.echo(f"{hit.kind:<8} {date}  {hit.fields['code']}  {hit.fields['title']}")


@search_group.command("rebuild")
@click.pass_obj
def search_rebuild(obj: Context) -> None:
    """Index every record anew from the database (after an upgrade, or to move to another SEARCH_ENGINE).

    Searches go on meanwhile: Whoosh builds a new index beside the live one and switches to it atomically;
    PostgreSQL rewrites its table a batch at a time.

    The worker process does it, as it does every index write; with no worker running, this command
    stands in for it (and runs whatever else waits for a worker).
    """
    from erms import background, jobs

    factory, holder = make_session_factory(obj.engine), jobs.holder_name()
    with transaction(factory) as session:
        job_id = background.enqueue(
            session, None, jobs.SEARCH_REBUILD_JOB, jobs.SEARCH_REBUILD_SUBJECT, {}, now=utcnow()
        ).id
        standing_in = jobs.acquire_lease(session, holder, now=utcnow())
    if standing_in:
        try:
            jobs.work_once(factory, FileStore(obj.settings["STORAGE_ROOT"]), obj.settings, holder)
        finally:
            with transaction(factory) as session:
                jobs.release_lease(session, holder, now=utcnow())
    else:
        click.echo("the worker process rebuilds the index; waiting for it")
    job = _wait_for_job(factory, job_id)
    if job.state is JobState.CANCELLED:
        click.echo("error: the rebuild was stopped before its end; run it again for a whole index", err=True)
        sys.exit(1)
    if job.state is not JobState.DONE:
        click.echo(f"error: the rebuild ended {job.state.value}: {job.error}", err=True)
        sys.exit(1)
    click.echo(f"index rebuilt: {job.progress.partition('/')[0]} records in {search.index_location()}")


def _wait_for_job(factory, job_id: int) -> BackgroundJob:
    """Poll a background job until it ends, echoing its progress line when it changes."""
    shown = ""
    while True:
        with transaction(factory, read_only=True) as session:
            job = session.get(BackgroundJob, job_id)
        assert job is not None  # this command queued the job, and job rows are never deleted
        if job.state not in (JobState.QUEUED, JobState.RUNNING):
            return job
        if job.progress != shown:
            shown = job.progress
            click.echo(f"indexing: {shown}")
        time.sleep(1)


@search_group.command("verify")
@click.pass_obj
def search_verify(obj: Context) -> None:
    """Report records missing from the index or stale in it; exit 1 if there are any."""
    with obj.transaction(lock_early=False) as session:
        report = search.verify(session)
        waiting = search.waiting(session)
    for label, keys in (("missing", report.missing), ("stale", report.stale), ("orphaned", report.orphaned)):
        for key in keys:
            click.echo(f"{label}: {key}")
    if waiting:
        click.echo(f"{waiting} changes are queued for the worker process and not in the index yet")
    click.echo(
        f"{report.checked} records checked: " + ("index consistent" if report.ok else "run `erms search rebuild`")
    )
    if not report.ok:
        sys.exit(1)


@erms_group.group("export")
def export_group() -> None:
    """Hand-over packages to the historical archive, dossier bags, receipts, verification."""


def _build_settings(obj: Context, out: str | None, bar) -> handover.BuildSettings:
    def progress(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    def verifying() -> None:  # as long as the copy again: say so, or the full bar looks stuck
        bar.label = "verifying (checksums, profile, schemas, E-ARK)"
        bar.render_progress()

    ended: list[str] = []

    def checked(check: verify.Check) -> None:
        ended.append(f"{check.name} {check.status}")
        bar.label = f"verifying: {', '.join(ended)}"
        bar.render_progress()

    out_dir = Path(out or Path(obj.settings["DATA_DIR"]) / "packages").resolve()
    return handover.BuildSettings(
        store=FileStore(obj.settings["STORAGE_ROOT"]),
        out_dir=out_dir,
        font=obj.settings["PDF_FONT"],
        progress=progress,
        verifying=verifying,
        checked=checked,
        eark_tool=verify.find_eark_tool(os.environ.get("ERMS_EARK_VALIDATOR")),
    )


def _print_report(package) -> None:
    for check in verify.from_json(package.report):
        click.echo(f"  {check.name:<16} {check.status}")
        for message in check.messages:
            click.echo(f"      {message}")
    if package.state.value != "ready":
        click.echo(f"package FAILED its checks, set aside at {package.path}", err=True)
        sys.exit(1)
    click.echo(f"package ready: {package.path}  (Payload-Oxum {package.payload_oxum})")


@export_group.command("handover")
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code.")
@click.option("--year", required=True, type=int, help="Hand-over year: dossiers due by this year are chosen.")
@click.option("--out", default=None, help="Output folder (default DATA_DIR/packages).")
@click.pass_obj
def export_handover(obj: Context, organisation: str, year: int, out: str | None) -> None:
    """Choose the dossiers due for the historical archive, build and verify their package."""
    try:
        with (
            click.progressbar(range(1), label="copying and hashing files") as bar,
            obj.transaction(lock_early=False) as session,
        ):
            batch, package = handover.package_year(
                session,
                None,
                organisation,
                year,
                _build_settings(obj, out, bar),
                now=utcnow(),
                handover_years=obj.settings["HANDOVER_YEARS"],
            )
            summary = f"batch {batch.name}: {len(batch.items)} dossiers"
    except ERMSError as error:
        fail(error)
    click.echo(summary)
    _print_report(package)


@export_group.command("dossier")
@click.argument("dossier_id", type=int)
@click.option("--out", required=True, help="Output folder.")
@click.pass_obj
def export_dossier(obj: Context, dossier_id: int, out: str) -> None:
    """Export one closed dossier as a verified BagIt bag (for an officer or an auditor)."""
    try:
        with (
            click.progressbar(range(1), label="copying and hashing files") as bar,
            obj.transaction(lock_early=False) as session,
        ):
            package = handover.export_dossier(session, None, dossier_id, _build_settings(obj, out, bar), now=utcnow())
    except ERMSError as error:
        fail(error)
    _print_report(package)


@export_group.command("receipt")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def export_receipt(obj: Context, path: str) -> None:
    """Import the historical archive's receipt (XML or CSV): mark the listed dossiers TRANSFERRED."""
    try:
        with obj.transaction() as session:
            outcome = handover.import_receipt(session, None, Path(path).read_bytes(), path, now=utcnow())
            name = outcome.batch.name
    except ERMSError as error:
        fail(error)
    click.echo(f"batch {name}: {len(outcome.transferred)} dossiers marked transferred")
    for code in outcome.not_listed:
        click.echo(f"  not on the receipt, back in the pool for the next hand-over: {code}")


@export_group.command("verify")
@click.argument("path", type=click.Path(exists=True))
def export_verify(path: str) -> None:
    """Verify a bag (a folder, or a .tar/.tar.gz as sent): BagIt, our profile, METS and CITS ERMS schemas, E-ARK."""
    try:
        with unpack.opened(Path(path).resolve()) as bag:
            checks = verify.verify(bag, eark_tool=verify.find_eark_tool(os.environ.get("ERMS_EARK_VALIDATOR")))
    except (unpack.UnsafeArchive, tarfile.TarError) as error:
        click.echo(f"error: {path} is not a bag to verify: {error}", err=True)
        sys.exit(1)
    for check in checks:
        click.echo(f"{check.name:<16} {check.status}")
        for message in check.messages:
            click.echo(f"    {message}")
    if not verify.passed(checks):
        sys.exit(1)


@erms_group.group("dossier-list")
def dossier_list_group() -> None:
    """The yearly dossier list ("Danh mục hồ sơ"): copy forward, import from a spreadsheet."""


def _actor_named(session, username: str):
    from erms.models import User
    from erms.permissions import load_actor

    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        click.echo(f"error: no user {username}", err=True)
        sys.exit(1)
    return load_actor(session, user_id)


@dossier_list_group.command("copy-forward")
@click.argument("year", type=int)
@click.option("--user", "username", required=True, help="The registry officer building the list.")
@click.pass_obj
def dossier_list_copy_forward(obj: Context, year, username) -> None:
    """Create the draft list of YEAR from last year's (headings, entries, retention, units, people)."""
    from classification import dossier_list

    try:
        with obj.transaction() as session:
            actor = _actor_named(session, username)
            created = dossier_list.copy_forward(session, actor, min(actor.organisation_ids()), year, now=utcnow())
            count = len(created.entries)
    except ERMSError as error:
        fail(error)
    click.echo(f"dossier list {year}: draft with {count} entries copied from {year - 1}")


@dossier_list_group.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="The registry officer building the list.")
@click.pass_obj
def dossier_list_import(obj: Context, year, file, username) -> None:
    """Add the rows of a CSV or XLSX file to the draft list of YEAR: every row, or none if any is wrong."""
    from classification import dossier_list, spreadsheet

    try:
        with obj.transaction() as session, open(file, "rb") as stream:
            actor = _actor_named(session, username)
            target = dossier_list.list_of_year(session, actor, year)
            count = spreadsheet.import_entries(session, actor, target.id, file, stream, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"dossier list {year}: {count} entries imported")


def main() -> None:
    """Entry point of the ``erms`` console script."""
    erms_group(prog_name="erms")
