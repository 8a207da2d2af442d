"""Read a BagIt bag (gói tin) from another system, our own hand-over packages among them, into plain dataclasses:
its dossiers (hồ sơ) with their documents (văn bản) and each document's files, the bag's original digests kept as
fixity evidence, and a line for everything that could not be mapped. Nothing here touches the database.

``read`` validates fully first and refuses the bag (``BagRefused``, every problem at once) before anything is
mapped: the bag's shape (RFC 8493 via ``exports.bagging.rfc8493``, nothing outside ``data/``, no ``fetch.txt``),
every file re-hashed against every manifest, and the METS checksums against the manifests. Then the metadata is
mapped: TT 02/2019 (``TT02.xml``) with the METS structMap connecting files to documents, else CITS ERMS
(``ERMS.xml``) alone; a bag with neither yields no dossier and every payload file unmapped. ``opened`` (from
``intake.bag_unpacking``) gives the folder to read, from a folder or an archive.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import bagit
from lxml import etree

from erms import metadata
from exports.bagging import layout, rfc8493, verify
from exports.xml import ERMS_NS, METS_NS, XLINK_NS, cits
from intake.bag_unpacking import DEFAULT_LIMITS, BagRefused, Limits, opened

__all__ = [
    "DEFAULT_LIMITS",
    "BagDocument",
    "BagDossier",
    "BagFile",
    "BagRefused",
    "Limits",
    "ReadBag",
    "opened",
    "read",
]

# RFC 8493 §2: what a bag's root may hold besides data/ (fetch.txt is refused on its own, with its reason).
ROOT_FILE = re.compile(r"bagit\.txt|bag-info\.txt|(tag)?manifest-[a-z0-9]+\.txt")
# exports/bagging/layout.py's content names: "NNN-" document ordinal, "vN-" version when a document has several.
CONTENT_NAME = re.compile(r"(?P<ordinal>\d{3})-(?:v(?P<version>\d+)-)?(?P<name>.+)")
INDEX_NAME = "000-muc-luc-van-ban.pdf"
# Files of our package layout the metadata describes as a whole: expected, never reported unmapped.
EXPECTED = re.compile(r"METS\.xml|representations/[^/]+/METS\.xml|(metadata|documentation|schemas)/.+")
# METS CHECKSUMTYPE → hashlib name, for the types a bag's manifests may also record.
CHECKSUM_TYPES = {"SHA-256": "sha256", "SHA-512": "sha512", "SHA-1": "sha1", "MD5": "md5"}
_CHUNK = 1024**2
ERMS_PREFIX = {"e": ERMS_NS}

PERMANENT = "vĩnh viễn"
YEARS = re.compile(r"(\d+)\s*năm")
RIGHTS = {
    "public": "public",
    "restricted": "restricted",
    **{label.lower(): code for code, label in cits.RIGHTS.items()},
}
URGENCIES = {
    **{code: code for code in ("normal", "khan", "thuong_khan", "hoa_toc")},
    **{"thường": "normal", "khẩn": "khan", "thượng khẩn": "thuong_khan", "hỏa tốc": "hoa_toc", "hoả tốc": "hoa_toc"},
}
MARKINGS = {**{code: code for code in cits.MARKINGS}, **{label.lower(): code for code, label in cits.MARKINGS.items()}}
DIRECTIONS = {
    **{definition: direction for direction, definition in cits.DIRECTIONS.items()},
    "internal_memo_for_follow-up": "internal",
}

# TT 02/2019 tag → field of schemas/dossier-v1.json and document-v1.json.
DOSSIER_TAGS = {
    "Title": "title",
    "Rights": "rights",
    "Language": "language",
    "StartDate": "start_date",
    "EndDate": "end_date",
    "PageTotal": "page_total",
    "Description": "description",
    "Keyword": "keyword",
}
DOCUMENT_TAGS = {
    "TypeName": "type_name",
    "CodeNumber": "code_number",
    "CodeNotation": "code_notation",
    "IssuedDate": "issued_date",
    "OrganName": "organ_name",
    "Subject": "subject",
    "Language": "language",
    "PageAmount": "page_amount",
    "Description": "description",
    "Keyword": "keyword",
    "SignerPosition": "signer_position",
    "SignerName": "signer_name",
}
# Tags read into the dataclasses' own fields, or repeating the dossier's (a document's FileCode), or derived
# (DocTotal); Identifier is the receiving archive's code, not the record's.
DOSSIER_OWN = {"FileCode", "Identifier", "OrganId", "FileCatalog", "FileNotation", "Maintenance", "DocTotal"}
DOCUMENT_OWN = {"DocCode", "FileCode", "Identifier", "OrganId", "FileCatalog", "FileNotation", "DocOrdinal", "Priority"}


@dataclass(frozen=True)
class BagFile:
    """A payload file as the bag records it: ``sha256``/``sha512`` are the manifests' digests, the fixity evidence."""

    path: str  # from the bag's root: "data/…"
    filename: str
    size: int
    sha256: str
    sha512: str | None
    media_type: str


