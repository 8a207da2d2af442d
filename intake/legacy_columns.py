"""The columns of a legacy mapping file that hold the organisation's supplementary metadata ("dữ liệu đặc tả bổ
sung", NĐ 30/2020 Phụ lục VI III.7.c), so that records taken in from past years keep the fields their agency adds.

A column is headed by one of the organisation's offered fields: its label (matched casefolded, as the standard
headers are) or its code. A standard column's header always wins over a field's. A label or code that a dossier field
and a document field both use names neither alone: that column is headed "Hồ sơ: <label>" or "Văn bản: <label>",
forms accepted for every field. A problem names the column as the file heads it, so the archivist finds it there.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy.orm import Session

from classification import spreadsheet
from erms import supplementary
from erms.errors import InvalidMetadata, Problem
from erms.models import RecordKind, SupplementaryField

KINDS = {RecordKind.DOSSIER: "Hồ sơ", RecordKind.DOCUMENT: "Văn bản"}


def _key(field: SupplementaryField) -> str:
    """Return what a field's cells are read as: never a standard column's (those are schema keys, without a colon)."""
    return f"{field.applies_to.value}:{field.name}"


class Columns:
    """The organisation's offered fields a mapping file may head a column with, and the headers it used."""

    def __init__(self, session: Session, organisation_id: int, standard: Mapping[str, str]) -> None:
        self.fields = {
            _key(field): field
            for kind in RecordKind
            for field in supplementary.fields_for(session, organisation_id, kind, offered_only=True)
        }
        self.standard = standard
        self.headings: dict[str, str] = {}  # a field's key -> its column's header as the file writes it

    def headers(self) -> dict[str, str]:
        """Return header -> column for the mapping file: each field's headers that name it alone, then the standard
        headers over them."""
        named: dict[str, set[str]] = defaultdict(set)
        for key, field in self.fields.items():
            for header in (field.label, field.name, f"{KINDS[field.applies_to]}: {field.label}"):
                named[spreadsheet.heading_key(header)].add(key)
        return {**{header: next(iter(keys)) for header, keys in named.items() if len(keys) == 1}, **self.standard}

    def offered_headers(self) -> list[str]:
        """Return the header a mapping file's template gives each field: its label where that names it alone, else
        the label after its kind ("Văn bản: Số bản")."""
        headers = self.headers()
        return [
            field.label
            if headers.get(spreadsheet.heading_key(field.label)) == key
            else f"{KINDS[field.applies_to]}: {field.label}"
            for key, field in self.fields.items()
        ]

    def read(self, name: str, data: bytes) -> dict[int, dict[str, str]]:
        """Return the rows of the mapping file (as ``spreadsheet.read_rows``), remembering each field's header."""
        lines = spreadsheet.sheet_lines(name, io.BytesIO(data))
        headers = self.headers()
        rows = spreadsheet.rows_of(lines, headers)
        written = next(iter(lines.values()))
        self.headings = {
            key: header for header in written if (key := headers.get(spreadsheet.heading_key(header))) in self.fields
        }
        return rows

    def split(self, cells: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """Return a row's standard cells and its fields' cells."""
        standard = {key: text for key, text in cells.items() if key not in self.fields}
        return standard, {key: text for key, text in cells.items() if key in self.fields}

    def check(self, cells: dict[str, str]) -> tuple[dict[RecordKind, dict[str, str]], list[Problem]]:
        """Return a row's values of each kind in their stored forms, and a problem for each wrong one, named by its
        column's header."""
        values: dict[RecordKind, dict[str, str]] = {kind: {} for kind in RecordKind}
        problems = []
        for key, text in cells.items():
            field = self.fields[key]
            try:
                values[field.applies_to].update(supplementary.check([field], {field.name: text}, {}))
            except InvalidMetadata as refused:
                problems += [Problem(self.headings[key], each.template, each.params) for each in refused.problems]
        return values, problems

    def dossier_columns(self) -> dict[str, str]:
        """Return the header of each of the file's columns of a dossier field (whose rows of one dossier must agree),
        by the field's name."""
        return {
            self.fields[key].name: header
            for key, header in self.headings.items()
            if self.fields[key].applies_to == RecordKind.DOSSIER
        }
