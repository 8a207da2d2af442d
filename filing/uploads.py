"""Upload sessions of the JSON API ("tải lên theo phần"): a file sent in chunks, resumable after a dropped
connection, from which a document is then made by the same service as the web form (``filing.dossiers``).

The protocol is a small subset of tus 1.0 (https://tus.io/protocols/resumable-upload): a session is started with
the file's name and size, each chunk is appended at the offset the server holds, and the offset can be asked
again after a dropped connection. The bytes wait in a part file, ``<folder>/<id>.part`` (the session's id, never
the client's name, mode 0600); the row's ``received`` says how many of them count, so bytes written by a chunk
whose transaction did not commit are cut off by the next one. A session lives 24 hours; the worker's daily sweep
removes what expired.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, BinaryIO, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import db
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import ApiUpload, Document, User
from erms.permissions import Actor
from erms.storage import FileStore
from filing import dossiers

LIFETIME = timedelta(hours=24)
# The uploads a person holds at once that no document was made from yet: each may be as large as the deployment's
# upload limit and stays on disk a day, so without a bound one token could fill the disk.
MOST_OPEN = 10
CHUNK = 64 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PART = re.compile(r"^(\d+)\.")  # what the folder holds: <id>.part, and <id>.<random>.chunk while a chunk arrives

USED = N_("A document was already made from this upload.")
INCOMPLETE = N_("The upload is not complete: %(received)s of %(size)s bytes have arrived.")
DIFFERENT = N_("The file's bytes do not have the SHA-256 declared when the upload began; nothing was stored.")
TOO_MANY = N_(
    "You have %(count)s uploads from which no document was made yet, the most allowed: finish one, or let it expire, "
    "first."
)


class WrongOffset(RuleViolation):
    """A chunk sent for another offset than the one the upload is at (the client resumes from ``offset``)."""

    template = N_("The upload is at byte %(offset)s: send the bytes from there.")

    def __init__(self, offset: int) -> None:
        super().__init__(offset=offset)
        self.offset = offset


class PastSize(RuleViolation):
    """A chunk that would make the file larger than the size declared at the start; nothing was appended."""

    template = N_("The chunk would make the file larger than the %(size)s bytes declared; nothing was appended.")


T = TypeVar("T")


def part_path(folder: Path, upload_id: int) -> Path:
    return folder / f"{upload_id}.part"


def start(session: Session, actor: Actor, filename: str, size: int, sha256: str | None, *, now: datetime) -> ApiUpload:
    """Start an upload of ``size`` bytes named ``filename`` (already made safe by the caller) for the actor; refused
    while they hold MOST_OPEN uploads no document was made from yet."""
    if sha256 is not None and not SHA256.match(sha256):
        raise InvalidMetadata([Problem("sha256", N_("The SHA-256 is not 64 hexadecimal digits."))])
    if _open_count(session, actor.user_id, now) >= MOST_OPEN:
        raise RuleViolation(TOO_MANY, count=MOST_OPEN)
    upload = ApiUpload(
        user_id=actor.user_id,
        filename=filename,
        size=size,
        sha256=sha256,
        received=0,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(upload)
    session.flush()
    return upload


def _open_count(session: Session, user_id: int, now: datetime) -> int:
    """Return how many of the person's uploads are live and not yet used (their part files are on disk)."""
    open_ones = select(func.count(ApiUpload.id)).where(
        ApiUpload.user_id == user_id, ApiUpload.used_at.is_(None), ApiUpload.expires_at > now
    )
    return session.scalar(open_ones) or 0


def get_upload(session: Session, actor: Actor, upload_id: int, *, now: datetime, lock: bool = False) -> ApiUpload:
    """Return the actor's own upload, not expired; another person's looks like no upload at all.

    ``lock`` takes the row's lock (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds
    the database's), so two chunks of one upload are appended one after the other, never interleaved.
    """
    upload = session.get(ApiUpload, upload_id, with_for_update=lock)
    if upload is None or upload.user_id != actor.user_id or upload.expires_at <= now:
        raise NotFound()
    return upload


