"""Helpers shared by the search tests."""

from __future__ import annotations

from erms import search


def found(session, actor, text: str = "", **filters) -> list[tuple[str, int]]:
    """Return (kind, record id) of every hit of a query, in rank order."""
    results = search.query(session, actor, search.Search(text=text, per_page=100, **filters))
    return [(hit.kind, hit.record_id) for hit in results.hits]


def installed(engine: str, tmp_path, store, database_url):
    """Install ``engine`` for one test (its index in the test's temp folder or transaction), then remove it."""
    settings = {
        "SEARCH_ENGINE": engine,
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "STORAGE_ROOT": str(store.root),
    }
    yield search.install(settings)
    search.install(None)
