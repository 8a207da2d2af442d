"""Days are typed day first (03/12/2026 is the third of December) or as ISO, whatever the browser's language."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erms import metadata


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("03/12/2026", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        ("03-12-2026", date(2026, 12, 3)),
        ("03.12.2026", date(2026, 12, 3)),
        ("03122026", date(2026, 12, 3)),
        ("20122026", date(2026, 12, 20)),
        ("2026-12-03", date(2026, 12, 3)),
        (" 01/12/2026 ", date(2026, 12, 1)),
        ("31/02/2026", None),
        ("12/31/2026", None),  # month first is never read
        ("01/12", None),
        ("220261", None),
        ("3/12/26", None),
        ("", None),
    ],
)
def test_a_typed_day_is_read_day_first(typed, day):
    assert metadata.parse_day(typed) == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_day_shown_reads_back_as_itself(day):
    shown = metadata.day_shown(day)
    assert shown == day.strftime("%d/%m/%Y") and metadata.parse_day(shown) == day
    assert metadata.day_shown(day.isoformat()) == shown


def test_the_dossier_form_stores_the_day_typed_day_first():
    data = metadata.coerce("dossier", {"title": "Hồ sơ", "start_date": "03/12/2026", "end_date": "31/02/2026"})
    assert data["start_date"] == "2026-12-03"
    assert data["end_date"] == "31/02/2026"  # kept as typed: the schema check names it
    assert [
        problem.field for problem in metadata.validate("dossier", {**data, "rights": "public", "language": "vi"})
    ] == ["end_date"]
