"""Read the historical archive's receipt (XML or CSV) into one validated shape, or list every problem.

Both forms are turned into the same object and checked against ``schemas/receipt-v1.json``:
XML ``<HandoverReceipt package="…" reference="…" received_on="YYYY-MM-DD"><Dossier code="…"/>…``
or CSV with the header ``package,reference,received_on,file_code`` and one row per dossier.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass

from jsonschema import Draft202012Validator, FormatChecker
from lxml import etree

from erms.errors import N_, InvalidMetadata, Problem
from erms.metadata import registry

SCHEMA_ID = "urn:erms:schema:receipt-v1"
CSV_COLUMNS = ["package", "reference", "received_on", "file_code"]


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


def _from_xml(content: bytes) -> dict:
    try:
        root = etree.fromstring(content, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise InvalidMetadata([Problem("file", N_("The receipt is not well-formed XML: %(error)s"),
                                       {"error": str(error)})]) from None
    if etree.QName(root).localname != "HandoverReceipt":
        raise InvalidMetadata([Problem("file", N_("The receipt's root element must be HandoverReceipt."))])
    return {"package": _nfc(root.get("package")), "reference": _nfc(root.get("reference")),
            "received_on": _nfc(root.get("received_on")),
            "file_codes": [_nfc(element.get("code")) for element in root if etree.QName(element).localname == "Dossier"]}


def _from_csv(content: bytes) -> dict:
    try:
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidMetadata([Problem("file", N_("The receipt is not a UTF-8 CSV file: %(error)s"),
                                       {"error": str(error)})]) from None
    if not rows or list(rows[0]) != CSV_COLUMNS:
        raise InvalidMetadata([Problem("file", N_("The CSV header must be: %(columns)s."),
                                       {"columns": ",".join(CSV_COLUMNS)})])
    heads = {(_nfc(row["package"]), _nfc(row["reference"]), _nfc(row["received_on"])) for row in rows}
    if len(heads) != 1:
        raise InvalidMetadata([Problem("file", N_("Every row must name the same package, reference and date."))])
    package, reference, received_on = heads.pop()
    return {"package": package, "reference": reference, "received_on": received_on,
            "file_codes": [_nfc(row["file_code"]) for row in rows]}


def parse(content: bytes, filename: str) -> Receipt:
    """Return the receipt in ``content`` (XML unless the name ends in .csv), validated against its schema."""
    data = _from_csv(content) if filename.lower().endswith(".csv") else _from_xml(content)
    validator = Draft202012Validator(registry().contents(SCHEMA_ID), registry=registry(),
                                     format_checker=FormatChecker())
    problems = [Problem("/".join(map(str, error.absolute_path)) or "receipt", error.message)
                for error in validator.iter_errors(data)]
    if problems:
        raise InvalidMetadata(problems)
    return Receipt(data["package"], data["reference"], data["received_on"], tuple(data["file_codes"]),
                   hashlib.sha256(content).hexdigest())
