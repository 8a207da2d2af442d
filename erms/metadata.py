"""Metadata validation against the JSON Schemas in schemas/ (Draft 2020-12, no remote refs).

``validate(kind, data)`` returns every problem at once, each naming its field with an English
message template that the UI translates; ``check`` raises InvalidMetadata with that list. Text is
normalised to NFC here, at the edge, so Vietnamese typed in any form compares and indexes alike, and
text holding control characters is refused here, so no later export or database chokes on it.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from sqlalchemy import String, inspect
from sqlalchemy.orm import DeclarativeBase

from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, Problem

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

# jsonschema keyword -> message template; a keyword missing here falls back to the generic one.
MESSAGES = {
    "required": N_("This field is required."),
    "maxLength": N_("At most %(limit)s characters."),
    "minLength": N_("This field is required."),
    "pattern": N_("This field is required."),
    "enum": N_("Choose one of the listed values."),
    "format": N_("Not a valid date (day/month/year)."),
    "type": N_("Not a valid value."),
    "minimum": N_("Must be at least %(limit)s."),
    "maximum": N_("Must be at most %(limit)s."),
    "additionalProperties": N_("Unknown field."),
}
CONTROL_CHARACTER = N_("Contains a control character that is not allowed.")
# C0 controls but tab, LF and CR, DEL, lone surrogates and U+FFFE/U+FFFF: no record needs them, XML (XLSX,
# METS, EAD) cannot carry most of them and PostgreSQL refuses NUL, so they are refused where text comes in. So are
# the bidirectional overrides and isolates, which make text read other than it is ("\u202eelif terces" shows as
# "secret file"): Vietnamese never needs them.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
SHOWS_NOTHING = N_("Shows nothing: type letters or digits.")
# Letters that print as blank space (Braille's blank, the Hangul fillers), beside the invisible categories.
_BLANK_LETTERS = frozenset("\u2800\u3164\u115f\u1160\uffa0")
# No database column holds more than a signed 64-bit integer (the schemas bound most fields far lower), so a wider
# number is refused as text before int() reads its digits.
INTEGER_DIGITS = re.compile("[0-9]+")
INTEGER_MAX = 2**63 - 1


def schema_id(kind: str) -> str:
    """Return the $id of the current schema for ``kind`` (stamped on stored metadata)."""
    return _schema(kind)["$id"]


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if "$id" in contents:
            resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def schema(kind: str) -> dict:
    """Return a copy of the schema of ``kind`` ("dossier", "document", "defs", …), for a document that embeds it
    (the API's OpenAPI description)."""
    return copy.deepcopy(_schema(kind))


@cache
def _schema(kind: str) -> dict:
    return json.loads((SCHEMAS_DIR / f"{kind}-v1.json").read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(kind), registry=registry(), format_checker=FormatChecker())


def field_titles(kind: str) -> dict[str, str]:
    """Return field name -> Vietnamese title, as the schema names them."""
    return {name: spec.get("title", name) for name, spec in _schema(kind)["properties"].items()}


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with every string NFC-normalised and stripped."""
    return {
        key: unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value
        for key, value in data.items()
    }


def whole_number(text: str) -> int | None:
    """Return ``text`` as a non-negative integer that fits 64 bits, or None: ASCII digits only ("²" is not 2)."""
    digits = text.strip()
    significant = digits.lstrip("0") or "0"
    if not INTEGER_DIGITS.fullmatch(digits) or len(significant) > len(str(INTEGER_MAX)):
        return None
    number = int(significant)
    return number if number <= INTEGER_MAX else None


# A day as people here write it: day, month, year (03/12/2026, 3-12-2026, 03.12.2026, or the eight digits 03122026),
# or ISO (2026-12-03, what browsers and the API send). Never month first: 03/12 is the third of December.
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{2})(\d{2})(\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


# The days a record, a deadline or a report can name: the product's records begin after 1900, and nothing is planned
# past this century. A year outside was typed wrong (0001, 9999), and would move a dossier's retention clock (its
# end year plus up to 70 years) past what a date can hold.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2100, 12, 31)
OUT_OF_RANGE = N_("A day from 01/01/1900 to 31/12/2100: check the year.")


def parse_day(text: str | None) -> date | None:
    """Return the day ``text`` names (day first, or ISO), or None if it names none (31/02/2026, 20122026x) or one out
    of EARLIEST_DAY to LATEST_DAY."""
    named = _named_day(text)
    return named if named is not None and EARLIEST_DAY <= named <= LATEST_DAY else None


NO_SUCH_DAY = N_("There is no such day (%(text)s): check the day and the month.")


def day_refusal(field: str, text: str) -> Problem:
    """Why ``text``, which :func:`parse_day` refused, is no day: one out of the range, one the calendar lacks
    (31/11), or no day at all."""
    if _named_day(text) is not None:
        return Problem(field, OUT_OF_RANGE)
    if _day_shaped(text):
        return Problem(field, NO_SUCH_DAY, {"text": text.strip()})
    return Problem(field, MESSAGES["format"])


def _day_shaped(text: str) -> bool:
    """Whether ``text`` is written as a day (31/11/2026, 2026-02-30), whether or not the calendar has it."""
    text = text.strip()
    return bool(DAY_FIRST.fullmatch(text) or ISO_DAY.fullmatch(text))


def _named_day(text: str | None) -> date | None:
    text = (text or "").strip()
    found = DAY_FIRST.fullmatch(text)
    iso = ISO_DAY.fullmatch(text)
    if found:
        day, month, year = (int(part) for part in (found.group(1, 2, 3) if found.group(1) else found.group(4, 5, 6)))
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_shown(value: date | str | None) -> str:
    """Return a day as the date fields show it (dd/mm/yyyy); text that names no day is shown as typed."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    parsed = parse_day(value)
    return parsed.strftime("%d/%m/%Y") if parsed else (value or "")


def coerce(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Turn form strings into schema types: empty optional fields are dropped, integers parsed.

    A value that does not parse is kept as text so that validation reports it on its field.
    """
    properties = _schema(kind)["properties"]
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key not in properties or value is None or (isinstance(value, str) and not value.strip()):
            continue
        parsed: str | int = value
        if properties[key].get("type") == "integer" and isinstance(value, str):
            number = whole_number(value)
            parsed = value if number is None else number
        elif _is_day(properties[key]) and isinstance(value, str) and (day := _named_day(value)) is not None:
            parsed = day.isoformat()  # out of range too: validation then says which days are taken
        data[key] = parsed
    return data


def _is_day(schema: dict) -> bool:
    return schema.get("format") == "date" or str(schema.get("$ref", "")).endswith("/$defs/date")


def problem_of(error: ValidationError, *, depth: int = 0) -> Problem:
    """Return a schema error as a translatable problem on its field: the path's part at ``depth`` (1 for the
    fields of the objects in a list), or the missing or unknown property."""
    if error.validator in ("required", "additionalProperties"):
        field = error.message.split("'")[1]
    else:
        path = list(error.absolute_path)
        field = str(path[depth]) if len(path) > depth else ""
    template = MESSAGES.get(error.validator, N_("Not a valid value."))
    limit = error.validator_value if error.validator in ("maxLength", "minimum", "maximum") else None
    return Problem(field, template, {"limit": limit} if limit is not None else {})


def text_problems(data: dict[str, Any]) -> list[Problem]:
    """Return a problem for each text value holding a character of FORBIDDEN_CHARACTERS, or showing nothing."""
    return [
        problem for key, value in data.items() if isinstance(value, str) and (problem := _character_problem(key, value))
    ]


def _character_problem(field: str, text: str) -> Problem | None:
    if FORBIDDEN_CHARACTERS.search(text):
        return Problem(field, CONTROL_CHARACTER)
    if text and all(_invisible(character) for character in text):
        return Problem(field, SHOWS_NOTHING)  # a zero-width space or a lone accent passes "required" unseen
    return None


def _invisible(character: str) -> bool:
    """Whether a character prints nothing by itself: a space, a format character, a combining mark, a blank letter."""
    return character.isspace() or unicodedata.category(character) in ("Cf", "Mn", "Me") or character in _BLANK_LETTERS


def validate(kind: str, data: dict[str, Any]) -> list[Problem]:
    """Return every problem of ``data`` against the schema of ``kind``, one per field, in field order."""
    seen: dict[str, Problem] = {problem.field: problem for problem in text_problems(data)}
    for problem in _days_not_in_the_calendar(kind, data):
        seen.setdefault(problem.field, problem)
    for error in _validator(kind).iter_errors(data):
        problem = problem_of(error)
        seen.setdefault(problem.field, problem)
    for problem in _days_out_of_range(kind, data):
        seen.setdefault(problem.field, problem)
    if kind == "document":
        for late in (_due_before_issue(data), _issued_after_today(data), _arrival_out_of_order(data)):
            if late is not None:
                seen.setdefault(late.field, late)
    order = list(_schema(kind)["properties"])
    return sorted(seen.values(), key=lambda p: order.index(p.field) if p.field in order else len(order))


def _days_not_in_the_calendar(kind: str, data: dict[str, Any]) -> list[Problem]:
    """A day written as one that the calendar lacks (31/11/2026): said as such, not as a wrong format."""
    days = [name for name, spec in _schema(kind)["properties"].items() if _is_day(spec)]
    return [
        Problem(name, NO_SUCH_DAY, {"text": data[name].strip()})
        for name in days
        if isinstance(data.get(name), str) and _day_shaped(data[name]) and _named_day(data[name]) is None
    ]


def _days_out_of_range(kind: str, data: dict[str, Any]) -> list[Problem]:
    """A day that exists but lies outside the range people mean (2026-02-30 is the schema's own refusal)."""
    days = [name for name, spec in _schema(kind)["properties"].items() if _is_day(spec)]
    return [
        Problem(name, OUT_OF_RANGE)
        for name in days
        if isinstance(data.get(name), str) and _named_day(data[name]) is not None and parse_day(data[name]) is None
    ]


def _arrival_out_of_order(data: dict[str, Any]) -> Problem | None:
    """An arrival date ("ngày đến") after today or before the document's own date: a document arrives once it is
    issued, and whoever records it does so on or after that day."""
    arrival, issued = (parse_day(str(data.get(name) or "")) for name in ("arrival_date", "issued_date"))
    if arrival is None:
        return None
    today = datetime.now(LOCAL_TZ).date()
    if arrival > today:
        return Problem("arrival_date", N_("The arrival date cannot be after today."))
    if issued is not None and arrival < issued:
        return Problem(
            "arrival_date",
            N_("The arrival date cannot be before the document's date (%(day)s)."),
            {"day": f"{issued:%d/%m/%Y}"},
        )
    return None


def _due_before_issue(data: dict[str, Any]) -> Problem | None:
    """A deadline ("hạn giải quyết") before the document's own date: a day typed wrong, as an arrival before it is."""
    issued, due = (parse_day(str(data.get(name) or "")) for name in ("issued_date", "due_date"))
    if issued is None or due is None or due >= issued:
        return None
    return Problem(
        "due_date", N_("The deadline cannot be before the document's date (%(day)s)."), {"day": f"{issued:%d/%m/%Y}"}
    )


def _issued_after_today(data: dict[str, Any]) -> Problem | None:
    """A final document dated after today: a year typed wrong (2027 for 2026), which would move its dossier's end,
    appraisal and hand-over dates. A draft may carry the day it is meant to be issued on."""
    issued, today = parse_day(str(data.get("issued_date") or "")), datetime.now(LOCAL_TZ).date()
    if issued is None or issued <= today or data.get("status") == "draft":
        return None
    return Problem(
        "issued_date",
        N_("The document's date cannot be after today (%(day)s): check the year."),
        {"day": f"{today:%d/%m/%Y}"},
    )


def folded_words(text: str) -> str:
    """A name as people tell names apart: whatever its letters' case, its spaces or its Unicode form ("Quyết  định"
    and "quyết định" are one form value; "Quyet dinh" is another spelling, kept apart)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def document_identity(number: str, notation: str, organ: str) -> tuple[str, str]:
    """Return a document's "số, ký hiệu" and issuer as two folded texts, for finding one document entered twice:
    12 + QĐ-UBND, 12/QĐ-UBND typed whole in the number field and "12 / qđ-ubnd" are one document, whatever the
    letters' case, spaces or Unicode form (a Vietnamese keyboard may send decomposed accents)."""
    joined = "/".join(part for part in (number.strip(), notation.strip()) if part)
    folded_number = unicodedata.normalize("NFC", "".join(joined.split())).casefold()
    return folded_number, unicodedata.normalize("NFC", " ".join(organ.split())).casefold()


def check(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return the normalised data, or raise InvalidMetadata listing every problem."""
    data = normalise(data)
    problems = validate(kind, data)
    if problems:
        raise InvalidMetadata(problems)
    return data


def check_text(
    values: dict[str, str], limits: dict[str, int], required: tuple[str, ...] = (), one_line: tuple[str, ...] = ()
) -> dict[str, str]:
    """Return free-text fields no schema describes, normalised (those of ``one_line``, a name or a position, on one
    line with single spaces); or raise InvalidMetadata naming each field that holds a control character or is longer
    than its limit in ``limits``, and each of ``required`` left empty."""
    values = normalise({key: " ".join(value.split()) if key in one_line else value for key, value in values.items()})
    problems = [Problem(key, MESSAGES["required"]) for key in required if not str(values.get(key, "")).strip()]
    problems += [
        problem for key, value in values.items() if (problem := _text_problem(key, value, limits[key])) is not None
    ]
    if problems:
        raise InvalidMetadata(problems)
    return values


def column_length(model: type[DeclarativeBase], name: str) -> int:
    """Return the length of ``model``'s String column ``name``, the ``limits`` value ``check_text`` takes for it."""
    column_type = inspect(model).local_table.c[name].type
    if not isinstance(column_type, String) or column_type.length is None:
        raise TypeError(f"{model.__name__}.{name} is not a String column of bounded length")
    return column_type.length


def _text_problem(field: str, text: str, limit: int) -> Problem | None:
    """Return what is wrong with one free-text value, or None."""
    if problem := _character_problem(field, text):
        return problem
    if len(text) > limit:
        return Problem(field, MESSAGES["maxLength"], {"limit": limit})
    return None
