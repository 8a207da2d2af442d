"""People adding at once get the next number in turn, on SQLite and PostgreSQL alike: ad-hoc list entries and
documents filed into one dossier (issue 18: numbering as "highest plus one" failed with 409 on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms import db
from erms.models import DossierDocument, DossierListEntry
from erms.permissions import load_actor
from erms.storage import FileStore
from filing import dossiers
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World, upload

PEOPLE = 8


@pytest.fixture
def factory(database_url, tmp_path):
    """Sessions on a migrated database of its own: each thread commits for real."""
    with own_database(database_url, tmp_path, "numbers") as url:
        engine = db.make_engine(url, pool_size=PEOPLE + 2)
        yield db.make_session_factory(engine)
        engine.dispose()


def at_once(work) -> list[str]:
    """Run ``work(index)`` in PEOPLE threads started together; return the errors they met."""
    start, failures = threading.Barrier(PEOPLE), []

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except Exception as error:  # noqa: BLE001 - the caller's assertion shows it
            failures.append(repr(error))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_ad_hoc_entries_and_documents_added_at_once_are_numbered_in_turn(factory, tmp_path):
    store = FileStore(tmp_path / "files")
    with db.transaction(factory) as session:
        world = World(session, NOW)
        listed = world.approved_list(entries=1)
        entry = listed.entries[0]
        dossier = dossiers.open_dossier(
            session, world.actor("officer1"), entry.id, {"start_date": "2026-01-05"}, now=NOW
        )
        list_id, dossier_id, officer_id, row_id = (
            listed.id,
            dossier.id,
            world.users["officer1"].id,
            world.rows["10y"].id,
        )

    def add_entry(index: int) -> None:
        with db.transaction(factory) as session:
            dossier_lists.add_ad_hoc_entry(
                session,
                load_actor(session, officer_id),
                list_id,
                title=f"Hồ sơ phát sinh số {index}",
                retention_row_id=row_id,
                now=NOW,
            )

    def add_document(index: int) -> None:
        with db.transaction(factory) as session:
            dossiers.add_document(
                session,
                load_actor(session, officer_id),
                dossier_id,
                {**DOCUMENT, "code_number": str(index)},
                upload(f"%PDF-{index}".encode()),
                store=store,
                now=NOW,
            )

    assert at_once(add_entry) == []
    assert at_once(add_document) == []
    with db.transaction(factory) as session:
        numbers = sorted(
            session.scalars(select(DossierListEntry.number).where(DossierListEntry.dossier_list_id == list_id))
        )
        ordinals = sorted(
            session.scalars(select(DossierDocument.ordinal).where(DossierDocument.dossier_id == dossier_id))
        )
    assert numbers == list(range(1, PEOPLE + 2)) and ordinals == list(range(1, PEOPLE + 1))
