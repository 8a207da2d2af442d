"""Read the historical archive's receipt (XML or CSV) into one validated shape, or list every problem.

Both forms are turned into the same object and checked against ``schemas/receipt-v1.json``:
XML ``<HandoverReceipt package="…" reference="…" received_on="YYYY-MM-DD"><Dossier code="…"/>…``
or CSV with the header ``package,reference,received_on,file_code`` and one row per dossier.
A receipt is at most MAX_RECEIPT_BYTES, read and parsed a chunk at a time; its XML may declare no
DTD, and no entity is resolved nor anything fetched, so XXE and entity expansion are refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from erms import metadata
from erms.errors import N_, InvalidMetadata, Problem

CSV_COLUMNS = ["package", "reference", "received_on", "file_code"]
# A receipt lists dossier codes of at most 50 characters: 5 MB holds some 80 000 of them, more than any
# hand-over. The upload is read, and the XML fed to the parser, this much at a time.
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
READ_CHUNK = 64 * 1024
# A refused receipt names this many problems and counts the rest; the parser's own message is cut this short.
PROBLEMS_SHOWN = 20
ERROR_LENGTH = 200
# What each field of schemas/receipt-v1.json must hold, in the archivist's words: one problem per field,
# never the schema's own English text, which repeats the value (every code of a long receipt).
FIELD_RULES = {
    "package": N_("The package name must be the one on the package: <organisation code>_<year>_<number>."),
    "reference": N_("Give the reference of the receipt, at most 100 characters."),
    "received_on": N_("Give the day the archive received the package, as YYYY-MM-DD."),
    "file_codes": N_("List each dossier received once, by its code of at most 50 characters."),
}


@dataclass(frozen=True)
class Receipt:
    """A receipt that passed its schema: which package, the archive's reference and date, the codes."""

    package: str
    reference: str
    received_on: str
    file_codes: tuple[str, ...]
    sha256: str


def _nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def read(stream: BinaryIO, limit: int = MAX_RECEIPT_BYTES) -> bytes:
    """Return an uploaded receipt's bytes, read a chunk at a time; refuse it as soon as it passes ``limit``."""
    chunks, size = [], 0
    while chunk := stream.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> InvalidMetadata:
    return InvalidMetadata(
        [
            Problem(
                "file",
                N_("The receipt is larger than %(limit)s MB; a receipt lists only dossier codes."),
                {"limit": limit // (1024 * 1024)},
            )
        ]
    )


def capped(problems: list[Problem]) -> list[Problem]:
    """Return the first PROBLEMS_SHOWN problems, and one more counting the rest ("… and 480 more problems")."""
    if len(problems) <= PROBLEMS_SHOWN:
        return problems
    rest = len(problems) - PROBLEMS_SHOWN
    return [
        *problems[:PROBLEMS_SHOWN],
        Problem(problems[PROBLEMS_SHOWN].field, N_("… and %(count)s more problems."), {"count": rest}),
    ]


def _events(content: bytes) -> Iterator[tuple[str, etree._Element]]:
    """Yield the XML's element start and end events, the parser fed one chunk at a time.

    No entity is resolved, no DTD loaded and nothing fetched from the network; huge text nodes are
    refused by libxml2's own limits. Broken XML refuses the receipt with the parser's words.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        for offset in range(0, len(content), READ_CHUNK):
            parser.feed(content[offset : offset + READ_CHUNK])
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()
    except etree.XMLSyntaxError as error:
        raise InvalidMetadata(
            [Problem("file", N_("The receipt is not well-formed XML: %(error)s"), {"error": str(error)[:ERROR_LENGTH]})]
        ) from None


def _local_name(element: etree._Element) -> str:
    """Return the element's name without its namespace; "" for a name libxml2 let through while recovering from an
    error that comes later in the file (``<:>``), which lxml's QName would refuse with a ValueError."""
    return str(element.tag).rpartition("}")[2]


def _check_root(root: etree._Element) -> None:
    """Refuse a receipt that declares a document type (entities have no place in it) or is not a HandoverReceipt."""
    if root.getroottree().docinfo.doctype:
        raise InvalidMetadata([Problem("file", N_("The receipt may not declare a document type (DOCTYPE)."))])
    if _local_name(root) != "HandoverReceipt":
        raise InvalidMetadata([Problem("file", N_("The receipt's root element must be HandoverReceipt."))])


def _from_xml(content: bytes) -> dict:
    """Read the root's attributes and its Dossier children's codes while parsing; each element is dropped once read."""
    data: dict = {"file_codes": []}
    depth = 0
    for event, element in _events(content):
        if event == "end":
            depth -= 1
            if depth == 1:
                element.getparent().remove(element)  # memory stays flat however many codes the receipt lists
            continue
        depth += 1
        if depth == 1:
            _check_root(element)
            data.update({key: _nfc(element.get(key)) for key in ("package", "reference", "received_on")})
        elif depth == 2 and _local_name(element) == "Dossier":
            data["file_codes"].append(_nfc(element.get("code")))
    return data


def _from_csv(content: bytes) -> dict:
    try:
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidMetadata(
            [
                Problem(
                    "file", N_("The receipt is not a UTF-8 CSV file: %(error)s"), {"error": str(error)[:ERROR_LENGTH]}
                )
            ]
        ) from None
    if not rows or list(rows[0]) != CSV_COLUMNS:
        raise InvalidMetadata(
            [Problem("file", N_("The CSV header must be: %(columns)s."), {"columns": ",".join(CSV_COLUMNS)})]
        )
    heads = {(_nfc(row["package"]), _nfc(row["reference"]), _nfc(row["received_on"])) for row in rows}
    if len(heads) != 1:
        raise InvalidMetadata([Problem("file", N_("Every row must name the same package, reference and date."))])
    package, reference, received_on = heads.pop()
    return {
        "package": package,
        "reference": reference,
        "received_on": received_on,
        "file_codes": [_nfc(row["file_code"]) for row in rows],
    }


def _explained(problem: Problem) -> Problem:
    """Say what a receipt field must hold, rather than the generic words of the schema keyword it broke."""
    if problem.template == metadata.CONTROL_CHARACTER or problem.field not in FIELD_RULES:
        return problem
    return Problem(problem.field, FIELD_RULES[problem.field])


def parse(content: bytes, filename: str) -> Receipt:
    """Return the receipt in ``content`` (XML unless the name ends in .csv), validated against its schema.

    A receipt over MAX_RECEIPT_BYTES is refused unread.
    """
    if len(content) > MAX_RECEIPT_BYTES:
        raise _too_large(MAX_RECEIPT_BYTES)
    data = _from_csv(content) if filename.lower().endswith(".csv") else _from_xml(content)
    problems = [_explained(problem) for problem in metadata.validate("receipt", data)]
    if problems:
        raise InvalidMetadata(problems)
    return Receipt(
        data["package"],
        data["reference"],
        data["received_on"],
        tuple(data["file_codes"]),
        hashlib.sha256(content).hexdigest(),
    )
