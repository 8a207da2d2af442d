"""Open a bag to verify: a folder as it is, or a .tar / .tar.gz as a receiving archive gets it, unpacked into a
temporary folder member by member (the archive is read once, front to back) — refusing any member that is a link,
a device, an absolute name or a name leading out of the folder, before anything of it is written."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath


class UnsafeArchive(ValueError):
    """The archive holds a member a bag never has; nothing of it is kept."""


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """Yield the bag folder at ``path``, unpacking a tar archive first (removed when the block ends)."""
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="erms-verify-") as temp, tarfile.open(path, "r:*") as archive:
        for member in archive:
            refusal = _refusal(member)
            if refusal:
                raise UnsafeArchive(f"{member.name}: {refusal}")
            archive.extract(member, temp, filter="data")  # the standard library's own guard, as well
        entries = list(Path(temp).iterdir())
        yield entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(temp)


def _refusal(member: tarfile.TarInfo) -> str:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts:
        return "a name outside the bag is refused"
    if member.issym() or member.islnk():
        return "a link is refused: a bag holds files only"
    if not (member.isfile() or member.isdir()):
        return "a device or special file is refused"
    return ""
