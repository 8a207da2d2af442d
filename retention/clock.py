"""The retention clock: pure date arithmetic, no database and no "now" of its own.

Counting rule (docs/standards.md, product decision 2): retention counts from the *year* the work
ended, so a dossier whose work ended in year Y with a period of N years becomes due for
appraisal on 1 January of Y + N + 1. Permanent dossiers are never due (``None``); conditional
periods wait for their event, so they have no due date until it is recorded.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

# NĐ 30/2020 Điều 31 k.3c: dossiers kept this many years or more go to the agency archive.
AGENCY_ARCHIVE_YEARS = 5


@dataclass(frozen=True)
class Period:
    """A retention period: permanent, N years, or conditional (an event, plus N years where given)."""

    permanent: bool = False
    years: int | None = None
    condition: str = ""

    @property
    def conditional(self) -> bool:
        return bool(self.condition) and not self.permanent

    def label(self) -> str:
        """Return the period as the dossier list prints it ("Vĩnh viễn", "20 năm", or the condition)."""
        if self.permanent:
            return "Vĩnh viễn"
        if self.condition:
            return self.condition
        return f"{self.years} năm"

    def goes_to_agency_archive(self) -> bool:
        """Return True for periods of 5 years or more (NĐ 30/2020 Điều 31 k.3c); conditional ones go too."""
        return self.permanent or self.conditional or (self.years or 0) >= AGENCY_ARCHIVE_YEARS


def due_on(period: Period, work_ended: date, event_on: date | None = None) -> date | None:
    """Return the date the dossier becomes due for appraisal, or None (permanent, or event not yet recorded)."""
    if period.permanent:
        return None
    if period.conditional:
        if event_on is None or period.years is None:
            return event_on  # "until superseded": due as soon as the event is recorded
        return date(event_on.year + period.years + 1, 1, 1)
    return date(work_ended.year + (period.years or 0) + 1, 1, 1)


def handover_due_on(work_ended: date, settled_on: date | None = None) -> date:
    """Return the last day to hand the dossier to the agency archive: 31 December of the next year, or for a
    capital-construction dossier three months after the works were settled.

    Luật Lưu trữ 2024: at most one year counted from the year the work ended; NĐ 30/2020 Điều 30 k.2a: "trong thời
    hạn 03 tháng kể từ ngày công trình được quyết toán".
    """
    if settled_on is not None:
        return add_months(settled_on, 3)
    return date(work_ended.year + 1, 12, 31)


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later, the month's last day when it has fewer (30/11 + 3 months: 28/02)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
