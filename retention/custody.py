"""Where a dossier is appraised: in the agency archive, or with its unit when it is kept under 5 years.

NĐ 30/2020 Điều 31 k.3c sends only dossiers kept 5 years or more (or permanently, or until an
event) to the agency archive ("lưu trữ cơ quan"); shorter ones stay closed with the unit that made
them and are appraised and destroyed there the same way (docs/design.md). The due list's queries and
each dossier's checks ask here, so the two can never disagree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_

from erms.models import Dossier
from erms.models.dossier import DossierState
from retention import clock


def appraisable() -> ColumnElement[bool]:
    """The SQL condition of ``is_appraisable``."""
    kept_by_unit = and_(
        Dossier.state == DossierState.CLOSED,
        Dossier.retention_permanent.is_(False),
        func.coalesce(Dossier.retention_condition, "") == "",
        func.coalesce(Dossier.retention_years, 0) < clock.AGENCY_ARCHIVE_YEARS,
    )
    return or_(Dossier.state == DossierState.ARCHIVED, kept_by_unit)


def period_of(dossier: Dossier) -> clock.Period:
    """Return the retention period fixed on the dossier (``filing.dossiers.period_of`` is the same, one layer up)."""
    return clock.Period(dossier.retention_permanent, dossier.retention_years, dossier.retention_condition)


def is_appraisable(dossier: Dossier) -> bool:
    """Return True for a dossier in the agency archive, or closed and kept by its unit (under 5 years)."""
    return dossier.state is DossierState.ARCHIVED or (
        dossier.state is DossierState.CLOSED and not period_of(dossier).goes_to_agency_archive()
    )
