"""``erms import legacy FOLDER --map FILE`` and ``erms import bag PATH``: past records taken in from outside.

Both check everything first and print every problem (nothing is written then); both are taken up again by running
the same command after an interruption, skipping the dossiers already made.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from erms import intake_runner
from erms.db import make_session_factory
from erms.errors import ERMSError, InvalidMetadata
from erms.models import Organisation, User
from erms.permissions import load_actor
from erms.storage import FileStore
from intake import bag, bag_reading, legacy, runs


def _now() -> datetime:
    return datetime.now(UTC)


def _refused(error: ERMSError) -> None:
    lines = [str(problem) for problem in error.problems] if isinstance(error, InvalidMetadata) else [str(error)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(1)


@click.group("import")
def import_group() -> None:
    """Take in past records: a legacy folder with its mapping file, or a bag from another system."""


def _ids(session, organisation: str, username: str) -> tuple[int, int]:
    organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
    if organisation_id is None:
        click.echo(f"error: no organisation {organisation}", err=True)
        sys.exit(1)
    return organisation_id, _user(session, username)


def _user(session, username: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        click.echo(f"error: no user {username}", err=True)
        sys.exit(1)
    return user_id


@import_group.command("legacy")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--map", "mapping", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code the records belong to.")
@click.option("--user", "username", required=True, help="The archivist taking the records in.")
@click.option("--dry-run", is_flag=True, help="Check everything and say what would be made; write nothing.")
@click.option(
    "--accept-scan-warnings",
    "accept_scans",
    is_flag=True,
    help="Take scans that miss TT 02/2019's rules (PDF 1.4+, colour, 200 dpi); each is kept as a warning.",
)
@click.pass_obj
def import_legacy(
    obj, folder: Path, mapping: Path, organisation: str, username: str, dry_run: bool, accept_scans: bool
) -> None:
    """Make the past dossiers a mapping file (CSV or XLSX, one row per file) describes, with the folder's files."""
    try:
        with obj.transaction(lock_early=False) as session:
            organisation_id, user_id = _ids(session, organisation, username)
            plan = legacy.plan(
                session,
                load_actor(session, user_id),
                organisation_id,
                folder,
                mapping.name,
                mapping.read_bytes(),
                now=_now(),
                max_size=obj.settings["MAX_CONTENT_LENGTH"],
                accept_scans=accept_scans,
            )
    except ERMSError as error:
        _refused(error)
    click.echo(
        f"checked: {len(plan.dossiers)} dossiers, {plan.documents} documents, {plan.size} bytes"
        + (f"; {len(plan.done)} dossiers already made by run {plan.run_id}" if plan.run_id else "")
    )
    _checked(obj, user_id, plan, "warning", dry_run)


def _checked(obj, user_id: int, plan: runs.Plan, notes_are: str, dry_run: bool) -> None:
    """Say what the checked source will make, year by year, and its notes; then make it, unless a dry run."""
    _by_year(plan)
    for note in plan.notes:
        click.echo(f"{notes_are}: {note}")
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    _run(obj, user_id, plan)


def _by_year(plan: runs.Plan) -> None:
    for figures in plan.by_year():
        closed = figures.dossiers - figures.archived
        click.echo(
            f"  {figures.year}: {figures.dossiers} dossiers ({figures.archived} archived, {closed} closed), "
            f"{figures.documents} documents"
        )


def _run(obj, user_id: int, plan: runs.Plan) -> None:
    bar = click.progressbar(range(1), label="documents")

    def told(done: int, total: int) -> None:
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    try:
        with bar:
            outcome = intake_runner.take_in(
                make_session_factory(obj.engine),
                user_id,
                plan,
                store=FileStore(obj.settings["STORAGE_ROOT"]),
                clock=_now,
                font=obj.settings.get("PDF_FONT", ""),
                told=told,
            )
    except ERMSError as error:
        _refused(error)
    for line in outcome.report:
        click.echo(f"not taken in: {line}", err=True)
    click.echo(f"run {outcome.run_id}: {outcome.made} of {outcome.total} dossiers made")
    if not outcome.finished:
        click.echo("the run is not finished: fix what is reported and run the same command again", err=True)
        sys.exit(1)


@import_group.command("bag")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--user", "username", required=True, help="The archivist taking the bag in.")
@click.option("--unit", "unit", required=True, help="Code of the unit the bag's dossiers are recorded under.")
@click.option("--dry-run", is_flag=True, help="Check the bag and say what would be made; write nothing.")
@click.pass_obj
def import_bag(obj, path: Path, username: str, unit: str, dry_run: bool) -> None:
    """Take in a BagIt bag (a folder, .tar, .tar.gz or .zip): checked whole, then its dossiers made, archived, in the
    organisation its metadata names."""
    try:
        with bag_reading.opened(path) as folder:
            read = bag_reading.read(folder)
            with obj.transaction(lock_early=False) as session:
                user_id = _user(session, username)
                plan = bag.plan(session, load_actor(session, user_id), folder, read, unit)
            click.echo(f"checked: {len(plan.dossiers)} dossiers, {plan.documents} documents in bag {plan.source}")
            _checked(obj, user_id, plan, "not mapped", dry_run)
    except ERMSError as error:
        _refused(error)
