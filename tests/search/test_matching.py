"""The numpy query path (erms.search_index.matching) against a straightforward evaluation.

A random corpus is indexed in several segments with deletions (so document numbers have offsets
and dead documents); then random queries are answered by ``Reading`` and by Whoosh itself
(matching sets), by a plain Python BM25 over Whoosh's postings (ranking), and by counting stored
fields (facets, date order). They must agree exactly.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from erms.search_index import matching, postings, shared
from erms.search_index.analysis import SCHEMA
from erms.search_index.matching import Matches, Reading
from erms.search_index.records import Entry
from erms.search_index.store import indexed, share_segments

WORDS = ["ho", "so", "dat", "dai", "cai", "cach", "hanh", "chinh", "quan", "dong", "da", "ke", "hoach", "bao", "cao"]
UNITS = ["Phòng Nội vụ", "Văn phòng", "Phòng Tài chính"]
STATES = ["open", "closed", "archived"]


def _entry(number: int, rng: random.Random) -> dict:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    # Some documents run past 64 words, where phrases are checked on positions rather than bits.
    summary = " ".join(rng.choice(WORDS) for _ in range(rng.choice([rng.randint(0, 30), rng.randint(50, 120)])))
    units = sorted(rng.sample(range(3), rng.choice([1, 1, 2])))
    fields = {
        "key": f"document:{number}",
        "kind": rng.choice(["document", "dossier"]),
        "record_id": number,
        "dossier_id": number,
        "organisation": "1",
        "units": " ".join(str(unit + 1) for unit in units),
        "unit": ",".join(UNITS[unit] for unit in units),
        "type": rng.choice(["", "Báo cáo", "Kế hoạch"]),
        "state": " ".join(sorted(rng.sample(STATES, rng.choice([1, 2])))),
        "retention": rng.choice(["10", "permanent"]),
        "signature": rng.choice(["valid", "invalid", "pending"]),
        "year": rng.randint(2015, 2020),
        "date": datetime(rng.randint(2015, 2020), rng.randint(1, 12), 1),
        "code": f"{number}/UBND",
        "title": title,
        "summary": summary,
        "people": "",
        "keywords": "",
        "fingerprint": "",
    }
    return indexed(Entry(fields, None), "")


@pytest.fixture(scope="module", params=["decoded here", "shared by the writer"])
def reading(tmp_path_factory, request):
    """The same index read two ways: arrays decoded by this process as queries meet the words, and every
    word's arrays written by the index writer (``shared``) and mapped read-only from those files."""
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("matching")
    index = whoosh_index.create_in(str(folder), SCHEMA)
    number = 0
    for _ in range(3):  # three segments, each commit deleting some documents of the ones before
        writer = index.writer()
        for _ in range(700):
            number += 1
            writer.add_document(**_entry(number, rng))
        for gone in rng.sample(range(1, number + 1), 40):
            writer.delete_by_term("key", f"document:{gone}")
        writer.commit(merge=False)
    postings.CACHE.clear()
    searcher = index.searcher()
    assert len(searcher.leaf_searchers()) == 3 and searcher.reader().has_deletions()
    if request.param == "shared by the writer":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(postings, "WARM_FROM_POSTINGS", 1)  # every word, not only the frequent ones
            assert share_segments(index) > len(WORDS)
        for leaf, _ in searcher.reader().leaf_readers():
            assert shared.load(folder, leaf.segment().segment_id(), leaf)
        assert postings.CACHE.total == 0 and len(postings.CACHE.shared_segments) == 3
        ho = postings.postings(searcher.reader().leaf_readers()[0][0], "text", "ho")
        assert not ho.ids.flags.writeable  # a view of the mapped file, not a copy
    yield Reading(index, searcher)
    searcher.close()
    postings.CACHE.clear()


def _random_query(rng: random.Random) -> wq.Query:
    def leaf():
        choice = rng.random()
        if choice < 0.5:
            return wq.Term("text", rng.choice(WORDS))
        if choice < 0.7:
            return wq.Phrase("text", [rng.choice(WORDS) for _ in range(rng.randint(2, 3))])
        if choice < 0.8:
            return wq.Term("units", str(rng.randint(1, 3)))
        if choice < 0.9:
            return wq.NumericRange("year", rng.randint(2015, 2020), rng.choice([None, 2019, 2020]))
        return wq.DateRange("date", datetime(2016, 1, 1), datetime(2018, 6, 30))

    parts = [leaf() for _ in range(rng.randint(1, 3))]
    kind = rng.random()
    if kind < 0.5:
        return wq.And(parts)
    if kind < 0.8:
        return wq.Or(parts)
    return wq.AndNot(wq.And(parts[:1]), wq.Or(parts[1:]) if parts[1:] else wq.Term("text", "ho"))


