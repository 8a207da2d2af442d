"""Validate a BagIt bag (gói tin) whole, before anything in it is mapped, for ``intake.bag_reading``.

A bag is checked in full and refused once (``BagRefused``) with every problem listed at once, so whoever sent it
can mend everything in one go: its shape (RFC 8493 via ``exports.bagging.rfc8493``, nothing outside ``data/``, no
``fetch.txt``), every file re-hashed against every manifest, Payload-Oxum, the package's XML well-formed, and the
METS checksums against the manifests. What was learnt (``Checked``) is what the mapping then reads.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import bagit
from lxml import etree

from exports.bagging import layout, rfc8493, verify
from exports.xml import METS_NS, XLINK_NS
from intake.bag_unpacking import BagRefused

__all__ = ["Checked", "inside", "validate"]

# RFC 8493 §2: what a bag's root may hold besides data/ (fetch.txt is refused on its own, with its reason).
ROOT_FILE = re.compile(r"bagit\.txt|bag-info\.txt|(tag)?manifest-[a-z0-9]+\.txt")
# METS CHECKSUMTYPE → hashlib name, for the types a bag's manifests may also record.
CHECKSUM_TYPES = {"SHA-256": "sha256", "SHA-512": "sha512", "SHA-1": "sha1", "MD5": "md5"}
_CHUNK = 1024**2


@dataclass(frozen=True)
class _MetsFile:
    """A file of the root METS fileSec: its path from the bag's root and media type."""

    path: str
    media_type: str


@dataclass
class Checked:
    """What validation learnt and mapping uses: every listed file's digests and size, the package's XML read."""

    bag: Path
    info: dict[str, str]
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # path → algorithm → digest (manifest's)
    sizes: dict[str, int] = field(default_factory=dict)
    on_disk: dict[str, str] = field(default_factory=dict)  # path as listed → as on disk (NFD from an old Mac)
    package: str = ""  # "data/<name>", the folder holding METS.xml; "" when there is none
    mets: etree._Element | None = None
    tt02: etree._Element | None = None
    erms: etree._Element | None = None
    erms_path: str = ""  # where ERMS.xml is, "" when the bag has none
    mets_files: dict[str, _MetsFile] = field(default_factory=dict)


def validate(bag: Path) -> Checked:
    """Check the bag at ``bag`` whole and return what was learnt; raise BagRefused listing every problem found."""
    if not (bag / "bagit.txt").is_file():  # then nothing else about it says anything
        raise BagRefused(["bagit.txt is missing: this is not a BagIt bag"])
    problems = _root_problems(bag) + rfc8493.check(bag).problems + _manifest_problems(bag)
    try:
        parsed = bagit.Bag(str(bag))
    except (bagit.BagError, UnicodeError) as error:
        raise BagRefused([*problems, f"the bag cannot be read: {error}"]) from error
    checked = Checked(bag, _info(parsed))
    problems += _fixity(checked, parsed) + _oxum(checked)
    problems += _read_xml(checked)
    problems += _mets_problems(checked)
    if problems:
        raise BagRefused(problems)
    return checked


def _root_problems(bag: Path) -> list[str]:
    """Return a line for each thing in the bag's root that a bag taken in may not have."""
    problems = []
    for entry in sorted(bag.iterdir()):
        if entry.name == "fetch.txt":
            problems.append(
                "fetch.txt: a bag that fetches files from elsewhere is refused: ERMS takes in only the files "
                "inside the bag"
            )
        elif entry.name == "data":
            if not entry.is_dir():
                problems.append("data: must be a folder (the bag's payload)")
        elif not (entry.is_file() and ROOT_FILE.fullmatch(entry.name)):
            kind = "folder" if entry.is_dir() else "file"
            problems.append(
                f"{entry.name}: a {kind} outside data/ is refused (a bag's root holds only bagit.txt, bag-info.txt, "
                "manifest-*.txt, tagmanifest-*.txt and data/)"
            )
    if not (bag / "data").exists():
        problems.append("data/ is missing: a bag keeps its files in data/")
    return problems


def _manifest_problems(bag: Path) -> list[str]:
    """Return a line for each payload manifest entry outside data/ (rfc8493 reports those outside the bag)."""
    encoding = rfc8493.tag_encoding(bag)
    return [
        f"{manifest.name} lists {name}, which is not under data/"
        for manifest in sorted(bag.glob("manifest-*.txt"))
        for name in rfc8493.entries(manifest, rfc8493.Findings(), encoding)
        if not name.startswith("data/")
    ]


def _info(parsed: bagit.Bag) -> dict[str, str]:
    """Return bag-info.txt's tags, the first value of a repeated one."""
    return {key: value[0] if isinstance(value, list) else str(value) for key, value in parsed.info.items()}


