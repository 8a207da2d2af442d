"""The data-safety commands: ``erms backup …`` (make, list, verify and restore backup sets), ``erms fixity check``
(re-read stored files against their digests) and ``erms fixity metadata`` (compare closed dossiers' metadata with
their seals); ``administration.backup``, ``.restore``, ``.fixity`` and ``.metadata_fixity``.

Errors print the precise reason and exit 1; a backup or restore that fails leaves no set and no instance behind.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from administration import backup, fixity, metadata_fixity, orphans, restore
from erms import audit, config, jobs, migrate, search
from erms.db import make_engine, make_session_factory, transaction
from erms.storage import FileStore


def _now() -> datetime:
    return datetime.now(UTC)


@click.group("backup")
def backup_group() -> None:
    """Backup sets of the database and the file store (two media: ERMS_BACKUP_TARGETS)."""


def _refused(error: backup.BackupError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


def _bar(label: str):
    # Moved by hand as the work reports its progress; range(1) only gives the bar its type (click 8.1's stubs).
    bar = click.progressbar(range(1), label=label)

    def progress(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    return bar, progress


@backup_group.command("create")
@click.option("--to", "wanted", default=None, help="A configured target's name, or an absolute path (default: all).")
@click.pass_obj
def backup_create(obj, wanted: str | None) -> None:
    """Make a backup set on each target while ERMS runs (the database at one moment and the files it lists), record
    it, and remove from the medium the sets older than ERMS_BACKUP_KEEP_DAYS."""
    factory, now = make_session_factory(obj.engine), datetime.now(UTC)  # one name for the set on every medium
    try:
        chosen = backup.choose(obj.settings["BACKUP_TARGETS"], wanted)
    except backup.BackupError as error:
        _refused(error)
    failed = []
    for target in chosen:  # one medium that fails (not mounted, full) does not stop the others
        try:
            _backup_to(obj, factory, target, now)
        except backup.BackupError as error:
            failed.append(target.name)
            click.echo(f"error: {error}", err=True)
    if wanted is None and len(chosen) < 2:
        click.echo("warning: only one backup target is configured; keep two sets on independent media", err=True)
    if failed:
        click.echo(f"error: no backup set was made on {', '.join(failed)}", err=True)
        sys.exit(1)


def _backup_to(obj, factory, target: backup.Target, now: datetime) -> None:
    bar, progress = _bar(f"{target.name}: copying files")
    with bar:
        made = jobs.make_backup(obj.engine, factory, obj.settings, target, now=now, progress=progress)
    counts = ", ".join(f"{count} {label}" for label, count in made.manifest.counts.items())
    click.echo(
        f"backup set {made.manifest.name} on {target.name} ({target.path}): {counts}; "
        f"{len(made.manifest.files)} files, {made.copied} copied now ({made.copied_bytes} bytes)"
    )
    for problem in backup.damaged(target):
        click.echo(f"warning: {problem}; its files are kept until it is repaired or removed", err=True)


@backup_group.command("list")
@click.option("--from", "wanted", default=None, help="Only this target (name), or a folder given for once.")
@click.pass_obj
def backup_list(obj, wanted: str | None) -> None:
    """List the whole backup sets on every configured target (or the one named), oldest first."""
    try:
        if wanted is None and not backup.targets(obj.settings["BACKUP_TARGETS"]):
            raise backup.BackupError(
                "No backup target is configured: set ERMS_BACKUP_TARGETS to name=/path;name=/path, or give --from /path"
            )
        for target in backup.choose(obj.settings["BACKUP_TARGETS"], wanted):
            if not target.path.is_dir():
                click.echo(f"{target.name}: {target.path} is not there (is the medium mounted?)")
                continue
            for manifest in backup.sets(target):
                click.echo(
                    f"{target.name}  {manifest.name}  {manifest.created_at}  {manifest.database['kind']}  "
                    f"{len(manifest.files)} files  {manifest.bytes} bytes"
                )
            for problem in backup.damaged(target):
                click.echo(f"{target.name}  DAMAGED  {problem}")
    except backup.BackupError as error:
        _refused(error)


def _target_holding(obj, name: str, wanted: str | None) -> backup.Target:
    """Return the target named (or given as a path), else the first configured one that holds set ``name``."""
    if wanted is not None:
        return backup.choose(obj.settings["BACKUP_TARGETS"], wanted)[0]
    for target in backup.targets(obj.settings["BACKUP_TARGETS"]):
        if (target.path / "sets" / name / backup.MANIFEST).is_file():
            return target
    raise backup.BackupError(f"No configured backup target holds a set {name}; give --from NAME or --from /path")


@backup_group.command("verify")
@click.argument("name")
@click.option("--from", "wanted", default=None, help="The target holding the set (name or absolute path).")
@click.pass_obj
def backup_verify(obj, name: str, wanted: str | None) -> None:
    """Re-read a set on every configured target holding it (or on the one given): its database copy and every file,
    each against its digest; a file damaged on a medium is set aside for the next backup to copy again; exit 1 on any
    difference."""
    try:
        chosen = [_target_holding(obj, name, wanted)] if wanted is not None else _targets_holding(obj, name)
    except backup.BackupError as error:
        _refused(error)
    intact = [_verified(target, name) for target in chosen]
    if not all(intact):
        sys.exit(1)


def _targets_holding(obj, name: str) -> list[backup.Target]:
    """The configured targets holding set ``name`` (one name is given to the set on every medium)."""
    holding = [
        target
        for target in backup.targets(obj.settings["BACKUP_TARGETS"])
        if (target.path / "sets" / name / backup.MANIFEST).is_file()
    ]
    return holding or [_target_holding(obj, name, None)]  # none: refused in words


def _verified(target: backup.Target, name: str) -> bool:
    """Verify the set on ``target``, saying what was found; return True when it is intact."""
    try:
        bar, progress = _bar(f"{target.name}: re-reading {name}")
        with bar:
            check = backup.verify(target, name, progress)
    except backup.BackupError as error:
        click.echo(f"error: {error}", err=True)
        return False
    for problem in check.problems:
        click.echo(f"  {problem}", err=True)
    if not check.ok:
        click.echo(f"backup set {name} on {target.name} is DAMAGED: {len(check.problems)} problems", err=True)
        return False
    click.echo(f"backup set {name} on {target.name} intact: database and {check.checked} files verified")
    return True


@backup_group.command("restore")
@click.argument("name")
@click.option("--into", "into", required=True, help="An empty data folder for the restored instance.")
@click.option("--from", "wanted", default=None, help="The target holding the set (name or absolute path).")
@click.option("--database-url", default="", help="For a PostgreSQL set: the empty database to restore into.")
@click.pass_obj
def backup_restore(obj, name: str, into: str, wanted: str | None, database_url: str) -> None:
    """Restore a set into an empty instance, check its audit chain, rebuild its search index and report."""
    try:
        target = _target_holding(obj, name, wanted)
        bar, progress = _bar(f"{target.name}: restoring {name}")
        with bar:
            restored = restore.restore(target, name, Path(into).resolve(), database_url=database_url, progress=progress)
    except backup.BackupError as error:
        _refused(error)
    # Every folder of the restored instance is its own, whatever this shell's ERMS_STORAGE_ROOT or
    # ERMS_SEARCH_INDEX_DIR name (production's): its index is built and its files checked there, never elsewhere.
    own = {key: "" for key in config.DATA_FOLDERS}
    settings = config.load({**own, "DATA_DIR": str(restored.data_dir), "DATABASE_URL": restored.database_url})
    engine = make_engine(settings["DATABASE_URL"])
    try:
        _settle(engine, settings, restored)
    finally:
        engine.dispose()


def _settle(engine, settings: dict, restored: restore.Restored) -> None:
    """Bring the restored instance to the newest schema, check its audit chain, index it, and say what came back."""
    with engine.begin() as connection:
        migrate.upgrade(connection, storage_root=settings["STORAGE_ROOT"])
    factory = make_session_factory(engine)
    with transaction(factory, read_only=True) as session:
        chain = audit.verify(session)
        same_log = restore.holds_the_sets_head(session, restored.manifest)
    search.install(settings)
    with transaction(factory, read_only=not search.rebuild_writes_database(), lock_early=False) as session:
        indexed = search.rebuild(session)
    checked = fixity.check(factory, FileStore(settings["STORAGE_ROOT"]), agent="erms backup restore", clock=_now)
    failed = fixity.failures(checked)
    manifest = restored.manifest
    click.echo(f"restored backup set {manifest.name} (taken {manifest.created_at}) into {restored.data_dir}:")
    for label, count in manifest.counts.items():
        click.echo(f"  {label:<14} {count}")
    click.echo(f"  files          {restored.files} ({restored.bytes} bytes), each checked against its SHA-256")
    click.echo(f"  search index   {indexed} records")
    click.echo(f"  fixity         {len(checked) - len(failed)} of {len(checked)} files intact (SHA-256 and SHA-512)")
    head = manifest.audit_head.get("hash", "-")[:16]
    if not chain.ok:
        click.echo(f"  audit chain    BROKEN at event {chain.broken_id}: {chain.reason}", err=True)
    elif not same_log:
        missing = f"intact but without the set's newest event ({head}…): not the log backed up"
        click.echo(f"  audit chain    {missing}", err=True)
    else:
        click.echo(f"  audit chain    intact: {chain.checked} events, head {head}…")
        with transaction(factory) as session:
            restore.record(session, restored, files_intact=len(checked) - len(failed), now=_now())
        click.echo("  audit log      the restore is recorded in the restored instance's log")
    if not chain.ok or not same_log or failed:
        sys.exit(1)


@backup_group.command("take-over")
@click.pass_obj
def backup_take_over(obj) -> None:
    """Let this restored instance back up to the media of the instance it came from: it replaces that one (after a
    disaster). A test copy is given media of its own instead (ERMS_BACKUP_TARGETS)."""
    data_dir = Path(obj.settings["DATA_DIR"])
    try:
        with transaction(make_session_factory(obj.engine)) as session:
            origin = restore.take_over(session, data_dir, now=_now())
    except backup.BackupError as error:
        _refused(error)
    restore.forget_origin(data_dir)
    click.echo(
        f"this instance, restored from set {origin['set']} on {origin['target']}, now backs up to that medium as "
        "its own; the take-over is in its audit log"
    )


@click.group("fixity")
def fixity_group() -> None:
    """The fixity audit of the file store (the worker runs it continuously at ERMS_FIXITY_MB_PER_S) and of the closed
    dossiers' metadata seals (each checked again after ERMS_METADATA_CHECK_DAYS)."""


