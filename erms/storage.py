"""The content-addressed file store. Nothing else writes under STORAGE_ROOT.

Bytes live at ``<root>/<sha256[:2]>/<sha256[2:4]>/<sha256>``. ``put`` streams the input once,
computing SHA-256 and SHA-512 (and looking for a PDF signature) while it writes a temp file, fsyncs,
and renames it into place, so a crash leaves either the whole file or nothing; the same bytes
uploaded twice are stored once.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
_LIBC = ctypes.CDLL(None, use_errno=True)
# A PDF signature dictionary carries /ByteRange (ISO 32000-1 §12.8.1). Seen once at capture and
# kept with the file, it fills CITS ERMS eSignature without reading the bytes again at export.
SIGNATURE_MARK = b"/ByteRange"


class TooLarge(Exception):
    """The stream was longer than the limit given to ``put``; nothing was stored."""


@dataclass(frozen=True)
class Captured:
    """What ``put`` learnt about the bytes it stored."""

    sha256: str
    sha512: str
    size: int
    path: Path
    created: bool  # False: the bytes were already in the store
    signed: bool = False  # a PDF signature dictionary is in the bytes


class SignatureScan:
    """Looks for SIGNATURE_MARK in a stream fed chunk by chunk (the mark may straddle two chunks)."""

    __slots__ = ("found", "_tail")

    def __init__(self) -> None:
        self.found, self._tail = False, b""

    def update(self, chunk: bytes) -> None:
        if self.found:
            return
        edge = len(SIGNATURE_MARK) - 1
        self.found = SIGNATURE_MARK in self._tail + chunk[:edge] or SIGNATURE_MARK in chunk
        self._tail = (self._tail + chunk[-edge:])[-edge:]


class FileStore:
    """A folder of files named by their SHA-256."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return Path(self.location(sha256))

    def location(self, sha256: str) -> str:
        """Return where the bytes of ``sha256`` live, as a string (cheaper than a Path for bulk work)."""
        return f"{self.root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put(self, stream: BinaryIO, max_size: int | None = None) -> Captured:
        """Store the stream's bytes; raise TooLarge (storing nothing) past ``max_size`` bytes."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        sha256, sha512, size, signature = hashlib.sha256(), hashlib.sha512(), 0, SignatureScan()
        fd, temp_name = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(fd, "wb") as temp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_size is not None and size > max_size:
                        raise TooLarge(f"more than {max_size} bytes")
                    sha256.update(chunk)
                    sha512.update(chunk)
                    signature.update(chunk)
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
            return self._place(
                Captured(
                    sha256.hexdigest(), sha512.hexdigest(), size, Path(temp_name), created=True, signed=signature.found
                )
            )
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)

    def _place(self, temp: Captured) -> Captured:
        """Move the temp file into place (unless those bytes are already stored); return where they are."""
        final = self.path_for(temp.sha256)
        if final.exists():
            try:
                # Newly in use: the sweep of unused bytes leaves alone whatever was touched within its grace period.
                os.utime(final)
                return replace(temp, path=final, created=False)
            except FileNotFoundError:  # the sweep took it away meanwhile: these bytes take its place
                pass
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp.path, final)
        fsync_dir(final.parent)
        return replace(temp, path=final)

    def restore(self, sha256: str, source: Path) -> None:
        """Put ``source``'s bytes where the store keeps ``sha256``, over whatever is there, atomically (a repair:
        the caller has checked that they are the bytes the digest names)."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(fd, "wb") as temp, source.open("rb") as good:
                shutil.copyfileobj(good, temp, CHUNK)
                temp.flush()
                os.fsync(temp.fileno())
            final = self.path_for(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_name, final)
            fsync_dir(final.parent)
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)

    def open(self, sha256: str) -> BinaryIO:
        """Open stored bytes for reading; FileNotFoundError if they are not (or no longer) here."""
        return self.path_for(sha256).open("rb")

    def digest(self, sha256: str) -> str:
        """Re-read stored bytes and return their SHA-256 now (fixity check)."""
        digest = hashlib.sha256()
        with self.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def files(self) -> Iterator[tuple[str, float]]:
        """Yield (sha256, last modified, epoch seconds) of every file the store holds."""
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if len(path.name) != 64:  # not stored bytes (a file the sweep set aside)
                continue
            try:
                yield path.name, path.stat().st_mtime
            except FileNotFoundError:  # removed meanwhile
                continue

    def leftovers(self, before: float) -> list[Path]:
        """Return the temp files of interrupted ``put`` calls last written before ``before`` (epoch seconds)."""
        incoming = self.root / "incoming"
        return [path for path in incoming.glob("*") if path.stat().st_mtime < before] if incoming.is_dir() else []

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def delete(self, sha256: str) -> bool:
        """Remove stored bytes for good; return False if they were not there."""
        try:
            self.path_for(sha256).unlink()
        except FileNotFoundError:
            return False
        fsync_dir(self.path_for(sha256).parent)
        return True


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` (syncfs(2)): every file and folder written there in one call.

    One journal commit instead of one fsync per file, and unlike sync(2) it leaves the machine's
    other disks alone.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        if _LIBC.syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), str(path))
    finally:
        os.close(fd)
