"""Search fixtures: an index in the test's temp folder, installed for the test and removed after.

The test session joins an outer transaction, so its ``commit`` is a SAVEPOINT release that
SQLAlchemy still reports as a commit of the session: the search events fire exactly as in
production and queue the changed records; tests then play the worker with ``search.catch_up(session)``.
"""

from __future__ import annotations

import os

import pytest

from erms import search
from erms.models.register import RegisterKind
from filing import dossiers, registers
from tests.factories import DOCUMENT, upload
from tests.search.search_helpers import installed

# The engines behind erms.search. tests/search/contract/ is what every engine must do (folding, ranks, queries,
# phrases, filters, facets, sorting, paging, snippets, rights, consistency with the database); each test there runs
# once per engine listed here.
# PostgreSQL's engine runs where the suite runs on PostgreSQL (``make test``'s second run); Whoosh runs on both.
ENGINES = ["whoosh", "postgresql"] if os.environ.get("ERMS_TEST_DATABASE_URL") else ["whoosh"]


@pytest.fixture(params=ENGINES)
def index(request, tmp_path, store, database_url):
    yield from installed(request.param, tmp_path, store, database_url)


@pytest.fixture
def commit(session, index):
    """Commit the test session and wait until the index has what was committed."""

    def run() -> None:
        session.commit()
        search.catch_up(session)

    return run


@pytest.fixture
def file_document(session, world, store, now):
    """Return a factory: add a document with ``subject`` (and a text file ``content``) to an open dossier."""

    def add(dossier, subject: str, content: str | None = None, actor: str = "officer1", **fields):
        data = dict(DOCUMENT, subject=subject, **fields)
        if data.get("marking", "none") != "none":
            return _classified(dossier, data, actor)
        stream = upload((content or subject).encode(), filename="văn bản.txt")
        return dossiers.add_document(session, world.actor(actor), dossier.id, data, stream, store=store, now=now)

    def _classified(dossier, data, actor):
        # The registry records a classified document and sends it to the unit, which files it by reference.
        registry = world.actor("registry")
        entry = registers.register_document(
            session, registry, world.org.id, RegisterKind.INCOMING, data, None, store=store, now=now
        )
        registers.assign_unit(
            session, registry, world.org.id, entry.year, entry.series, entry.number, dossier.unit_id, now=now
        )
        return dossiers.link_document(session, world.actor(actor), dossier.id, entry.document_id, now=now)

    return add
