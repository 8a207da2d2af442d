"""Matching sets and facet counts, computed with set algebra instead of Whoosh's per-hit collectors.

Whoosh collects a query's matches one Python call per document per matcher, and counts facets
the same way (re-reading every posting of a multi-valued field on each query). Here a query's
terms become sets of document numbers, read once per searcher and cached, and And/Or/Not become
set operations that run in C; facets are set intersections (multi-valued fields) or lookups in a
cached column (single-valued ones). Phrases are checked on word positions with set arithmetic,
and the page is ranked by BM25 in one loop per posting list (``Reading.ranked``), not through
Whoosh's matcher tree. What remains Python per posting is decoding posting blocks and scoring.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte


def _leaf_ids(matcher) -> set[int]:
    """Return every document number of a posting list, a block at a time where Whoosh allows."""
    if not isinstance(matcher, W3LeafMatcher):  # segments with deletions wrap it: the generic walk
        return set(matcher.all_ids())
    found: set[int] = set()
    # W3LeafMatcher keeps a block's ids as one tuple; reading them whole avoids a call per posting.
    while matcher.is_active():
        matcher._read_ids()
        found.update(matcher._ids)
        matcher._next_block()
    return found


# Okapi BM25's parameters, Whoosh's defaults (whoosh.scoring.BM25F), so ranks match what it would give.
_B, _K1 = 0.75, 1.2


def _leaf_postings(matcher) -> Iterator[tuple[int, float]]:
    """Yield (document number, term frequency) of a posting list, a block at a time where Whoosh allows."""
    if not isinstance(matcher, W3LeafMatcher):  # segments with deletions wrap it: the generic walk
        while matcher.is_active():
            yield matcher.id(), matcher.weight()
            matcher.next()
        return
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        yield from zip(matcher._ids, matcher._weights)
        matcher._next_block()


def _leaf_lengths(reader, fieldname: str) -> bytes:
    """Return a segment's field lengths, one byte per document (Whoosh's quantised length codes)."""
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) \
        if isinstance(reader._perdoc, W3PerDocReader) else None
    if column is None:  # a segment without the column, or another codec: one call per document
        return bytes(length_to_byte(reader.doc_field_length(number, fieldname)) for number in
                     range(reader.doc_count_all()))
    stored = column._dbfile.get(column._basepos, column._count)
    return stored + bytes(reader.doc_count_all() - len(stored))


def _leaf_values(matcher, wanted: set[int]) -> dict[int, bytes]:
    """Return the encoded postings values (positions) of the ``wanted`` documents of a posting list."""
    found: dict[int, bytes] = {}
    if not isinstance(matcher, W3LeafMatcher):  # segments with deletions wrap it: the generic walk
        while matcher.is_active():
            if matcher.id() in wanted:
                found[matcher.id()] = matcher.value()
            matcher.next()
        return found
    while matcher.is_active():
        matcher._read_ids()
        if not wanted.isdisjoint(matcher._ids):  # values are decoded only for blocks with candidates
            matcher._read_values()
            found.update((number, value) for number, value in zip(matcher._ids, matcher._values)
                         if number in wanted)
        matcher._next_block()
    return found


class Reading:
    """One searcher over one state of the index, with the posting sets and columns it has read.

    A Reading is used by one thread at a time (Whoosh searchers are not thread-safe) and lives
    until the index changes, so its caches never hold stale sets.
    """

    def __init__(self, index: Index, searcher: Searcher) -> None:
        self.index, self.searcher = index, searcher
        self._terms: dict[tuple[str, str], frozenset[int]] = {}
        self._columns: dict[str, list] = {}
        self._lengths: dict[str, bytes] = {}
        self._all: frozenset[int] | None = None

    def term(self, fieldname: str, text) -> frozenset[int]:
        """Return the documents holding ``text`` in ``fieldname`` (cached)."""
        cache_key = (fieldname, text)
        if cache_key not in self._terms:
            found: set[int] = set()
            for leaf, offset in self.searcher.leaf_searchers():
                reader = leaf.reader()
                if (fieldname, text) in reader:
                    ids = _leaf_ids(reader.postings(fieldname, text))
                    found.update(ids if not offset else (number + offset for number in ids))
            self._terms[cache_key] = frozenset(found)
        return self._terms[cache_key]

    def every(self) -> frozenset[int]:
        if self._all is None:
            self._all = frozenset(self.searcher.reader().all_doc_ids())
        return self._all

    def docs(self, query: wq.Query) -> frozenset[int]:
        """Return the documents matching ``query``: set algebra for terms, Whoosh for the rest."""
        if isinstance(query, wq.Term):
            return self.term(query.fieldname, query.text)
        if isinstance(query, wq.Every):
            return self.every()
        if query is wq.NullQuery:
            return frozenset()
        if isinstance(query, wq.AndNot):
            return self.docs(query.a) - self.docs(query.b)
        if isinstance(query, wq.Not):
            return self.every() - self.docs(query.query)
        if isinstance(query, (wq.And, wq.Or)) and not query.subqueries:
            return frozenset()
        if isinstance(query, wq.And):
            parts = sorted((self.docs(part) for part in query.subqueries), key=len)
            return parts[0].intersection(*parts[1:])
        if isinstance(query, wq.Or):
            return frozenset().union(*(self.docs(part) for part in query.subqueries))
        if isinstance(query, wq.Phrase) and query.slop == 1:
            return self.phrase(query.fieldname, query.words)
        return frozenset(self.searcher.docs_for_query(query))

    def phrase(self, fieldname: str, words: list[str]) -> frozenset[int]:
        """Return the documents holding ``words`` one after the other.

        Only documents holding every word are checked, and each check is set arithmetic on
        their positions (word i at p + i for some p) instead of Whoosh's span objects; a word's
        positions are decoded only for the documents where the words before it still line up.
        """
        candidates = self.docs(wq.And([wq.Term(fieldname, word) for word in words]))
        if not candidates or len(words) < 2:
            return candidates
        decode = self.searcher.schema[fieldname].format.decode_positions
        found: set[int] = set()
        for leaf, offset in self.searcher.leaf_searchers():
            reader = leaf.reader()
            size = reader.doc_count_all()
            local = {number - offset for number in candidates if 0 <= number - offset < size}
            values = [_leaf_values(reader.postings(fieldname, word), local) for word in words] if local else []
            starts = {number: set(decode(value)) for number, value in values[0].items()} if values else {}
            for shift, value in enumerate(values[1:], start=1):
                starts = {number: lined_up for number, positions in starts.items()
                          if (lined_up := positions.intersection([p - shift for p in decode(value[number])]))}
            found.update(number + offset for number in starts)
        return frozenset(found)

    def lengths(self, fieldname: str) -> bytes:
        """Return every document's length code in ``fieldname``, indexed by document number (cached)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = b"".join(_leaf_lengths(leaf.reader(), fieldname)
                                                for leaf, _ in self.searcher.leaf_searchers())
        return self._lengths[fieldname]

    def ranked(self, terms: list[tuple[str, str, float]], docs: frozenset[int], count: int) -> list[int]:
        """Return the ``count`` best of ``docs`` by BM25 over ``terms`` (field, word, weight).

        The same score Whoosh computes, summed over the terms a document holds, but one loop over
        each posting list instead of a tree of matchers calling each other per posting; equal
        scores keep index order.
        """
        scores: dict[int, float] = {}
        for fieldname, word, weight in terms:
            if not self.searcher.doc_frequency(fieldname, word):
                continue
            factor = weight * self.searcher.idf(fieldname, word) * (_K1 + 1)
            average = self.searcher.avg_field_length(fieldname) or 1.0
            norm = [_K1 * ((1 - _B) + _B * byte_to_length(code) / average) for code in range(256)]
            lengths = self.lengths(fieldname)
            for leaf, offset in self.searcher.leaf_searchers():
                reader = leaf.reader()
                if (fieldname, word) not in reader:
                    continue
                for number, frequency in _leaf_postings(reader.postings(fieldname, word)):
                    number += offset
                    if number in docs:
                        scores[number] = scores.get(number, 0.0) + factor * frequency / (
                            frequency + norm[lengths[number]])
        ranked = heapq.nlargest(count, scores, key=lambda number: (scores[number], -number))
        if len(ranked) == count:
            return ranked
        # Documents holding none of the words (no text, or a match through a wildcard) follow in index order.
        return ranked + heapq.nsmallest(count - len(ranked), docs.difference(scores))

    def column(self, fieldname: str) -> list:
        """Return the value of a sortable field for every document number (cached)."""
        if fieldname not in self._columns:
            reader = self.searcher.reader()
            # An index with no segment yet has no columns at all.
            self._columns[fieldname] = (list(reader.column_reader(fieldname)) if reader.has_column(fieldname)
                                        else [None] * reader.doc_count_all())
        return self._columns[fieldname]

    def counts(self, docs: frozenset[int], fieldname: str, *, multi_valued: bool) -> Counter:
        """Count ``docs`` per value of ``fieldname`` (a document counts once per value it holds)."""
        if multi_valued:
            values = self.searcher.reader().field_terms(fieldname)
            return Counter({value: count for value in values
                            if (count := len(docs.intersection(self.term(fieldname, value))))})
        return Counter(map(self.column(fieldname).__getitem__, docs))

    def by_column(self, docs: frozenset[int], fieldname: str, count: int, *, reverse: bool) -> list[int]:
        """Return the first ``count`` of ``docs`` ordered by a sortable field (then document number)."""
        values = self.column(fieldname)
        if reverse:
            return heapq.nlargest(count, docs, key=lambda number: (values[number], -number))
        return heapq.nsmallest(count, docs, key=lambda number: (values[number], number))
