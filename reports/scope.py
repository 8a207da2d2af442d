"""Whose figures a report counts: one organisation, and the units the reader may see or chose.

``erms.permissions.report_units`` says which units a reader sees (a unit head their own, the head and the archivist
every one); here a chosen unit is checked against it: a unit of another organisation, or none at all, is not found;
another unit of the organisation, for a unit head, is refused. Nothing is ever counted beyond the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from erms import permissions
from erms.config import LOCAL_TZ
from erms.errors import NotFound, PermissionDenied
from erms.models import Organisation, Unit
from erms.permissions import Actor

# A drill-down's filter for the records no unit (or nobody) is named on.
NONE = "none"


@dataclass(frozen=True)
class Scope:
    """The organisation reported on, and its units counted: None for every unit (and the records of none)."""

    organisation: Organisation
    units: frozenset[int] | None
    unit: Unit | None = None  # the one unit chosen in the filter

    @property
    def whole(self) -> bool:
        """True when the whole organisation is counted (then records of no unit have a line of their own)."""
        return self.units is None

    def narrow(self, column) -> list[ColumnElement[bool]]:
        """Return the condition keeping ``column`` (a unit id) within the scope, or nothing for the whole."""
        return [] if self.units is None else [column.in_(sorted(self.units))]

    def about(self) -> str:
        """Return whose figures these are, as the page and the exports name them."""
        name = self.organisation.name
        return f"{name} · {self.unit.name}" if self.unit is not None else name

    def filters(self) -> tuple[tuple[str, str], ...]:
        return (("unit", str(self.unit.id)),) if self.unit is not None else ()


def scope_of(session: Session, actor: Actor, organisation_id: int, unit_id: int | None = None) -> Scope:
    """Return the scope of the actor's report on the organisation, narrowed to ``unit_id`` when given."""
    readable = permissions.report_units(actor, organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    if unit_id is None and readable is not None and len(readable) == 1:
        unit_id = next(iter(readable))  # a unit head's report is their unit's, and says so
    if unit_id is None:
        return Scope(organisation, readable)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != organisation_id:
        raise NotFound()  # another organisation's unit is as unknown as none
    if readable is not None and unit_id not in readable:
        raise PermissionDenied()
    return Scope(organisation, frozenset({unit_id}), unit)


def units_of(session: Session, scope: Scope) -> list[Unit]:
    """Return the units a report has a line for: those in scope (the closed ones too: their records stay)."""
    query = select(Unit).where(Unit.organisation_id == scope.organisation.id, *scope.narrow(Unit.id))
    return list(session.scalars(query.order_by(Unit.code)))


def readable_units(session: Session, actor: Actor, organisation_id: int) -> list[Unit]:
    """Return the units the actor may narrow a report to (the filter's choices)."""
    return units_of(session, scope_of(session, actor, organisation_id))


def local_midnight(day: date) -> datetime:
    """Return the first moment of a Vietnamese day: timestamps are stored in UTC, periods are local days."""
    return datetime.combine(day, time(), LOCAL_TZ)
