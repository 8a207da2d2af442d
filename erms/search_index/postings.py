"""Posting lists, word positions and columns of one Whoosh segment as numpy arrays, cached.

Whoosh keeps a posting list as blocks of 128 postings, each a pickled tuple of delta-encoded
document numbers and a tuple of term frequencies (zlib-compressed), and a word's positions in
a document as a small pickled list of deltas. Reading them the Whoosh way costs a Python call
per posting on every query; here a posting list is decoded once a block at a time (one
``pickle.loads`` per block, ``np.cumsum`` for the deltas) into sorted int32 document numbers and
float32 frequencies, and positions into one sorted int64 array of ``document << 32 | position``
(parsed from the joined pickles as arrays), from which phrase bitmaps and ranking pairs derive.

A segment's files never change once written (deletions are a separate set, applied by the
caller), so the arrays are cached per segment and survive commits that only add segments: the
cache is keyed by the segment's id and bounded in bytes (least recently used go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from whoosh.columns import NumericColumn
from whoosh.util.numeric import length_to_byte

from erms.search_index import whoosh_internals

# What the cache of decoded segments may hold: about 27 bytes per posting of the text field (with
# its positions and phrase bitmaps) and 10 per posting of the others, i.e. every common word of a
# 1M-document index of the bench's corpus (1.5 GB on disk) in 1.5 GB.
CACHE_BYTES = 2048 * 1024 * 1024
# Warming decodes a segment's terms with at least this many postings, most frequent first, up to
# this share of the cache; rarer terms decode on demand in a few milliseconds.
WARM_FROM_POSTINGS = 2000
WARM_SHARE = 0.8


@dataclass(frozen=True)
class Postings:
    """One term's postings in one segment: sorted local document numbers and their frequencies
    (and, while decoding, the positions, which are cached apart)."""

    ids: np.ndarray  # int32
    weights: np.ndarray  # float32
    positions: np.ndarray | None = None  # int64 keys, document << 32 | position

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes


EMPTY = Postings(np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int64))


# What a cached value is: each kind of key holds its own type (postings, bitmaps, scoring, an array).
_Value = TypeVar("_Value")


class ByteLRU:
    """A thread-safe mapping that forgets its least recently used arrays beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._total = 0
        self._lock = threading.Lock()
        # Values mapped from files every process shares (``shared.load``): not this process's memory,
        # never evicted; a key here wins over the same key decoded privately.
        self._shared: dict = {}

    def get(self, key, build: Callable[[], _Value], size: Callable[[_Value], int]) -> _Value:
        """Return the value cached under ``key``, building it (outside the lock) when absent.

        A key holds one type of value (its kind is part of it), the one ``build`` makes.
        """
        found = self._shared.get(key)
        if found is not None:
            return found
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()  # two threads may build the same value once each: cheaper than waiting
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._sizes[key] = size(value)
                self._total += self._sizes[key]
            self._evict()
        return value

    @property
    def total(self) -> int:
        return self._total

    def peek(self, key):
        """Return the value cached under ``key``, or None."""
        found = self._shared.get(key)
        if found is not None:
            return found
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value, size: int) -> None:
        """Cache ``value`` under ``key`` (it counts ``size`` bytes)."""
        with self._lock:
            if key in self._items:
                self._total -= self._sizes[key]
            self._items[key] = value
            self._sizes[key] = size
            self._total += size
            self._items.move_to_end(key)
            self._evict()

    def forget(self, key) -> None:
        with self._lock:
            if key in self._items:
                del self._items[key]
                self._total -= self._sizes.pop(key)

    def share(self, key, value) -> None:
        """Keep ``value`` (mapped from a shared file) under ``key``, dropping a private copy of it."""
        self.forget(key)
        self._shared[key] = value

    def keep_shared(self, segments: set[str]) -> None:
        """Drop the shared values of segments not in ``segments`` (merged away: their files are deleted)."""
        with self._lock:
            self._shared = {key: value for key, value in self._shared.items() if key[0] in segments}

    def entries_of(self, segment: str) -> list[tuple]:
        """Return the private (key, value) pairs of one segment."""
        with self._lock:
            return [(key, value) for key, value in self._items.items() if key[0] == segment]

    @property
    def shared_segments(self) -> set[str]:
        return {key[0] for key in self._shared}

    def _evict(self) -> None:
        while self._total > self.limit and len(self._items) > 1:
            old, _ = self._items.popitem(last=False)
            self._total -= self._sizes.pop(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._total = 0
            self._shared = {}


CACHE = ByteLRU(CACHE_BYTES)


def segment_key(reader) -> str:
    """Return what names a segment's files uniquely (a random id Whoosh gives each segment)."""
    return whoosh_internals.segment_id(reader)


def postings(reader, fieldname: str, text: str) -> Postings:
    """Return every posting of ``text`` in ``fieldname`` of a segment, deleted documents included."""
    return CACHE.get(
        (segment_key(reader), "postings", fieldname, text),
        lambda: _decode(reader, fieldname, text),
        lambda found: found.nbytes,
    )


def positions(reader, fieldname: str, text: str) -> np.ndarray:
    """Return the positions of ``text`` in ``fieldname`` as sorted ``document << 32 | position`` keys."""
    key = (segment_key(reader), "positions", fieldname, text)
    found = CACHE.peek(key)
    if found is None:  # evicted, or never decoded: decoding the postings caches the positions too
        CACHE.forget((segment_key(reader), "postings", fieldname, text))
        postings(reader, fieldname, text)
        found = CACHE.peek(key)
    if found is None:  # still not cached (a field without positions, or evicted at once): read here
        found = _decode_all(reader, fieldname, text).positions
        assert found is not None  # _decode_all always reads them (empty in a field without positions)
    return found


@dataclass(frozen=True)
class Bitmaps:
    """A term's positions below 64 in each document of a segment as one bit each, by posting, and
    which postings have positions beyond (whose phrases the keys check)."""

    ids: np.ndarray  # int32, the postings' document numbers
    bits: np.ndarray  # uint64, bit p set: the word is at position p
    beyond: np.ndarray  # bool: the word is also at position 64 or later

    @property
    def nbytes(self) -> int:  # the ids are the postings' own array
        return self.bits.nbytes + self.beyond.nbytes


def bitmaps(reader, fieldname: str, text: str) -> Bitmaps:
    """Return a term's ``Bitmaps`` in a segment (cached): a phrase in the first 64 words of a
    document is then found with a shift and an AND per word, not a search among positions."""
    return CACHE.get(
        (segment_key(reader), "bitmaps", fieldname, text),
        lambda: _bitmaps(postings(reader, fieldname, text).ids, positions(reader, fieldname, text)),
        lambda found: found.nbytes,
    )


def _bitmaps(ids: np.ndarray, keys: np.ndarray) -> Bitmaps:
    if not len(keys):
        return Bitmaps(ids, np.zeros(len(ids), np.uint64), np.zeros(len(ids), bool))
    where = keys & 0xFFFFFFFF
    # Every posting has at least one position and keys are sorted: each posting is one run of keys.
    starts = np.concatenate(([0], np.flatnonzero(np.diff(keys >> 32)) + 1))
    bits = np.where(where < 64, np.left_shift(np.uint64(1), np.minimum(where, 63).astype(np.uint64)), np.uint64(0))
    return Bitmaps(ids, np.bitwise_or.reduceat(bits, starts), np.maximum.reduceat(where, starts) >= 64)


def _decode(reader, fieldname: str, text: str) -> Postings:
    """Decode a posting list, and cache its positions apart (in a field with positions: they come
    in the same blocks, so reading them then costs a fraction of reading them on their own)."""
    found = _decode_all(reader, fieldname, text)
    if reader.schema[fieldname].format.supports("positions"):
        keys = found.positions
        assert keys is not None  # _decode_all always reads them
        CACHE.put((segment_key(reader), "positions", fieldname, text), keys, keys.nbytes)
    return Postings(found.ids, found.weights)


def _decode_all(reader, fieldname: str, text: str) -> Postings:
    matcher = whoosh_internals.raw_matcher(reader, fieldname, text)
    with_positions = reader.schema[fieldname].format.supports("positions")
    if matcher is None:
        return EMPTY
    if not whoosh_internals.in_blocks(matcher):  # a term with one posting is inlined in its term info
        return _decode_listed(matcher, with_positions)
    return _decode_blocks(matcher, with_positions)


def _decode_listed(matcher, with_positions: bool) -> Postings:
    items = list(matcher.all_items())
    decode = matcher.format.decode_positions
    return Postings(
        np.array([number for number, _ in items], np.int32),
        np.array([matcher.format.decode_weight(value) if value else 1.0 for _, value in items], np.float32),
        np.array(
            [number << 32 | position for number, value in items for position in decode(value)]
            if with_positions
            else [],
            np.int64,
        ),
    )


def _decode_blocks(matcher, with_positions: bool) -> Postings:
    deltas: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    starts, lasts = [], [0]
    for ids, block_weights, block_values, length, last in whoosh_internals.blocks(matcher):
        starts.append(len(deltas))
        lasts.append(last)
        deltas.extend(ids)
        if block_weights is None:
            weights.extend([1.0] * length)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * length)
        else:
            weights.extend(block_weights)
        if with_positions:
            values.extend(block_values)
    # Each block's first delta counts from 0, not from the block before: rebase it on the block
    # before's last number (from its header), then one cumsum decodes them all.
    flat = np.array(deltas, np.int64)
    flat[starts] -= np.array(lasts[:-1], np.int64)
    numbers = np.cumsum(flat)
    return Postings(
        numbers.astype(np.int32),
        np.array(weights, np.float32),
        whoosh_internals.position_keys(numbers, values) if with_positions else np.zeros(0, np.int64),
    )


