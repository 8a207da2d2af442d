"""Search: the one narrow interface to the full-text index of dossiers and documents.

``install`` (called once by the app factory and by the CLI), ``index``, ``remove``, ``query``,
``rebuild`` and ``verify`` are all the rest of the product sees. Whoosh-Reloaded, the Vietnamese
analyzer and the on-disk generations live behind it in ``erms.search_index``; a server engine
(PostgreSQL full-text search, OpenSearch) would replace that package, not the callers.

Consistency lives here and nowhere else: session events collect every dossier and document a
transaction touches and queue their keys (``search_queue``) in that same transaction, so a commit
and its queued keys are one; the worker process (``erms.jobs``, under the scheduler's lease: one
index writer per deployment) reads the queue, builds the index documents from what is committed,
writes them, and removes what it wrote. Services never call search themselves (docs/architecture.md
rule 6); web processes only read the index.

Rights are part of the query, not a filter applied to a page of results: the actor's
organisations and units are a clause of the query, so totals, facets and snippets only ever count
and show what ``erms.permissions`` lets the actor read (PL6 I.3).
"""

from __future__ import annotations

import itertools
import math
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh import query as wq

from erms import extract
from erms.models import (
    AccessChange,
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    RegisterEntry,
    SearchQueueItem,
)
from erms.permissions import Actor, search_grants
from erms.search_index import records, snippets
from erms.search_index.analysis import EXACT, RANKED_FIELDS
from erms.search_index.matching import Matches
from erms.search_index.records import DOCUMENT, DOSSIER, Entry
from erms.search_index.store import Changes, IndexHome, apply
from erms.storage import FileStore

_PENDING = "search_pending"
BATCH = 500
# A rebuild analyses in two processes (the production and development machines have two cores)
# once it is large enough to repay starting them: below PARALLEL_FROM records one process is faster.
PROCS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 2000


class Service:
    """The index of this process: its folder and the file store to extract from."""

    def __init__(self, settings: dict) -> None:
        self.home = IndexHome(settings["SEARCH_INDEX_DIR"])
        self.files = FileStore(settings["STORAGE_ROOT"])
        self.max_bytes = int(settings.get("SEARCH_EXTRACT_MAX_BYTES") or extract.MAX_BYTES)
        self.timeout = float(settings.get("SEARCH_EXTRACT_TIMEOUT") or extract.TIMEOUT_SECONDS)

    def content(self, entry: Entry) -> str:
        """Return the extracted text of an entry's file ("" when it has none or it cannot be read)."""
        found = entry.content_file
        if found is None:
            return ""
        return extract.text_of(
            self.files.path_for(found.sha256),
            found.media_type,
            found.filename,
            max_bytes=self.max_bytes,
            timeout=self.timeout,
        )


_service: Service | None = None


def install(settings: dict | None) -> Service | None:
    """Open the index of ``settings`` in this process (None: no index here, for tests)."""
    global _service
    _service = Service(settings) if settings is not None else None
    return _service


def service() -> Service:
    if _service is None:
        raise RuntimeError("erms.search.install(settings) was not called in this process")
    return _service


# ---------------------------------------------------------------- consistency (session events)


def _keys_of(instance) -> Iterable[str]:
    """Return the index keys a changed row affects ("dossier!" marks: and all its documents)."""
    if isinstance(instance, Dossier):
        return (records.key(DOSSIER, instance.id), f"{DOSSIER}!{instance.id}")
    if isinstance(instance, Document):
        return (records.key(DOCUMENT, instance.id),)
    # A register line decides who finds its document until it is filed (the unit it is sent to).
    if isinstance(instance, (DossierDocument, DocumentVersion, RegisterEntry)):
        return (records.key(DOCUMENT, instance.document_id),)
    if isinstance(instance, AccessChange):  # who reads the dossier and its documents changed
        return (records.key(DOSSIER, instance.dossier_id), f"{DOSSIER}!{instance.dossier_id}")
    return ()


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for instance in itertools.chain(session.new, session.dirty, session.deleted):
        pending.update(_keys_of(instance))


