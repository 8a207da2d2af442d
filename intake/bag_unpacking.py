"""Open a bag (gói tin) taken in from another system safely: a folder as it is, or a tar or zip archive unpacked into
a temporary folder member by member, each member refused before any of it is written if it could reach outside that
folder, is a link or a special file, or if the archive unpacks to more bytes, files or compression than ``Limits``
allow (a zip bomb). Counting is of the bytes really written, never of what a header claims.
"""

from __future__ import annotations

import os
import re
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from erms.errors import N_, ERMSError

# The ratio is checked only once this much is unpacked: small archives of text legitimately compress far better.
RATIO_FLOOR = 10 * 1024**2
_CHUNK = 1024**2
_DRIVE = re.compile(r"^[A-Za-z]:")


class BagRefused(ERMSError):
    """The bag was not taken in; ``problems`` lists every reason found, one precise English line each."""

    template = N_("The bag was refused; problems found: %(count)s.")

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(dict.fromkeys(problems))
        super().__init__(count=len(self.problems))
        # The CLI prints str(error): the count, then each problem on its own line.
        self.args = ("\n".join([self.template % self.params, *self.problems]),)


@dataclass(frozen=True)
class Limits:
    """How much an archive may unpack to: bytes in all, members, and uncompressed bytes per archive byte."""

    max_bytes: int = 50 * 1024**3
    max_files: int = 200_000
    max_ratio: int = 100


DEFAULT_LIMITS = Limits()


@contextmanager
def opened(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Path]:
    """Yield the bag folder at ``path``: a folder used in place (never modified), or a tar or zip archive unpacked
    into a temporary folder that is removed when the block ends, refused or not."""
    if path.is_dir():
        _check_folder(path)
        yield path
        return
    if not path.is_file():
        raise BagRefused([f"{path}: no such file or folder"])
    with tempfile.TemporaryDirectory(prefix="erms-intake-") as temp:
        _Unpacker(path, Path(temp), limits).unpack()
        yield _bag_folder(Path(temp))


def _bag_folder(unpacked: Path) -> Path:
    """Return where the bag is: the archive's root, or the one folder it holds (as exports/bagging/unpack.py)."""
    entries = list(unpacked.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not (unpacked / "bagit.txt").exists():
        return entries[0]
    return unpacked


def _check_folder(folder: Path) -> None:
    """Refuse a folder holding a link or anything but regular files and folders, naming each one."""
    problems = []
    for top, folders, files in os.walk(folder, followlinks=False):
        for name in sorted(folders + files):
            entry = Path(top) / name
            shown = entry.relative_to(folder).as_posix()
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(f"{shown}: a symbolic link is refused: a bag holds files only")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                problems.append(f"{shown}: a device, pipe or socket is refused: a bag holds files only")
    if problems:
        raise BagRefused(problems)


def _name_refusal(name: str) -> str:
    """Return why a member's name is refused ("" when it is safe): it must stay inside the folder it unpacks to."""
    if "\\" in name or _DRIVE.match(name):
        return "a Windows path (drive letter or backslash) is refused"
    if "\x00" in name:
        return "a name holding a NUL character is refused"
    if name.startswith("/") or ".." in PurePosixPath(name).parts:
        return "a name outside the bag (absolute, or with '..') is refused"
    return ""


class _Unpacker:
    """Unpacks one archive into ``target``, keeping count of members and bytes written against ``limits``."""

    def __init__(self, archive: Path, target: Path, limits: Limits) -> None:
        self.archive = archive
        self.target = target
        self.limits = limits
        self.compressed = max(archive.stat().st_size, 1)
        self.members = 0
        self.written = 0
        self.names: set[str] = set()

    def unpack(self) -> None:
        """Unpack the archive (tar or zip, told apart by content), or raise BagRefused naming the first bad member."""
        try:
            if tarfile.is_tarfile(self.archive):
                self._tar()
            elif zipfile.is_zipfile(self.archive):
                self._zip()
            else:
                raise BagRefused([f"{self.archive.name}: neither a folder nor a tar, tar.gz or zip archive"])
        except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as error:
            raise BagRefused([f"{self.archive.name}: the archive cannot be read: {error}"]) from error

    def _tar(self) -> None:
        with tarfile.open(self.archive, "r:*") as archive:
            for member in archive:  # read front to back, as a stream: headers are never trusted ahead
                self._admit(member.name, _tar_refusal(member))
                if member.isdir():
                    self._folder(member.name)
                else:
                    source = archive.extractfile(member)
                    assert source is not None  # _tar_refusal lets regular files and folders only through
                    with source:
                        self._file(member.name, source)

    def _zip(self) -> None:
        with zipfile.ZipFile(self.archive) as archive:
            for info in archive.infolist():
                self._admit(info.filename, _zip_refusal(info))
                if info.is_dir():
                    self._folder(info.filename)
                else:
                    with archive.open(info) as source:
                        self._file(info.filename, source)

    def _admit(self, name: str, refusal: str) -> None:
        """Refuse the member before anything of it is written: a bad name or kind, a duplicate, one too many."""
        self.members += 1
        refusal = _name_refusal(name) or refusal
        key = PurePosixPath(name).as_posix()
        if not refusal and key in self.names and key != ".":
            refusal = "the archive holds this name twice"
        if not refusal and self.members > self.limits.max_files:
            refusal = f"the archive holds more than {self.limits.max_files} members"
        if refusal:
            raise BagRefused([f"{name}: {refusal}"])
        self.names.add(key)

    def _folder(self, name: str) -> None:
        try:
            (self.target / PurePosixPath(name)).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BagRefused([f"{name}: cannot be unpacked: {error.strerror}"]) from error

    def _file(self, name: str, source: IO[bytes]) -> None:
        """Copy one member, counting each chunk written against the limits (a header's size is never trusted)."""
        destination = self.target / PurePosixPath(name)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("xb") as out:
                while chunk := source.read(_CHUNK):
                    self.written += len(chunk)
                    self._check_size(name)
                    out.write(chunk)
        except FileExistsError as error:
            raise BagRefused([f"{name}: the archive holds this name twice"]) from error
        except OSError as error:
            raise BagRefused([f"{name}: cannot be unpacked: {error.strerror}"]) from error

    def _check_size(self, name: str) -> None:
        if self.written > self.limits.max_bytes:
            raise BagRefused([f"{name}: the archive unpacks to more than {self.limits.max_bytes} bytes"])
        if self.written > RATIO_FLOOR and self.written > self.limits.max_ratio * self.compressed:
            raise BagRefused(
                [
                    f"{name}: the archive unpacks to more than {self.limits.max_ratio} times its size "
                    f"({self.compressed} bytes): a zip bomb is refused"
                ]
            )


def _tar_refusal(member: tarfile.TarInfo) -> str:
    if member.issym() or member.islnk():
        return "a link is refused: a bag holds files only"
    if not (member.isfile() or member.isdir()):
        return "a device, pipe or other special file is refused"
    return ""


def _zip_refusal(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16  # the Unix mode, for archives made on Unix; 0 otherwise
    if stat.S_ISLNK(mode):
        return "a link is refused: a bag holds files only"
    if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "a device, pipe or other special file is refused"
    if info.flag_bits & 0x1:
        return "an encrypted member is refused"
    return ""
