"""A document's signature verdict: a filter and a facet, following each new check of its file (issue 27)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from erms import search
from erms.models import SignatureCheck
from filing import signature_checks
from tests.search.search_helpers import found


def _signed(session, document, *statuses: str, pending: bool, now) -> None:
    """Mark a document's file signed, waiting for a check or not, with checks of ``statuses`` (the last the latest)."""
    stored = document.versions[-1].file
    stored.has_pdf_signature, stored.signature_pending = True, pending
    for at, status in enumerate(statuses):
        session.add(
            SignatureCheck(
                stored_file_id=stored.id,
                checked_at=now + timedelta(minutes=at),
                status=status,
                findings="[]",
                roots="",
            )
        )
    session.flush()


@pytest.fixture
def signed_corpus(session, make_dossier, file_document, commit, now):
    dossier = make_dossier("open", documents=0)
    documents = {
        name: file_document(dossier, f"Quyết định phê duyệt {subject}")
        for name, subject in (
            ("valid", "dự án đường"),
            ("invalid", "dự án trường"),
            ("pending", "dự án cầu"),
            ("unsigned", "dự án chợ"),
        )
    }
    commit()
    _signed(session, documents["valid"], "invalid", "valid", pending=False, now=now)  # the latest check counts
    _signed(session, documents["invalid"], "invalid", pending=False, now=now)
    _signed(session, documents["pending"], "valid", pending=True, now=now)  # checked once, waits for new roots
    commit()
    return dossier, documents


def test_each_verdict_finds_exactly_its_documents_and_the_facet_counts_them(session, signed_corpus, world):
    dossier, documents = signed_corpus
    officer = world.actor("officer1")
    for verdict in ("valid", "invalid", "pending"):
        assert found(session, officer, "phe duyet", signature=verdict) == [("document", documents[verdict].id)]
    assert found(session, officer, "", signature="revoked") == []
    assert found(session, officer, "", signature="not_checked") == []
    assert len(found(session, officer, "")) == 5  # no filter: the dossier and every document, signed or not
    results = search.query(session, officer, search.Search(text="phe duyet"))
    assert dict(results.facets["signature"]) == {"valid": 1, "invalid": 1, "pending": 1}  # unsigned: no value
    everything = search.query(session, officer, search.Search())
    assert dict(everything.facets["signature"]) == {"valid": 1, "invalid": 1, "pending": 1}  # a dossier has none
    assert search.verify(session).ok


def test_a_new_check_or_a_file_waiting_again_reaches_the_index(session, signed_corpus, world, commit, now):
    _, documents = signed_corpus
    officer = world.actor("officer1")
    # A check added alone (the file's flags unchanged): the latest verdict is the new one.
    _signed(session, documents["invalid"], "revoked", pending=False, now=now + timedelta(hours=1))
    commit()
    assert found(session, officer, "", signature="revoked") == [("document", documents["invalid"].id)]
    assert found(session, officer, "", signature="invalid") == []
    pending = documents["pending"].versions[-1].file
    # The worker's check of the waiting file: no document or version changes, only the check is added.
    signature_checks.record(session, pending.id, None, signature_checks.roots_now(session)[0], now=now)
    commit()
    assert found(session, officer, "", signature="not_checked") == [("document", documents["pending"].id)]
    assert found(session, officer, "", signature="pending") == []
    # New roots: a checked file waits for a check again.
    documents["valid"].versions[-1].file.signature_pending = True
    commit()
    assert found(session, officer, "", signature="pending") == [("document", documents["valid"].id)]
    assert found(session, officer, "", signature="valid") == []
    assert search.verify(session).ok


def test_a_batch_reads_the_checks_of_all_its_files_in_one_query(session, signed_corpus, index):
    _, documents = signed_corpus
    keys = [f"document:{document.id}" for document in documents.values()]
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        search.changes_for(session, keys)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sum("signature_checks" in statement for statement in statements) == 1
