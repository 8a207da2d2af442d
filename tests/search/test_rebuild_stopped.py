"""A search rebuild stopped from the background-work page: searches keep answering from the index they had, nothing
half-built is left behind, and the next rebuild makes a whole index (issue 18, item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from erms import background, jobs, search
from erms.models.background import JobState
from tests.search.search_helpers import found


def stopped_rebuild(session, session_factory, store) -> list:
    """Queue a rebuild that a worker had begun and the administrator then asked to stop; run the queue."""
    job = background.enqueue(session, None, jobs.SEARCH_REBUILD_JOB, jobs.SEARCH_REBUILD_SUBJECT, {}, now=jobs.utcnow())
    job.state, job.heartbeat_at, job.cancel_requested = JobState.RUNNING, jobs.utcnow() - timedelta(hours=1), True
    session.commit()
    settings = {"STORAGE_ROOT": str(store.root)}
    return background.run_pending(session_factory, store, settings, jobs.utcnow, "worker")


def test_a_rebuild_stopped_half_way_leaves_searches_their_index(
    make_dossier, file_document, session, session_factory, world, store, index, commit, tmp_path, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Báo cáo quyết toán ngân sách")
    commit()
    monkeypatch.setattr(search, "BATCH", 1)  # it stops after its first record, with more to index
    ran = stopped_rebuild(session, session_factory, store)
    assert [(job.kind, job.state) for job in ran] == [(jobs.SEARCH_REBUILD_JOB, JobState.CANCELLED)]
    officer = world.actor("officer1")
    assert found(session, officer, "quyet toan ngan sach") == [("document", document.id)]
    assert not list((tmp_path / "search").glob("gen-*.part"))  # Whoosh: the half-built generation removed
    assert search.rebuild(session) == search.verify(session).checked and search.verify(session).ok


def test_a_first_fill_stopped_on_purpose_keeps_the_words_index(
    make_dossier, session, session_factory, store, index, monkeypatch
):
    if not search.rebuild_writes_database():
        pytest.skip("PostgreSQL's own: Whoosh drops no index to fill faster")
    make_dossier("open", documents=2)
    session.commit()
    session.execute(text("DELETE FROM search_entries"))  # an empty table: the fill drops the index, to make it once
    session.commit()
    monkeypatch.setattr(search, "BATCH", 1)
    assert [job.state for job in stopped_rebuild(session, session_factory, store)] == [JobState.CANCELLED]
    assert session.scalar(text("SELECT count(*) FROM search_entries")) == 1
    assert session.scalar(text("SELECT to_regclass('ix_search_entries_words')")) is not None
    assert search.rebuild(session) == 3 and search.verify(session).ok  # the next rebuild makes it whole