@dataclass(frozen=True)
class Scoring:
    """What ranking reads of a term in a segment beside its postings: each (frequency, length code)
    pair as ``frequency << 8 | code`` (None when a frequency is above 255 or not whole), by
    posting, or, for a word in a quarter of the segment's documents or more, by document (0 where
    the document lacks it); and the highest frequency (the rows of the score table)."""

    pairs: np.ndarray | None
    most: int
    by_document: bool = False


# A word in this share of a segment's documents or more has its pairs kept by document: at most
# four times the memory of keeping them by posting, and ranking adds a whole array, not scattered
# postings.
BY_DOCUMENT_FROM = 0.25


def scoring(reader, fieldname: str, text: str) -> Scoring:
    """Return a term's ``Scoring`` in a segment (cached): BM25 then looks each posting's score up
    in a table of (frequency, length code) pairs instead of computing it."""
    return CACHE.get(
        (segment_key(reader), "scoring", fieldname, text),
        lambda: _scoring(postings(reader, fieldname, text), lengths(reader, fieldname)),
        lambda found: 0 if found.pairs is None else found.pairs.nbytes,
    )


def _scoring(found: Postings, lengths_: np.ndarray) -> Scoring:
    frequencies = found.weights
    most = float(frequencies.max()) if len(frequencies) else 0.0
    if most > 255 or not np.array_equal(frequencies, np.round(frequencies)):
        return Scoring(None, int(most))
    pairs = frequencies.astype(np.uint16) << 8 | lengths_[found.ids]
    if len(found.ids) < BY_DOCUMENT_FROM * len(lengths_):
        return Scoring(pairs, int(most))
    by_document = np.zeros(len(lengths_), np.uint16)  # frequency 0: no score
    by_document[found.ids] = pairs
    return Scoring(by_document, int(most), True)


