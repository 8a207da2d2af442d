"""The Whoosh-Reloaded engine behind ``erms.search``: the embedded default, an index in SEARCH_INDEX_DIR.

Only the worker writes it (``store.apply``); a rebuild writes a new generation beside the live one
and switches to it atomically, so searches go on meanwhile. The matching set (text, rights and
filters together) is computed once; the total and the facets count it, and only the page shown is
ranked, read and highlighted (``matching.py``).
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Iterable

from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh import query as wq

from erms.permissions import Actor, search_grants
from erms.search_index.analysis import EXACT, RANKED_FIELDS
from erms.search_index.asking import FACETS, Content, Results, Search, counted, hit
from erms.search_index.matching import Matches
from erms.search_index.store import CURRENT, Changes, IndexHome, apply

# A rebuild analyses in two processes (the production and development machines have two cores)
# once it is large enough to repay starting them: below PARALLEL_FROM records one process is faster.
PROCS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 2000
VERSION_FILE = "erms-index-version"  # beside the segments of a generation a rebuild wrote


def processes_for(count: int) -> int:
    """Return how many processes rebuild an index of ``count`` records."""
    return PROCS if count >= PARALLEL_FROM else 1


def readable(actor: Actor) -> wq.Query:
    """Return the Whoosh filter of what ``actor`` may read: the grants ``permissions.search_grants`` gives, matched
    against the tokens ``permissions.search_tokens`` and ``register_tokens`` indexed."""
    organisations, tokens = search_grants(actor)
    terms = [wq.Term("organisation", organisation) for organisation in sorted(organisations)]
    terms += [wq.Term("units", token) for token in sorted(tokens)]
    return wq.Or(terms)


def _parser(schema) -> qparser.QueryParser:
    """Return the parser of what a user types: every word (or "phrase") in the combined folded text."""
    parser = qparser.QueryParser("text", schema, group=qparser.AndGroup)
    # Field syntax ("units:3") would let a user aim at internal fields; filters come from the form.
    parser.remove_plugin_class(qparser.FieldsPlugin)
    return parser


def _ranking(words: set[str], text: str) -> list[tuple[str, str, float]]:
    """Return what ranks the matching set: each (folded) query word in the text and the title, and
    each word as typed in the exact title.

    The matching set already holds only documents with every word (and every phrase in order),
    so ranking needs no phrase check: a sum over three fields per word.
    """
    exact = {token.text for token in EXACT(text)} if words else set()
    return [
        *((name, word, RANKED_FIELDS[name]) for word in sorted(words) for name in ("text", "title")),
        *(("exact", word, RANKED_FIELDS["exact"]) for word in sorted(exact)),
    ]


def _filters(request: Search) -> list[wq.Query]:
    exact_terms = {
        "kind": request.kind,
        "unit": request.unit,
        "type": request.type,
        "state": request.state,
        "retention": request.retention,
        "signature": request.signature,
    }
    filters: list[wq.Query] = [wq.Term(name, value) for name, value in exact_terms.items() if value]
    if request.year:
        filters.append(wq.NumericRange("year", request.year, request.year))
    if request.date_from or request.date_to:
        filters.append(wq.DateRange("date", *request.day_range()))
    return filters


class WhooshEngine:
    name = "whoosh"
    in_database = False

    def __init__(self, folder: str) -> None:
        self.home = IndexHome(folder)

    def write_now(self, session: Session, changes: Changes) -> None:
        return None  # the worker writes the index: one writer per deployment

    def needing_text(self, session: Session, changes: Changes) -> set[str]:
        return {entry.fields["key"] for entry in changes.put}  # a Whoosh document is written whole

    def write(self, changes: Changes, needing: set[str], content: Content) -> dict[str, str]:
        apply(self.home.live(), [changes], content)
        return {}

    def finish(self, session: Session, changes: Changes, texts: dict[str, str]) -> None:
        return None

    def query(self, session: Session, actor: Actor, request: Search) -> Results:
        reading = self.home.reading()
        text = unicodedata.normalize("NFC", request.text).strip()
        # The searcher's schema, not the index's: that one is read again from a table of contents the worker's next
        # commit may have removed meanwhile.
        parsed = _parser(reading.searcher.schema).parse(text) if text else wq.Every()
        matching = reading.docs(wq.And([parsed, readable(actor), *_filters(request)]))
        page, pages = request.page_of(len(matching))
        words = {word for name, word in parsed.iter_all_terms() if name == "text"} if text else set()
        count = page * request.shown
        shown = self._page(reading, _ranking(words, text), matching, request.sort, count)[count - request.shown :]
        hits = [hit(reading.searcher.stored_fields(number), words) for number in shown]
        counts = {name: counted(reading.counts(matching, name)) for name in FACETS}
        return Results(hits, len(matching), page, pages, counts)

    @staticmethod
    def _page(reading, ranking: list[tuple[str, str, float]], matching: Matches, sort: str, count: int) -> list[int]:
        """Return the document numbers of the first ``count`` matches in the order asked for."""
        if sort in ("newest", "oldest"):
            return reading.by_column(matching, "date", count, reverse=sort == "newest")
        return reading.ranked(ranking, matching, count)

    def rebuild(self, session: Session, batches: Iterable[Changes], content: Content, count: int) -> None:
        folder = self.home.new_generation(building=True)
        try:
            apply(whoosh_index.open_dir(str(folder)), batches, content, fresh=True, procs=processes_for(count))
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)  # stopped or failed: the live generation stays as it was
            raise
        self.home.switch(folder)

    def version(self, session: Session) -> int | None:
        marker = self.home.root / CURRENT / VERSION_FILE
        return int(marker.read_text()) if marker.is_file() else None

    def mark_version(self, session: Session, version: int) -> None:
        (self.home.root / CURRENT / VERSION_FILE).write_text(str(version))

    def fingerprints(self, session: Session) -> dict[str, str]:
        with self.home.live().searcher() as searcher:
            return {stored["key"]: stored["fingerprint"] for stored in searcher.all_stored_fields()}

    def location(self) -> str:
        return str((self.home.root / "current").resolve())