@dataclass(frozen=True)
class BagDocument:
    """A document: metadata accepted by ``erms.metadata.check("document", …)`` and its files (versions, in order)."""

    ordinal: int
    values: dict
    files: tuple[BagFile, ...]


@dataclass(frozen=True)
class BagDossier:
    """A dossier: metadata accepted by ``erms.metadata.check("dossier", …)``, retention as (permanent, years,
    condition), its document index file if the bag has one, and its documents."""

    file_code: str
    organ_id: str
    year: int
    file_notation: str
    values: dict
    retention: tuple[bool, int | None, str]
    index_file: BagFile | None
    documents: tuple[BagDocument, ...]


@dataclass(frozen=True)
class ReadBag:
    """What a bag holds that ERMS can take in, and one human line for each thing it could not map."""

    name: str
    source: str
    dossiers: tuple[BagDossier, ...]
    unmapped: tuple[str, ...]


def read(bag: Path) -> ReadBag:
    """Validate the bag at ``bag`` fully, then return its dossiers; raise BagRefused listing every problem found."""
    checked = _validate(bag)
    mapper = _Mapper(checked)
    dossiers = mapper.dossiers()
    info = checked.info
    return ReadBag(
        name=info.get("External-Identifier") or bag.name,
        source=info.get("Source-Organization") or mapper.organ_id,
        dossiers=tuple(dossiers),
        unmapped=tuple(mapper.unmapped + mapper.unclaimed()),
    )


# Validation ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MetsFile:
    """A file of the root METS fileSec: its path from the bag's root and media type."""

    path: str
    media_type: str


@dataclass
class _Checked:
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


def _validate(bag: Path) -> _Checked:
    if not (bag / "bagit.txt").is_file():  # then nothing else about it says anything
        raise BagRefused(["bagit.txt is missing: this is not a BagIt bag"])
    problems = _root_problems(bag) + rfc8493.check(bag).problems + _manifest_problems(bag)
    try:
        parsed = bagit.Bag(str(bag))
    except (bagit.BagError, UnicodeError) as error:
        raise BagRefused([*problems, f"the bag cannot be read: {error}"]) from error
    checked = _Checked(bag, _info(parsed))
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


def _fixity(checked: _Checked, parsed: bagit.Bag) -> list[str]:
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


def _oxum(checked: _Checked) -> list[str]:
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


def _read_xml(checked: _Checked) -> list[str]:
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


def _find(checked: _Checked, name: str) -> str:
    """Return the shortest payload path of a file called ``name`` ("" if none): a package's own, not a copy's."""
    found = sorted((path for path in checked.digests if PurePosixPath(path).name == name), key=lambda p: (len(p), p))
    return found[0] if found else ""


def _mets_problems(checked: _Checked) -> list[str]:
    """Read the METS fileSec; return a line for each file it names that the bag lacks or records otherwise."""
    if checked.mets is None:
        return []
    problems = []
    for element in checked.mets.iter(f"{{{METS_NS}}}file"):
        location = element.find(f"{{{METS_NS}}}FLocat")
        href = location.get(f"{{{XLINK_NS}}}href", "") if location is not None else ""
        file_id = element.get("ID", "")
        path = _inside(checked.package, href)
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


