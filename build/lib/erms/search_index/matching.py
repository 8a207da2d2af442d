"""Matching sets, ranking, facet counts and sorting over numpy arrays instead of Whoosh's collectors.

Whoosh collects a query's matches one Python call per document per matcher, and counts facets
the same way. Here a query becomes a boolean mask over the searcher's document numbers, built
from posting lists decoded once per segment (``postings``), so And/Or/Not are vectorised
operations and numeric and date ranges compare a column. A facet count is a bit count of the
matches' bits ANDed with each value's (kept per value). Phrases are checked on every candidate's
positions at once (sorted ``document << 32 | position`` keys), so phrase counts stay exact. The
page is ranked by Whoosh's BM25 over all matches, looked up in a table of (frequency, length)
scores (by document for frequent words, whole arrays added at once), and only the page is sorted
(``np.partition``). Deleted documents are masked out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from whoosh import query as wq
from whoosh.columns import NumericColumn
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from erms.search_index import postings
from erms.search_index.postings import ByteLRU

# Okapi BM25's parameters, Whoosh's defaults (whoosh.scoring.BM25F), so ranks match what it would give.
_B, _K1 = 0.75, 1.2
# Whoosh's field length of each one-byte length code.
_LENGTHS = np.array([byte_to_length(code) for code in range(256)], np.float64)
# Numeric fields with more values than this are counted by sorting the matches' values, not as bits
# (each value's bits cost documents / 8 bytes: 32 MB for 256 values of a million documents).
MAX_FACET_VALUES = 256
# Bytes of term masks one Reading keeps (rights, filters and frequent words are asked again and again).
MASK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Matches:
    """The documents a query matches: a mask over document numbers, and those numbers in order."""

    mask: np.ndarray  # bool, one per document number

    @cached_property
    def numbers(self) -> np.ndarray:
        return np.flatnonzero(self.mask)

    @cached_property
    def bits(self) -> np.ndarray:
        """Return the mask as bits, 64 documents a word (what facet counts intersect)."""
        return _packed(self.mask)

    def __len__(self) -> int:
        return len(self.numbers)

    def __contains__(self, number: int) -> bool:
        return bool(self.mask[number])


@dataclass
class Derived:
    """What readings of one state of the index build from it (term masks, columns, facet bits): kept
    once per process for every thread's Reading of that state, not once per thread."""

    masks: ByteLRU = field(default_factory=lambda: ByteLRU(MASK_BYTES))
    columns: dict = field(default_factory=dict)
    facets: dict = field(default_factory=dict)


