"""The supplementary metadata fields ("dữ liệu đặc tả bổ sung", NĐ 30 Phụ lục VI III.7.c) an organisation adds to
its dossiers' and documents' metadata, kept by its administrator.

A field's ``name`` is what the stored values, the API and the hand-over package call it: made once from the label and
never changed, so no value ever loses its field. For the same reason its data type never changes, a choice that
records hold is not removed, and a field is withdrawn (no longer offered in forms, its values still shown and
exported), never deleted.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions, supplementary
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import Document, Dossier, DossierDocument, FieldType, RecordKind, SupplementaryField
from erms.models.dossier import DossierState
from erms.permissions import Actor
from exports.xml import cits

LABEL_LIMIT = 200
NAME_LENGTH = 40
POSITION_LIMIT = 9999
# What the edit form sends back as shown (``seen_<field>``), to refuse a save over someone else's, in the form's words.
FIELD_SEEN = {"label": "Tên trường", "choices": "Các giá trị để chọn", "required": "Bắt buộc", "position": "Thứ tự"}

LABEL_TAKEN = N_("Another field of these records is called %(label)s already.")
TOO_FEW_CHOICES = N_("List at least two different values to choose from, one per line.")
CHOICE_TOO_LONG = N_("Each value to choose from is at most %(limit)s characters.")
CHOICES_ONLY_FOR_CHOICE = N_("Only a field chosen from a list has values to choose from: leave this empty.")
CHOICE_IN_USE = N_("%(value)s is the value of %(count)s records: it cannot be removed from the list.")
TYPE_FIXED = N_(
    "A field's data type does not change once it is made: its records hold values of that type. "
    "Withdraw the field and add another one instead."
)
POSITION = N_("Write a whole number from 0 to %(limit)s.")

Choice = TypeVar("Choice", bound=enum.Enum)


def fields_of(session: Session, actor: Actor, organisation_id: int) -> dict[RecordKind, list[SupplementaryField]]:
    """Return every field the organisation has, offered or withdrawn, per kind of record (its administrator only)."""
    permissions.require_administer(actor, organisation_id)
    return {kind: supplementary.fields_for(session, organisation_id, kind) for kind in RecordKind}


def add_field(
    session: Session, actor: Actor, organisation_id: int, data: Mapping[str, str], *, now: datetime
) -> SupplementaryField:
    """Add a field, named from its label; every problem is named at once and nothing is written on any."""
    permissions.require_administer(actor, organisation_id)
    kind = _member(RecordKind, data.get("applies_to", ""))
    data_type = _member(FieldType, data.get("data_type", ""))
    chosen = {"applies_to": kind, "data_type": data_type}
    problems = [Problem(key, metadata.MESSAGES["enum"]) for key, value in chosen.items() if value is None]
    siblings = supplementary.fields_for(session, organisation_id, kind) if kind else []
    label, label_problems = _label(data.get("label", ""), siblings)
    choices, choice_problems = _choices(data.get("choices", ""), data_type)
    last = max((sibling.position for sibling in siblings), default=0)
    position, position_problems = _position(data.get("position", ""), last + 1)
    problems += label_problems + choice_problems + position_problems
    if problems:
        raise InvalidMetadata(problems)
    assert kind is not None and data_type is not None
    field = SupplementaryField(
        organisation_id=organisation_id,
        applies_to=kind,
        name=derived_name(label, {sibling.name for sibling in siblings}),
        label=label,
        data_type=data_type,
        choices=choices,
        required=data.get("required") == "yes",
        position=position,
        active=True,
        created_at=now,
    )
    session.add(field)
    session.flush()
    audit.record(
        session, actor, "supplementary_field.added", "supplementary_field", field.id, now=now, **_described(field)
    )
    return field


def change_field(
    session: Session,
    actor: Actor,
    field_id: int,
    data: Mapping[str, str],
    *,
    now: datetime,
    seen: Mapping[str, str] | None = None,
) -> SupplementaryField:
    """Change a field's label, choices, whether it is required and its place in the forms; its name, kind and data
    type stay. ``seen``: what the form showed; if someone saved other values since, nothing is saved."""
    field = field_of(session, actor, field_id)
    audit.refuse_changed(session, "supplementary_field", field, _one_line_break(seen), FIELD_SEEN)
    siblings = supplementary.fields_for(session, field.organisation_id, field.applies_to)
    label, problems = _label(data.get("label", ""), [other for other in siblings if other.id != field.id])
    if data.get("data_type", "") not in ("", field.data_type.value):
        problems.append(Problem("data_type", TYPE_FIXED))
    choices, choice_problems = _choices(data.get("choices", ""), field.data_type)
    problems += choice_problems or _removed_in_use(session, field, choices)
    position, position_problems = _position(data.get("position", ""), field.position)
    problems += position_problems
    if problems:
        raise InvalidMetadata(problems)
    after = {"label": label, "choices": choices, "required": data.get("required") == "yes", "position": position}
    changes = {key: [getattr(field, key), value] for key, value in after.items() if getattr(field, key) != value}
    for key, (_before, value) in changes.items():
        setattr(field, key, value)
    if changes:
        audit.record(
            session,
            actor,
            "supplementary_field.changed",
            "supplementary_field",
            field.id,
            now=now,
            name=field.name,
            changes=changes,
        )
    return field


def set_offered(session: Session, actor: Actor, field_id: int, active: bool, *, now: datetime) -> SupplementaryField:
    """Withdraw a field from the forms (the records that have a value keep it, shown and exported), or offer it
    again."""
    field = field_of(session, actor, field_id)
    if field.active != active:
        field.active = active
        action = "supplementary_field.offered" if active else "supplementary_field.withdrawn"
        audit.record(session, actor, action, "supplementary_field", field.id, now=now, name=field.name)
    return field


def derived_name(label: str, taken: set[str]) -> str:
    """Return the code a field is known by, made from its label: Vietnamese letters without their marks (đ as d),
    lower case, anything else as "_", starting with a letter, at most NAME_LENGTH characters, and "_2", "_3"… after
    it when the organisation has that code for these records already or the package names its own values so."""
    taken = taken | cits.OWN_NAMES
    plain = unicodedata.normalize("NFKD", label.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(letter for letter in plain if not unicodedata.combining(letter)).lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")
    if not base[:1].isalpha():
        base = f"field_{base}".rstrip("_")
    name, number = base[:NAME_LENGTH].rstrip("_"), 1
    while name in taken:
        number += 1
        suffix = f"_{number}"
        name = base[: NAME_LENGTH - len(suffix)].rstrip("_") + suffix
    return name


def open_missing(session: Session, fields: list[SupplementaryField]) -> dict[int, int]:
    """Return, for each offered required field, how many records of an open dossier still lack it (the dossiers
    themselves, or the documents filed in them): what blocks their closing until someone fills it in."""
    found = {}
    for field in fields:
        if not (field.required and field.active):
            continue
        lacking = ~Dossier.supplementary.contains(f'"{field.name}"', autoescape=True)
        query = select(func.count(Dossier.id)).where(
            Dossier.organisation_id == field.organisation_id, Dossier.state == DossierState.OPEN
        )
        if field.applies_to == RecordKind.DOCUMENT:
            lacking = ~Document.supplementary.contains(f'"{field.name}"', autoescape=True)
            query = (
                select(func.count(func.distinct(Document.id)))
                .join(DossierDocument)
                .join(Dossier)
                .where(Dossier.organisation_id == field.organisation_id, Dossier.state == DossierState.OPEN)
            )
        found[field.id] = session.scalar(query.where(lacking)) or 0
    return found


def field_of(session: Session, actor: Actor, field_id: int) -> SupplementaryField:
    """Return a field of an organisation the actor administers (another one's looks absent)."""
    field = session.get(SupplementaryField, field_id)
    if field is None:
        raise NotFound()
    permissions.require_administer(actor, field.organisation_id)
    return field


def _member(kind: type[Choice], value: str) -> Choice | None:
    return next((member for member in kind if member.value == value), None)


def _label(raw: str, others: list[SupplementaryField]) -> tuple[str, list[Problem]]:
    """Return the label normalised and its problems: required, short, printable, not another field's."""
    label = metadata.normalise({"label": raw})["label"]
    try:
        metadata.check_text({"label": label}, {"label": LABEL_LIMIT})
        problems = []
    except InvalidMetadata as refused:  # named with the form's other problems
        problems = refused.problems
    if not label:
        problems.append(Problem("label", metadata.MESSAGES["required"]))
    elif any(other.label.casefold() == label.casefold() for other in others):
        problems.append(Problem("label", LABEL_TAKEN, {"label": label}))
    return label, problems


def _choices(raw: str, data_type: FieldType | None) -> tuple[str, list[Problem]]:
    """Return the choices as stored (one per line, each once, in the order typed) and their problems: a choice
    field lists two or more, any other type none."""
    typed = (unicodedata.normalize("NFC", line).strip() for line in raw.splitlines())
    lines = list(dict.fromkeys(line for line in typed if line))
    if data_type != FieldType.CHOICE:
        return "", [Problem("choices", CHOICES_ONLY_FOR_CHOICE)] if lines and data_type else []
    problems = []
    if any(metadata.FORBIDDEN_CHARACTERS.search(line) for line in lines):
        problems.append(Problem("choices", metadata.CONTROL_CHARACTER))
    if len(lines) < 2:
        problems.append(Problem("choices", TOO_FEW_CHOICES))
    if any(len(line) > LABEL_LIMIT for line in lines):
        problems.append(Problem("choices", CHOICE_TOO_LONG, {"limit": LABEL_LIMIT}))
    return "\n".join(lines), problems


def _position(raw: str, default: int) -> tuple[int, list[Problem]]:
    """Return the place in the forms typed (fields show in its order), or ``default`` when none is typed."""
    text = raw.strip()
    if not text:
        return default, []
    number = metadata.whole_number(text)
    if number is None or number > POSITION_LIMIT:
        return 0, [Problem("position", POSITION, {"limit": POSITION_LIMIT})]
    return number, []


def _removed_in_use(session: Session, field: SupplementaryField, choices: str) -> list[Problem]:
    """Return a problem for each choice ``choices`` drops that records of the organisation hold."""
    removed = set(field.choice_list) - set(choices.splitlines())
    if not removed:
        return []
    model: type[Dossier] | type[Document] = Dossier if field.applies_to == RecordKind.DOSSIER else Document
    held = session.scalars(
        select(model.supplementary).where(
            model.organisation_id == field.organisation_id,
            model.supplementary.contains(f'"{field.name}"', autoescape=True),  # narrows; each value is read
        )
    )
    counts = Counter(value for text in held if (value := json.loads(text).get(field.name)) in removed)
    return [
        Problem("choices", CHOICE_IN_USE, {"value": value, "count": count}) for value, count in sorted(counts.items())
    ]


def _described(field: SupplementaryField) -> dict[str, Any]:
    """Return what an audit event says of a new field."""
    return {**supplementary.described(field), "position": field.position}


def _one_line_break(seen: Mapping[str, str] | None) -> dict[str, str] | None:
    """Return what the form showed with its line breaks as stored: browsers send a hidden field's "\\n" as "\\r\\n"."""
    if seen is None:
        return None
    return {key: "\n".join(value.splitlines()) for key, value in seen.items()}
