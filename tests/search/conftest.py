"""Search fixtures: an index in the test's temp folder, installed for the test and removed after.

The test session joins an outer transaction, so its ``commit`` is a SAVEPOINT release that
SQLAlchemy still reports as a commit of the session: the search events fire exactly as in
production and hand the index documents to the writer; tests then ``search.wait()`` for it.
"""

from __future__ import annotations

import pytest

from erms import dossiers, search
from tests.conftest import DOCUMENT, upload


@pytest.fixture
def index(tmp_path, store):
    service = search.install({"SEARCH_INDEX_DIR": str(tmp_path / "search"), "STORAGE_ROOT": str(store.root)})
    yield service
    service.writer.wait()
    search.install(None)


@pytest.fixture
def commit(session, index):
    """Commit the test session and wait until the index has what was committed."""

    def run() -> None:
        session.commit()
        search.wait()

    return run


@pytest.fixture
def file_document(session, world, store, now):
    """Return a factory: add a document with ``subject`` (and a text file ``content``) to an open dossier."""
    def add(dossier, subject: str, content: str | None = None, actor: str = "officer1", **fields):
        data = dict(DOCUMENT, subject=subject, **fields)
        marked = data.get("marking", "none") != "none"
        stream = None if marked else upload((content or subject).encode(), filename="văn bản.txt")
        return dossiers.add_document(session, world.actor(actor), dossier.id, data, stream, store=store, now=now)

    return add

