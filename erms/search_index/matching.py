"""Matching sets and facet counts, computed with set algebra instead of Whoosh's per-hit collectors.

Whoosh collects a query's matches one Python call per document per matcher, and counts facets
the same way (re-reading every posting of a multi-valued field on each query). Here a query's
terms become sets of document numbers, read once per searcher and cached, and And/Or/Not become
set operations that run in C; facets are set intersections (multi-valued fields) or lookups in a
cached column (single-valued ones). Whoosh still ranks the page, restricted to the matching set.
"""

from __future__ import annotations

import heapq
from collections import Counter

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.index import Index
from whoosh.searching import Searcher


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


class Reading:
    """One searcher over one state of the index, with the posting sets and columns it has read.

    A Reading is used by one thread at a time (Whoosh searchers are not thread-safe) and lives
    until the index changes, so its caches never hold stale sets.
    """

    def __init__(self, index: Index, searcher: Searcher) -> None:
        self.index, self.searcher = index, searcher
        self._terms: dict[tuple[str, str], frozenset[int]] = {}
        self._columns: dict[str, list] = {}
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
        if isinstance(query, wq.Phrase):
            # Positions decide a phrase; only documents holding every word need checking.
            candidates = self.docs(wq.And([wq.Term(query.fieldname, word) for word in query.words]))
            return frozenset(candidates.intersection(self.searcher.docs_for_query(query))) if candidates \
                else frozenset()
        return frozenset(self.searcher.docs_for_query(query))

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
