"""Helpers shared by the search tests."""

from __future__ import annotations

from erms import search


def found(actor, text: str = "", **filters) -> list[tuple[str, int]]:
    """Return (kind, record id) of every hit of a query, in rank order."""
    results = search.query(actor, search.Search(text=text, per_page=100, **filters))
    return [(hit.kind, hit.record_id) for hit in results.hits]