def _inside(base: str, href: str) -> str | None:
    """Return ``href`` (relative to the folder ``base``) as a path from the bag's root, or None if it leaves it."""
    name = unicodedata.normalize("NFC", href.strip())
    if not name or name.startswith("/") or ":" in name.split("/")[0] or ".." in name.split("/"):
        return None
    return PurePosixPath(base, name).as_posix()


# Mapping ---------------------------------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None) -> str:
    return unicodedata.normalize("NFC", element.text or "").strip() if element is not None else ""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().lower()


def _children(element: etree._Element) -> dict[str, str]:
    """Return the element's child elements as tag → text (a TT 02 record's fields), the nested Documents left out."""
    return {_local(child): _text(child) for child in element if isinstance(child.tag, str) and len(child) == 0}


def _period(maintenance: str) -> tuple[bool, int | None, str] | None:
    """Return (permanent, years, condition) from a TT 02 "Maintenance" ("Vĩnh viễn", "20 năm", or a condition)."""
    text = unicodedata.normalize("NFC", maintenance).strip()
    if not text:
        return None
    if text.lower() == PERMANENT:
        return (True, None, "")
    years = YEARS.fullmatch(text.lower())
    return (False, int(years.group(1)), "") if years else (False, None, text)


@dataclass
class _Values:
    """Metadata being mapped: the values, notes on what had no place, and why the record must be left out."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # fields whose text did not convert: reported once, by their tag

    def take(self, fields: dict[str, str], tags: dict[str, str], own: set[str]) -> None:
        """Take each tag's text into its field (dates made ISO, numbers int); note tags that have no field."""
        for tag, text in fields.items():
            if not text or tag in own:
                continue
            if tag not in tags:
                self.notes.append(f"{tag} {text!r} has no place in ERMS")
            else:
                self.put(tag, tags[tag], text)

    def put(self, tag: str, name: str, text: str) -> None:
        """Take one text into the field ``name`` as the schema types it; ``tag`` names it in what is reported."""
        if name.endswith("_date"):
            day = metadata.parse_day(text[:10] if "T" in text else text)
            if day is None:
                self.refuse(name, f"{tag} {text!r} is not a date (dd/mm/yyyy)")
            else:
                self.values[name] = day.isoformat()
        elif name in ("page_total", "page_amount"):
            number = metadata.whole_number(text)
            if number is None:
                self.notes.append(f"{tag} {text!r} is not a whole number, so it was left out")
            else:
                self.values[name] = number
        else:
            self.values[name] = text

    def refuse(self, name: str, reason: str) -> None:
        """Note why the field ``name`` cannot be taken, which leaves its record out."""
        self.failed.add(name)
        self.fatal.append(reason)

    def checked(self, kind: str) -> dict[str, Any] | None:
        """Return the values as ``erms.metadata.check`` accepts them, or None after noting every problem as fatal."""
        values = {name: value for name, value in metadata.normalise(self.values).items() if value != ""}
        problems = metadata.validate(kind, values)
        self.fatal += [str(problem) for problem in problems if problem.field not in self.failed]
        return None if self.fatal else values


