"""Restoring a backup set (phục hồi dữ liệu) into an empty instance: the database, then every file checked against
its digest. A restore never writes over an instance, refuses a damaged set, and undoes what it wrote if it fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from administration import backup
from erms import audit, migrate
from erms.models import AuditEvent
from erms.storage import fsync_dir, sync_filesystem


@dataclass(frozen=True)
class Restored:
    """What a restore put back (NĐ 30 PL6 IV.1.e: a report of what was recovered)."""

    manifest: backup.Manifest
    target: str
    data_dir: Path
    database_url: str
    files: int
    bytes: int


def restore(
    target: backup.Target, name: str, data_dir: Path, *, database_url: str = "", progress: backup.Progress | None = None
) -> Restored:
    """Put set ``name`` back into an empty data folder (and, for a PostgreSQL set, an empty database)."""
    manifest = backup.read(target, name)
    _check_known_schema(manifest)
    _check_empty(data_dir)
    check = backup.verify(target, name)
    if not check.ok:
        raise backup.BackupError(
            f"Backup set {name} on {target.name} is damaged, nothing restored: " + "; ".join(check.problems)
        )
    _check_database_given(manifest, database_url)
    data_dir.mkdir(parents=True, exist_ok=True)
    with _undone_on_failure(data_dir):
        store = data_dir / "files"
        backup.FileCopier(target.path / "files", store).copy_all([sha256 for sha256, _ in manifest.files], progress)
        sync_filesystem(store)
        # The database last, PostgreSQL's in one transaction: a failure before or during it leaves no database.
        url = _restore_database(target.path / "sets" / name, manifest, data_dir, database_url)
        backup.mark_restored(data_dir, target, name, datetime.now(UTC))
    return Restored(manifest, target.name, data_dir, url, len(manifest.files), manifest.bytes)


def holds_the_sets_head(session: Session, manifest: backup.Manifest) -> bool:
    """Whether the restored log holds the newest event the set's manifest names, unchanged: with the chain intact up
    to it, the log is the one backed up (an empty log matches a set made before any event)."""
    head = manifest.audit_head
    if not head:
        return session.scalar(select(AuditEvent.id).limit(1)) is None
    return session.scalar(select(AuditEvent.hash).where(AuditEvent.id == head["id"])) == head["hash"]


def record(session: Session, restored: Restored, *, files_intact: int, now: datetime) -> None:
    """Write in the restored instance's own log, after the events it came back with, which set it was restored from:
    an inspection of it then sees when its history was resumed (NĐ 30 PL6 IV.1.e)."""
    manifest = restored.manifest
    audit.record(
        session,
        None,
        "backup.restored",
        "backup_set",
        None,
        now=now,
        name=manifest.name,
        target=restored.target,
        taken_at=manifest.created_at,
        audit_head=manifest.audit_head.get("hash", ""),
        files=restored.files,
        files_intact=files_intact,
    )


def take_over(session: Session, data_dir: Path, *, now: datetime) -> dict:
    """Let a restored instance back up to the media of the one it came from, which it now replaces (audited); return
    which set it had been restored from. The file goes after the commit (:func:`forget_origin`)."""
    origin = backup.restored_from(data_dir)
    if origin is None:
        raise backup.BackupError("This instance was not restored from a backup set: it backs up to its media already")
    audit.record(
        session, None, "backup.taken_over", "backup_set", None, now=now, name=origin["set"], target=origin["target"]
    )
    return origin


def forget_origin(data_dir: Path) -> None:
    (data_dir / backup.RESTORED_FROM).unlink(missing_ok=True)
    fsync_dir(data_dir)


def _check_known_schema(manifest: backup.Manifest) -> None:
    """Refuse, before writing anything, a set whose database a newer ERMS made: this code could not bring it up."""
    revision = manifest.database.get("revision")
    if revision not in migrate.known_revisions():
        raise backup.BackupError(
            f"Backup set {manifest.name} was made by a newer ERMS (database schema {revision}; this version knows up "
            f"to {migrate.head_revision()}): restore it with that version or a later one. Nothing was restored."
        )


# What a fresh instance's own start-up writes before anything else (erms.config: the session key): restoring into the
# folder ERMS_DATA_DIR names, as a new machine is set up, finds it there.
FRESH = frozenset({"secret_key"})


def _check_empty(data_dir: Path) -> None:
    if data_dir.exists() and (not data_dir.is_dir() or any(child.name not in FRESH for child in data_dir.iterdir())):
        raise backup.BackupError(f"{data_dir} is not an empty folder: a restore never writes over an instance")


@contextmanager
def _undone_on_failure(data_dir: Path) -> Iterator[None]:
    """Remove what the restore wrote if it fails; a fresh instance's own session key stays (not the restore's)."""
    before = {child.name for child in data_dir.iterdir()}
    try:
        yield
    except BaseException:
        for child in data_dir.iterdir():
            if child.name not in before:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _check_database_given(manifest: backup.Manifest, database_url: str) -> None:
    """Refuse, before copying anything, a database URL for a SQLite set or none for a PostgreSQL set."""
    if manifest.database["kind"] == "sqlite" and database_url:
        raise backup.BackupError("This set holds a SQLite database: it is restored into the data folder, not a URL")
    if manifest.database["kind"] != "sqlite" and not database_url:
        raise backup.BackupError(
            "This set holds a PostgreSQL database: give the empty database to restore into (--database-url)"
        )


def _restore_database(folder: Path, manifest: backup.Manifest, data_dir: Path, database_url: str) -> str:
    source = folder / manifest.database["file"]
    if manifest.database["kind"] == "sqlite":
        path = data_dir / "erms.sqlite3"
        shutil.copyfile(source, path)
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())
        return ""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            ).scalar_one()
        if tables:
            raise backup.BackupError(
                "The database to restore into is not empty: a restore never writes over an instance"
            )
        backup.run_client(["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", str(source)], engine)
    finally:
        engine.dispose()
    return database_url
