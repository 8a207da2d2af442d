"""Read a BagIt bag (gói tin) from another system, our own hand-over packages among them, into plain dataclasses:
its dossiers (hồ sơ) with their documents (văn bản) and each document's files, the bag's original digests kept as
fixity evidence, and a line for everything that could not be mapped. Nothing here touches the database.

``read`` validates fully first (``intake.bag_checks``) and refuses the bag (``BagRefused``, every problem at
once) before anything is mapped: the bag's shape (RFC 8493 via ``exports.bagging.rfc8493``, nothing outside
``data/``, no ``fetch.txt``), every file re-hashed against every manifest, and the METS checksums against the
manifests. Then the metadata is mapped: TT 02/2019 (``TT02.xml``) with the METS structMap connecting files to
documents, else CITS ERMS (``ERMS.xml``) alone; a bag with neither yields no dossier and every payload file
unmapped. Either way, the supplementary metadata of the source organisation ("dữ liệu đặc tả bổ sung", NĐ 30/2020
PL VI III.7.c) comes from ``ERMS.xml``: its typed ``ownElement`` values, which ``intake.bag`` keeps where the
receiving organisation has the field. ``opened`` (from ``intake.bag_unpacking``) gives the folder to read, from a
folder or an archive.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from erms import metadata
from exports import snapshot
from exports.bagging import layout
from exports.xml import ERMS_NS, METS_NS, cits
from intake.bag_checks import Checked, inside, validate
from intake.bag_unpacking import DEFAULT_LIMITS, BagRefused, Limits, opened

__all__ = [
    "DEFAULT_LIMITS",
    "BagDocument",
    "BagDossier",
    "BagFile",
    "BagValue",
    "BagRefused",
    "Limits",
    "ReadBag",
    "opened",
    "read",
]

# exports/bagging/layout.py's content names: "NNN-" document ordinal, "vN-" version when a document has several.
CONTENT_NAME = re.compile(r"(?P<ordinal>\d{3})-(?:v(?P<version>\d+)-)?(?P<name>.+)")
INDEX_NAME = "000-muc-luc-van-ban.pdf"
# Files of our package layout the metadata describes as a whole: expected, never reported unmapped.
EXPECTED = re.compile(r"METS\.xml|representations/[^/]+/METS\.xml|(metadata|documentation|schemas)/.+")
ERMS_PREFIX = {"e": ERMS_NS}
OWN = "e:additionalInformation/e:ownElement/e:ownElement"
LABEL_PATH = f"e:property/e:attribute[@name='{cits.LABEL}']/e:value"

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
    "SheetTotal": "sheet_total",
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
DOCUMENT_OWN = {
    "DocCode",
    "FileCode",
    "Identifier",
    "OrganId",
    "FileCatalog",
    "FileNotation",
    "DocOrdinal",
    "Priority",
    "CopyForm",
}


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
class BagValue:
    """A value of the source organisation's supplementary metadata: its field's code and label, and the value as the
    package writes it (numbers with a dot, days in ISO)."""

    name: str
    label: str
    value: str


@dataclass(frozen=True)
class BagDocument:
    """A document: metadata accepted by ``erms.metadata.check("document", …)``, its files (versions, in order) and
    its supplementary values."""

    ordinal: int
    values: dict
    files: tuple[BagFile, ...]
    supplementary: tuple[BagValue, ...] = ()


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
    supplementary: tuple[BagValue, ...] = ()


@dataclass(frozen=True)
class ReadBag:
    """What a bag holds that ERMS can take in, and one human line for each thing it could not map."""

    name: str
    source: str
    dossiers: tuple[BagDossier, ...]
    unmapped: tuple[str, ...]


def read(bag: Path) -> ReadBag:
    """Validate the bag at ``bag`` fully, then return its dossiers; raise BagRefused listing every problem found."""
    checked = validate(bag)
    mapper = _Mapper(checked)
    dossiers = mapper.dossiers()
    info = checked.info
    return ReadBag(
        name=info.get("External-Identifier") or bag.name,
        source=info.get("Source-Organization") or mapper.organ_id,
        dossiers=tuple(dossiers),
        unmapped=tuple(mapper.unmapped + mapper.unclaimed()),
    )


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
        elif name in ("page_total", "page_amount", "sheet_total"):
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

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.unmapped: list[str] = []
        self.claimed: set[str] = set()
        self.organ_id = checked.tt02.get("OrganId", "") if checked.tt02 is not None else ""
        self.records = _cits_files(checked)  # path → (direction definition, original name)
        self.divs = _mets_divs(checked.mets)
        self.mets_by_path = {found.path: found for found in checked.mets_files.values()}
        self.folders = _layout_folders(checked)
        self.typed = _typed_by_record(checked.erms)

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
        # Our package's preservation copies (PDF/A, PL6 III.5.e): not taken in, the worker makes its own.
        copies = f"{expected_prefix}{layout.PRESERVATION}/data/" if expected_prefix else None
        lines = []
        skipped = 0
        for path in sorted(self.checked.digests):
            if not path.startswith("data/") or path in self.claimed:
                continue
            if copies and path.startswith(copies):
                skipped += 1
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
        if skipped:
            copies_said = "1 preservation copy" if skipped == 1 else f"{skipped} preservation copies"
            lines.append(f"{copies}: {copies_said} not taken in (ERMS makes its own from the originals)")
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
        if "sheet_total" in values:  # sheets are counted for paper (TT 02/2019): with files too, it is hybrid
            values["medium"] = "hybrid" if any(document.files for document in documents) else "paper"
        return BagDossier(
            file_code=code,
            organ_id=fields.get("OrganId") or self.organ_id,
            year=year,
            file_notation=fields.get("FileNotation", ""),
            values=values,
            retention=retention,
            index_file=self.index(code),
            documents=tuple(documents),
            supplementary=self.typed.get((code, 0), ()),
        )

    def _tt02_document(self, code: str, element: etree._Element) -> BagDocument | None:
        fields = _children(element)
        ordinal = metadata.whole_number(fields.get("DocOrdinal", ""))
        where = f"Dossier {code}, document {fields.get('DocOrdinal', '?')}"
        mapped = _Values(values={"status": "final"})
        mapped.take(fields, DOCUMENT_TAGS, DOCUMENT_OWN)
        _priority(mapped, fields.get("Priority", ""))
        _copy_form(mapped, fields.get("CopyForm", ""))
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
        files = tuple(self.file(path) for path in paths)
        return BagDocument(ordinal, values, files, self.typed.get((code, ordinal), ()))

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


def _copy_form(mapped: _Values, text: str) -> None:
    """Note a document the bag hands over as a copy (exports.snapshot.copy_form): ERMS takes it in as a document, since
    only its own signature check makes a certified copy; an original is what every document taken in already is."""
    if text and text != snapshot.ORIGINAL.label:
        mapped.notes.append(f"CopyForm {text!r}: taken in as a document, not as a certified copy")


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


def _layout_folders(checked: Checked) -> dict[str, _Folder]:
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


def _cits_files(checked: Checked) -> dict[str, tuple[str, str]]:
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


def _appendix_path(checked: Checked, href: str) -> str:
    """Return the payload path an ERMS.xml appendix names ("" if none): relative to the package root as ours are,
    else to data/ or to ERMS.xml's own folder, as other systems write them."""
    bases = [checked.package or "data", PurePosixPath(checked.erms_path).parent.as_posix()]
    candidates = (inside(base, href) for base in bases)
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
        code = _case_file_code(element)
        where = f"Dossier {code}"
        mapped = _Values()
        mapped.values["title"] = self._find(element, "e:title")
        mapped.values["language"] = _own_value(element, "ngon_ngu") or "Tiếng Việt"
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
        total = _own_value(element, "tong_so_trang")
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
            supplementary=_typed(element),
        )

    def _retention(self, element: etree._Element, mapped: _Values) -> tuple[bool, int | None, str] | None:
        disposal = element.find(f"{{{ERMS_NS}}}disposal")
        retention = _period(self._find(element, "e:disposal/e:disposalPeriod"))
        if retention is None and disposal is not None and disposal.get("disposable") == "false":
            retention = (True, None, "")
        if retention is None:
            mapped.fatal.append("disposal gives no retention period")
        return retention

    def _document(self, where: str, number: int, record: etree._Element) -> BagDocument | None:
        ordinal = _ordinal(record, number)
        where = f"{where}, document {ordinal}"
        mapped = _Values(values={"status": "final"})
        for tag, name in (("e:title", "subject"), ("e:dates/e:date[@dateType='originated']", "issued_date")):
            if text := self._find(record, tag):
                mapped.put(tag.removeprefix("e:"), name, text)
        mapped.values["type_name"] = record.get("recordType", "")
        mapped.values["organ_name"] = self._find(record, "e:agents/e:agent[@agentType='creator']/e:name")
        mapped.values["language"] = "Tiếng Việt"
        self._numbers(record, mapped)
        _priority(mapped, f"{_own_value(record, 'do_khan')}/{self._find(record, 'e:securityClass')}")
        pages = _own_value(record, "so_trang")
        if pages:
            mapped.put("so_trang", "page_amount", pages)
        paths = self._appendices(where, record)
        mapped.values["direction"] = self.mapper.direction(paths, mapped)
        values = mapped.checked("document")
        self.mapper.note(where, mapped)
        if values is None:
            return None
        return BagDocument(ordinal, values, tuple(self.mapper.file(path) for path in paths), _typed(record))

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


