"""The index on disk: its generations, the live one opened for reading, and writing changes to it.

SEARCH_INDEX_DIR holds generations ``gen-<n>/`` and a symlink ``current`` naming the live one.
A rebuild fills a new generation beside the live one and then replaces the symlink with
``os.replace`` (an atomic rename), so searches never see a half-built index; the generation
before stays on disk until the next rebuild, for searchers that still have it open.

Only the worker process writes (``erms.search.index_queued``); web processes open it to read.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from erms.search_index import postings, shared
from erms.search_index.analysis import RANKED_FIELDS, SCHEMA
from erms.search_index.matching import Derived, Reading
from erms.search_index.records import Entry

log = logging.getLogger(__name__)

CURRENT = "current"
PART = ".part"  # the suffix of a generation a rebuild is writing
# A rebuild's generation untouched this long was left by a crash: the next switch removes it.
ABANDONED_AFTER_S = 24 * 3600
# Seconds a writer waits for another process's write lock before giving up this batch.
LOCK_TIMEOUT = 60.0
# Megabytes a writer (each writer process) buffers before spilling postings to a temporary run.
LIMIT_MB = 256
# What queries read from every segment: the ranked words, and the rights, filter and facet fields.
WARMED_FIELDS = [*RANKED_FIELDS, "organisation", "units", "unit", "kind", "type", "state", "retention", "signature"]


class IndexHome:
    """The generations of one index directory, and the live one opened for reading."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._opened: tuple[Path, whoosh_index.Index] | None = None
        self._threads = threading.local()
        self._mapped: set[str] = set()  # segments whose shared arrays this process has mapped
        self._derived: tuple[tuple, Derived] | None = None  # the latest state's, for every thread

    def live(self) -> whoosh_index.Index:
        """Return the live generation's index, creating the first one when there is none.

        A generation written by an earlier version with other fields is replaced by an empty
        one (logged): ``erms search verify`` then names every record missing, and
        ``erms search rebuild`` fills it.
        """
        with self._lock:
            link = self.root / CURRENT
            if not link.exists():
                self.switch(self.new_generation())
            target = link.resolve()
            if self._opened is None or self._opened[0] != target:
                opened = _open_current(target)
                if opened is None:
                    log.error("search index %s has another schema; run `erms search rebuild`", target)
                    self.switch(self.new_generation())
                    target = link.resolve()
                    opened = whoosh_index.open_dir(str(target))
                self._opened = (target, opened)
            return self._opened[1]

    def reading(self) -> Reading:
        """Return this thread's reading of the live index, reopened only when the index changed.

        Opening a searcher reads every segment's files (tens of ms on a large index), so each
        thread keeps one until a commit or a generation switch makes it out of date. The shared
        arrays the worker wrote for its segments are mapped as they appear.
        """
        index = self.live()
        current: Reading | None = getattr(self._threads, "reading", None)
        if current is None or current.index is not index or not current.searcher.up_to_date():
            if current is not None:
                current.searcher.close()
            searcher = index.searcher()
            current = Reading(
                index, searcher, self._derived_for((index.storage.folder, searcher.reader().generation()))
            )
            self._forget_merged(current)
        self._threads.reading = current
        self._map(current)
        return current

    def _derived_for(self, state: tuple) -> Derived:
        with self._lock:
            if self._derived is None or self._derived[0] != state:
                self._derived = (state, Derived())
            return self._derived[1]

    def _map(self, reading: Reading) -> None:
        folder = Path(reading.index.storage.folder)
        for leaf, _ in reading.leaves:
            segment = postings.segment_key(leaf)
            if segment not in self._mapped and shared.load(folder, leaf.segment().segment_id(), leaf):
                with self._lock:
                    self._mapped.add(segment)

    def _forget_merged(self, reading: Reading) -> None:
        live = {postings.segment_key(leaf) for leaf, _ in reading.leaves}
        postings.CACHE.keep_shared(live)
        with self._lock:
            self._mapped &= live

    def warm(self) -> int:
        """Write the shared arrays of the live index's segments that lack them and map them here (the
        bench's warm-up); return how many words were decoded."""
        decoded = share_segments(self.live())
        self.reading()
        return decoded

    def new_generation(self, *, building: bool = False) -> Path:
        """Create an empty generation next to the live one and return its folder.

        A ``building`` one (a rebuild's) is named ``gen-N.part`` until :meth:`switch` makes it live, so that
        another process switching meanwhile (the first search of a web process creating the first, empty
        generation) leaves it alone instead of deleting it under the rebuild.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        number = max((_number(path) for path in self.root.glob("gen-*")), default=0) + 1
        while True:
            folder = self.root / f"gen-{number}{PART if building else ''}"
            try:
                folder.mkdir()  # atomic: two processes creating one at once never share a folder
            except FileExistsError:
                number += 1
                continue
            whoosh_index.create_in(str(folder), SCHEMA)
            return folder

    def switch(self, folder: Path) -> None:
        """Make ``folder`` the live generation atomically; keep only it, the one before it and rebuilds under way."""
        if folder.name.endswith(PART):
            folder = folder.rename(folder.with_name(folder.name.removesuffix(PART)))
        link, temp = self.root / CURRENT, self.root / f".{CURRENT}.{os.getpid()}"
        previous = link.resolve() if link.exists() else None
        if temp.is_symlink():
            temp.unlink()
        temp.symlink_to(folder.name)
        os.replace(temp, link)
        for old in self.root.glob("gen-*"):
            if old not in (folder, previous) and not _building(old):
                shutil.rmtree(old, ignore_errors=True)


def _number(folder: Path) -> int:
    number = folder.name[4:].removesuffix(PART)
    return int(number) if number.isdigit() else 0


def _building(folder: Path) -> bool:
    """Return True for a rebuild's generation still being written (one left by a crash a day ago is not)."""
    if not folder.name.endswith(PART):
        return False
    try:
        return time.time() - folder.stat().st_mtime < ABANDONED_AFTER_S
    except FileNotFoundError:
        return True  # gone meanwhile (switched by its rebuild): nothing to remove