def _reference(searcher, query: wq.Query) -> set[int]:
    """Evaluate ``query`` with Python sets over what Whoosh finds for each leaf (Whoosh's own AndNot
    matcher misses documents when its negative side holds a phrase)."""
    if isinstance(query, wq.And):
        return set.intersection(*(_reference(searcher, part) for part in query.subqueries))
    if isinstance(query, wq.Or):
        return set.union(*(_reference(searcher, part) for part in query.subqueries))
    if isinstance(query, wq.AndNot):
        return _reference(searcher, query.a) - _reference(searcher, query.b)
    return set(searcher.docs_for_query(query))


def test_matching_sets_agree_with_whoosh(reading):
    rng = random.Random(11)
    for _ in range(150):
        query = _random_query(rng)
        expected = sorted(_reference(reading.searcher, query))
        assert reading.docs(query).numbers.tolist() == expected, query


def _reference_ranking(reading: Reading, terms, matching: set[int]) -> list[int]:
    searcher, scores = reading.searcher, {}
    for fieldname, word, weight in terms:
        if not searcher.doc_frequency(fieldname, word):
            continue
        factor = weight * searcher.idf(fieldname, word) * 2.2
        average = searcher.avg_field_length(fieldname) or 1.0
        for number, frequency in searcher.postings(fieldname, word).items_as("weight"):
            if number in matching:
                norm = 1.2 * (0.25 + 0.75 * searcher.doc_field_length(number, fieldname) / average)
                scores[number] = scores.get(number, 0.0) + factor * frequency / (frequency + norm)
    return sorted(matching, key=lambda number: (-scores.get(number, 0.0), number))


def test_ranking_agrees_with_plain_bm25(reading):
    rng = random.Random(13)
    for _ in range(80):
        words = rng.sample(WORDS, rng.randint(1, 3))
        # Title words weigh much (the page is found among the titles) or little (every match is scored).
        boost = rng.choice([2.5, 0.02])
        terms = [(name, word, weight) for word in words for name, weight in (("text", 1.0), ("title", boost))]
        terms += [("exact", words[0], boost)]
        # Any word (every match scored), one word, or all of them (the title's words decide the page first).
        query = (
            rng.choice([wq.Or, wq.And])([wq.Term("text", word) for word in words])
            if rng.random() < 0.7
            else wq.Term("text", words[0])
        )
        matches = reading.docs(query)
        expected = _reference_ranking(reading, terms, set(matches.numbers.tolist()))
        count = rng.choice([1, 20, 100, len(expected) + 5])
        assert reading.ranked(terms, matches, count) == expected[:count]
    everything = reading.docs(wq.Every())  # no ranked word: index order
    assert reading.ranked([], everything, 30) == everything.numbers[:30].tolist()


def test_facets_and_date_order_agree_with_stored_fields(reading):
    rng = random.Random(17)
    for _ in range(24):
        # Few matches are counted themselves; most of the index is counted as everything less the others.
        words = [wq.Term("text", word) for word in rng.sample(WORDS, 2)]
        matches = reading.docs(rng.choice([wq.Or(words), words[0], wq.Not(words[0]), wq.Every()]))
        stored = {number: reading.searcher.stored_fields(number) for number in matches.numbers.tolist()}
        for name, split in (
            ("kind", None),
            ("type", None),
            ("retention", None),
            ("signature", None),
            ("year", None),
            ("unit", ","),
            ("state", " "),
        ):
            expected = Counter(
                value
                for fields in stored.values()
                for value in (fields[name].split(split) if split else [fields[name]])
            )
            assert reading.counts(matches, name) == expected, name
        newest = sorted(stored, key=lambda number: (-stored[number]["date"].timestamp(), number))
        oldest = sorted(stored, key=lambda number: (stored[number]["date"], number))
        assert reading.by_column(matches, "date", 25, reverse=True) == newest[:25]
        assert reading.by_column(matches, "date", 25, reverse=False) == oldest[:25]


def test_numeric_facets_of_many_values_are_counted_by_sorting(reading, monkeypatch):
    monkeypatch.setattr(matching, "MAX_FACET_VALUES", 10)  # dates here take 72 values
    fresh = Reading(reading.index, reading.searcher)
    for word in WORDS[:5]:
        matches = fresh.docs(wq.Term("text", word))
        stored = [reading.searcher.stored_fields(number) for number in matches.numbers.tolist()]
        assert fresh.counts(matches, "date") == Counter(fields["date"] for fields in stored)
        assert fresh.counts(matches, "year") == Counter(fields["year"] for fields in stored)  # six values: as bits


def test_positions_are_decoded_like_whoosh_does(reading):
    for reader, _ in reading.leaves:
        for word in WORDS:
            expected = [
                number << 32 | position
                for number, positions in reader.postings("text", word).items_as("positions")
                for position in positions
                if not reader.is_deleted(number)
            ]
            found = postings.positions(reader, "text", word)
            live = [key for key in found.tolist() if not reader.is_deleted(key >> 32)]
            assert live == expected, word


def test_matches_behave_like_a_set(reading):
    matches = reading.docs(wq.Term("text", "ho"))
    assert isinstance(matches, Matches) and len(matches) == len(matches.numbers)
    assert all(number in matches for number in matches.numbers[:10].tolist())
