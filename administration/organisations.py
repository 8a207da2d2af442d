"""Setting an agency up: organisations (archival fonds, "phông lưu trữ") and their units ("đơn vị").

An organisation is identified by its OrganId (mã định danh cơ quan, String 13, e.g. ``000.00.00.G09``), which
starts every dossier code it forms (docs/standards.md). Every refusal lists every problem; nothing is written then.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import Organisation, Unit
from erms.permissions import Actor

# OrganId as the dossier codes use it: three digits, two, two, then a letter and two digits (000.00.00.G09).
ORGAN_ID = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}")
# A unit's code is the abbreviation dossier notations end with (01.TCCB): capitals, digits, hyphens.
UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


def create_organisation(
    session: Session, actor: Actor | None, code: str, name: str, parent_name: str = "", *, now: datetime
) -> Organisation:
    """Add an organisation (``actor`` None: from the console, before anyone can log in)."""
    values = metadata.check_text(
        {"code": code.strip(), "name": name, "parent_name": parent_name},
        {"code": 13, "name": 200, "parent_name": 200},
    )
    problems = _required(values, "name")
    if not ORGAN_ID.fullmatch(values["code"]):
        problems.append(Problem("code", N_("An organisation code looks like 000.00.00.G09 (OrganId).")))
    elif session.scalar(select(Organisation.id).where(Organisation.code == values["code"])):
        problems.append(Problem("code", N_("An organisation with code %(code)s exists already."), {"code": code}))
    if problems:
        raise InvalidMetadata(problems)
    organisation = Organisation(
        code=values["code"], name=values["name"], parent_name=values["parent_name"], created_at=now
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session, actor, "organisation.created", "organisation", organisation.id, now=now, code=organisation.code
    )
    return organisation


def create_unit(
    session: Session, actor: Actor | None, organisation_code: str, code: str, name: str, *, now: datetime
) -> Unit:
    """Add a unit to an organisation."""
    values = metadata.check_text({"code": code.strip(), "name": name}, {"code": 20, "name": 200})
    problems = _required(values, "name")
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code.strip()))
    if organisation is None:
        problems.append(Problem("organisation", N_("No organisation with code %(code)s."), {"code": organisation_code}))
    if not UNIT_CODE.fullmatch(values["code"]):
        problems.append(Problem("code", N_("A unit code is capitals, digits and hyphens, like TCCB or VP.")))
    elif organisation is not None and any(unit.code == values["code"] for unit in organisation.units):
        problems.append(Problem("code", N_("The organisation has a unit %(code)s already."), {"code": code}))
    if problems:
        raise InvalidMetadata(problems)
    assert organisation is not None  # a missing one was a problem above
    unit = Unit(organisation_id=organisation.id, code=values["code"], name=values["name"])
    session.add(unit)
    session.flush()
    audit.record(
        session, actor, "unit.created", "unit", unit.id, now=now, organisation=organisation.code, code=unit.code
    )
    return unit


def _required(values: dict, *names: str) -> list[Problem]:
    return [Problem(name, metadata.MESSAGES["required"]) for name in names if not values[name]]
