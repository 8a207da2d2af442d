"""Where each thing goes inside a hand-over package, and the record of each file written there.

The bag's ``data/`` holds one E-ARK information package whose root folder is the package name;
content files sit under ``representations/rep1/data/<dossier code>/`` with their Vietnamese names
kept (NFC, never transliterated). Builders and the bag writer share these paths from here only.

Preservation copies (PL6 III.5.e, filing.preservation) go in a second representation,
``representations/rep2/data/<dossier code>/``, each named as its original is in rep1 (the same "NNN-" and "vN-")
with the name the copy downloads under (snapshot.copy_name). E-ARK CSIP keeps one representation per form of the
same content ("rep1" as the agency kept it, "rep2" migrated for preservation), which is also how Archivematica tells
normalised files from originals (a file group of their own), and PREMIS links each copy to its original (a
derivation and the migration event). rep1 stays exactly what the agency kept, so a reader of the package, or ERMS
reading it back (intake.bag_reading reads rep1's dossiers and documents), never takes a copy for a version of a
document. rep2 holds only the files that were migrated: the others need none and are read in rep1.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the verifier's fresh process reads these paths without the database models
    from exports.snapshot import DocumentSnapshot, DossierSnapshot, FileSnapshot

# The BagIt profile every hand-over bag declares and is checked against.
PROFILE_PATH = Path(__file__).resolve().parents[2] / "schemas" / "bagit-profile-handover-v1.json"
PROFILE_ID = json.loads(PROFILE_PATH.read_text(encoding="utf-8"))["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]

METS = "METS.xml"
EAD = "metadata/descriptive/EAD.xml"
CITS_ERMS = "metadata/descriptive/ERMS.xml"
TT02 = "metadata/descriptive/TT02.xml"
PREMIS = "metadata/preservation/PREMIS.xml"
TRANSFER_LIST_XML = "documentation/muc-luc-ho-so-nop-luu.xml"
TRANSFER_LIST_PDF = "documentation/muc-luc-ho-so-nop-luu.pdf"
HANDOVER_RECORD_PDF = "documentation/bien-ban-giao-nhan.pdf"
# The schemas of exports/xml/xsd/ a package carries in schemas/, under the names their standards give them, so the
# receiving archive validates each XML of the package offline (xlink.xsd is the one ead.xsd imports).
SCHEMA_FILES = ("ERMS_v3.xsd", "premis.xsd", "ead.xsd", "xlink.xsd", "tt02-2019-v1.xsd", "transfer-list-v1.xsd")
SCHEMAS = tuple(f"schemas/{name}" for name in SCHEMA_FILES)
REPRESENTATION = "representations/rep1"
REPRESENTATION_METS = f"{REPRESENTATION}/METS.xml"
PRESERVATION = "representations/rep2"
PRESERVATION_METS = f"{PRESERVATION}/METS.xml"

# Characters a file name may not carry into a path: separators and control characters.
_UNSAFE = {ord("/"): "_", ord("\\"): "_", **{code: "_" for code in range(32)}, 127: "_"}


@dataclass(frozen=True, slots=True)
class Written:
    """A file placed in the package: its path from the package root, size and digests."""

    path: str
    size: int
    sha256: str
    sha512: str
    media_type: str
    created: datetime


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A stored file to copy into the package: where it goes and what it belongs to."""

    path: str
    source: FileSnapshot
    dossier: DossierSnapshot
    document: DocumentSnapshot | None  # None: the dossier's document index
    original: ContentFile | None = None  # a preservation copy: the file it was copied from (None: an original)


def safe_name(filename: str) -> str:
    """Return ``filename`` usable as one path segment: NFC, no separators, no leading dot."""
    name = unicodedata.normalize("NFC", filename).translate(_UNSAFE).strip().lstrip(".")
    return name or "tep"


def content_files(dossiers: Iterable[DossierSnapshot]) -> list[ContentFile]:
    """Return every file of the dossiers in package order: per dossier its index, then documents by ordinal, each
    file followed by its preservation copy if one was made (in rep2).

    A paper dossier has none: its content is the sheets in the archive's box, which the package describes (EAD
    physdesc and physloc, METS, TT 02, CITS ERMS) and the historical archive receives by hand. A hybrid dossier
    carries its files as an electronic one does.
    """
    files = []
    for dossier in dossiers:
        if dossier.paper:
            continue
        folder = f"data/{safe_name(dossier.file_code)}"
        if dossier.index_file is not None:
            files.append(
                ContentFile(f"{REPRESENTATION}/{folder}/000-muc-luc-van-ban.pdf", dossier.index_file, dossier, None)
            )
        for document in dossier.documents:
            files += _document_files(folder, dossier, document)
    return files


def _document_files(folder: str, dossier: DossierSnapshot, document: DocumentSnapshot) -> list[ContentFile]:
    """Return a document's files (in rep1, "NNN-" its ordinal, "vN-" the version when it has several), each followed
    by its preservation copy (in rep2, under the same prefix) when one was made."""
    files = []
    several = len(document.files) > 1
    for number, stored in enumerate(document.files, start=1):
        prefix = f"{folder}/{document.ordinal:03d}-{f'v{number}-' if several else ''}"
        original = ContentFile(f"{REPRESENTATION}/{prefix}{safe_name(stored.filename)}", stored, dossier, document)
        files.append(original)
        copy = stored.preservation.copy if stored.preservation is not None else None
        if copy is not None:
            files.append(
                ContentFile(f"{PRESERVATION}/{prefix}{safe_name(copy.filename)}", copy, dossier, document, original)
            )
    return files
