"""What a search asks and answers, whichever engine runs it, and what every engine provides.

``erms.search`` re-exports ``Search``, ``Hit`` and ``Results``; an engine (``whoosh_engine``,
``postgres_engine``) implements ``Engine``. Snippets are made here, from the stored texts of the
hits shown, so both engines highlight alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol

from sqlalchemy.orm import Session

from erms.permissions import Actor
from erms.search_index import snippets
from erms.search_index.records import Entry
from erms.search_index.store import Changes

SORTS = ("relevance", "newest", "oldest")
FACETS = ("kind", "year", "unit", "type", "state", "retention", "signature")
MAX_PER_PAGE = 100
# How many matches an engine must count exactly. Past it an engine may stop counting and say "more than" (as
# OpenSearch's track_total_hits does): the PostgreSQL engine reads a row per match it counts, which at a million
# records is seconds for a common word, while nobody pages through ten thousand results.
COUNTED = 10_000


@dataclass(frozen=True)
class Search:
    """What a user asks: free text ("…" for phrases) and field filters, a sort and a page."""

    text: str = ""
    kind: str = ""
    year: int | None = None
    unit: str = ""
    type: str = ""
    state: str = ""
    retention: str = ""
    signature: str = ""  # a document's signature verdict ("valid", …, "not_checked"), or "pending"
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @property
    def shown(self) -> int:
        return max(1, min(self.per_page, MAX_PER_PAGE))

    def page_of(self, total: int) -> tuple[int, int]:
        """Return the page shown (the last one when asked beyond it) and the number of pages."""
        pages = math.ceil(total / self.shown)
        return min(max(1, self.page), max(1, pages)), pages

    def day_range(self) -> tuple[datetime | None, datetime | None]:
        """Return the first and last moment of the dates asked for (None: open)."""
        start = datetime.combine(self.date_from, time()) if self.date_from else None
        end = datetime.combine(self.date_to, time.max) if self.date_to else None
        return start, end


@dataclass(frozen=True)
class Hit:
    """One result: its stored fields (title, code, date, unit, …) and a highlighted snippet (HTML)."""

    kind: str
    record_id: int
    dossier_id: int
    fields: dict
    snippet: str


@dataclass(frozen=True)
class Results:
    """A page of results. ``more``: the engine stopped counting at ``total`` (COUNTED) matches, there are more, and
    the facets count those it counted."""

    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    more: bool = False


def hit(stored: dict, words: Iterable[str]) -> Hit:
    """Return a shown result with its snippet: the first stored text where a (folded) query word occurs."""
    words = set(words)
    texts = (stored.get(name) for name in ("content", "summary", "title", "people"))
    snippet = next((found for text in texts if words and text and (found := snippets.snippet(text, words))), "")
    return Hit(stored["kind"], stored["record_id"], stored["dossier_id"], stored, snippet)


def counted(counts: dict) -> list[tuple[str, int]]:
    """Return facet values with counts, most frequent first (empty values are not a facet)."""
    return sorted(
        ((str(value), count) for value, count in counts.items() if value not in ("", None)),
        key=lambda item: (-item[1], item[0]),
    )


Content = Callable[[Entry], str]


class Engine(Protocol):
    """An index behind ``erms.search``: Whoosh-Reloaded on disk, or a table of the PostgreSQL database.

    The worker writes queued changes in three steps: ``needing_text`` (in its reading transaction),
    ``write`` (outside any transaction: the slow extraction of files' texts) and ``finish`` (in the
    transaction that removes the queue rows).
    """

    name: str
    in_database: bool  # written in the records' own transactions; a rebuild writes to the database

    def write_now(self, session: Session, changes: Changes) -> None:
        """Write the typed fields of changed records in the transaction that changed them (a no-op off the database)."""

    def needing_text(self, session: Session, changes: Changes) -> set[str]:
        """Return the keys of ``changes`` whose file's text must be extracted."""

    def write(self, changes: Changes, needing: set[str], content: Content) -> dict[str, str]:
        """Write ``changes`` outside any transaction; return texts extracted for ``finish`` to store."""

    def finish(self, session: Session, changes: Changes, texts: dict[str, str]) -> None:
        """Store what ``write`` returned, in the transaction that removes the changes' queue rows."""

    def query(self, session: Session, actor: Actor, request: Search) -> Results:
        """Return the page ``request`` asks for, holding only what ``actor`` may read."""

    def rebuild(self, session: Session, batches: Iterable[Changes], content: Content, count: int) -> None:
        """Index every record anew from ``batches`` (``count`` records in all), searches answering meanwhile."""

    def version(self, session: Session) -> int | None:
        """Return the version of what the index holds (``records.VERSION`` at its last rebuild; None: never)."""

    def mark_version(self, session: Session, version: int) -> None:
        """Record that a rebuild just wrote index documents of ``version``."""

    def fingerprints(self, session: Session) -> dict[str, str]:
        """Return each indexed key's fingerprint (one that does not match the database's is stale)."""

    def location(self) -> str:
        """Return where the index is, for a person (a folder, or the database's table)."""