def _open_current(folder: Path) -> whoosh_index.Index | None:
    """Open a generation, or return None when its schema is not this version's."""
    try:
        opened = whoosh_index.open_dir(str(folder))
    except (AttributeError, ImportError):  # its pickled schema names analyzers that no longer exist
        return None
    return opened if opened.schema.names() == SCHEMA.names() else None


@dataclass(frozen=True)
class Changes:
    """Index documents to (re)write and keys to delete, from one commit."""

    put: list[Entry]
    delete: list[str]


def apply(
    index: whoosh_index.Index,
    changes: Iterable[Changes],
    content: Callable[[Entry], str],
    *,
    fresh: bool = False,
    procs: int = 1,
) -> None:
    """Write ``changes`` in one Whoosh commit; ``content`` returns an entry's extracted text.

    ``fresh``: the index is a new generation, so entries are added without looking for old copies.
    ``procs`` > 1 (rebuilds on a multi-core machine) analyses in that many processes and keeps
    their segments as they are instead of merging them (Whoosh's ``multisegment``).
    """
    parallel = {"procs": procs, "multisegment": True} if procs > 1 else {}
    # Segments as plain files, not one compound file: Whoosh reads a compound file's parts by copying
    # each into memory for every searcher it opens (one per thread of every web process).
    writer = index.writer(timeout=LOCK_TIMEOUT, limitmb=LIMIT_MB, compound=False, **parallel)
    try:
        for change in changes:
            for key in change.delete:
                writer.delete_by_term("key", key)
            for entry in change.put:
                document = indexed(entry, content(entry))
                writer.add_document(**document) if fresh else writer.update_document(**document)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    share_segments(index)


def share_segments(index: whoosh_index.Index) -> int:
    """Write the shared arrays (``shared.write``) of every segment of ``index`` that has none yet;
    return how many words were decoded. Segments never change, so each is written once."""
    folder, decoded = Path(index.storage.folder), 0
    with index.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            name = leaf.segment().segment_id() if leaf.segment() is not None else None
            if name and leaf.doc_count_all() and not shared.files(folder, name)[1].exists():
                decoded += shared.write(folder, name, leaf, WARMED_FIELDS)
    return decoded


def indexed(entry: Entry, content: str) -> dict:
    """Return the Whoosh document of an entry: its fields, its text, and the fields only ranking reads."""
    texts = [entry.fields[name] for name in ("code", "title", "summary", "people", "keywords")]
    return dict(
        entry.fields, content=content, text=" ".join(filter(None, [*texts, content])), exact=entry.fields["title"]
    )
