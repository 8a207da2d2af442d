"""Backups (sao lưu) and restores: a consistent copy of the database and the file store, made while people work.

A backup target is a folder meant for an independent medium (Thông tư 02/2019/TT-BNV: at least two sets, each on
its own medium). Inside it::

    files/aa/bb/<sha256>          the file store's bytes, shared by every set of the target: a file already there
                                  is not copied again (content-addressed, so the same name means the same bytes)
    sets/<name>/database.sqlite3  SQLite's online backup of the database (or database.dump from pg_dump)
    sets/<name>/config.json       the settings, without the secret key and the database password
    sets/<name>/manifest.json     what the set holds: every file's digest and size, the counts of records, the
                                  audit chain's head when the copy was taken, the schema revision

A set is written under ``sets/.partial-<name>`` and renamed when whole, manifest last, so a crash, a full disk or a
missing medium never leaves something that looks like a backup. The files copied are those the database copy
lists, so every record of the copy has its bytes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from erms.config import LOCAL_TZ
from erms.models import AuditEvent, Document, DocumentVersion, Dossier, StoredFile
from erms.models.appraisal import DestroyedFile
from erms.storage import CHUNK, fsync_dir, sync_filesystem

FORMAT = "erms-backup-1"
MANIFEST = "manifest.json"
# Where verify moves the copies of files it found damaged on a medium (kept for inspection, never listed).
DAMAGED = ".damaged"
# Settings a backup never holds: whoever reads the medium must not be able to sign sessions or log in to the database.
SECRET_SETTINGS = ("SECRET_KEY", "SMTP_PASSWORD")

Progress = Callable[[int, int], None]
# Files copied at once (threads): enough to keep a disk's queue full, few enough for a two-core server.
COPY_THREADS = 4


class BackupError(Exception):
    """A backup, verification or restore that cannot be done; the message says why. Nothing was marked done."""


@dataclass(frozen=True)
class Target:
    """A configured place for backup sets: a name people use and the folder on its medium."""

    name: str
    path: Path


@dataclass
class Manifest:
    """What one backup set holds."""

    name: str
    created_at: str
    database: dict
    counts: dict[str, int]
    audit_head: dict
    files: list[tuple[str, int]] = field(default_factory=list)
    format: str = FORMAT

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.files)


@dataclass(frozen=True)
class Made:
    """A backup set just made: where, what it holds, and what this run had to copy."""

    target: Target
    manifest: Manifest
    copied: int
    copied_bytes: int


def targets(setting: str) -> list[Target]:
    """Parse BACKUP_TARGETS ("name=/path;name=/path"); a bad entry is refused with the reason."""
    found: list[Target] = []
    for part in filter(None, (piece.strip() for piece in setting.split(";"))):
        name, sep, path = part.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise BackupError(f'BACKUP_TARGETS: "{part}" is not name=/absolute/path')
        if not Path(path.strip()).is_absolute():
            raise BackupError(f'BACKUP_TARGETS: the path of "{name.strip()}" must be absolute, not "{path.strip()}"')
        if any(target.name == name.strip() for target in found):
            raise BackupError(f'BACKUP_TARGETS: the name "{name.strip()}" is given twice')
        found.append(Target(name.strip(), Path(path.strip())))
    return found


def choose(setting: str, wanted: str | None) -> list[Target]:
    """Return the targets to write: the one named (or an absolute path given for once), else every configured one."""
    configured = targets(setting)
    if wanted is None:
        if not configured:
            raise BackupError(
                "No backup target is configured: set ERMS_BACKUP_TARGETS to name=/path;name=/path (two media), "
                "or give --to /path"
            )
        return configured
    for target in configured:
        if target.name == wanted:
            return [target]
    if Path(wanted).is_absolute():
        return [Target(wanted, Path(wanted))]
    names = ", ".join(target.name for target in configured) or "none"
    raise BackupError(f'No backup target is called "{wanted}" (configured: {names}); give a name or an absolute path')


# ---------------------------------------------------------------- making a set


def create(engine: Engine, settings: dict, target: Target, *, now: datetime, progress: Progress | None = None) -> Made:
    """Make a backup set on ``target`` while the application runs; raise BackupError leaving no set behind."""
    _check_medium(target)
    with _writing_to(target):
        return _create(engine, settings, target, now, progress)


@contextmanager
def _writing_to(target: Target) -> Iterator[None]:
    """Hold the target's lock: one backup at a time writes to a medium."""
    with (target.path / ".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"Another backup is being written to {target.name}; try again when it ends") from None
        yield


def _create(engine: Engine, settings: dict, target: Target, now: datetime, progress: Progress | None) -> Made:
    name = now.strftime("%Y%m%dT%H%M%SZ")
    final = target.path / "sets" / name
    if final.exists():
        raise BackupError(f"A backup set {name} is already on {target.name}; wait a second and try again")
    for leftover in (target.path / "sets").glob(".partial-*"):  # of backups killed before: we hold the medium now
        shutil.rmtree(leftover, ignore_errors=True)
    partial = target.path / "sets" / f".partial-{name}"
    try:
        partial.mkdir(parents=True)
        database, manifest = _copy_database(engine, partial, name, now)
        manifest.database = {**manifest.database, **database}
        copied, copied_bytes = _copy_files(Path(settings["STORAGE_ROOT"]), target, manifest, progress)
        _write_json(partial / "config.json", _public_settings(settings))
        _write_json(partial / MANIFEST, asdict(manifest))
        fsync_dir(partial)
        os.replace(partial, final)
        fsync_dir(final.parent)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"Backup to {target.name} ({target.path}) failed: {error.strerror or error}") from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Made(target, manifest, copied, copied_bytes)