@fixity_group.command("check")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Check only the N files checked longest ago.")
@click.option("--file", "sha256", default=None, help="Check only the stored file with this SHA-256.")
@click.pass_obj
def fixity_check(obj, limit: int | None, sha256: str | None) -> None:
    """Re-read stored files against both digests taken at capture; exit 1 naming every altered or missing file."""
    factory = make_session_factory(obj.engine)
    try:
        found = fixity.check(
            factory,
            FileStore(obj.settings["STORAGE_ROOT"]),
            agent="erms fixity check",
            clock=lambda: datetime.now(UTC),
            limit=limit,
            sha256=sha256.strip().lower() if sha256 else None,
        )
    except fixity.UnknownFile as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    failed = fixity.failures(found)
    for item in failed:
        click.echo(f"  {item.outcome.value:<8} {item.sha256}", err=True)
    read = sum(item.size for item in found)
    if failed:
        click.echo(f"fixity FAILED: {len(failed)} of {len(found)} files altered or missing", err=True)
        sys.exit(1)
    click.echo(f"fixity intact: {len(found)} files re-read ({read} bytes), both digests as at capture")


@fixity_group.command("metadata")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Check only the N dossiers checked longest ago."
)
@click.option("--dossier", "file_code", default=None, help="Check only the dossier with this code.")
@click.pass_obj
def fixity_metadata(obj, limit: int | None, file_code: str | None) -> None:
    """Compare closed dossiers' metadata with the seals taken when they closed; exit 1 naming every dossier changed
    outside ERMS and the elements that differ (never their values)."""
    factory = make_session_factory(obj.engine)
    try:
        with transaction(factory, read_only=True) as session:
            chosen = metadata_fixity.named(session, file_code.strip()) if file_code else [None]
    except metadata_fixity.UnknownDossier as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    found = [
        item for each in chosen for item in metadata_fixity.check(factory, clock=_now, limit=limit, dossier_id=each)
    ]
    changed = metadata_fixity.changed(found)
    for item in changed:
        click.echo(f"  changed  {item.file_code}: {item.changes}", err=True)
    sealed = sum(item.outcome is metadata_fixity.Outcome.SEALED for item in found)
    if changed:
        click.echo(f"metadata FAILED: {len(changed)} of {len(found)} dossiers changed outside ERMS", err=True)
        sys.exit(1)
    click.echo(f"metadata intact: {len(found)} dossiers as sealed ({sealed} sealed now, closed before seals existed)")


