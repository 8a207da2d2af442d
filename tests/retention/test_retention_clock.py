"""The retention clock over a table of periods and dates (no database)."""

from datetime import date

import pytest

from retention.clock import Period, due_on


@pytest.mark.parametrize(
    "period,ended,event,expected",
    [
        (Period(years=10), date(2026, 12, 31), None, date(2037, 1, 1)),  # last day of the year still counts as 2026
        (Period(years=10), date(2027, 1, 1), None, date(2038, 1, 1)),  # first day of the next year moves a year
        (Period(years=5), date(2024, 2, 29), None, date(2030, 1, 1)),  # leap day: only the year matters
        (Period(years=1), date(2023, 12, 31), None, date(2025, 1, 1)),
        (Period(permanent=True), date(2020, 6, 1), None, None),  # permanent: never due
        (Period(condition="Đến khi văn bản hết hiệu lực"), date(2020, 6, 1), None, None),  # event not recorded
        (Period(condition="Đến khi văn bản hết hiệu lực"), date(2020, 6, 1), date(2024, 2, 29), date(2024, 2, 29)),
        (
            Period(years=5, condition="5 năm sau khi chấm dứt Hợp đồng"),
            date(2020, 6, 1),
            date(2024, 2, 29),
            date(2030, 1, 1),
        ),
        (
            Period(years=5, condition="5 năm sau khi chấm dứt Hợp đồng"),
            date(2020, 6, 1),
            date(2024, 12, 31),
            date(2030, 1, 1),
        ),
    ],
)
def test_due_dates_at_year_boundaries_and_leap_years(period, ended, event, expected):
    assert due_on(period, ended, event) == expected