class _Mapper:
    """Maps the validated bag's metadata onto dossiers, keeping the files it gives to them and lines for the rest."""

    def __init__(self, checked: _Checked) -> None:
        self.checked = checked
        self.unmapped: list[str] = []
        self.claimed: set[str] = set()
        self.organ_id = checked.tt02.get("OrganId", "") if checked.tt02 is not None else ""
        self.records = _cits_files(checked)  # path → (direction definition, original name)
        self.divs = _mets_divs(checked.mets)
        self.mets_by_path = {found.path: found for found in checked.mets_files.values()}
        self.folders = _layout_folders(checked)

    def dossiers(self) -> list[BagDossier]:
        """Return the dossiers: TT 02 where the bag has it, else CITS ERMS, else none."""
        if self.checked.tt02 is not None and _local(self.checked.tt02) == "Metadata":
            elements = self.checked.tt02.iter("{*}Dossier")  # in our TT 02 namespace, or in none as others write it
            return [dossier for element in elements if (dossier := self._tt02_dossier(element)) is not None]
        if self.checked.erms is not None and self.checked.erms.tag == f"{{{ERMS_NS}}}erms":
            return _CitsMapper(self).dossiers()
        return []

    def unclaimed(self) -> list[str]:
        """Return a line for each payload file no dossier or document took, but the package's own metadata."""
        expected_prefix = f"{self.checked.package}/" if self.checked.package else None
        lines = []
        for path in sorted(self.checked.digests):
            if not path.startswith("data/") or path in self.claimed:
                continue
            if (
                expected_prefix
                and path.startswith(expected_prefix)
                and EXPECTED.fullmatch(path[len(expected_prefix) :])
            ):
                continue
            if self.checked.erms is not None and path == self.checked.erms_path:
                continue
            lines.append(f"{path}: no dossier or document of the bag's metadata claims this file")
        return lines

    def _tt02_dossier(self, element: etree._Element) -> BagDossier | None:
        fields = _children(element)
        code = fields.get("FileCode", "")
        mapped = _Values()
        mapped.take(fields, DOSSIER_TAGS, DOSSIER_OWN)
        if "rights" in mapped.values:
            _rights(mapped)
        retention = _period(fields.get("Maintenance", ""))
        year = metadata.whole_number(fields.get("FileCatalog", ""))
        if retention is None:
            mapped.fatal.append("Maintenance is empty: the retention period is not known")
        if year is None:
            mapped.fatal.append(f"FileCatalog {fields.get('FileCatalog', '')!r} is not a year")
        if not code:
            mapped.fatal.append("FileCode is empty")
        values = mapped.checked("dossier")
        self.note(f"Dossier {code}", mapped)
        if values is None or retention is None or year is None or not code:
            return None
        documents = [
            document
            for child in element.iterchildren("{*}Document")
            if (document := self._tt02_document(code, child)) is not None
        ]
        return BagDossier(
            file_code=code,
            organ_id=fields.get("OrganId") or self.organ_id,
            year=year,
            file_notation=fields.get("FileNotation", ""),
            values=values,
            retention=retention,
            index_file=self.index(code),
            documents=tuple(documents),
        )

    def _tt02_document(self, code: str, element: etree._Element) -> BagDocument | None:
        fields = _children(element)
        ordinal = metadata.whole_number(fields.get("DocOrdinal", ""))
        where = f"Dossier {code}, document {fields.get('DocOrdinal', '?')}"
        mapped = _Values(values={"status": "final"})
        mapped.take(fields, DOCUMENT_TAGS, DOCUMENT_OWN)
        _priority(mapped, fields.get("Priority", ""))
        if ordinal is None or ordinal < 1:
            mapped.fatal.append(f"DocOrdinal {fields.get('DocOrdinal', '')!r} is not a number from 1")
        paths = self._document_paths(code, ordinal or 0)
        mapped.values["direction"] = self.direction(paths, mapped)
        values = mapped.checked("document")
        self.note(where, mapped)
        if values is None or ordinal is None:
            return None
        if not paths and values["marking"] == "none":  # a classified document is kept on paper only, legitimately
            self.unmapped.append(f"{where}: no file of it is in the bag")
        return BagDocument(ordinal, values, tuple(self.file(path) for path in paths))

    def note(self, where: str, mapped: _Values) -> None:
        """Report what had no place in the record at ``where``, and why it was left out if it was."""
        self.unmapped += [f"{where}: {note}" for note in mapped.notes]
        if mapped.fatal:
            self.unmapped.append(f"{where} was left out: {'; '.join(mapped.fatal)}")

    def index(self, code: str) -> BagFile | None:
        """Return the dossier's document index: its METS div's own file, else the layout's 000- file."""
        div = self.divs.get(code)
        path = self._mets_path(div.index) if div is not None and div.index else ""
        path = path or self.folders.get(code, _Folder()).index
        return self.file(path) if path else None

    def _document_paths(self, code: str, ordinal: int) -> list[str]:
        """Return the paths of a document's files in version order: from the METS structMap, else the layout."""
        div = self.divs.get(code)
        if div is not None and ordinal in div.documents:
            return [path for file_id in div.documents[ordinal] if (path := self._mets_path(file_id))]
        return self.folders.get(code, _Folder()).documents.get(ordinal, [])

    def _mets_path(self, file_id: str) -> str:
        found = self.checked.mets_files.get(file_id)
        return found.path if found is not None else ""

    def direction(self, paths: list[str], mapped: _Values) -> str:
        """Return the direction ERMS.xml records for the document's files ("internal" when it names none)."""
        definition = next((self.records[path][0] for path in paths if path in self.records), "")
        if definition and definition not in DIRECTIONS:
            mapped.notes.append(f"direction {definition!r} has no place in ERMS; internal was taken")
        return DIRECTIONS.get(definition, "internal")

    def file(self, path: str) -> BagFile:
        """Return the bag's record of one payload file, and count it as claimed."""
        self.claimed.add(path)
        digests = self.checked.digests[path]
        mets = self.mets_by_path.get(path)
        name = self.records[path][1] if path in self.records and self.records[path][1] else _original_name(path)
        media_type = (mets.media_type if mets is not None else "") or mimetypes.guess_type(name)[0]
        return BagFile(
            path=self.checked.on_disk[path],
            filename=name,
            size=self.checked.sizes[path],
            sha256=digests["sha256"],
            sha512=digests.get("sha512"),
            media_type=media_type or "application/octet-stream",
        )


