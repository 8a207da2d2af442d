"""After a destruction list is executed, search no longer finds the destroyed content (issue 5, item 6)."""

import pytest

from erms import jobs, search
from filing import dossiers
from tests.factories import DOCUMENT, upload


@pytest.fixture
def index(tmp_path, store):
    service = search.install({"SEARCH_INDEX_DIR": str(tmp_path / "search"), "STORAGE_ROOT": str(store.root)})
    yield service
    search.install(None)


def hits(session, actor, text):
    return [(hit.kind, hit.record_id) for hit in search.query(session, actor, search.Search(text=text)).hits]


def test_executed_destruction_leaves_nothing_findable_but_the_stub(
    world, session, session_factory, store, now, make_dossier, approved, later, index
):
    doomed = make_dossier("open", documents=0)
    document = dossiers.add_document(
        session,
        world.actor("officer1"),
        doomed.id,
        dict(DOCUMENT, subject="Biên bản họp hội đồng"),
        upload("Nội dung thẩm định giá đất khu tái định cư Láng Hạ".encode(), "biên bản.txt"),
        store=store,
        now=now,
    )
    dossiers.close_dossier(session, world.actor("officer1"), doomed.id, store=store, now=now)
    transfer = dossiers.submit(session, world.actor("officer1"), [doomed.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    session.commit()
    search.catch_up(session)
    archivist = world.actor("archivist")
    assert ("document", document.id) in hits(session, archivist, "tai dinh cu lang ha")

    listed = approved([doomed])
    session.commit()
    jobs.execute_destruction(
        session_factory,
        world.users["archivist"].id,
        listed.id,
        store=store,
        settings={},
        clock=lambda: later,
    )
    search.catch_up(session_factory())  # as the worker does: a session of its own, not this test's stale one
    assert hits(session, archivist, "tai dinh cu lang ha") == []
    stub = search.query(session, archivist, search.Search(text=doomed.file_code)).hits
    assert [(hit.kind, hit.fields["state"]) for hit in stub] == [("dossier", "destroyed")]
