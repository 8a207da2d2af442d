"""The extent a dossier keeps from its closing (``Dossier.extent_*``, set by ``erms.lifecycle``): measured when it
closes, kept through every later state, cleared when it is reopened."""

import pytest
from sqlalchemy import select

from erms import lifecycle
from erms.errors import RuleViolation
from erms.models import TransferItem
from erms.models.dossier import DossierState
from filing import dossiers
from tests.factories import DOCUMENT, upload


def extent(dossier) -> tuple:
    return dossier.extent_documents, dossier.extent_pages, dossier.extent_bytes


def add(session, world, store, now, dossier, number: int, content: bytes, **values):
    data = {key: value for key, value in dict(DOCUMENT, code_number=str(500 + number), **values).items() if value}
    return dossiers.add_document(
        session, world.actor("officer1"), dossier.id, data, upload(content), store=store, now=now
    )


def close(session, world, store, now, dossier) -> None:
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)


def test_closing_stores_the_extent_and_reopening_clears_it(session, world, store, now, make_dossier):
    officer = world.actor("officer1")
    other = make_dossier("closed", documents=1)  # its document is filed here too: it counts in each dossier
    shared = other.links[0].document
    dossier = make_dossier("open", documents=0)
    assert extent(dossier) == (None, None, None)
    add(session, world, store, now, dossier, 1, b"%PDF-first", page_amount=4)
    add(session, world, store, now, dossier, 2, b"%PDF-no pages given", page_amount=None)  # counts 0 pages
    draft = add(session, world, store, now, dossier, 3, b"draft 1", status="draft", page_amount=2)
    dossiers.add_version(session, officer, dossier.id, draft.id, upload(b"draft 2, longer"), store=store, now=now)
    dossiers.finalise_document(session, officer, dossier.id, draft.id, now=now)  # both versions' files count
    dossiers.link_document(session, officer, dossier.id, shared.id, now=now)
    close(session, world, store, now, dossier)
    every_version = len(b"%PDF-first" + b"%PDF-no pages given" + b"draft 1" + b"draft 2, longer") + sum(
        version.file.size for version in shared.versions
    )
    assert extent(dossier) == (4, 4 + 0 + 2 + shared.page_amount, every_version)
    assert extent(other) == (1, shared.page_amount, sum(version.file.size for version in shared.versions))

    dossiers.reopen_dossier(session, officer, dossier.id, "Bổ sung văn bản còn thiếu", now=now)
    assert dossier.state is DossierState.OPEN and extent(dossier) == (None, None, None)
    add(session, world, store, now, dossier, 4, b"%PDF-added after reopening", page_amount=5)
    close(session, world, store, now, dossier)  # closed again: measured again, with the new document
    assert extent(dossier) == (5, 4 + 2 + shared.page_amount + 5, every_version + len(b"%PDF-added after reopening"))
    session.flush()
    session.expire(dossier)  # what was written, not only what the object holds
    assert extent(dossier) == lifecycle.measure(session, dossier.id)


def test_the_extent_stays_through_submission_acceptance_and_return(session, world, store, now, make_dossier):
    measured = (2, 2 * DOCUMENT["page_amount"], len(b"%PDF-0" + b"%PDF-1"))
    archived = make_dossier("archived", documents=2)
    assert archived.state is DossierState.ARCHIVED and extent(archived) == measured
    submitted = make_dossier("submitted", documents=2)
    item = session.scalar(select(TransferItem.id).where(TransferItem.dossier_id == submitted.id))
    dossiers.reject(session, world.actor("archivist"), item, "Thiếu văn bản", now=now)  # back to CLOSED, unchanged
    assert submitted.state is DossierState.CLOSED and extent(submitted) == measured


def test_a_document_also_in_a_closed_dossier_keeps_its_pages(session, world, store, now, make_dossier):
    # The only edit of a document's pages is refused while the document is in a dossier no longer open, so the
    # extent that dossier closed with stays true (nothing to recompute when another dossier sharing it changes).
    closed = make_dossier("closed", documents=1)
    shared = closed.links[0].document
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    dossiers.link_document(session, officer, dossier.id, shared.id, now=now)
    values = {**dossiers.document_values(shared), "page_amount": 99}
    with pytest.raises(RuleViolation, match="no longer open"):
        dossiers.update_document(session, officer, dossier.id, shared.id, values, now=now)
    assert extent(closed) == lifecycle.measure(session, closed.id) == (1, DOCUMENT["page_amount"], len(b"%PDF-0"))