def _rights(mapped: _Values) -> None:
    """Take the rights as ERMS names them (public, restricted), from the codes or CITS ERMS's Vietnamese words."""
    rights = RIGHTS.get(_fold(mapped.values["rights"]))
    if rights is None:
        mapped.refuse("rights", f"Rights {mapped.values['rights']!r} is neither public nor restricted")
        del mapped.values["rights"]
    else:
        mapped.values["rights"] = rights


def _priority(mapped: _Values, text: str) -> None:
    """Take TT 02 "Priority" ("urgency/marking") into urgency and marking; an unknown marking leaves it out."""
    urgency_text, _, marking_text = text.partition("/")
    urgency = URGENCIES.get(_fold(urgency_text)) if urgency_text.strip() else "normal"
    marking = MARKINGS.get(_fold(marking_text)) if marking_text.strip() else "none"
    if urgency is None:
        mapped.notes.append(f"Priority urgency {urgency_text.strip()!r} has no place in ERMS; normal was taken")
    if marking is None:  # a security marking is never guessed (Luật BVBMNN 2018)
        mapped.refuse("marking", f"Priority marking {marking_text.strip()!r} is not a security marking ERMS knows")
    mapped.values["urgency"] = urgency or "normal"
    if marking is not None:
        mapped.values["marking"] = marking


def _original_name(path: str) -> str:
    """Return the file's name without our layout's "NNN-" and "vN-" prefixes."""
    name = PurePosixPath(path).name
    found = CONTENT_NAME.fullmatch(name)
    return found.group("name") if found else name


@dataclass(frozen=True)
class _Div:
    """A dossier's div of the METS structMap: its own file (the index) and each document's files by ordinal."""

    index: str
    documents: dict[int, list[str]]


def _mets_divs(mets: etree._Element | None) -> dict[str, _Div]:
    """Return the structMap's dossier divs by file code (their LABEL starts with it, exports/xml/mets.py)."""
    if mets is None:
        return {}
    divs = {}
    for div in mets.iter(f"{{{METS_NS}}}div"):
        if unicodedata.normalize("NFC", div.get("TYPE", "")) != "Hồ sơ":
            continue
        own = [fptr.get("FILEID", "") for fptr in div.iterchildren(f"{{{METS_NS}}}fptr")]
        documents: dict[int, list[str]] = {}
        for child in div.iterchildren(f"{{{METS_NS}}}div"):
            order = metadata.whole_number(child.get("ORDER", ""))
            if order is not None:
                documents[order] = [fptr.get("FILEID", "") for fptr in child.iterchildren(f"{{{METS_NS}}}fptr")]
        divs[div.get("LABEL", "").split(" ", 1)[0]] = _Div(own[0] if own else "", documents)
    return divs


