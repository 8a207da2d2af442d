"""The metadata seal (PL6 III.7.đ) attacked through ERMS itself: what people do at the same moment must never leave a
closed dossier looking "changed outside ERMS" (the archive would refuse it, the archivists be told of a change nobody
made outside). A document filed in two dossiers is edited from the open one while the other closes: either the edit
lands before the seal and is sealed with it, or it is refused as the document's metadata is fixed now; a document
filed into a dossier while it closes alike. What is done with a closed dossier through ERMS (its document filed
elsewhere, access changed, submitted and accepted) leaves its seal whole."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from administration import metadata_fixity
from erms import db, metadata_seal, supplementary
from erms.errors import RuleViolation
from erms.models import Document, Dossier, MetadataSeal
from erms.models.dossier import DossierState
from erms.permissions import load_actor
from erms.storage import FileStore
from filing import dossiers
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World, make_dossier, supplementary_field, upload
from tests.web.test_leak_review import restrict

VALUE = {"supplementary.so_hop_dong": "HĐ-15/2026"}


@pytest.fixture
def shared(database_url, tmp_path):
    """A database of its own holding dossier A (open, one document, ready to close) and dossier B (open) where the
    same document is filed too; yield the engine, the file store and (A, B, document, officer) ids."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs writing transactions one at a time from their start: none meets another")
    store = FileStore(tmp_path / "files")
    with own_database(database_url, tmp_path, "seal") as url:
        engine = db.make_engine(url)
        with Session(engine) as setup:
            world = World(setup, NOW)
            supplementary_field(setup, world.org.id, "document", "so_hop_dong", "Số hợp đồng")
            first = make_dossier(setup, world, store, NOW, "open")
            second = make_dossier(setup, world, store, NOW, "open", documents=0)
            document_id = first.links[0].document_id
            dossiers.link_document(setup, world.actor("officer1"), second.id, document_id, now=NOW)
            ids = first.id, second.id, document_id, world.users["officer1"].id
            setup.commit()
        yield engine, store, ids
        engine.dispose()


def in_thread(work) -> tuple[threading.Thread, list[Exception]]:
    """Start ``work`` in a thread of its own; return it and the list its error goes to."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - the test asserts what was met
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def close(engine, store, dossier_id: int, officer_id: int) -> None:
    with Session(engine) as session:
        dossiers.close_dossier(session, load_actor(session, officer_id), dossier_id, store=store, now=NOW)
        session.commit()


def edit(session: Session, other_id: int, document_id: int, officer_id: int) -> None:
    dossiers.update_document(session, load_actor(session, officer_id), other_id, document_id, VALUE, now=NOW)
    session.flush()


def sealed_state(engine, dossier_id: int, document_id: int) -> tuple[DossierState, list, dict]:
    with Session(engine) as check:
        dossier = check.get_one(Dossier, dossier_id)
        kept = check.get_one(MetadataSeal, dossier_id)
        document = check.get_one(Document, document_id)
        return dossier.state, metadata_seal.changes(kept, dossier), supplementary.values_of(document)


def while_closing(engine, store, dossier_id: int, officer_id: int, write) -> list[Exception]:
    """Make ``write`` in a session left uncommitted, close the dossier meanwhile in another thread (it waits for the
    write), then commit the write; return what the closing met."""
    with Session(engine) as writing:
        write(writing)
        closing, errors = in_thread(lambda: close(engine, store, dossier_id, officer_id))
        closing.join(timeout=1)  # the close waits for the write to end
        writing.commit()
        closing.join()
    return errors


def after_the_seal(engine, store, dossier_id: int, officer_id: int, write) -> list[Exception]:
    """Close the dossier in a session left uncommitted (sealed), make ``write`` meanwhile in another thread (it waits
    for the close), then commit the close; return what the write met."""
    with Session(engine) as closing:
        dossiers.close_dossier(closing, load_actor(closing, officer_id), dossier_id, store=store, now=NOW)
        closing.flush()  # sealed, not yet committed

        def late() -> None:
            with Session(engine) as writing:
                write(writing)
                writing.commit()

        writer, errors = in_thread(late)
        writer.join(timeout=1)  # the write waits for the close to end
        closing.commit()
        writer.join()
    return errors


def test_a_document_edited_while_its_other_dossier_closes_is_sealed_as_edited(shared):
    engine, store, (first_id, second_id, document_id, officer_id) = shared
    errors = while_closing(engine, store, first_id, officer_id, lambda s: edit(s, second_id, document_id, officer_id))
    assert errors == []
    assert sealed_state(engine, first_id, document_id) == (DossierState.CLOSED, [], {"so_hop_dong": "HĐ-15/2026"})


def test_a_document_edited_while_its_other_dossier_closes_after_the_seal_is_refused(shared):
    engine, store, (first_id, second_id, document_id, officer_id) = shared
    errors = after_the_seal(engine, store, first_id, officer_id, lambda s: edit(s, second_id, document_id, officer_id))
    assert [type(error) for error in errors] == [RuleViolation]
    assert "no longer open; its metadata is fixed" in str(errors[0])
    assert sealed_state(engine, first_id, document_id) == (DossierState.CLOSED, [], {})


def add(session: Session, store, dossier_id: int, officer_id: int) -> None:
    data = {**DOCUMENT, "code_number": "200"}
    dossiers.add_document(session, load_actor(session, officer_id), dossier_id, data, upload(), store=store, now=NOW)
    session.flush()


def filed(engine, dossier_id: int) -> tuple[DossierState, list, int]:
    with Session(engine) as check:
        dossier = check.get_one(Dossier, dossier_id)
        kept = check.get_one(MetadataSeal, dossier_id)
        return dossier.state, metadata_seal.changes(kept, dossier), len(dossier.links)


def test_a_document_filed_while_the_dossier_closes_is_sealed_with_it(shared):
    engine, store, (first_id, _second_id, _document_id, officer_id) = shared
    errors = while_closing(engine, store, first_id, officer_id, lambda s: add(s, store, first_id, officer_id))
    assert errors == []
    assert filed(engine, first_id) == (DossierState.CLOSED, [], 2)


def test_a_document_filed_after_the_seal_is_refused(shared):
    engine, store, (first_id, _second_id, _document_id, officer_id) = shared
    errors = after_the_seal(engine, store, first_id, officer_id, lambda s: add(s, store, first_id, officer_id))
    assert [str(error) for error in errors] == ["Only an open dossier can be changed; this one is closed."]
    assert filed(engine, first_id) == (DossierState.CLOSED, [], 1)


def test_what_people_do_with_a_closed_dossier_through_erms_leaves_its_seal_whole(
    session, world, store, now, make_dossier
):
    supplementary_field(session, world.org.id, "document", "so_hop_dong", "Số hợp đồng")
    officer = world.actor("officer1")
    closed = make_dossier("closed")
    document_id = closed.links[0].document_id
    other = make_dossier("open", documents=0)
    dossiers.link_document(session, officer, other.id, document_id, now=now)  # also filed elsewhere
    with pytest.raises(RuleViolation, match="its metadata is fixed"):
        dossiers.update_document(session, officer, other.id, document_id, VALUE, now=now)
    restrict(session, world, "officer1", closed.id, document_id, now)  # a document's access changed
    restrict(session, world, "officer1", closed.id, None, now)  # and the dossier's
    transfer = dossiers.submit(session, officer, [closed.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    found = metadata_fixity.check_one(session, closed.id, now=now)
    assert found is not None and found.outcome is metadata_fixity.Outcome.INTACT
