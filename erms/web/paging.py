"""One page of a long list a page shows in parts (a dossier's documents): which items, and where the others are.

A dossier kept as a year's file of outgoing copies ("tập lưu văn bản đi") holds hundreds of documents; listing them
all made its page heavy to build and to load on a slow office line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Slice:
    """The items of page ``number`` (from 1) of ``pages``, out of ``total`` items."""

    items: list[Any]
    number: int
    pages: int
    total: int


def slice_of(items: Sequence, per_page: int, number: int | None = None, holding: int | None = None) -> Slice:
    """Return page ``number`` of ``items`` (the first when none is asked, the last when one past it is), or, when
    ``holding`` is the index of an item, the page holding it (a link to one document lands where it is listed)."""
    pages = max(1, -(-len(items) // per_page))
    if holding is not None:
        number = holding // per_page + 1
    number = min(max(number or 1, 1), pages)
    start = (number - 1) * per_page
    return Slice(list(items[start : start + per_page]), number, pages, len(items))
