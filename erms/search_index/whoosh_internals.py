"""Every private part of Whoosh-Reloaded the search reads, in one place, checked for WHOOSH_VERSION only.

The numpy query path (``postings``) decodes what Whoosh wrote without going through its Python-per-posting
readers: a segment's id, a term's raw matcher and its blocks, the per-document length column and the numeric
columns' bytes. None of that is public API, so it is read only here, and tests/search/test_whoosh_internals.py
fails with what to check on any other version (pinned in pyproject.toml).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn

WHOOSH_VERSION = "2.7.5"


def segment_id(reader) -> str:
    """Return what names a segment's files uniquely (a random id Whoosh gives each segment)."""
    return reader._segid


def raw_matcher(reader, fieldname: str, text):
    """Return the segment's own matcher of a term (None when absent), without the deletions filter."""
    if (fieldname, text) not in reader:
        return None
    return reader._terms.matcher(fieldname, reader._text_to_bytes(fieldname, text), reader.schema[fieldname].format)


def in_blocks(matcher) -> bool:
    """Whether the term's postings are stored in blocks (a term with one posting is inlined in its term info)."""
    return isinstance(matcher, W3LeafMatcher)


def blocks(matcher) -> Iterator[tuple[list[int], float | list[float] | None, list[bytes], int, int]]:
    """Yield each block of a block matcher: its delta-coded ids, its weights (None, one float or a list), its
    position values, its length and the last document number of its header."""
    while matcher.is_active():
        matcher._read_data()
        ids, weights, values = matcher._data
        yield ids, weights, values, matcher._blocklength, matcher._maxid
        matcher._next_block()


def lengths_bytes(reader, fieldname: str) -> bytes | None:
    """Return a segment's stored field-length codes (a byte per document written), None where it has none."""
    if not isinstance(reader._perdoc, W3PerDocReader):
        return None
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if column is None else column._dbfile.get(column._basepos, column._count)


def numeric_layout(column_type: NumericColumn) -> tuple[str, int]:
    """Return a numeric column's array type code and the value of documents without one."""
    return column_type._typecode, column_type._default


def numeric_bytes(reader, fieldname: str) -> bytes:
    """Return the big-endian values a segment's numeric column wrote (documents after the last one with a value
    are not written)."""
    column = reader.column_reader(fieldname, translate=False)
    return column._dbfile.get(column._basepos, column._count * column._fixedlen)


# Pickle opcodes of small non-negative ints (BININT1, BININT2, BININT) and their payload widths.
_WIDTHS = np.zeros(256, np.int64)
_WIDTHS[ord("K")], _WIDTHS[ord("M")], _WIDTHS[ord("J")] = 1, 2, 4


def position_keys(numbers: np.ndarray, values: list[bytes]) -> np.ndarray:
    """Return ``document << 32 | position`` keys from Whoosh ``Positions`` values, parsed as arrays.

    A value is a 4-byte count n, then ``pickle.dumps(deltas, 2)``: PROTO 2, EMPTY_LIST, BINPUT 0,
    then one int and APPEND (n = 1) or MARK, n ints and APPENDS, and STOP. Pickling a list of more
    than 1000 items, or anything else unexpected, is left to ``pickle`` (then all values are).
    """
    joined = np.frombuffer(b"".join(values), np.uint8)
    sizes = np.fromiter(map(len, values), np.int64, len(values))
    starts = np.cumsum(sizes) - sizes
    head = joined[starts[:, None] + np.arange(4)].astype(np.int64) if len(values) else np.zeros((0, 4), np.int64)
    counts = head[:, 0] << 24 | head[:, 1] << 16 | head[:, 2] << 8 | head[:, 3]
    if not len(values) or counts.max() > 1000:
        return _pickled_keys(numbers, values)
    cursor = starts + 9 + (counts > 1)
    first = np.cumsum(counts) - counts  # where each document's deltas start in the flat result
    deltas = np.zeros(int(counts.sum()), np.int64)
    active = np.arange(len(values))
    for item in range(int(counts.max())):
        active = active[counts[active] > item]
        at = cursor[active]
        widths = _WIDTHS[joined[at]]
        if not widths.all():
            return _pickled_keys(numbers, values)
        value = joined[at + 1].astype(np.int64)
        for byte in (1, 2, 3):  # little-endian payload bytes beyond the first, where the width has them
            wide = widths > byte
            value[wide] |= joined[at[wide] + 1 + byte].astype(np.int64) << (8 * byte)
        deltas[first[active] + item] = value
        cursor[active] = at + 1 + widths
    if not np.array_equal(cursor, starts + sizes - 2):  # every value must end with APPEND(S), STOP
        return _pickled_keys(numbers, values)
    return _keys(numbers, counts, deltas)


def _pickled_keys(numbers: np.ndarray, values: list[bytes]) -> np.ndarray:
    """The slow, general reading of ``_position_keys``: one ``pickle.loads`` per document."""
    lists = [pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".") for value in values]
    counts = np.fromiter(map(len, lists), np.int64, len(lists))
    return _keys(numbers, counts, np.fromiter((delta for listed in lists for delta in listed), np.int64))


def _keys(numbers: np.ndarray, counts: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Return the keys of documents ``numbers`` holding ``counts`` positions given as per-document deltas."""
    flat = np.cumsum(deltas)
    # Positions restart from 0 in every document: subtract the running sum up to each document's start.
    ends = np.cumsum(counts)
    before = np.concatenate(([0], flat[ends[:-1] - 1])) if len(flat) else np.zeros(0, np.int64)
    return np.repeat(numbers.astype(np.int64) << 32, counts) | (flat - np.repeat(before, counts))