@dataclass
class _Folder:
    """A dossier's folder of our layout: its index file and each document's files by ordinal, in version order."""

    index: str = ""
    documents: dict[int, list[str]] = field(default_factory=dict)


def _layout_folders(checked: _Checked) -> dict[str, _Folder]:
    """Return the content folders of exports/bagging/layout.py by folder name (the dossier's code, made safe)."""
    base = f"{checked.package}/{layout.REPRESENTATION}/data/"
    folders: dict[str, _Folder] = {}
    versions: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for path in sorted(checked.digests):
        parts = path[len(base) :].split("/") if checked.package and path.startswith(base) else []
        if len(parts) != 2:
            continue
        folder = folders.setdefault(parts[0], _Folder())
        found = CONTENT_NAME.fullmatch(parts[1])
        if parts[1] == INDEX_NAME:
            folder.index = path
        elif found:
            versions.setdefault((parts[0], int(found.group("ordinal"))), []).append(
                (int(found.group("version") or 1), path)
            )
    for (name, ordinal), files in versions.items():
        folders[name].documents[ordinal] = [path for _, path in sorted(files)]
    codes = {layout.safe_name(code): code for code in _file_codes(checked.tt02)}
    return {codes.get(name, name): folder for name, folder in folders.items()}


def _file_codes(tt02: etree._Element | None) -> list[str]:
    """Return the dossiers' file codes as TT02.xml spells them (their folders hold layout.safe_name of them)."""
    return [_text(element) for element in tt02.iter("{*}FileCode")] if tt02 is not None else []


def _cits_files(checked: _Checked) -> dict[str, tuple[str, str]]:
    """Return, for each file an ERMS.xml record's appendix names, the record's direction and the file's name."""
    if checked.erms is None:
        return {}
    files = {}
    for record in checked.erms.iter(f"{{{ERMS_NS}}}record"):
        direction = record.find(f"{{{ERMS_NS}}}direction")
        definition = direction.get("directionDefinition", "") if direction is not None else ""
        for appendix in record.iter(f"{{{ERMS_NS}}}appendix"):
            path = _appendix_path(checked, appendix.get("path", ""))
            if path:
                files[path] = (definition, unicodedata.normalize("NFC", appendix.get("name", "")).strip())
    return files


def _appendix_path(checked: _Checked, href: str) -> str:
    """Return the payload path an ERMS.xml appendix names ("" if none): relative to the package root as ours are,
    else to data/ or to ERMS.xml's own folder, as other systems write them."""
    bases = [checked.package or "data", PurePosixPath(checked.erms_path).parent.as_posix()]
    candidates = (_inside(base, href) for base in bases)
    return next((path for path in candidates if path is not None and path in checked.digests), "")


