"""A segment's decoded frequent words, written once by the index writer and mapped by every reader.

Decoding the frequent words of a segment (``postings.warm``) costs seconds and, kept per process,
~160 MB at 100,000 documents in every web process. The worker, the one writer, decodes them once
for each new segment and writes the arrays beside the segment's own files: ``<segment>.warm`` (the
arrays back to back, 8-byte aligned) and ``<segment>.warmidx`` (JSON: for each cache key, its
arrays' dtype, offset and length, and the scalars of the value). Readers map the ``.warm`` file
read-only, so its pages are the operating system's file cache, shared by every web process, and
put the arrays in the cache as shared entries. The files carry the segment's name, so Whoosh
deletes them with the segment; the index file is written last, so a reader never maps a half
written one.
"""

from __future__ import annotations

import json
import mmap
import os
from pathlib import Path

import numpy as np

from erms.search_index import postings
from erms.search_index.postings import Bitmaps, Postings, Scoring

DATA, INDEX = ".warm", ".warmidx"
ALIGN = 8


def files(folder: Path, segment_id: str) -> tuple[Path, Path]:
    """Return the data and index files of a segment (``segment_id`` is Whoosh's ``MAIN_<segid>``)."""
    return folder / (segment_id + DATA), folder / (segment_id + INDEX)


def write(folder: Path, segment_id: str, reader, fieldnames: list[str]) -> int:
    """Decode a segment's frequent words and write them beside it; return how many words were decoded.

    The writer's own cache forgets them afterwards: the worker does not search.
    """
    segment = postings.segment_key(reader)
    decoded = postings.warm(reader, fieldnames)
    entries = postings.CACHE.entries_of(segment)
    data, index = files(folder, segment_id)
    listed = []
    temp = folder / f".{data.name}.{os.getpid()}"
    with open(temp, "wb") as out:
        for key, value in entries:
            kind, arrays, scalars = _parts(value)
            placed = []
            for array in arrays:
                out.write(b"\0" * (-out.tell() % ALIGN))
                placed.append([array.dtype.str, out.tell(), int(array.size)] if array is not None else None)
                if array is not None:
                    out.write(np.ascontiguousarray(array).tobytes())
            listed.append({"key": list(key[1:]), "kind": kind, "arrays": placed, "scalars": scalars})
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, data)
    temp = folder / f".{index.name}.{os.getpid()}"
    temp.write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, index)
    for key, _ in entries:
        postings.CACHE.forget(key)
    return decoded


def load(folder: Path, segment_id: str, reader) -> bool:
    """Map a segment's written arrays into the cache as shared entries; False when none are written yet."""
    data, index = files(folder, segment_id)
    try:
        listed = json.loads(index.read_text(encoding="utf-8"))
        with open(data, "rb") as handle:
            mapped = (
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(handle.fileno()).st_size else b""
            )
    except FileNotFoundError:  # not written yet, or the segment was merged away meanwhile
        return False
    segment = postings.segment_key(reader)
    for entry in listed:
        arrays = [_array(mapped, placed) for placed in entry["arrays"]]
        postings.CACHE.share((segment, *entry["key"]), _value(entry["kind"], arrays, entry["scalars"]))
    return True


def _array(mapped, placed: list | None) -> np.ndarray | None:
    """Return a read-only view of one array in the mapped file (no copy)."""
    if placed is None:
        return None
    dtype, offset, count = placed
    return np.frombuffer(mapped, np.dtype(dtype), count, offset)


def _parts(value) -> tuple[str, list[np.ndarray | None], dict]:
    """Return a cached value as its kind, its arrays and its scalars."""
    if isinstance(value, Postings):
        return "postings", [value.ids, value.weights], {}
    if isinstance(value, Bitmaps):
        return "bitmaps", [value.ids, value.bits, value.beyond], {}
    if isinstance(value, Scoring):
        return "scoring", [value.pairs], {"most": value.most, "by_document": value.by_document}
    return "array", [value], {}


def _value(kind: str, arrays: list, scalars: dict):
    if kind == "postings":
        return Postings(*arrays)
    if kind == "bitmaps":
        return Bitmaps(*arrays)
    if kind == "scoring":
        return Scoring(arrays[0], scalars["most"], scalars["by_document"])
    return arrays[0]