@event.listens_for(Session, "before_commit")
def _queue(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # changes still unflushed would otherwise reach the database unseen
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(insert(SearchQueueItem), [{"key": key} for key in sorted(pending)])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def changes_for(session: Session, keys: Iterable[str]) -> Changes:
    """Return the index changes for ``keys``: documents of changed dossiers included."""
    keys = set(keys)
    expand = {int(item.partition("!")[2]) for item in keys if "!" in item}
    keys = {item for item in keys if "!" not in item}
    keys |= {records.key(DOCUMENT, document_id) for document_id in records.documents_in(session, expand)}
    put, gone = records.entries(session, keys)
    return Changes(put, gone)


# ---------------------------------------------------------------- the worker's side of the queue


@dataclass(frozen=True)
class Queued:
    """Queue rows read together and the index changes they call for."""

    ids: list[int]
    changes: Changes


def queued(session: Session, limit: int = BATCH) -> Queued | None:
    """Return the oldest queued keys (at most ``limit`` rows) and their index changes, None when none waits.

    The changes are built from what ``session`` sees, which includes every queued row's commit.
    """
    rows = session.execute(
        select(SearchQueueItem.id, SearchQueueItem.key).order_by(SearchQueueItem.id).limit(limit)
    ).all()
    if not rows:
        return None
    return Queued([row.id for row in rows], changes_for(session, {row.key for row in rows}))


def write(work: Queued) -> None:
    """Write queued changes to the live index (extracting the text of new files: the slow part)."""
    apply(service().home.live(), [work.changes], service().content)


def done(session: Session, work: Queued) -> None:
    """Remove the rows ``work`` wrote: exactly those ids, as rows queued meanwhile may have lower ones."""
    session.execute(delete(SearchQueueItem).where(SearchQueueItem.id.in_(work.ids)))


def oldest_queued(session: Session) -> tuple[int, str] | None:
    """Return the id and key of the oldest queue row, None when the queue is empty."""
    row = session.execute(select(SearchQueueItem.id, SearchQueueItem.key).order_by(SearchQueueItem.id).limit(1)).first()
    return None if row is None else (row.id, row.key)


def forget_queued(session: Session, row_id: int) -> None:
    """Remove one queue row without indexing it (a record the index cannot take; the worker logs it)."""
    session.execute(delete(SearchQueueItem).where(SearchQueueItem.id == row_id))


def waiting(session: Session) -> int:
    """Return how many queue rows wait for the worker."""
    return session.scalar(select(func.count()).select_from(SearchQueueItem)) or 0


def catch_up(session: Session) -> int:
    """Index everything queued, in this thread and ``session`` (tests, a command with no worker running)."""
    written = 0
    while (work := queued(session)) is not None:
        write(work)
        done(session, work)
        written += len(work.ids)
    return written


# ---------------------------------------------------------------- query

SORTS = ("relevance", "newest", "oldest")
FACETS = ("kind", "year", "unit", "type", "state", "retention")
MAX_PER_PAGE = 100


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
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


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
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def readable(actor: Actor) -> wq.Query:
    """Return the Whoosh filter of what ``actor`` may read: the grants ``permissions.search_grants`` gives, matched
    against the tokens ``permissions.search_tokens`` indexed (the same rule as ``can_read_dossier``)."""
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
    }
    filters: list[wq.Query] = [wq.Term(name, value) for name, value in exact_terms.items() if value]
    if request.year:
        filters.append(wq.NumericRange("year", request.year, request.year))
    if request.date_from or request.date_to:
        start = datetime.combine(request.date_from, time()) if request.date_from else None
        end = datetime.combine(request.date_to, time.max) if request.date_to else None
        filters.append(wq.DateRange("date", start, end))
    return filters