def _check_medium(target: Target) -> None:
    if target.path.exists() and not target.path.is_dir():
        raise BackupError(f"Backup target {target.name}: {target.path} is a file, not a folder")
    if not target.path.is_dir():
        raise BackupError(f"Backup target {target.name}: {target.path} is not there (is the medium mounted?)")
    if not os.access(target.path, os.W_OK):
        raise BackupError(f"Backup target {target.name}: {target.path} cannot be written")


# Written into a restored instance's data folder: which set on which medium it came from. Until an administrator says
# the instance replaces the one it came from (``erms backup take-over``), it makes no set on that medium, where its
# sets would lie beside the original's and a later restore could take a test copy's set for production's.
RESTORED_FROM = "restored-from.json"


def restored_from(data_dir: Path) -> dict | None:
    """Which set this instance was restored from (``set``, ``target``, ``path``, ``restored_at``), or None."""
    try:
        origin = json.loads((data_dir / RESTORED_FROM).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        origin = None
    if not isinstance(origin, dict) or not all(isinstance(origin.get(key), str) for key in ("set", "target", "path")):
        raise BackupError(f"{data_dir / RESTORED_FROM} cannot be read: remove it or restore again")
    return origin


def mark_restored(data_dir: Path, target: Target, name: str, now: datetime) -> None:
    """Write in a restored instance's folder which set it came from (see RESTORED_FROM)."""
    origin = {"set": name, "target": target.name, "path": str(target.path.resolve()), "restored_at": now.isoformat()}
    partial = data_dir / f".{RESTORED_FROM}.part"
    _write_json(partial, origin)
    partial.replace(data_dir / RESTORED_FROM)
    fsync_dir(data_dir)


def check_not_the_origin(data_dir: Path, target: Target) -> None:
    """Refuse a restored instance's set on the medium of the instance it came from (see RESTORED_FROM)."""
    origin = restored_from(data_dir)
    if origin is None:
        return
    same_medium = (target.path / "sets" / origin["set"]).is_dir() or target.path.resolve() == Path(origin["path"])
    if same_medium:
        raise BackupError(
            f"This instance was restored from set {origin['set']} on {origin['target']}, and {target.name} holds the "
            "sets of the instance it came from: a test copy backs up to media of its own (ERMS_BACKUP_TARGETS); if "
            "this instance now replaces that one, run `erms backup take-over` once, then back up"
        )


def _copy_database(engine: Engine, folder: Path, name: str, now: datetime) -> tuple[dict, Manifest]:
    """Copy the database as it is at one moment and read, from that same moment, what the set must hold."""
    if engine.dialect.name == "sqlite":
        path = folder / "database.sqlite3"
        _sqlite_copy(engine, path)
        copy = create_engine(f"sqlite:///{path}")
        try:
            with Session(copy) as session:
                manifest = _contents(session, name, now)
        finally:
            copy.dispose()
        return {"kind": "sqlite", "file": path.name, **_digest_of(path)}, manifest
    path = folder / "database.dump"
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        # pg_dump takes the snapshot this transaction exported: the dump and the file list agree.
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        with Session(bind=connection) as session:
            manifest = _contents(session, name, now)
        run_client(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(path)], engine)
        connection.rollback()
    return {"kind": "postgresql", "file": path.name, **_digest_of(path)}, manifest