@fixity_group.command("repair")
@click.argument("sha256")
@click.pass_obj
def fixity_repair(obj, sha256: str) -> None:
    """Put back an altered or missing file's bytes from the first backup medium holding them intact."""
    digest = sha256.strip().lower()
    try:
        media = [(target.name, target.path / "files") for target in backup.targets(obj.settings["BACKUP_TARGETS"])]
        with transaction(make_session_factory(obj.engine)) as session:
            source = fixity.repair(
                session,
                FileStore(obj.settings["STORAGE_ROOT"]),
                digest,
                media,
                agent="erms fixity repair",
                now=datetime.now(UTC),
            )
    except (fixity.UnknownFile, fixity.NotRepaired, backup.BackupError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"repaired {digest} from {source}: both digests as at capture")


@click.group("store")
def store_group() -> None:
    """The file store."""


@store_group.command("sweep")
@click.option(
    "--grace-hours", type=click.FloatRange(min=1), default=None, help="Leave files younger than this (default 24)."
)
@click.pass_obj
def store_sweep(obj, grace_hours: float | None) -> None:
    """Remove the files no record lists (left by uploads that were rolled back), once older than the grace period."""
    hours = grace_hours if grace_hours is not None else obj.settings["STORE_SWEEP_GRACE_HOURS"]
    removed = orphans.sweep(
        make_session_factory(obj.engine),
        FileStore(obj.settings["STORAGE_ROOT"]),
        now=datetime.now(UTC),
        grace=timedelta(hours=hours),
    )
    for sha256 in removed:
        click.echo(f"  removed {sha256}")
    click.echo(f"store swept: {len(removed)} files no record lists removed (untouched for {hours:g} hours)")
