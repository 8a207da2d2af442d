"""Setting an agency up: organisations (archival fonds, "phông lưu trữ") and their units ("đơn vị").

An organisation is identified by its OrganId (mã định danh cơ quan, String 13, e.g. ``000.00.00.G09``), which
starts every dossier code it forms (docs/standards.md). Every refusal lists every problem; nothing is written then.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import Organisation, RoleMembership, Unit, User
from erms.permissions import Actor

# OrganId as the dossier codes use it: three digits, two, two, then a letter and two digits (000.00.00.G09).
ORGAN_ID = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", re.ASCII)  # ０００ is no code
# A unit's code is the abbreviation dossier notations end with (01.TCCB): capitals, digits, hyphens.
UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


def create_organisation(
    session: Session, actor: Actor | None, code: str, name: str, parent_name: str = "", *, now: datetime
) -> Organisation:
    """Add an organisation (``actor`` None: from the console, before anyone can log in)."""
    if actor is not None:
        permissions.require_system_admin(actor)
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
    session: Session,
    actor: Actor | None,
    organisation_code: str,
    code: str,
    name: str,
    *,
    parent_code: str = "",
    now: datetime,
) -> Unit:
    """Add a unit to an organisation, under the unit ``parent_code`` or directly under the organisation."""
    values = metadata.check_text({"code": code.strip(), "name": " ".join(name.split())}, {"code": 20, "name": 200})
    problems = _required(values, "name")
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code.strip()))
    if organisation is not None:
        problems += _name_taken(organisation.units, values["name"], None)
    if organisation is None:
        problems.append(Problem("organisation", N_("No organisation with code %(code)s."), {"code": organisation_code}))
    elif actor is not None:
        permissions.require_administer(actor, organisation.id)
    if not UNIT_CODE.fullmatch(values["code"]):
        problems.append(Problem("code", N_("A unit code is capitals, digits and hyphens, like TCCB or VP.")))
    elif organisation is not None and any(unit.code == values["code"] for unit in organisation.units):
        problems.append(Problem("code", N_("The organisation has a unit %(code)s already."), {"code": code}))
    parent = (
        _unit_by_code(organisation, parent_code.strip(), problems) if organisation and parent_code.strip() else None
    )
    if problems:
        raise InvalidMetadata(problems)
    assert organisation is not None  # a missing one was a problem above
    unit = Unit(
        organisation_id=organisation.id,
        code=values["code"],
        name=values["name"],
        parent_id=parent.id if parent else None,
    )
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor,
        "unit.created",
        "unit",
        unit.id,
        now=now,
        organisation=organisation.code,
        code=unit.code,
        parent=parent.code if parent else None,
    )
    return unit


def _unit_by_code(organisation: Organisation, code: str, problems: list[Problem]) -> Unit | None:
    unit = next((unit for unit in organisation.units if unit.code == code), None)
    if unit is None or not unit.active:
        problems.append(Problem("parent", N_("The organisation has no open unit %(code)s."), {"code": code}))
    return unit


def get_organisation(session: Session, actor: Actor, organisation_id: int) -> Organisation:
    """Return an organisation the actor administers (another one looks absent)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    permissions.require_administer(actor, organisation.id)
    return organisation


def administered(session: Session, actor: Actor) -> list[Organisation]:
    """Return the organisations the actor administers, by code (all of them for a deployment administrator)."""
    query = select(Organisation).order_by(Organisation.code)
    if not actor.system_admin:
        ids = [
            organisation for organisation in actor.organisation_ids() if permissions.can_administer(actor, organisation)
        ]
        query = query.where(Organisation.id.in_(ids))
    return list(session.scalars(query))


# What the edit forms send back as shown (``seen_<field>``), to refuse a save over someone else's, with the forms'
# words for each field (as the dossier forms' conflicts name theirs).
ORGANISATION_SEEN = {
    "name": "Tên",
    "parent_name": "Cơ quan chủ quản",
    "archive_code": "Mã Lưu trữ lịch sử tiếp nhận phông",
}
UNIT_SEEN = {"name": "Tên", "parent_id": "Trực thuộc", "active": "Trạng thái"}