def _fixity(checked: Checked, parsed: bagit.Bag) -> list[str]:
    """Re-hash every file a manifest lists with every algorithm of the bag, and return a line per mismatch.

    bagit-python's ``Bag.validate`` stops at its first failing stage (Payload-Oxum, then completeness, then digests),
    so a bag missing one file and with another changed would be refused twice; here every file present is hashed
    (from bagit's parsed manifests, ``Bag.entries``) and the missing and extra ones come from ``rfc8493.check``.
    """
    unknown = sorted(set(parsed.algorithms) - hashlib.algorithms_available)
    problems = [f"manifest-{name}.txt: the algorithm {name} is not one ERMS can compute" for name in unknown]
    present = {unicodedata.normalize("NFC", name): name for name in _files(checked.bag)}
    for name, recorded in sorted(parsed.entries.items()):
        path = PurePosixPath(name).as_posix()
        actual = present.get(unicodedata.normalize("NFC", path))
        manifest = "manifest" if path.startswith("data/") else "tagmanifest"
        if actual is None:
            if manifest == "tagmanifest":  # a payload file missing is named by rfc8493.check
                problems.append(f"{path}: listed in a tag manifest but not in the bag")
            continue
        wanted = {algorithm: digest.lower() for algorithm, digest in recorded.items() if algorithm not in unknown}
        found, checked.sizes[path] = _hashes(checked.bag / actual, {*wanted, "sha256"})
        checked.digests[path] = {**found, **wanted}
        checked.on_disk[path] = actual
        problems += [
            f"{path}: its {algorithm} digest is {found[algorithm]}, not {digest} as {manifest}-{algorithm}.txt "
            "records: the file changed after it was bagged"
            for algorithm, digest in sorted(wanted.items())
            if found[algorithm] != digest
        ]
    return problems


def _files(bag: Path) -> Iterator[str]:
    return (path.relative_to(bag).as_posix() for path in bag.rglob("*") if path.is_file())


def _hashes(path: Path, algorithms: Iterable[str]) -> tuple[dict[str, str], int]:
    """Return the file's digests with each algorithm, reading it once, and its size."""
    hashers = {algorithm: hashlib.new(algorithm) for algorithm in algorithms}
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return {algorithm: hasher.hexdigest() for algorithm, hasher in hashers.items()}, size


def _oxum(checked: Checked) -> list[str]:
    """Return the line for a Payload-Oxum (bytes.files of the payload) that does not count what the bag holds."""
    oxum = checked.info.get("Payload-Oxum")
    if oxum is None:
        return []
    payload = [size for path, size in checked.sizes.items() if path.startswith("data/")]
    if oxum != f"{sum(payload)}.{len(payload)}":
        return [
            f"bag-info.txt: Payload-Oxum is {oxum}, but the payload listed holds {sum(payload)} bytes in "
            f"{len(payload)} files"
        ]
    return []


def _parser() -> etree.XMLParser:
    """Return a parser that fetches nothing and expands no entity (an lxml parser is not shared across threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _read_xml(checked: Checked) -> list[str]:
    """Find and parse the package's METS.xml, TT02.xml and ERMS.xml; return a line for each that is not XML."""
    root = verify.package_root(checked.bag)
    checked.package = root.relative_to(checked.bag).as_posix() if root is not None else ""
    base = f"{checked.package}/" if checked.package else ""
    checked.erms_path = f"{base}{layout.CITS_ERMS}" if root is not None else _find(checked, "ERMS.xml")
    problems: list[str] = []
    for attribute, path in (
        ("mets", f"{base}{layout.METS}"),
        ("tt02", f"{base}{layout.TT02}"),
        ("erms", checked.erms_path),
    ):
        if (root is None and attribute != "erms") or path not in checked.digests:
            continue
        try:
            tree = etree.parse(str(checked.bag / checked.on_disk[path]), _parser())
            setattr(checked, attribute, tree.getroot())
        except etree.XMLSyntaxError as error:
            problems.append(f"{path}: not well-formed XML: {error}")
    return problems


def _find(checked: Checked, name: str) -> str:
    """Return the shortest payload path of a file called ``name`` ("" if none): a package's own, not a copy's."""
    found = sorted((path for path in checked.digests if PurePosixPath(path).name == name), key=lambda p: (len(p), p))
    return found[0] if found else ""


def _mets_problems(checked: Checked) -> list[str]:
    """Read the METS fileSec; return a line for each file it names that the bag lacks or records otherwise."""
    if checked.mets is None:
        return []
    problems = []
    for element in checked.mets.iter(f"{{{METS_NS}}}file"):
        location = element.find(f"{{{METS_NS}}}FLocat")
        href = location.get(f"{{{XLINK_NS}}}href", "") if location is not None else ""
        file_id = element.get("ID", "")
        path = inside(checked.package, href)
        if path is None or path not in checked.digests:
            problems.append(f"{checked.package}/METS.xml: file {file_id} names {href!r}, which is not in the bag")
            continue
        algorithm = CHECKSUM_TYPES.get(element.get("CHECKSUMTYPE", ""), "")
        recorded = (element.get("CHECKSUM") or "").lower()
        bag_digest = checked.digests[path].get(algorithm)
        if recorded and bag_digest is not None and recorded != bag_digest:
            problems.append(
                f"{path}: METS.xml records its {algorithm} as {recorded}, the bag's manifest as {bag_digest}"
            )
        checked.mets_files[file_id] = _MetsFile(path, element.get("MIMETYPE", ""))
    return problems


def inside(base: str, href: str) -> str | None:
    """Return ``href`` (relative to the folder ``base``) as a path from the bag's root, or None if it leaves it."""
    name = unicodedata.normalize("NFC", href.strip())
    if not name or name.startswith("/") or ":" in name.split("/")[0] or ".." in name.split("/"):
        return None
    return PurePosixPath(base, name).as_posix()