def refuse_chunk(upload: ApiUpload, offset: int, length: int | None) -> None:
    """Refuse a chunk of ``length`` bytes (None: not known yet) sent for ``offset``, before any byte is read."""
    if upload.used_at is not None:
        raise RuleViolation(USED)
    if offset != upload.received:
        raise WrongOffset(upload.received)
    if length is not None and offset + length > upload.size:
        raise PastSize(size=upload.size)


@contextmanager
def spooled(folder: Path, upload: ApiUpload, stream: IO[bytes]) -> Iterator[BinaryIO]:
    """Yield the chunk read from ``stream`` into a spool file of the folder (the request is read with no lock
    held: a slow client keeps no one waiting), refusing it once it passes the declared size."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{upload.id}.{os.urandom(8).hex()}.chunk"
    room = upload.size - upload.received
    try:
        with _created(path, os.O_RDWR | os.O_EXCL) as spool:
            written = 0
            while block := stream.read(CHUNK):
                written += len(block)
                if written > room:
                    raise PastSize(size=upload.size)
                spool.write(block)
            spool.seek(0)
            yield spool
    finally:
        path.unlink(missing_ok=True)


def append(
    session: Session, actor: Actor, upload_id: int, offset: int, chunk: BinaryIO, folder: Path, *, now: datetime
) -> ApiUpload:
    """Append the chunk (a spooled file) at ``offset`` under the row's lock, on disk (fsync) before the row says so."""
    upload = get_upload(session, actor, upload_id, now=now, lock=True)
    if not session.scalar(select(User.active).where(User.id == actor.user_id)):
        raise PermissionDenied()  # deactivated while the chunk arrived: its token no longer counts, nor does the chunk
    length = os.fstat(chunk.fileno()).st_size
    refuse_chunk(upload, offset, length)  # again under the lock: another chunk may have come first
    with _created(part_path(folder, upload.id), os.O_WRONLY) as part:
        part.truncate(upload.received)  # bytes of a chunk whose transaction never committed do not count
        part.seek(upload.received)
        shutil.copyfileobj(chunk, part, CHUNK)
        part.flush()
        os.fsync(part.fileno())
    upload.received += length
    session.flush()
    return upload