def query(actor: Actor, request: Search) -> Results:
    """Return the page of results ``request`` asks for, containing only what ``actor`` may read.

    The matching set (text, rights and filters together) is computed once; the total and the
    facets count it, and only the page shown is ranked, read and highlighted.
    """
    rights = readable(actor)
    reading = service().home.reading()
    text = unicodedata.normalize("NFC", request.text).strip()
    parsed = _parser(reading.index.schema).parse(text) if text else wq.Every()
    per_page = max(1, min(request.per_page, MAX_PER_PAGE))
    matching = reading.docs(wq.And([parsed, rights, *_filters(request)]))
    pages = math.ceil(len(matching) / per_page)
    page = min(max(1, request.page), max(1, pages))
    words = {word for name, word in parsed.iter_all_terms() if name == "text"} if text else set()
    shown = _page(reading, _ranking(words, text), matching, request.sort, page * per_page)[(page - 1) * per_page :]
    hits = [_hit(reading.searcher.stored_fields(number), words) for number in shown]
    counts = {name: _counted(reading.counts(matching, name)) for name in FACETS}
    return Results(hits, len(matching), page, pages, counts)


def _page(reading, ranking: list[tuple[str, str, float]], matching: Matches, sort: str, count: int) -> list[int]:
    """Return the document numbers of the first ``count`` matches in the order asked for."""
    if sort in ("newest", "oldest"):
        return reading.by_column(matching, "date", count, reverse=sort == "newest")
    return reading.ranked(ranking, matching, count)


def _hit(stored: dict, words: set[str]) -> Hit:
    """Return a shown result with its snippet: the first stored text where a (folded) query word occurs."""
    texts = (stored.get(name) for name in ("content", "summary", "title", "people"))
    snippet = next((found for text in texts if words and text and (found := snippets.snippet(text, words))), "")
    return Hit(stored["kind"], stored["record_id"], stored["dossier_id"], stored, snippet)


def _counted(counts: dict) -> list[tuple[str, int]]:
    """Return facet values with counts, most frequent first (empty values are not a facet)."""
    return sorted(
        ((str(value), count) for value, count in counts.items() if value not in ("", None)),
        key=lambda item: (-item[1], item[0]),
    )


# ---------------------------------------------------------------- rebuild, verify


def rebuild(session: Session, progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Build a fresh index from the database beside the live one, then switch to it atomically.

    Searches keep using the live generation until the switch. Changes committed by other
    processes while the rebuild reads are written to the old generation only: run
    ``verify`` after a rebuild on a busy system (it names them) and rebuild again if needed.
    """
    home = service().home
    folder = home.new_generation()
    keys = list(records.all_keys(session))
    apply(
        whoosh_index.open_dir(str(folder)),
        _batches(session, keys, progress),
        service().content,
        fresh=True,
        procs=processes_for(len(keys)),
    )
    home.switch(folder)
    return len(keys)


def processes_for(count: int) -> int:
    """Return how many processes rebuild an index of ``count`` records."""
    return PROCS if count >= PARALLEL_FROM else 1


def _batches(session: Session, keys: list[str], progress: Callable[[int, int], None]) -> Iterator[Changes]:
    """Yield the index changes of ``keys`` a batch at a time, reporting each batch once it is written."""
    for start in range(0, len(keys), BATCH):
        yield changes_for(session, keys[start : start + BATCH])
        progress(min(start + BATCH, len(keys)), len(keys))


@dataclass(frozen=True)
class Report:
    """What ``verify`` found: records missing from the index, stale in it, or there but gone."""

    checked: int
    missing: list[str]
    stale: list[str]
    orphaned: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def verify(session: Session) -> Report:
    """Compare every record's index document with the database (fingerprints, not text)."""
    keys = list(records.all_keys(session))
    expected: dict[str, str] = {}
    for start in range(0, len(keys), BATCH):
        put, _ = records.entries(session, keys[start : start + BATCH])
        expected.update((entry.fields["key"], entry.fields["fingerprint"]) for entry in put)
    with service().home.live().searcher() as searcher:
        indexed = {stored["key"]: stored["fingerprint"] for stored in searcher.all_stored_fields()}
    return Report(
        checked=len(expected),
        missing=sorted(key for key in expected if key not in indexed),
        stale=sorted(key for key, value in expected.items() if key in indexed and indexed[key] != value),
        orphaned=sorted(key for key in indexed if key not in expected),
    )


def index_folder() -> Path:
    """Return the live generation's folder (the CLI prints it; the bench measures its size)."""
    return (service().home.root / "current").resolve()