def update_organisation(
    session: Session,
    actor: Actor,
    organisation_id: int,
    name: str,
    parent_name: str,
    archive_code: str,
    *,
    now: datetime,
    seen: dict[str, str] | None = None,
) -> Organisation:
    """Change an organisation's name, its parent's name and the code of the archive that receives its fonds.

    The fonds code (OrganId) never changes: every dossier code of the fonds starts with it. ``seen``: the values the
    form showed; if someone saved others since, nothing is saved (PL6 IV.2).
    """
    organisation = get_organisation(session, actor, organisation_id)
    audit.refuse_changed(session, "organisation", organisation, seen, ORGANISATION_SEEN)
    values = metadata.check_text(
        {"name": name, "parent_name": parent_name, "archive_code": archive_code.strip()},
        {"name": 200, "parent_name": 200, "archive_code": 13},
    )
    problems = _required(values, "name")
    # Checked when changed: a code kept from before the rule (or the demo's) does not block saving the name.
    changed_code = values["archive_code"] != organisation.archive_code
    if changed_code and values["archive_code"] and not ORGAN_ID.fullmatch(values["archive_code"]):
        problems.append(Problem("archive_code", N_("An organisation code looks like 000.00.00.G09 (OrganId).")))
    if problems:
        raise InvalidMetadata(problems)
    changed = {key: value for key, value in values.items() if getattr(organisation, key) != value}
    for key, value in changed.items():
        setattr(organisation, key, value)
    if changed:
        audit.record(session, actor, "organisation.updated", "organisation", organisation.id, now=now, **changed)
    return organisation


def unit_tree(organisation: Organisation) -> list[tuple[int, Unit]]:
    """Return the organisation's units depth first, each with its depth (0: directly under the organisation)."""
    children: dict[int | None, list[Unit]] = {}
    for unit in organisation.units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[int, Unit]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def get_unit(session: Session, actor: Actor, unit_id: int) -> Unit:
    """Return a unit of an organisation the actor administers (another one looks absent)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    permissions.require_administer(actor, unit.organisation_id)
    return unit


def _name_taken(units: list[Unit], name: str, unit_id: int | None) -> list[Problem]:
    """Two open units of one organisation are not called the same, whatever the case or spaces: the registry picks
    the unit to send a document to by its name."""
    folded = metadata.folded_words(name)
    for unit in units:
        if unit.id != unit_id and unit.active and folded and metadata.folded_words(unit.name) == folded:
            return [
                Problem("name", N_("Unit %(code)s is called %(name)s already."), {"code": unit.code, "name": unit.name})
            ]
    return []


def update_unit(
    session: Session,
    actor: Actor,
    unit_id: int,
    name: str,
    parent_id: int | None,
    active: bool,
    *,
    now: datetime,
    seen: dict[str, str] | None = None,
) -> Unit:
    """Rename a unit, move it under another unit of its organisation, close or reopen it.

    A unit that still has people with roles in it is not closed: they would keep rights nobody sees. ``seen``: the
    values the form showed; if someone saved others since, nothing is saved.
    """
    unit = get_unit(session, actor, unit_id)
    audit.refuse_changed(session, "unit", unit, seen, UNIT_SEEN)
    values = metadata.check_text({"name": " ".join(name.split())}, {"name": 200})
    problems = _required(values, "name")
    problems += _name_taken(unit.organisation.units, values["name"], unit.id) if active else []
    problems += _parent_problems(session, unit, parent_id)
    if (
        not active
        and unit.active
        and any(child.active for child in session.scalars(select(Unit).where(Unit.parent_id == unit.id)))
    ):
        problems.append(Problem("active", N_("Units under this one are still open: close or move them first.")))
    elif not active and unit.active:
        members = session.scalar(
            select(func.count(func.distinct(RoleMembership.user_id)))
            .join(User)
            .where(RoleMembership.unit_id == unit.id, User.active.is_(True))
        )
        if members:
            problems.append(
                Problem(
                    "active", N_("%(count)s people still have roles in this unit: move them first."), {"count": members}
                )
            )
    if problems:
        raise InvalidMetadata(problems)
    changed = {
        key: value
        for key, value in {"name": values["name"], "parent_id": parent_id, "active": active}.items()
        if getattr(unit, key) != value
    }
    for key, value in changed.items():
        setattr(unit, key, value)
    if changed:
        audit.record(session, actor, "unit.updated", "unit", unit.id, now=now, code=unit.code, changed=changed)
    return unit


def _parent_problems(session: Session, unit: Unit, parent_id: int | None) -> list[Problem]:
    """A parent is an open unit of the same organisation, and never the unit itself or one below it."""
    if parent_id is None:
        return []
    parent = session.get(Unit, parent_id)
    if parent is None or parent.organisation_id != unit.organisation_id or not parent.active:
        return [Problem("parent", N_("Choose an open unit of this organisation."))]
    above: Unit | None = parent
    while above is not None:
        if above.id == unit.id:
            return [Problem("parent", N_("A unit cannot be placed under itself or under one of its own units."))]
        above = session.get(Unit, above.parent_id) if above.parent_id else None
    return []


def _required(values: dict, *names: str) -> list[Problem]:
    return [Problem(name, metadata.MESSAGES["required"]) for name in names if not values[name]]
