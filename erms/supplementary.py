"""Supplementary metadata ("dữ liệu đặc tả bổ sung", PL6 III.7.c): reading an organisation's fields, checking the
values typed into them and showing them.

A record carries its values as canonical JSON ``{field name: value}``, each value text in one form: numbers as
written with a dot (``12.5``), days in ISO (``2026-03-12``), choices exactly as the field lists them. A payload names
a value ``supplementary.<name>``, which is also the form field and the problem's field, so errors stand beside it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import metadata
from erms.db import read_memo
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import Document, Dossier, FieldType, RecordKind, SupplementaryField

PREFIX = "supplementary."
TEXT_LIMIT = 1000
NUMBER = re.compile(r"-?[0-9]{1,18}([.,][0-9]{1,9})?")
MESSAGES = {
    FieldType.NUMBER: N_("Not a number: write digits, with a comma or a dot before any decimals (12,5)."),
    FieldType.DATE: N_("Not a valid date (day/month/year)."),
    FieldType.CHOICE: N_("Choose one of the listed values."),
}
REQUIRED_TO_CLOSE = N_("%(label)s must be filled in before the dossier closes.")
DOCUMENT_REQUIRED_TO_CLOSE = N_("Document no. %(ordinal)s: %(label)s must be filled in before the dossier closes.")
UNKNOWN = N_("Unknown field.")


@dataclass(frozen=True)
class Shown:
    """One value as a page shows it."""

    name: str
    label: str
    text: str


def described(field: SupplementaryField) -> dict[str, object]:
    """Return what defines a field, as its audit events and the API say it."""
    return {
        "organisation_id": field.organisation_id,
        "applies_to": field.applies_to.value,
        "name": field.name,
        "label": field.label,
        "data_type": field.data_type.value,
        "choices": field.choice_list,
        "required": field.required,
    }


def kind_of(record: Dossier | Document) -> RecordKind:
    return RecordKind.DOSSIER if isinstance(record, Dossier) else RecordKind.DOCUMENT


def fields_for(
    session: Session, organisation_id: int, kind: RecordKind, *, offered_only: bool = False
) -> list[SupplementaryField]:
    """Return the organisation's fields for ``kind`` in the order its forms show them (withdrawn ones too, unless
    ``offered_only``); read once per page in a read-only transaction (its forms and lists each ask)."""
    memo = read_memo(session, "supplementary_fields")
    fields = memo.get((organisation_id, kind)) if memo is not None else None
    if fields is None:
        # A page asks for both kinds (a dossier's form and its add-document form): both are read at once.
        query = select(SupplementaryField).where(SupplementaryField.organisation_id == organisation_id)
        every = list(session.scalars(query.order_by(SupplementaryField.position, SupplementaryField.id)))
        by_kind = {each: [field for field in every if field.applies_to == each] for each in RecordKind}
        if memo is not None:
            memo.update({(organisation_id, each): found for each, found in by_kind.items()})
        fields = by_kind[kind]
    return [field for field in fields if field.active or not offered_only]


def values_of(record: Dossier | Document) -> dict[str, str]:
    """Return the record's supplementary values by field name."""
    return json.loads(record.supplementary or "{}")


def encode(values: Mapping[str, str]) -> str:
    """Return ``values`` as the canonical JSON a record stores (empty values left out)."""
    return json.dumps({name: value for name, value in values.items() if value}, ensure_ascii=False, sort_keys=True)


def submitted(data: Mapping[str, object]) -> dict[str, str]:
    """Return the supplementary values in a form or payload, by field name (``supplementary.<name>`` keys)."""
    return {key.removeprefix(PREFIX): str(value or "") for key, value in data.items() if key.startswith(PREFIX)}


def check(fields: Iterable[SupplementaryField], given: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Return the record's values once ``given`` (by field name) replaces ``current``, each in its stored form; an
    empty value clears its field. Refuses, naming each, a value not of its field's type and a field that is not
    offered (a withdrawn field keeps the values it has but takes no new one)."""
    offered = {field.name: field for field in fields if field.active}
    values, problems = dict(current), []
    for name, raw in given.items():
        field = offered.get(name)
        text = unicodedata.normalize("NFC", raw).strip()
        if field is None:
            if text != current.get(name, ""):
                problems.append(Problem(PREFIX + name, UNKNOWN))
            continue
        stored, problem = _stored(field, text)
        if problem is not None:
            problems.append(problem)
        values[name] = stored
    if problems:
        raise InvalidMetadata(problems)
    return {name: value for name, value in values.items() if value}


def _stored(field: SupplementaryField, text: str) -> tuple[str, Problem | None]:
    """Return ``text`` in its stored form for ``field``, or the problem with it."""
    key = PREFIX + field.name
    if not text:
        return "", None
    if metadata.FORBIDDEN_CHARACTERS.search(text):
        return "", Problem(key, metadata.CONTROL_CHARACTER)
    if field.data_type == FieldType.NUMBER and NUMBER.fullmatch(text):
        return text.replace(",", "."), None
    if field.data_type == FieldType.DATE and (day := metadata.parse_day(text)) is not None:
        return day.isoformat(), None
    if field.data_type == FieldType.CHOICE and text in field.choice_list:
        return text, None
    if field.data_type == FieldType.TEXT:
        too_long = len(text) > TEXT_LIMIT
        return text, Problem(key, metadata.MESSAGES["maxLength"], {"limit": TEXT_LIMIT}) if too_long else None
    return "", Problem(key, MESSAGES[field.data_type])


def shown(fields: Iterable[SupplementaryField], values: Mapping[str, str]) -> list[Shown]:
    """Return the record's values in its fields' order as pages show them (days as dd/mm/yyyy)."""
    found = []
    for field in fields:
        value = values.get(field.name, "")
        if value:
            text = metadata.day_shown(value) if field.data_type == FieldType.DATE else value
            found.append(Shown(field.name, field.label, text))
    return found


def form_values(fields: Iterable[SupplementaryField], values: Mapping[str, str]) -> dict[str, str]:
    """Return the values an edit form starts with, keyed as the form names them."""
    return {
        PREFIX + field.name: metadata.day_shown(value) if field.data_type == FieldType.DATE else value
        for field in fields
        if (value := values.get(field.name, ""))
    }


def missing_required(fields: Iterable[SupplementaryField], values: Mapping[str, str]) -> list[SupplementaryField]:
    """Return the offered required fields ``values`` leaves empty."""
    return [field for field in fields if field.active and field.required and not values.get(field.name)]