def _own_value(element: etree._Element, name: str) -> str:
    """Return the text of the CITS ERMS element's own value ``name`` (an ``ownElement`` of its group)."""
    return _text(element.find(f"{OWN}[@name='{name}']/e:value", ERMS_PREFIX))


def _case_file_code(element: etree._Element) -> str:
    """Return a caseFile aggregation's dossier code: its extraId as ours write it, else an identifier of it."""
    texts = (_text(element.find(path, ERMS_PREFIX)) for path in ("e:extraId", "e:objectId"))
    return next((text for text in texts if text), element.get("systemIdentifier", ""))


def _ordinal(record: etree._Element, number: int) -> int:
    """Return a record's document ordinal: its own "so_thu_tu" value, else its place (from 1) in the dossier."""
    return metadata.whole_number(_own_value(record, "so_thu_tu")) or number


def _typed(element: etree._Element) -> tuple[BagValue, ...]:
    """Return an aggregation's or record's supplementary values: the ownElements that carry a dataType (the package's
    own values carry none), named by the field's code, labelled in their "nhan" attribute."""
    return tuple(
        BagValue(own.get("name", ""), _text(own.find(LABEL_PATH, ERMS_PREFIX)), text)
        for own in element.iterfind(f"{OWN}[@dataType]", ERMS_PREFIX)
        if own.get("name") and (text := _text(own.find("e:value", ERMS_PREFIX)))
    )


def _typed_by_record(erms: etree._Element | None) -> dict[tuple[str, int], tuple[BagValue, ...]]:
    """Return the supplementary values ERMS.xml gives each dossier (by its code and 0) and each document (by its
    dossier's code and its ordinal), for a bag whose records are read from TT 02."""
    found: dict[tuple[str, int], tuple[BagValue, ...]] = {}
    for aggregation in erms.iter(f"{{{ERMS_NS}}}aggregation") if erms is not None else ():
        if aggregation.get("aggregationType") != "caseFile":
            continue
        code = _case_file_code(aggregation)
        found[(code, 0)] = _typed(aggregation)
        for number, record in enumerate(aggregation.iterchildren(f"{{{ERMS_NS}}}record"), 1):
            found[(code, _ordinal(record, number))] = _typed(record)
    return found
