"""What the dossier and document pages need to show and edit supplementary metadata (PL6 III.7.c): the fields the
organisation offers in forms, the values a form starts with, the values a page lists, and the values a form sent."""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import Session

from erms import supplementary
from erms.models import Document, Dossier, RecordKind
from erms.web.errors import on_offered


def sent() -> dict[str, str]:
    """Return the supplementary values the request's form carried, keyed as filing takes them."""
    return {key: value for key, value in request.form.items() if key.startswith(supplementary.PREFIX)}


def context(
    session: Session, organisation_id: int, kind: RecordKind, record: Dossier | Document | None, *, offered: bool = True
) -> dict:
    """Return the template variables of a record's supplementary metadata: ``extra_fields`` (offered in its form),
    ``extra_values`` (what the form starts with), ``extra_options`` (a choice field's options, "—" first) and
    ``extra_shown`` (what the page lists, withdrawn fields too). ``offered`` False: the form offers none."""
    fields = supplementary.fields_for(session, organisation_id, kind)
    values = supplementary.values_of(record) if record is not None else {}
    in_form = [field for field in fields if field.active and offered]
    return {
        "extra_fields": in_form,
        "extra_options": options(in_form),
        "extra_values": supplementary.form_values(fields, values),
        "extra_shown": supplementary.shown(fields, values),
    }


def options(fields) -> dict[str, list[tuple[str, str]]]:
    """Return the options of each field's select (a choice field's, "—" first), by field name."""
    return {field.name: [("", "—"), *((choice, choice) for choice in field.choice_list)] for field in fields}


def names(extra_fields) -> list[str]:
    """Return the form names of the offered fields (where their problems are shown)."""
    return [supplementary.PREFIX + field.name for field in extra_fields]


def errors_shown(errors: dict, extra_fields) -> dict:
    """Return a form's ``errors`` with those of supplementary values it does not offer (another organisation's
    field, another kind's, a withdrawn one) moved to the top of the form, where they are seen; the rest stay."""
    own = {name for name in errors if not name.startswith(supplementary.PREFIX)}
    return on_offered(errors, own | set(names(extra_fields)))