@contextmanager
def _created(path: Path, flags: int) -> Iterator[BinaryIO]:
    """Open ``path`` for binary writing, creating it readable by this user only."""
    descriptor = os.open(path, flags | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+b" if flags & os.O_RDWR else "wb") as handle:
        yield handle


def take(
    session: Session, actor: Actor, upload_id: int, *, folder: Path, max_size: int, now: datetime
) -> dossiers.Upload:
    """Use up a complete upload of the actor's: return its file as an ``Upload`` for a filing service (the web form's
    ``dossiers.add_document``, the registry's ``registers.register_document``). Bytes that differ from the SHA-256
    declared at the start are refused as the service reads them (InvalidMetadata on ``upload_id``: the store keeps
    nothing); the upload is marked used in the caller's transaction and its part file removed once that commits."""
    upload = claim(session, actor, upload_id, now=now)
    path = part_path(folder, upload.id)
    stream = _Checked(path.open("rb"), upload.size, upload.sha256)

    def remove() -> None:
        stream.close()
        path.unlink(missing_ok=True)

    db.on_commit(session, remove)
    return dossiers.Upload(upload.filename, cast(BinaryIO, stream), max_size)


def claim(session: Session, actor: Actor, upload_id: int, *, now: datetime) -> ApiUpload:
    """Mark a complete, unused upload of the actor's as used (by the caller's transaction) and return it."""
    upload = get_upload(session, actor, upload_id, now=now, lock=True)
    if upload.used_at is not None:
        raise RuleViolation(USED)
    if upload.received < upload.size:
        raise RuleViolation(INCOMPLETE, received=upload.received, size=upload.size)
    upload.used_at = now
    session.flush()
    return upload


def add_document(
    session: Session,
    actor: Actor,
    dossier_id: int,
    data: dict,
    upload_id: int | None,
    *,
    folder: Path,
    store: FileStore,
    max_size: int,
    now: datetime,
    scan: bool = False,
    certified_copy: bool = False,
) -> Document:
    """Add a document to an open dossier with ``dossiers.add_document`` (the web form's service), its file the
    complete upload ``upload_id`` of the actor's (see :func:`take`); a missing file is named ``upload_id``.
    ``scan`` and ``certified_copy`` as the form's (a scan refused is refused on ``upload_id``)."""
    upload = take(session, actor, upload_id, folder=folder, max_size=max_size, now=now) if upload_id else None
    try:
        return upload_named(
            lambda: dossiers.add_document(
                session,
                actor,
                dossier_id,
                data,
                upload,
                store=store,
                now=now,
                scan=scan,
                certified_copy=certified_copy,
            )
        )
    finally:
        if upload is not None:
            upload.stream.close()


def upload_named(add: Callable[[], T]) -> T:
    """Run ``add``, naming the API's field for the file (``upload_id``) where the form's is named (``file``)."""
    try:
        return add()
    except InvalidMetadata as error:
        raise InvalidMetadata(
            [
                Problem("upload_id", item.template, item.params) if item.field == "file" else item
                for item in error.problems
            ]
        ) from None


class _Checked:
    """The part file read up to the declared size, refusing at its end bytes whose SHA-256 is not the declared one
    (the store then keeps nothing: ``FileStore.put`` removes its temporary file on any error)."""

    def __init__(self, part: BinaryIO, size: int, sha256: str | None) -> None:
        self.part, self.left, self.wanted, self.digest = part, size, sha256, hashlib.sha256()

    def close(self) -> None:
        self.part.close()

    def read(self, size: int = -1) -> bytes:
        wanted = self.left if size < 0 else min(size, self.left)
        block = self.part.read(wanted) if wanted else b""
        self.left -= len(block)
        self.digest.update(block)
        if not block and self.wanted is not None and self.digest.hexdigest() != self.wanted:
            raise InvalidMetadata([Problem("upload_id", DIFFERENT)])
        return block


def discard(session: Session, actor: Actor, upload_id: int, folder: Path, *, now: datetime) -> None:
    """Give up an upload of one's own no document was made from (a file sent by mistake, a wrong SHA-256 declared):
    it stops counting towards MOST_OPEN at once, and its bytes leave the disk once that commits."""
    upload = get_upload(session, actor, upload_id, now=now, lock=True)
    if upload.used_at is not None:
        raise RuleViolation(USED)
    upload.expires_at = now  # gone for every reader; the next sweep deletes its row
    db.on_commit(session, lambda: part_path(folder, upload_id).unlink(missing_ok=True))


def sweep(session: Session, folder: Path, *, now: datetime) -> int:
    """Remove the expired uploads, their rows now and their part files once that commits, and any file of the folder
    no live upload owns that is older than an upload's lifetime (left by a killed process); return how many
    uploads expired."""
    expired = list(session.scalars(select(ApiUpload).where(ApiUpload.expires_at <= now)))
    gone = {upload.id for upload in expired}
    for upload in expired:
        session.delete(upload)
    live = set(session.scalars(select(ApiUpload.id).where(ApiUpload.expires_at > now)))
    session.flush()
    db.on_commit(session, lambda: _remove_files(folder, gone, live, now - LIFETIME))
    return len(expired)


def _remove_files(folder: Path, gone: set[int], live: set[int], before: datetime) -> None:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        found = PART.match(path.name)
        owner = int(found.group(1)) if found else None
        if owner in gone or (owner not in live and path.stat().st_mtime < before.timestamp()):
            path.unlink(missing_ok=True)
