"""The product's date rules as SQL conditions, so a report counts what the workspace and the jobs say one by one.

Each condition here is the set-based twin of a Python rule that lives elsewhere, named beside it; the tests check on
one dataset that both pick the same dossiers. The thresholds are computed in Python from the clock's own functions
(``retention.clock``) and compared in SQL, so SQLite and PostgreSQL need no date arithmetic of their own.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select

from erms.models import Dossier, Hold, KeepBack, KeepBackState
from erms.models.dossier import DossierState
from erms.models.handover import HandoverItem, HandoverOutcome
from reports.scope import local_midnight
from retention import clock

# A settlement this many days back is always more than three months back (the loop below starts there).
LONGEST_QUARTER_DAYS = 93


def open_past_end(today: date) -> ColumnElement[bool]:
    """An open dossier whose work should have ended before today: ``filing.dossiers.deadline_of``'s overdue "close"
    (its end date has passed, or without one its year is over)."""
    ended = or_(
        and_(Dossier.end_date.is_not(None), Dossier.end_date < today),
        and_(Dossier.end_date.is_(None), Dossier.year < today.year),
    )
    return and_(Dossier.state == DossierState.OPEN, ended)


def goes_to_agency_archive() -> ColumnElement[bool]:
    """``clock.Period.goes_to_agency_archive``: permanent, conditional, or kept 5 years or more (NĐ 30 Điều 31 k.3c)."""
    return or_(
        Dossier.retention_permanent.is_(True),
        func.coalesce(Dossier.retention_condition, "") != "",
        Dossier.retention_years >= clock.AGENCY_ARCHIVE_YEARS,
    )


def handover_overdue(today: date) -> ColumnElement[bool]:
    """A closed dossier past its day at the agency archive: ``filing.dossiers.deadline_of``'s overdue "submit".

    ``clock.handover_due_on``: 31 December of the year after the work ended, or three months after a capital
    construction was settled; the head's consent to keep it back (NĐ 30 Điều 31 k.3d) moves the day to its end.
    """
    first_year_ended = date(today.year - 1, 1, 1)  # work ended before this: its 31 December Y+1 has passed
    by_year = or_(
        Dossier.end_date < first_year_ended,
        and_(Dossier.end_date.is_(None), Dossier.closed_at < local_midnight(first_year_ended)),
    )
    normal = or_(
        and_(Dossier.settled_on.is_not(None), Dossier.settled_on < settled_before(today)),
        and_(Dossier.settled_on.is_(None), by_year),
    )
    kept = select(KeepBack.id).where(
        KeepBack.dossier_id == Dossier.id, KeepBack.state == KeepBackState.APPROVED, KeepBack.until >= today
    )
    return and_(Dossier.state == DossierState.CLOSED, goes_to_agency_archive(), normal, ~kept.exists())


def settled_before(today: date) -> date:
    """Return the first settlement day whose three months (``clock.add_months``) have not passed by ``today``."""
    day = today - timedelta(days=LONGEST_QUARTER_DAYS)
    while clock.add_months(day, 3) < today:
        day += timedelta(days=1)
    return day


def due_at_historical_archive(today: date, handover_years: int) -> ColumnElement[bool]:
    """A permanent dossier the agency archive should have handed over by the end of this year: ``exports.handover``'s
    eligible dossiers (archived, not held, in no batch that holds it) whose ``due_year`` is this year or earlier."""
    first_archived_too_late = date(today.year - handover_years + 1, 1, 1)
    held = select(Hold.id).where(Hold.dossier_id == Dossier.id, Hold.released_at.is_(None))
    batched = select(HandoverItem.id).where(
        HandoverItem.dossier_id == Dossier.id, HandoverItem.outcome != HandoverOutcome.NOT_RECEIVED
    )
    return and_(
        Dossier.retention_permanent.is_(True),
        Dossier.state == DossierState.ARCHIVED,
        Dossier.archived_at < local_midnight(first_archived_too_late),
        ~held.exists(),
        ~batched.exists(),
    )