class Reading:
    """One searcher over one state of the index, with the masks and columns built from that state.

    A Reading is used by one thread at a time (Whoosh searchers are not thread-safe) and lives
    until the index changes; what it builds is shared with the other threads' Readings of the same
    state (``derived``), and what it reads from segments is cached per segment (``postings``), so
    a commit that adds a segment leaves the other segments' arrays decoded.
    """

    def __init__(self, index: Index, searcher: Searcher, derived: Derived | None = None) -> None:
        self.index, self.searcher = index, searcher
        self.size = searcher.doc_count_all()
        # Each segment reader with the number of its first document in this searcher (an index
        # without segments has one empty reader, with nothing to read).
        self.leaves = [
            (leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers() if leaf.reader().doc_count_all()
        ]
        derived = derived or Derived()
        self._masks = derived.masks
        self._columns: dict[str | tuple[str, str], np.ndarray] = derived.columns
        self._facets: dict[str, tuple[list | None, np.ndarray]] = derived.facets

    @cached_property
    def live(self) -> np.ndarray:
        """Return the mask of documents not deleted."""
        mask = np.ones(self.size, bool)
        for reader, offset in self.leaves:
            deleted = reader.deleted_docs_set if reader.has_deletions() else ()
            mask[np.fromiter(deleted, np.int64, len(deleted)) + offset] = False
        return mask

    # ------------------------------------------------------------ matching

    def term(self, fieldname: str, text) -> np.ndarray:
        """Return the mask of the (live) documents holding ``text`` in ``fieldname`` (cached)."""
        return self._masks.get((fieldname, text), lambda: self._term_mask(fieldname, text), lambda mask: mask.nbytes)

    def _term_mask(self, fieldname: str, text) -> np.ndarray:
        mask = np.zeros(self.size, bool)
        for reader, offset in self.leaves:
            mask[postings.postings(reader, fieldname, text).ids + offset] = True
        return mask & self.live

    def docs(self, query: wq.Query) -> Matches:
        """Return the documents matching ``query``."""
        return Matches(self.mask(query))

    def mask(self, query: wq.Query) -> np.ndarray:
        """Return the mask of ``query``: array operations for terms, ranges and phrases, Whoosh for the rest."""
        if isinstance(query, wq.Term):
            return self.term(query.fieldname, query.text)
        if isinstance(query, wq.Every):
            return self.live
        if query is wq.NullQuery:
            return np.zeros(self.size, bool)
        if isinstance(query, wq.AndNot):
            return self.mask(query.a) & ~self.mask(query.b)
        if isinstance(query, wq.Not):
            return self.live & ~self.mask(query.query)
        if isinstance(query, (wq.And, wq.Or)) and not query.subqueries:
            return np.zeros(self.size, bool)
        if isinstance(query, wq.And):
            return np.logical_and.reduce([self.mask(part) for part in query.subqueries])
        if isinstance(query, wq.Or):
            return np.logical_or.reduce([self.mask(part) for part in query.subqueries])
        if isinstance(query, wq.Phrase) and query.slop == 1:
            return self.phrase(query.fieldname, query.words)
        if isinstance(query, wq.NumericRange) and self._numeric(query.fieldname):
            return self._range(query)
        mask = np.zeros(self.size, bool)
        mask[np.fromiter(self.searcher.docs_for_query(query), np.int64)] = True
        return mask

    def phrase(self, fieldname: str, words: list[str]) -> np.ndarray:
        """Return the mask of documents holding ``words`` one after the other.

        Only documents holding every word are checked, all at once: first on each word's positions
        below 64 as bits (word i at p + i for all i: bit p of (bits_i >> i) set in every word), then,
        for the documents where a word also sits further on, on sorted ``document << 32 |
        position`` keys (starting from the rarest word, shifted to where the phrase would start).
        """
        candidates = (
            np.logical_and.reduce([self.term(fieldname, word) for word in words])
            if words
            else np.zeros(self.size, bool)
        )
        if len(words) < 2 or not candidates.any():
            return candidates
        found = np.zeros(self.size, bool)
        for reader, offset in self.leaves:
            size = reader.doc_count_all()
            local = candidates[offset : offset + size]
            checked = np.flatnonzero(local)
            lined_up, further = np.full(len(checked), ~np.uint64(0)), np.zeros(size, bool)
            for shift, word in enumerate(words):
                bitmaps = postings.bitmaps(reader, fieldname, word)
                bits = np.zeros(size, np.uint64)
                bits[bitmaps.ids] = bitmaps.bits
                further[bitmaps.ids[bitmaps.beyond]] = True
                lined_up &= bits[checked] >> np.uint64(shift)
            found[checked[lined_up != 0] + offset] = True
            further &= local & ~found[offset : offset + size]
            if further.any():
                found[self._phrase_keys(reader, fieldname, words, further) + offset] = True
        return found

    @staticmethod
    def _phrase_keys(reader, fieldname: str, words: list[str], checked: np.ndarray) -> np.ndarray:
        """Return the (local) documents among ``checked`` holding the phrase, found on position keys."""
        order = sorted(range(len(words)), key=lambda at: len(postings.positions(reader, fieldname, words[at])))
        keys = postings.positions(reader, fieldname, words[order[0]])
        keys = keys[checked[keys >> 32]] - order[0]  # where the phrase would start
        for at in order[1:]:
            if not len(keys):
                break
            keys = keys[_member(keys + at, postings.positions(reader, fieldname, words[at]))]
        return keys >> 32

    def _numeric(self, fieldname: str) -> bool:
        return isinstance(self.searcher.schema[fieldname].column_type, NumericColumn)

    def _range(self, query: wq.NumericRange) -> np.ndarray:
        """Return the mask of a numeric or date range, compared on the field's column."""
        values = self.column(query.fieldname)
        field = self.searcher.schema[query.fieldname]
        mask = self.live.copy()
        # DateRange has already turned its dates into the column's numbers; NumericRange has not.
        convert = (lambda bound: bound) if isinstance(query, wq.DateRange) else field.to_column_value
        if query.start is not None:
            start = convert(query.start)
            mask &= values > start if query.startexcl else values >= start
        if query.end is not None:
            end = convert(query.end)
            mask &= values < end if query.endexcl else values <= end
        return mask

    # ------------------------------------------------------------ ranking and sorting

    def lengths(self, fieldname: str) -> np.ndarray:
        """Return every document's length code in ``fieldname``, by document number."""
        if ("lengths", fieldname) not in self._columns:
            parts = [postings.lengths(reader, fieldname) for reader, _ in self.leaves]
            self._columns[("lengths", fieldname)] = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
        return self._columns[("lengths", fieldname)]

    def ranked(self, terms: list[tuple[str, str, float]], docs: Matches, count: int) -> list[int]:
        """Return the ``count`` best of ``docs`` by BM25 over ``terms`` (field, word, weight).

        The score Whoosh computes (its BM25F parameters, idf and average field lengths), summed over
        the terms a document holds, in the same order and precision; equal scores keep index order,
        and documents holding none of the words (no text, or a wildcard match) score 0, last.

        Each term's scores are added for every document holding it, matched or not (only the
        matches' sums are read): cheaper than picking the matches out of each posting list first.
        """
        scores = np.zeros(self.size, np.float64)
        for fieldname, word, weight in terms:
            if self.searcher.doc_frequency(fieldname, word):
                _Scorer(self, fieldname, word, weight).add(scores)
        numbers = docs.numbers
        return _top(-scores[numbers], numbers, count)

    def column(self, fieldname: str) -> np.ndarray:
        """Return a numeric column's raw sortable values by document number (cached)."""
        if fieldname not in self._columns:
            parts = [postings.numeric_column(reader, fieldname) for reader, _ in self.leaves]
            self._columns[fieldname] = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return self._columns[fieldname]

    def by_column(self, docs: Matches, fieldname: str, count: int, *, reverse: bool) -> list[int]:
        """Return the first ``count`` of ``docs`` ordered by a numeric field (then document number)."""
        numbers = docs.numbers
        values = self.column(fieldname)[numbers]
        # Unsigned columns (dates) cannot be negated: the newest first is the smallest distance to the maximum.
        return _top(values.max() - values if reverse and len(values) else values, numbers, count)

    # ------------------------------------------------------------ facets

    def counts(self, docs: Matches, fieldname: str) -> Counter:
        """Count ``docs`` per value of ``fieldname``: a document counts once per value it holds (a
        document filed in dossiers of two units counts in both).

        Each value's documents are kept as bits (values × documents / 8 bytes: 4 MB for thirty
        values of a million documents), so a count is an AND and a bit count per word of 64
        documents, whatever the number of matches.
        """
        values, bitmaps = self._value_bits(fieldname)
        if values is None:
            return self._numeric_counts(docs, fieldname)
        counted = np.bitwise_count(bitmaps & docs.bits).sum(axis=1, dtype=np.int64)
        return Counter({values[at]: int(counted[at]) for at in np.flatnonzero(counted)})

    def _value_bits(self, fieldname: str) -> tuple[list | None, np.ndarray]:
        """Return a facet's values and, for each, the bits of the live documents holding it (cached;
        None for a numeric field of more than MAX_FACET_VALUES distinct values)."""
        if fieldname not in self._facets:
            values: list | None
            if self._numeric(fieldname):
                column, field = self.column(fieldname), self.searcher.schema[fieldname]
                raws = np.unique(column[self.live])
                values = [field.from_column_value(int(raw)) for raw in raws] if len(raws) <= MAX_FACET_VALUES else None
                masks = [(column == raw) & self.live for raw in raws] if values is not None else []
            else:
                values = list(self.searcher.reader().field_terms(fieldname))
                masks = [self._term_mask(fieldname, value) for value in values]
            bits = np.array([_packed(mask) for mask in masks], np.uint64) if masks else np.zeros((0, 0), np.uint64)
            self._facets[fieldname] = (values, bits)
        return self._facets[fieldname]

    def _numeric_counts(self, docs: Matches, fieldname: str) -> Counter:
        """Count ``docs`` per value of a numeric field of many values (a date) by sorting them."""
        unique, counted = np.unique(self.column(fieldname)[docs.numbers], return_counts=True)
        field = self.searcher.schema[fieldname]
        return Counter(
            {field.from_column_value(int(raw)): int(count) for raw, count in zip(unique, counted, strict=True)}
        )


class _Scorer:
    """One ranked term (field, word, weight) of a Reading: its BM25 factor and length norms."""

    def __init__(self, reading: Reading, fieldname: str, word: str, weight: float) -> None:
        searcher = reading.searcher
        self.fieldname, self.word, self.leaves = fieldname, word, reading.leaves
        self.factor = weight * searcher.idf(fieldname, word) * (_K1 + 1)
        self.norm = _K1 * ((1 - _B) + _B * _LENGTHS / (searcher.avg_field_length(fieldname) or 1.0))

    def add(self, scores: np.ndarray) -> None:
        """Add this term's score to ``scores`` (by document number) for every document holding it.

        Scores are looked up by (frequency, length code) pair in a table, or computed where a
        frequency does not fit the table (above 255, or not whole). A frequent word's pairs are
        kept by document (0, which scores 0, where a document lacks it): its scores are then
        added to the whole segment at once. Adding 0 leaves a sum as it is, so every document's
        sum is the same as when only its own words are added.
        """
        for reader, offset in self.leaves:
            end = offset + reader.doc_count_all()
            part = postings.scoring(reader, self.fieldname, self.word)
            if part.pairs is None:
                found = postings.postings(reader, self.fieldname, self.word)
                frequency = found.weights.astype(np.float64)
                codes = postings.lengths(reader, self.fieldname)[found.ids]
                scores[offset:end][found.ids] += self.factor * frequency / (frequency + self.norm[codes])
                continue
            frequencies = np.arange(part.most + 1, dtype=np.float64)[:, None]
            table = (self.factor * frequencies / (frequencies + self.norm)).ravel()
            if part.by_document:
                scores[offset:end] += table[part.pairs]
            else:
                scores[offset:end][postings.postings(reader, self.fieldname, self.word).ids] += table[part.pairs]


def _packed(mask: np.ndarray) -> np.ndarray:
    """Return a mask as bits in 64-bit words (the last one padded with zeros)."""
    packed = np.zeros(-(-len(mask) // 64) * 8, np.uint8)
    packed[: -(-len(mask) // 8)] = np.packbits(mask)
    return packed.view(np.uint64)


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Return which of ``keys`` are in ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == keys


def _top(keys: np.ndarray, numbers: np.ndarray, count: int) -> list[int]:
    """Return the ``count`` of ``numbers`` (ascending) with the smallest ``keys``, ties in number order.

    Only the page is sorted: ``np.partition`` finds the count-th key, the keys below it are sorted,
    and ties at it are taken in number order.
    """
    if count <= 0 or not len(numbers):
        return []
    if count < len(numbers):
        bound = np.partition(keys, count - 1)[count - 1]
        below = np.flatnonzero(keys < bound)
        ties = np.flatnonzero(keys == bound)[: count - len(below)]
        chosen = np.concatenate((below[np.lexsort((numbers[below], keys[below]))], ties))
    else:
        chosen = np.lexsort((numbers, keys))
    return numbers[chosen].tolist()
