"""Matching sets, ranking, facet counts and sorting over numpy arrays instead of Whoosh's collectors.

Whoosh collects a query's matches one Python call per document per matcher, and counts facets
the same way. Here a query becomes a boolean mask over the searcher's document numbers, built
from posting lists decoded once per segment (``postings``), so And/Or/Not are vectorised
operations and numeric and date ranges compare a column. Facets are ``np.bincount`` over
int-coded columns (a document's first value, plus the few documents holding more). Phrases are
checked on every candidate's positions at once (sorted ``document << 32 | position`` keys), so
phrase counts stay exact. The page is ranked by Whoosh's BM25 over all matches, looked up per
posting in a table of (frequency, length) scores, and only the page is sorted (``np.partition``).
Deleted documents are masked out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
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
# Bytes of term masks one Reading keeps (rights, filters and frequent words are asked again and again).
MASK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Matches:
    """The documents a query matches: a mask over document numbers, and those numbers in order."""

    mask: np.ndarray  # bool, one per document number

    @cached_property
    def numbers(self) -> np.ndarray:
        return np.flatnonzero(self.mask)

    def __len__(self) -> int:
        return len(self.numbers)

    def __contains__(self, number: int) -> bool:
        return bool(self.mask[number])


class Reading:
    """One searcher over one state of the index, with the masks and columns it has built.

    A Reading is used by one thread at a time (Whoosh searchers are not thread-safe) and lives
    until the index changes; what it reads from segments is cached per segment (``postings``),
    so a commit that adds a segment leaves the other segments' arrays decoded.
    """

    def __init__(self, index: Index, searcher: Searcher) -> None:
        self.index, self.searcher = index, searcher
        self.size = searcher.doc_count_all()
        # Each segment reader with the number of its first document in this searcher (an index
        # without segments has one empty reader, with nothing to read).
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()
                       if leaf.reader().doc_count_all()]
        self._masks = ByteLRU(MASK_BYTES)
        self._columns: dict[str | tuple[str, str], np.ndarray] = {}
        self._codes: dict[str, tuple[list, np.ndarray, np.ndarray, np.ndarray]] = {}

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
        candidates = np.logical_and.reduce([self.term(fieldname, word) for word in words]) if words \
            else np.zeros(self.size, bool)
        if len(words) < 2 or not candidates.any():
            return candidates
        found = np.zeros(self.size, bool)
        for reader, offset in self.leaves:
            size = reader.doc_count_all()
            local = candidates[offset:offset + size]
            checked = np.flatnonzero(local)
            lined_up, further = np.full(len(checked), ~np.uint64(0)), np.zeros(size, bool)
            for shift, word in enumerate(words):
                bitmaps = postings.bitmaps(reader, fieldname, word)
                bits = np.zeros(size, np.uint64)
                bits[bitmaps.ids] = bitmaps.bits
                further[bitmaps.ids[bitmaps.beyond]] = True
                lined_up &= bits[checked] >> np.uint64(shift)
            found[checked[lined_up != 0] + offset] = True
            further &= local & ~found[offset:offset + size]
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

        Every match is scored, a pass over each term's postings (skipping matches that cannot reach
        the page, MaxScore-style, was tried: at 100k documents it cost as much as it saved).
        """
        scores = np.zeros(self.size, np.float64)
        for fieldname, word, weight in terms:
            if self.searcher.doc_frequency(fieldname, word):
                _Scorer(self, fieldname, word, weight).add(scores, docs.mask)
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
        document filed in dossiers of two units counts in both)."""
        if self._numeric(fieldname):
            return self._numeric_counts(docs, fieldname)
        values, codes, extra_numbers, extra_codes = self._coded(fieldname)
        counted = np.bincount(codes[docs.numbers] + 1, minlength=len(values) + 1)[1:]  # +1: "none" is -1
        if len(extra_numbers):
            counted += np.bincount(extra_codes[docs.mask[extra_numbers]], minlength=len(values))
        return Counter({values[code]: int(counted[code]) for code in np.flatnonzero(counted)})

    def _coded(self, fieldname: str) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """Return a field's values, each document's first value's index (-1: none), and the documents
        holding more than one value with the indexes of their other values (cached).

        Most documents hold one value even in a multi-valued field, so counting a facet is a
        ``bincount`` over the matches plus a small one over the few with more.
        """
        if fieldname not in self._codes:
            values = list(self.searcher.reader().field_terms(fieldname))
            codes = np.full(self.size, -1, np.int32)
            extra_numbers, extra_codes = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
            for code, value in enumerate(values):
                for reader, offset in self.leaves:
                    numbers = postings.postings(reader, fieldname, value).ids + offset
                    taken = codes[numbers] >= 0
                    codes[numbers[~taken]] = code
                    extra_numbers.append(numbers[taken])
                    extra_codes.append(np.full(int(taken.sum()), code, np.int32))
            self._codes[fieldname] = (values, codes, np.concatenate(extra_numbers), np.concatenate(extra_codes))
        return self._codes[fieldname]

    def _numeric_counts(self, docs: Matches, fieldname: str) -> Counter:
        values = self.column(fieldname)[docs.numbers]
        if not len(values):
            return Counter()
        low = int(values.min())
        if int(values.max()) - low < 1 << 20:  # years and the like: a count per possible value
            counted = np.bincount((values - low).astype(np.int64))
            found = {low + int(offset): int(counted[offset]) for offset in np.flatnonzero(counted)}
        else:
            unique, counted = np.unique(values, return_counts=True)
            found = dict(zip(map(int, unique), map(int, counted)))
        field = self.searcher.schema[fieldname]
        return Counter({field.from_column_value(raw): count for raw, count in found.items()})


class _Scorer:
    """One ranked term (field, word, weight) of a Reading: its BM25 factor and length norms."""

    def __init__(self, reading: Reading, fieldname: str, word: str, weight: float) -> None:
        searcher = reading.searcher
        self.fieldname, self.word, self.leaves = fieldname, word, reading.leaves
        self.factor = weight * searcher.idf(fieldname, word) * (_K1 + 1)
        self.norm = _K1 * ((1 - _B) + _B * _LENGTHS / (searcher.avg_field_length(fieldname) or 1.0))

    def add(self, scores: np.ndarray, mask: np.ndarray) -> None:
        """Add this term's score to ``scores`` (by document number) for the documents in ``mask``."""
        for reader, offset in self.leaves:
            end = offset + reader.doc_count_all()
            found = postings.postings(reader, self.fieldname, self.word)
            kept = np.flatnonzero(mask[offset:end][found.ids])
            scores[offset:end][found.ids[kept]] += self._scores(reader, found, kept)

    def _scores(self, reader, found: postings.Postings, kept: np.ndarray) -> np.ndarray:
        """Return the scores of the postings at ``kept``: looked up by (frequency, length code) pair in
        a table, or computed where a frequency does not fit the table (above 255, or not whole)."""
        part = postings.scoring(reader, self.fieldname, self.word)
        if part.pairs is not None:
            frequencies = np.arange(part.most + 1, dtype=np.float64)[:, None]
            return (self.factor * frequencies / (frequencies + self.norm)).ravel()[part.pairs[kept]]
        frequency = found.weights[kept].astype(np.float64)
        codes = postings.lengths(reader, self.fieldname)[found.ids[kept]]
        return self.factor * frequency / (frequency + self.norm[codes])


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
        ties = np.flatnonzero(keys == bound)[:count - len(below)]
        chosen = np.concatenate((below[np.lexsort((numbers[below], keys[below]))], ties))
    else:
        chosen = np.lexsort((numbers, keys))
    return numbers[chosen].tolist()
