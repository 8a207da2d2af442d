"""Search: the one narrow interface to the full-text index of dossiers and documents.

``install`` (called once by the app factory and by the CLI), ``query``, ``rebuild`` and ``verify``
and the worker's side of the queue are all the rest of the product sees. The engines live behind it
in ``erms.search_index``: Whoosh-Reloaded in SEARCH_INDEX_DIR (the embedded default), or PostgreSQL's
full-text search in a table of the database (``SEARCH_ENGINE``: the default when the database is
PostgreSQL); both pass the contract suite in tests/search/contract.

Consistency lives here and nowhere else: session events collect every dossier and document a
transaction touches and queue their keys (``search_queue``) in that same transaction, so a commit
and its queued keys are one. An engine in the database also writes their typed fields there and
then, so a committed change is never missing from it. The worker process (``erms.jobs``, under the
scheduler's lease: one index writer per deployment) reads the queue, builds the index documents
from what is committed, extracts files' texts, writes them, and removes what it wrote. Services
never call search themselves (docs/architecture.md rule 6).

Rights are part of the query, not a filter applied to a page of results: the actor's
organisations and units are a clause of the query, so totals, facets and snippets only ever count
and show what ``erms.permissions`` lets the actor read (PL6 I.3).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from erms import extract
from erms.models import (
    AccessChange,
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    RegisterEntry,
    SearchQueueItem,
    SignatureCheck,
    StoredFile,
)
from erms.permissions import Actor, search_grants
from erms.search_index import records
from erms.search_index.asking import FACETS, MAX_PER_PAGE, SORTS, Engine, Hit, Results, Search
from erms.search_index.postgres_engine import PostgresEngine
from erms.search_index.records import DOCUMENT, DOSSIER, Entry
from erms.search_index.store import Changes
from erms.search_index.whoosh_engine import WhooshEngine
from erms.storage import FileStore

__all__ = ["FACETS", "MAX_PER_PAGE", "SORTS", "Hit", "Results", "Search"]

_PENDING = "search_pending"
BATCH = 500


ENGINES = ("whoosh", "postgresql")


def engine_for(settings: dict) -> str:
    """Return the engine ``settings`` choose: SEARCH_ENGINE, else PostgreSQL's on a PostgreSQL database."""
    chosen = settings.get("SEARCH_ENGINE") or ""
    if chosen and chosen not in ENGINES:
        raise ValueError(f"SEARCH_ENGINE must be one of {', '.join(ENGINES)} (or empty), not {chosen!r}")
    url = settings.get("DATABASE_URL") or ""
    on_postgresql = bool(url) and make_url(url).get_backend_name() == "postgresql"
    if chosen == "postgresql" and not on_postgresql:
        raise ValueError("SEARCH_ENGINE=postgresql needs a PostgreSQL DATABASE_URL")
    return chosen or ("postgresql" if on_postgresql else "whoosh")


