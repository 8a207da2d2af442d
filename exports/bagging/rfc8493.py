"""BagIt checks of our own, per RFC 8493, for what bagit-python lets through (it still re-hashes the payload).

bagit-python accepts a ``bagit.txt`` whose label ends in a space ("BagIt-Version : 1.0", the conformance suite's
``v1.0/invalid/bagit-with-invalid-whitespace``) and a payload file missing from one of two payload manifests
(§3: "every payload file MUST be listed in every payload manifest"). A name that differs from the manifest's only by
its Unicode normalization (a bag that went through an older Mac file system turns NFC names into NFD) is matched,
with a warning: the bytes are the same, but a METS that names the file will not find it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# RFC 8493 §2.1.1: exactly these two lines, in this order; a label never ends with whitespace.
BAGIT_TXT = (
    (re.compile(r"BagIt-Version: \d+\.\d+"), "BagIt-Version: M.N"),
    (re.compile(r"Tag-File-Character-Encoding: \S.*"), "Tag-File-Character-Encoding: ENCODING"),
)


@dataclass
class Findings:
    """What the checks found: problems make the bag invalid, warnings do not."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check(bag: Path) -> Findings:
    """Return the RFC 8493 problems and warnings of the bag at ``bag`` (no payload file is read)."""
    found = Findings()
    found.problems += _bagit_txt(bag)
    payload = _payload_files(bag)
    manifests = sorted(bag.glob("manifest-*.txt"))
    if not manifests:
        found.problems.append("no payload manifest (manifest-<algorithm>.txt)")
    encoding = tag_encoding(bag)
    for manifest in manifests:
        _compare(manifest, payload, found, encoding)
    return found


def tag_encoding(bag: Path) -> str:
    """Return the encoding bagit.txt declares for the other tag files (UTF-8 when it names none we know)."""
    try:
        declared = (bag / "bagit.txt").read_text(encoding="utf-8").splitlines()[1].partition(":")[2].strip()
        return codecs.lookup(declared).name
    except (OSError, IndexError, LookupError, UnicodeDecodeError):
        return "utf-8"


def profile_problems(bag: Path) -> list[str]:
    """Return what an ERMS package must not have though a bag may: a fetch.txt, tag files no tag manifest covers."""
    problems = []
    if (bag / "fetch.txt").exists():
        problems.append("fetch.txt is not allowed: every file of an ERMS package is in the package")
    tag_files = {
        path.relative_to(bag).as_posix()
        for path in bag.rglob("*")
        if path.is_file()
        and not path.relative_to(bag).as_posix().startswith("data/")
        and not path.name.startswith("tagmanifest-")
    }
    for manifest in sorted(bag.glob("tagmanifest-*.txt")):
        listed = set(entries(manifest, Findings(), tag_encoding(bag)))
        problems += [f"{manifest.name} does not list the tag file {name}" for name in sorted(tag_files - listed)]
    return problems


def _bagit_txt(bag: Path) -> list[str]:
    path = bag / "bagit.txt"
    if not path.is_file():
        return ["bagit.txt is missing"]
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return ["bagit.txt starts with a byte order mark"]
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if len(lines) != len(BAGIT_TXT):
        return [f"bagit.txt has {len(lines)} lines, not the two RFC 8493 §2.1.1 asks for"]
    return [
        f"bagit.txt line {number} must read '{form}' exactly, not {line!r}"
        for number, (line, (pattern, form)) in enumerate(zip(lines, BAGIT_TXT, strict=True), start=1)
        if not pattern.fullmatch(line)
    ]


def _payload_files(bag: Path) -> set[str]:
    data = bag / "data"
    return {path.relative_to(bag).as_posix() for path in data.rglob("*") if path.is_file()} if data.is_dir() else set()


def entries(manifest: Path, found: Findings, encoding: str = "utf-8") -> list[str]:
    """Return the paths a manifest lists (percent-encoded CR, LF and % decoded, a leading "./" dropped)."""
    paths = []
    for number, line in enumerate(manifest.read_text(encoding=encoding, errors="replace").splitlines(), start=1):
        digest, _sep, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")  # md5sum's binary-mode marker
        if not digest or not name:
            found.problems.append(f"{manifest.name} line {number} is not '<digest> <path>'")
            continue
        name = name.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%").removeprefix("./")
        if name.startswith("/") or ".." in name.split("/"):
            found.problems.append(f"{manifest.name} line {number}: {name} is outside the bag")
            continue
        paths.append(name)
    return paths


def _compare(manifest: Path, payload: set[str], found: Findings, encoding: str) -> None:
    listed = set(entries(manifest, found, encoding))
    normal = {unicodedata.normalize("NFC", name): name for name in payload}
    for name in sorted(listed - payload):
        on_disk = normal.get(unicodedata.normalize("NFC", name))
        if on_disk is None:
            found.problems.append(f"{manifest.name} lists {name}, which is not in the bag")
        else:
            found.warnings.append(f"{manifest.name} lists {name!a} as {on_disk!a}: the same name, normalized otherwise")
    listed_normal = {unicodedata.normalize("NFC", name) for name in listed}
    for name in sorted(payload - listed):
        if unicodedata.normalize("NFC", name) not in listed_normal:
            found.problems.append(f"{manifest.name} does not list the payload file {name}")