def _sqlite_copy(engine: Engine, path: Path) -> None:
    """SQLite's online backup API, all pages in one step: one read transaction, so one moment, while others write."""
    source_path = make_url(str(engine.url)).database
    assert source_path, "an in-memory database has nothing to back up"
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _contents(session: Session, name: str, now: datetime) -> Manifest:
    destroyed = select(DestroyedFile.file_id).where(DestroyedFile.deleted_at.is_not(None))
    files = session.execute(
        select(StoredFile.sha256, StoredFile.size).where(StoredFile.id.not_in(destroyed)).order_by(StoredFile.sha256)
    ).all()
    head = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    counts = {
        label: session.scalar(select(func.count()).select_from(model)) or 0
        for label, model in (
            ("dossiers", Dossier),
            ("documents", Document),
            ("versions", DocumentVersion),
            ("stored_files", StoredFile),
            ("audit_events", AuditEvent),
        )
    }
    revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    return Manifest(
        name=name,
        created_at=now.isoformat(),
        database={"revision": revision},
        counts=counts,
        audit_head={"id": head.id, "hash": head.hash} if head else {},
        files=[(sha256, size) for sha256, size in files],
    )


def _copy_files(store: Path, target: Target, manifest: Manifest, progress: Progress | None) -> tuple[int, int]:
    """Copy into the target's shared folder each file it does not hold yet, checking its SHA-256 on the way.

    A file a whole set already lists is there for good (the medium was flushed before that set's manifest was
    written); one left by an interrupted backup is read again before it is trusted. The medium is flushed once at
    the end, not once per file.
    """
    into = target.path / "files"
    listed = _listed(target)
    needed = [(sha256, size) for sha256, size in manifest.files if not _held(place(into, sha256), sha256, size, listed)]
    FileCopier(store, into).copy_all([sha256 for sha256, _ in needed], progress)
    copied, copied_bytes = len(needed), sum(size for _, size in needed)
    sync_filesystem(into)
    return copied, copied_bytes


def _listed(target: Target) -> dict[str, int]:
    """Return every file (digest: size) the whole sets on ``target`` list."""
    return {sha256: size for manifest in sets(target) for sha256, size in manifest.files}


def _held(path: Path, sha256: str, size: int, listed: dict[str, int]) -> bool:
    if not path.is_file() or path.stat().st_size != size:
        return False
    return listed.get(sha256) == size or _sha256(path) == sha256