class _CitsMapper:
    """Maps a CITS ERMS file without TT 02: caseFile aggregations → dossiers, their records → documents."""

    def __init__(self, mapper: _Mapper) -> None:
        self.mapper = mapper
        root = mapper.checked.erms
        assert root is not None  # _Mapper.dossiers checked it
        self.root = root
        self.organ_id = self._find(root, "e:control/e:identification[@identificationType='ma_phong']")
        mapper.organ_id = mapper.organ_id or self.organ_id

    def dossiers(self) -> list[BagDossier]:
        """Return a dossier for each caseFile aggregation that maps (the others are reported)."""
        aggregations = self.root.iter(f"{{{ERMS_NS}}}aggregation")
        return [
            dossier
            for element in aggregations
            if element.get("aggregationType") == "caseFile" and (dossier := self._dossier(element)) is not None
        ]

    def _find(self, element: etree._Element, path: str) -> str:
        return _text(element.find(path, ERMS_PREFIX))

    def _dossier(self, element: etree._Element) -> BagDossier | None:
        code = (
            self._find(element, "e:extraId") or self._find(element, "e:objectId") or element.get("systemIdentifier", "")
        )
        where = f"Dossier {code}"
        mapped = _Values()
        mapped.values["title"] = self._find(element, "e:title")
        mapped.values["language"] = self._own(element, "ngon_ngu") or "Tiếng Việt"
        access = self._find(element, "e:access")
        mapped.values["rights"] = access or "restricted"
        if access:
            _rights(mapped)
        else:
            mapped.notes.append("no access given; restricted was taken")
        for date_type, name in (("start", "start_date"), ("end", "end_date")):
            text = self._find(element, f"e:dates/e:date[@dateType='{date_type}']")
            if text:
                mapped.put(f"date {date_type}", name, text)
        total = self._own(element, "tong_so_trang")
        if total:
            mapped.put("tong_so_trang", "page_total", total)
        retention = self._retention(element, mapped)
        values = mapped.checked("dossier")
        self.mapper.note(where, mapped)
        if values is None or retention is None:
            return None
        records = element.iterchildren(f"{{{ERMS_NS}}}record")
        documents = [doc for number, record in enumerate(records, 1) if (doc := self._document(where, number, record))]
        return BagDossier(
            file_code=code,
            organ_id=self.organ_id,
            year=int(values["start_date"][:4]),
            file_notation=self._find(element, "e:identification"),
            values=values,
            retention=retention,
            index_file=self.mapper.index(code),
            documents=tuple(documents),
        )

    def _retention(self, element: etree._Element, mapped: _Values) -> tuple[bool, int | None, str] | None:
        disposal = element.find(f"{{{ERMS_NS}}}disposal")
        retention = _period(self._find(element, "e:disposal/e:disposalPeriod"))
        if retention is None and disposal is not None and disposal.get("disposable") == "false":
            retention = (True, None, "")
        if retention is None:
            mapped.fatal.append("disposal gives no retention period")
        return retention

    def _own(self, element: etree._Element, name: str) -> str:
        return self._find(element, f"e:additionalInformation/e:ownElement/e:ownElement[@name='{name}']/e:value")

    def _document(self, where: str, number: int, record: etree._Element) -> BagDocument | None:
        ordinal = metadata.whole_number(self._own(record, "so_thu_tu")) or number
        where = f"{where}, document {ordinal}"
        mapped = _Values(values={"status": "final"})
        for tag, name in (("e:title", "subject"), ("e:dates/e:date[@dateType='originated']", "issued_date")):
            if text := self._find(record, tag):
                mapped.put(tag.removeprefix("e:"), name, text)
        mapped.values["type_name"] = record.get("recordType", "")
        mapped.values["organ_name"] = self._find(record, "e:agents/e:agent[@agentType='creator']/e:name")
        mapped.values["language"] = "Tiếng Việt"
        self._numbers(record, mapped)
        _priority(mapped, f"{self._own(record, 'do_khan')}/{self._find(record, 'e:securityClass')}")
        pages = self._own(record, "so_trang")
        if pages:
            mapped.put("so_trang", "page_amount", pages)
        paths = self._appendices(where, record)
        mapped.values["direction"] = self.mapper.direction(paths, mapped)
        values = mapped.checked("document")
        self.mapper.note(where, mapped)
        if values is None:
            return None
        return BagDocument(ordinal, values, tuple(self.mapper.file(path) for path in paths))

    def _numbers(self, record: etree._Element, mapped: _Values) -> None:
        number = self._find(record, "e:runningNumber")
        notation = self._find(record, "e:extraId[@extraIdType='so_ky_hieu']")
        if number:
            mapped.values["code_number"] = number
        if notation:
            mapped.values["code_notation"] = notation.removeprefix(f"{number}/") if number else notation
        signer = record.find("e:agents/e:agent[@agentType='main_signatory']", ERMS_PREFIX)
        if signer is not None:
            mapped.values["signer_name"] = self._find(signer, "e:name")
            mapped.values["signer_position"] = self._find(signer, "e:role")

    def _appendices(self, where: str, record: etree._Element) -> list[str]:
        """Return the paths of the record's files in the bag; note each appendix naming a file the bag lacks."""
        paths = []
        for appendix in record.iter(f"{{{ERMS_NS}}}appendix"):
            path = _appendix_path(self.mapper.checked, appendix.get("path", ""))
            if path:
                paths.append(path)
            else:
                self.mapper.unmapped.append(f"{where}: its file {appendix.get('path', '')!r} is not in the bag")
        return paths