class Service:
    """The index of this process (its engine) and the file store its texts are extracted from."""

    def __init__(self, settings: dict) -> None:
        name = engine_for(settings)
        self.engine: Engine = PostgresEngine() if name == "postgresql" else WhooshEngine(settings["SEARCH_INDEX_DIR"])
        self.files = FileStore(settings["STORAGE_ROOT"])
        self.max_bytes = int(settings.get("SEARCH_EXTRACT_MAX_BYTES") or extract.MAX_BYTES)
        self.timeout = float(settings.get("SEARCH_EXTRACT_TIMEOUT") or extract.TIMEOUT_SECONDS)

    def content(self, entry: Entry) -> str:
        """Return the extracted text of an entry's file ("" when it has none or it cannot be read)."""
        return self.extracted(entry).text

    def extracted(self, entry: Entry) -> extract.Extracted:
        """Return what is extracted of an entry's file: its text and a PDF's page count."""
        found = entry.content_file
        if found is None:
            return extract.NOTHING
        return extract.extracted(
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


# A queued key naming a stored file: the documents whose versions use it ("file!12"); its signature verdict changed.
FILE = "file"


def _keys_of(instance) -> Iterable[str]:
    """Return the index keys a changed row affects ("dossier!" marks: and all its documents; "file!": the documents
    whose versions use that file)."""
    if isinstance(instance, Dossier):
        return (records.key(DOSSIER, instance.id), f"{DOSSIER}!{instance.id}")
    if isinstance(instance, Document):
        return (records.key(DOCUMENT, instance.id),)
    # A register line decides who finds its document until it is filed (the unit it is sent to).
    if isinstance(instance, (DossierDocument, DocumentVersion, RegisterEntry)):
        return (records.key(DOCUMENT, instance.document_id),)
    if isinstance(instance, AccessChange):  # who reads the dossier and its documents changed
        return (records.key(DOSSIER, instance.dossier_id), f"{DOSSIER}!{instance.dossier_id}")
    if isinstance(instance, SignatureCheck):  # a new check: its file's verdict changed
        return (f"{FILE}!{instance.stored_file_id}",)
    return ()


def _signature_changed(stored) -> bool:
    """Return True for a changed stored file (not a new one: its version queues its document) that now waits for a
    check of its signatures, or no longer does (its history is still there in after_flush)."""
    if not isinstance(stored, StoredFile):
        return False
    attributes = inspect(stored).attrs
    return any(attributes[name].history.has_changes() for name in ("signature_pending", "has_pdf_signature"))


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for instance in itertools.chain(session.new, session.dirty, session.deleted):
        pending.update(_keys_of(instance))
    pending.update(f"{FILE}!{stored.id}" for stored in session.dirty if _signature_changed(stored))


@event.listens_for(Session, "before_commit")
def _queue(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # changes still unflushed would otherwise reach the database unseen
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if _service is not None and _service.engine.in_database:
        _service.engine.write_now(session, changes_for(session, pending))
    session.execute(insert(SearchQueueItem), [{"key": key} for key in sorted(pending)])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def changes_for(session: Session, keys: Iterable[str]) -> Changes:
    """Return the index changes for ``keys``: documents of changed dossiers and of changed files included."""
    keys = set(keys)
    marked = [item.partition("!") for item in keys if "!" in item]
    dossiers = {int(record_id) for kind, _, record_id in marked if kind == DOSSIER}
    files = {int(record_id) for kind, _, record_id in marked if kind == FILE}
    keys = {item for item in keys if "!" not in item}
    keys |= {records.key(DOCUMENT, document_id) for document_id in records.documents_in(session, dossiers)}
    if files:
        keys |= {records.key(DOCUMENT, document_id) for document_id in records.documents_using(session, files)}
    put, gone = records.entries(session, keys)
    return Changes(put, gone)


# ---------------------------------------------------------------- the worker's side of the queue


@dataclass
class Queued:
    """Queue rows read together, the index changes they call for, and the keys whose file's text is extracted."""

    ids: list[int]
    changes: Changes
    needing: set[str]
    texts: dict[str, str] = field(default_factory=dict)


def queued(session: Session, limit: int = BATCH) -> Queued | None:
    """Return the oldest queued keys (at most ``limit`` rows) and their index changes, None when none waits.

    The changes are built from what ``session`` sees, which includes every queued row's commit.
    """
    rows = session.execute(
        select(SearchQueueItem.id, SearchQueueItem.key).order_by(SearchQueueItem.id).limit(limit)
    ).all()
    if not rows:
        return None
    changes = changes_for(session, {row.key for row in rows})
    return Queued([row.id for row in rows], changes, service().engine.needing_text(session, changes))


def write(work: Queued, read: Callable[[Entry, extract.Extracted], None] = lambda entry, extracted: None) -> None:
    """Write queued changes, outside any transaction: the extraction of new files' texts is the slow part.
    ``read`` is told what is extracted of each file (the worker reads documents' first pages and page counts)."""

    def content(entry: Entry) -> str:
        extracted = service().extracted(entry)
        read(entry, extracted)
        return extracted.text

    work.texts = service().engine.write(work.changes, work.needing, content)


def done(session: Session, work: Queued) -> None:
    """Store what ``write`` extracted and remove the rows ``work`` wrote: exactly those ids, as rows queued
    meanwhile may have lower ones."""
    service().engine.finish(session, work.changes, work.texts)
    session.execute(delete(SearchQueueItem).where(SearchQueueItem.id.in_(work.ids)))


def oldest_queued(session: Session) -> tuple[int, str] | None:
    """Return the id and key of the oldest queue row, None when the queue is empty."""
    row = session.execute(select(SearchQueueItem.id, SearchQueueItem.key).order_by(SearchQueueItem.id).limit(1)).first()
    return None if row is None else (row.id, row.key)


def forget_queued(session: Session, row_id: int) -> None:
    """Remove one queue row without indexing it (a record the index cannot take; the worker logs it)."""
    session.execute(delete(SearchQueueItem).where(SearchQueueItem.id == row_id))


def queued_documents(session: Session, document_ids: Iterable[int]) -> set[int]:
    """Return those of ``document_ids`` the worker has not indexed since they changed (their file not yet read)."""
    keys = {records.key(DOCUMENT, document_id): document_id for document_id in document_ids}
    if not keys:
        return set()
    found = session.scalars(select(SearchQueueItem.key).where(SearchQueueItem.key.in_(keys)).distinct())
    return {keys[key] for key in found}


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


def query(session: Session, actor: Actor, request: Search) -> Results:
    """Return the page of results ``request`` asks for, containing only what ``actor`` may read."""
    return still_readable(session, actor, service().engine.query(session, actor, request))


def still_readable(session: Session, actor: Actor, results: Results) -> Results:
    """Drop the hits ``actor`` no longer reads, by the rights the database gives now: an index the worker writes
    learns of a restriction or an ended share only when it gets to the queue (seconds later, longer when it is
    behind). An index written in the change's own transaction, or an empty queue, is never behind."""
    if not results.hits or service().engine.in_database or session.scalar(select(SearchQueueItem.id).limit(1)) is None:
        return results
    finders = records.rights(session, [records.key(hit.kind, hit.record_id) for hit in results.hits])
    organisations, tokens = search_grants(actor)
    readable = {
        found for found, (organisation, units) in finders.items() if organisation in organisations or tokens & units
    }
    kept = [hit for hit in results.hits if records.key(hit.kind, hit.record_id) in readable]
    if len(kept) == len(results.hits):
        return results
    return replace(results, hits=kept, total=results.total - (len(results.hits) - len(kept)))


def filed_documents(hits: Iterable[Hit]) -> list[int]:
    """The documents among ``hits`` found in a dossier: the index names their first, maybe not one the reader reads."""
    return [hit.record_id for hit in hits if hit.kind == DOCUMENT and hit.dossier_id]


# ---------------------------------------------------------------- rebuild, verify


def rebuild(session: Session, progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Index every record anew from the database while searches go on; return how many records.

    Whoosh builds a new generation beside the live one and switches to it atomically; PostgreSQL
    writes batch by batch, each batch committed in ``session``, then removes what is gone. Changes
    committed by other processes while the rebuild reads may be missed: run ``verify`` after a
    rebuild on a busy system (it names them) and rebuild again if needed.
    """
    keys = list(records.all_keys(session))
    engine = service().engine
    engine.rebuild(session, _batches(session, keys, progress), service().content, len(keys))
    engine.mark_version(session, records.VERSION)
    return len(keys)


def outdated(session: Session) -> bool:
    """Return True when the index holds documents of another version than this code writes (or was never built):
    after an upgrade that changed what is indexed, or a move to the other engine."""
    return service().engine.version(session) != records.VERSION


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
    indexed = service().engine.fingerprints(session)
    return Report(
        checked=len(expected),
        missing=sorted(key for key in expected if key not in indexed),
        stale=sorted(key for key, value in expected.items() if key in indexed and indexed[key] != value),
        orphaned=sorted(key for key in indexed if key not in expected),
    )


def rebuild_writes_database() -> bool:
    """Return True when a rebuild writes to the database (its transaction must not be read-only)."""
    return service().engine.in_database


def index_location() -> str:
    """Return where the index is (the CLI prints it)."""
    return service().engine.location()