def place(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


class FileCopier:
    """Copies stored files into a folder laid out as the store (``aa/bb/<sha256>``), checking each SHA-256 on the way.

    Files are written in place and not flushed one by one: the caller flushes the file system once, before anything
    says the copy is finished, and a file a crash left half-written is found by its digest the next time.
    """

    def __init__(self, source_root: Path, target_root: Path) -> None:
        self.source_root, self.target_root = source_root, target_root
        self._folders: set[Path] = set()

    def copy_all(self, digests: list[str], progress: Progress | None = None) -> None:
        """Copy every file of ``digests``, several at once: the disk's latency overlaps, and reading, hashing and
        writing all let other threads run. The first failure is raised once the copies under way have ended."""
        with ThreadPoolExecutor(COPY_THREADS) as pool:
            for done, _ in enumerate(pool.map(self.copy, digests), start=1):
                if progress:
                    progress(done, len(digests))

    def copy(self, sha256: str) -> None:
        source, destination = place(self.source_root, sha256), place(self.target_root, sha256)
        if destination.parent not in self._folders:
            destination.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(destination.parent)
        digest = hashlib.sha256()
        try:
            with source.open("rb", buffering=0) as reader, destination.open("wb") as writer:
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                    writer.write(chunk)
        except FileNotFoundError as error:
            if error.filename == str(source):
                raise BackupError(f"The stored file {sha256} is missing from the file store: not copied") from None
            raise
        if digest.hexdigest() != sha256:
            destination.unlink()
            raise BackupError(f"The stored file {sha256} has other bytes than it had at capture: not copied")


def _digest_of(path: Path) -> dict:
    return {"sha256": _sha256(path), "size": path.stat().st_size}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _public_settings(settings: dict) -> dict:
    public = {key: value for key, value in settings.items() if key not in SECRET_SETTINGS and _plain(value)}
    if public.get("DATABASE_URL"):
        public["DATABASE_URL"] = make_url(public["DATABASE_URL"]).render_as_string(hide_password=True)
    return public


def _plain(value) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _write_json(path: Path, data: dict) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def run_client(command: list[str], engine: Engine) -> None:
    """Run a PostgreSQL client program against the engine's database (the password through the environment)."""
    url = engine.url
    environment = {**os.environ, "PGPASSWORD": url.password or ""}
    arguments = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--username", url.username or ""]
    try:
        result = subprocess.run(
            [*command, *arguments, "--dbname", url.database or ""],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client programs") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


# ---------------------------------------------------------------- reading sets


def sets(target: Target) -> list[Manifest]:
    """Return the whole, readable sets on ``target``, oldest first (a set still being written is not one; a damaged
    one is named by ``damaged``)."""
    return _survey(target)[0]


def damaged(target: Target) -> list[str]:
    """Return why each set on ``target`` whose manifest cannot be read is not a set (a torn write, a bad sector)."""
    return _survey(target)[1]


def _survey(target: Target) -> tuple[list[Manifest], list[str]]:
    folder = target.path / "sets"
    if not folder.is_dir():
        return [], []
    found, broken = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not (path / MANIFEST).is_file():  # .partial-*: one not finished
            continue
        try:
            found.append(read(target, path.name))
        except BackupError as error:  # one damaged set neither hides the others nor stops a backup
            broken.append(str(error))
    return found, broken


def read(target: Target, name: str) -> Manifest:
    """Return the manifest of set ``name``; BackupError if the target has no such whole set, or it is damaged."""
    path = target.path / "sets" / name / MANIFEST
    if name.startswith(".") or "/" in name or not path.is_file():
        raise BackupError(f"No backup set {name} on {target.name} ({target.path})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: JSON or UTF-8 that does not decode
        raise BackupError(f"Backup set {name} on {target.name} is damaged: its manifest cannot be read") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"Backup set {name} on {target.name} is not an ERMS backup ({FORMAT})")
    try:
        data["files"] = [(str(sha256), int(size)) for sha256, size in data["files"]]
        return Manifest(**data)
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"Backup set {name} on {target.name} is damaged: its manifest is incomplete") from error


@dataclass
class Check:
    """What a verification found: files checked, and every problem in words."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(target: Target, name: str, progress: Progress | None = None) -> Check:
    """Re-read the set: the database copy and every file it lists, each against its digest.

    A file whose copy on the medium is damaged is set aside (``files/.damaged/``): the files are shared by every set
    of the medium and a backup reuses those a set lists without reading them, so left in place the damage would pass
    into every later set; set aside, the next backup copies it again from the store and every set holding it is
    whole again."""
    manifest = read(target, name)
    check = Check()
    database = target.path / "sets" / name / manifest.database["file"]
    if not database.is_file():
        check.problems.append(f"the database copy {database.name} is missing")
    elif _sha256(database) != manifest.database["sha256"]:
        check.problems.append(f"the database copy {database.name} on the medium is damaged (its digest differs)")
    damaged = []
    for done, (sha256, size) in enumerate(manifest.files, start=1):
        path = place(target.path / "files", sha256)
        if not path.is_file():
            check.problems.append(f"file {sha256} is missing: the next backup to {target.name} copies it again")
        elif path.stat().st_size != size or _sha256(path) != sha256:
            damaged.append(path)
        check.checked = done
        if progress:
            progress(done, len(manifest.files))
    check.problems.extend(_set_aside(target, damaged))
    return check


def _set_aside(target: Target, damaged: list[Path]) -> list[str]:
    """Move the damaged copies out of the medium's shared files (kept for inspection); say what became of each."""
    if not damaged:
        return []
    aside = target.path / "files" / DAMAGED
    try:
        with _writing_to(target):  # a backup writing meanwhile may be reusing them: it must end first
            aside.mkdir(exist_ok=True)
            for path in damaged:
                os.replace(path, aside / path.name)
    except BackupError:
        return [
            f"file {path.name}: its copy on the medium is damaged; verify again once the backup being written "
            "ends, to set it aside"
            for path in damaged
        ]
    return [
        f"file {path.name}: its copy on the medium is damaged; it was set aside in files/{DAMAGED} and the next "
        f"backup to {target.name} copies it again from the store"
        for path in damaged
    ]


def prune(target: Target, keep_days: int, today: date) -> list[str]:
    """Remove the sets older than ``keep_days`` (the newest is always kept), then the files no remaining set lists;
    return the names of the sets removed."""
    with _writing_to(target):  # a backup writing meanwhile lists its files only at its end
        return _prune(target, keep_days, today)


def _prune(target: Target, keep_days: int, today: date) -> list[str]:
    whole, broken = _survey(target)
    old = [manifest.name for manifest in whole[:-1] if _made_on(manifest) + timedelta(days=keep_days) < today]
    for name in old:
        shutil.rmtree(target.path / "sets" / name)
    if broken:
        return old  # a damaged set's files are unknown: none is removed until it is repaired or deleted by hand
    kept = _listed(target)
    for path in (target.path / "files").glob("*/*/*"):
        if path.name not in kept:
            path.unlink()
    return old


def _made_on(manifest: Manifest) -> date:
    return datetime.fromisoformat(manifest.created_at).astimezone(LOCAL_TZ).date()
