"""The PostgreSQL engine behind ``erms.search``, for deployments on PostgreSQL (``postgres.py`` holds its SQL).

Typed fields are written in the record's own transaction; the worker extracts a file's text outside
any transaction and stores it in the one that removes the queue rows. A rebuild writes batch by
batch, each in a short transaction of its own, then removes the rows of records that are gone:
searches meanwhile see every record, old or new. The first fill of an empty table (a new deployment, a move
from Whoosh) builds the words' index once at the end instead of row by row.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.permissions import Actor, search_grants
from erms.search_index import asking, postgres, tsvector
from erms.search_index.asking import FACETS, Content, Results, Search, counted, hit
from erms.search_index.store import Changes


def _asked(actor: Actor, request: Search) -> tuple[postgres.Asked, list[str]]:
    """Return the query in SQL terms and its folded words (for snippets)."""
    organisations, tokens = search_grants(actor)
    tsquery, words, exact = tsvector.query(request.text)
    start, end = request.day_range()
    filters = {
        "kind": request.kind,
        "type": request.type,
        "retention": request.retention,
        "signature": request.signature,
        "unit": request.unit,
        "state": request.state,
        "year": request.year,
        "start": start,
        "end": end,
    }
    return postgres.Asked(tsquery, exact, sorted(organisations), sorted(tokens), filters), words


class PostgresEngine:
    name = "postgresql"
    in_database = True

    def __init__(self) -> None:
        self._ranks_in_index: bool | None = None  # RUM or GIN, read from the database on the first search

    def write_now(self, session: Session, changes: Changes) -> None:
        postgres.write_now(session, changes.put, changes.delete)

    def needing_text(self, session: Session, changes: Changes) -> set[str]:
        held = postgres.texts_held(session, [entry.fields["key"] for entry in changes.put])
        return {
            entry.fields["key"]
            for entry in changes.put
            if entry.content_file is not None and held.get(entry.fields["key"]) != entry.content_file.sha256
        }

    def write(self, changes: Changes, needing: set[str], content: Content) -> dict[str, str]:
        return {entry.fields["key"]: content(entry) for entry in changes.put if entry.fields["key"] in needing}

    def finish(self, session: Session, changes: Changes, texts: dict[str, str]) -> None:
        for entry in changes.put:
            if entry.fields["key"] in texts and entry.content_file is not None:
                postgres.write_content(
                    session, entry.fields["key"], entry.content_file.sha256, texts[entry.fields["key"]]
                )

    def query(self, session: Session, actor: Actor, request: Search) -> Results:
        asked, words = _asked(actor, request)
        counts, more = postgres.facets(session, asked, asking.COUNTED)
        total = sum(counts["kind"].values())  # every record has one kind
        page, pages = request.page_of(total)
        if self._ranks_in_index is None:
            self._ranks_in_index = postgres.ranks_in_index(session)
        offset = (page - 1) * request.shown
        shown = postgres.page(session, asked, request.sort, offset, request.shown, self._ranks_in_index)
        facets = {name: counted(counts[name]) for name in FACETS}
        return Results([hit(stored, words) for stored in shown], total, page, pages, facets, more)

    def rebuild(self, session: Session, batches: Iterable[Changes], content: Content, count: int) -> None:
        kept: set[str] = set()
        with postgres.words_index_dropped_if_empty(session):
            for changes in batches:
                texts = self.write(changes, self.needing_text(session, changes), content)  # extracted before any lock
                self.write_now(session, changes)
                self.finish(session, changes, texts)
                kept.update(entry.fields["key"] for entry in changes.put)
                session.commit()  # a short transaction a batch: saves meanwhile wait for one batch at most
        gone = set(session.scalars(select(postgres.ENTRIES.c.key))) - kept
        postgres.write_now(session, [], sorted(gone))
        session.commit()

    def version(self, session: Session) -> int | None:
        return postgres.version(session)

    def mark_version(self, session: Session, version: int) -> None:
        postgres.mark_version(session, version)

    def fingerprints(self, session: Session) -> dict[str, str]:
        return postgres.fingerprints(session)

    def location(self) -> str:
        return "the search_entries table of the database"
