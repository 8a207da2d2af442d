"""The shape of every report: tables of cells, each cell a value and, for a count, what it counts.

A cell's ``Drill`` names a figure of a report and the filters that narrow it, independent of any URL: the web layer
turns it into a link to the list behind the number (``reports.drill`` reads it back), the exports ignore it. Titles,
headings and row labels are English msgids (``label=True`` on a cell) that the adapters translate; names typed by
people (units, persons, decision numbers) are shown as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# How a column's values are shown: counted records, a size in bytes, text, or a day.
COUNT, BYTES, TEXT, DAY = "count", "bytes", "text", "day"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # English msgid
    kind: str = COUNT


@dataclass(frozen=True)
class Drill:
    """The records a figure counts: ``figure`` of ``report``, narrowed by ``filters`` (unit, person, year …)."""

    report: str
    figure: str
    filters: tuple[tuple[str, str], ...] = ()

    def params(self) -> dict[str, str]:
        return dict(self.filters)


@dataclass(frozen=True)
class Record:
    """A record a cell names (a destruction decision, a hand-over receipt), linked for those who may open it."""

    kind: str  # "destruction_list" or "handover_batch"
    id: int


@dataclass(frozen=True)
class Cell:
    value: int | float | str | date | None
    drill: Drill | None = None
    label: bool = False  # the value is an English msgid, translated where it is shown
    record: Record | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: str  # English msgid
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    note: str = ""  # English msgid: what the figures count, where the rule is not obvious

    def index(self, key: str) -> int:
        return next(number for number, column in enumerate(self.columns) if column.key == key)

    def values(self, key: str) -> list:
        """Return the values of one column, row by row (the total left out): a chart's series."""
        number = self.index(key)
        return [row[number].value for row in self.rows]


@dataclass(frozen=True)
class Report:
    name: str  # "compliance", "holdings", "flow"
    title: str  # English msgid
    tables: tuple[Table, ...]
    filters: dict[str, str] = field(default_factory=dict)  # what made it (the exports' file names)
    about: str = ""  # whose figures: the organisation, and the unit when one is chosen

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def counts(
    figures: Iterable[str], found: Mapping[str, Any], report: str, filters: Iterable[tuple[str, str]]
) -> tuple[Cell, ...]:
    """Return a count cell per figure, each drilling into the records it counts under ``filters``."""
    narrowed = tuple((name, value) for name, value in filters if value != "")
    return tuple(Cell(int(found.get(figure) or 0), Drill(report, figure, narrowed)) for figure in figures)


def add(rows: Iterable[Mapping[str, Any]], figures: Iterable[str]) -> dict[str, int]:
    """Return the sums of ``figures`` over grouped rows (a unit's people, every unit): a few groups, not records."""
    rows, totals = list(rows), {}
    for figure in figures:
        totals[figure] = sum(int(row.get(figure) or 0) for row in rows)
    return totals