def warm(reader, fieldnames: list[str]) -> int:
    """Decode the frequent terms of ``fieldnames`` in a segment into the cache; return how many.

    Decoding is what a query pays the first time it meets a word in a segment (about 1.5 µs a
    posting: Whoosh's blocks are pickles), so the words that cost most, the most frequent ones,
    are decoded ahead: queries then only decode rare words, a few milliseconds each.
    """
    frequent = sorted(
        (
            (info.doc_frequency(), fieldname, text)
            for fieldname in fieldnames
            for text, info in reader.iter_field(fieldname)
            if info.doc_frequency() >= WARM_FROM_POSTINGS
        ),
        reverse=True,
    )
    for fieldname in fieldnames:
        if reader.schema[fieldname].scorable:
            lengths(reader, fieldname)
    decoded = 0
    for _, fieldname, text in frequent:
        if CACHE.total > CACHE.limit * WARM_SHARE:
            break
        word, field = reader.schema[fieldname].from_bytes(text), reader.schema[fieldname]
        postings(reader, fieldname, word)
        if field.scorable:
            scoring(reader, fieldname, word)
        if field.format.supports("positions"):
            bitmaps(reader, fieldname, word)
        decoded += 1
    return decoded


def lengths(reader, fieldname: str) -> np.ndarray:
    """Return a segment's field length codes, one uint8 per document (Whoosh's quantised lengths)."""
    return CACHE.get(
        (segment_key(reader), "lengths", fieldname),
        lambda: _decode_lengths(reader, fieldname),
        lambda found: found.nbytes,
    )


def _decode_lengths(reader, fieldname: str) -> np.ndarray:
    size = reader.doc_count_all()
    written = whoosh_internals.lengths_bytes(reader, fieldname)
    if written is None:  # a segment without the column, or another codec: one call per document
        return np.array(
            [length_to_byte(reader.doc_field_length(number, fieldname)) for number in range(size)], np.uint8
        )
    stored = np.frombuffer(written, np.uint8)
    return np.concatenate((stored, np.zeros(size - len(stored), np.uint8)))


def numeric_column(reader, fieldname: str) -> np.ndarray:
    """Return a segment's numeric column (sortable NUMERIC, DATETIME): its raw sortable values."""
    return CACHE.get(
        (segment_key(reader), "column", fieldname),
        lambda: _decode_numeric(reader, fieldname),
        lambda found: found.nbytes,
    )


def _decode_numeric(reader, fieldname: str) -> np.ndarray:
    size = reader.doc_count_all()
    column_type = reader.schema[fieldname].column_type
    if not isinstance(column_type, NumericColumn):
        raise TypeError(f"{fieldname} has no numeric column")
    typecode, default = whoosh_internals.numeric_layout(column_type)
    dtype = np.dtype(typecode)
    if not reader.has_column(fieldname):  # a segment where no document has a value
        return np.full(size, default, dtype)
    stored = np.frombuffer(whoosh_internals.numeric_bytes(reader, fieldname), dtype.newbyteorder(">")).astype(dtype)
    # Documents after the last one with a value are not written: they hold the default.
    return np.concatenate((stored, np.full(size - len(stored), default, dtype)))
