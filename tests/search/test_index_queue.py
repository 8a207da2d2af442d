"""One index writer per deployment: commits queue the records they change; only the worker writes the index.

The web side (any session's commit) writes rows to ``search_queue`` in the same transaction and never
touches the index; ``jobs.work_once`` indexes the queue only in the process holding the scheduler's
lease, and a search rebuild asked for as a background job runs in that same thread.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from erms import background, jobs, search
from erms.models import SearchQueueItem
from erms.search_index import postings, records
from tests.search.search_helpers import installed


@pytest.fixture
def index(tmp_path, store, database_url):
    """Whoosh's own behaviour: its generations, its writer, the worker as its only writer."""
    yield from installed("whoosh", tmp_path, store, database_url)


def found(session, actor, text):
    return [(hit.kind, hit.record_id) for hit in search.query(session, actor, search.Search(text=text)).hits]


def test_a_commit_only_queues_and_the_lease_holder_indexes(
    make_dossier, file_document, session, session_factory, world, store, now, index
):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình về việc sửa chữa trụ sở")
    session.commit()
    officer = world.actor("officer1")
    assert found(session, officer, "sua chua tru so") == []  # nothing written to the index by the saving side
    queued = set(session.scalars(select(SearchQueueItem.key)))
    assert {f"document:{document.id}", f"dossier:{dossier.id}"} <= queued

    settings = {"STORAGE_ROOT": str(store.root)}
    assert jobs.work_once(session_factory, store, settings, "other-host:1") == []
    assert found(session, officer, "sua chua tru so") == [] and search.waiting(session_factory()) == len(queued)

    with session_factory() as lease_session:
        assert jobs.acquire_lease(lease_session, "worker:1", now=jobs.utcnow())
        lease_session.commit()
    jobs.work_once(session_factory, store, settings, "worker:1")
    assert found(session, officer, "sua chua tru so") == [("document", document.id)]
    assert search.waiting(session_factory()) == 0


def test_a_change_queued_while_the_worker_writes_is_indexed_next(
    make_dossier, file_document, session, session_factory, world, index
):
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Kế hoạch tổ chức hội nghị")
    session.commit()
    reading = session_factory()
    work = search.queued(reading)  # the worker has read the queue and builds the index documents …
    dossier.title = "Hồ sơ hội nghị cán bộ công chức viên chức"  # … when someone saves again
    session.commit()
    search.write(work)
    search.done(reading, work)
    reading.commit()
    archivist = world.actor("archivist")
    assert found(session, archivist, "vien chuc") == []  # the first batch had the old title
    assert search.waiting(session_factory()) > 0  # only the rows it wrote are gone
    search.catch_up(session_factory())
    assert found(session, archivist, "vien chuc") == [("dossier", dossier.id)]


def test_a_rebuild_job_runs_in_the_worker_then_the_queue(
    make_dossier, file_document, session, session_factory, world, store, index
):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Báo cáo quyết toán ngân sách")
    session.commit()
    job = background.enqueue(session, None, jobs.SEARCH_REBUILD_JOB, jobs.SEARCH_REBUILD_SUBJECT, {}, now=jobs.utcnow())
    session.commit()
    with session_factory() as lease_session:
        jobs.acquire_lease(lease_session, "worker:1", now=jobs.utcnow())
        lease_session.commit()
    ran = jobs.work_once(session_factory, store, {"STORAGE_ROOT": str(store.root)}, "worker:1")
    report = search.verify(session_factory())
    assert [(item.id, item.state.value, item.progress) for item in ran] == [
        (job.id, "done", f"{report.checked}/{report.checked}")
    ]
    assert found(session, world.actor("officer1"), "quyet toan ngan sach") == [("document", document.id)]
    assert report.ok and search.waiting(session_factory()) == 0


def test_the_worker_rebuilds_an_index_of_another_version_as_it_starts(
    make_dossier, file_document, session, session_factory, world, store, index, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình mua sắm thiết bị")
    session.commit()
    search.catch_up(session)
    search.rebuild(session)
    assert jobs.queue_rebuild_if_outdated(session_factory) is None  # this code's version: nothing to do
    monkeypatch.setattr(records, "VERSION", records.VERSION + 1)  # an upgrade changed what is indexed
    job = jobs.queue_rebuild_if_outdated(session_factory)
    assert job is not None and job.kind == jobs.SEARCH_REBUILD_JOB
    assert jobs.queue_rebuild_if_outdated(session_factory).id == job.id  # one rebuild, however often it starts
    with session_factory() as lease_session:
        jobs.acquire_lease(lease_session, "worker:1", now=jobs.utcnow())
        lease_session.commit()
    ran = jobs.work_once(session_factory, store, {"STORAGE_ROOT": str(store.root)}, "worker:1")
    assert [(item.id, item.state.value) for item in ran] == [(job.id, "done")]
    assert not search.outdated(session_factory()) and jobs.queue_rebuild_if_outdated(session_factory) is None
    assert found(session, world.actor("officer1"), "mua sam thiet bi") == [("document", document.id)]


def test_segments_are_plain_files_that_searchers_read_in_place(make_dossier, file_document, session, index):
    # A compound segment (one .seg file) is copied into memory by every searcher Whoosh opens on it: one
    # per thread of every web process (hundreds of MB each at 100k documents, bench/RESULTS.md).
    file_document(make_dossier("open", documents=0), "Quyết định thành lập hội đồng")
    session.commit()
    search.catch_up(session)
    written = {path.suffix for path in Path(search.index_location()).iterdir()}
    assert ".seg" not in written and {".trm", ".pst"} <= written


def test_threads_share_the_index_state_they_read(make_dossier, file_document, session, index):
    # Each thread needs its own Whoosh searcher, but the masks, columns and facet bits built from one
    # state of the index are kept once per process; the writer's decoded arrays are mapped, not copied.
    file_document(make_dossier("open", documents=0), "Báo cáo kết quả thanh tra")
    session.commit()
    search.catch_up(session)
    readings = []
    worker = threading.Thread(target=lambda: readings.append(search.service().engine.home.reading()))
    worker.start()
    worker.join()
    here = search.service().engine.home.reading()
    assert here is not readings[0] and here.searcher is not readings[0].searcher
    assert here._masks is readings[0]._masks and here._columns is readings[0]._columns
    assert postings.CACHE.shared_segments == {postings.segment_key(leaf) for leaf, _ in here.leaves}


def test_a_record_the_index_cannot_take_leaves_the_queue_and_holds_up_no_other(
    make_dossier, file_document, session, session_factory, world, monkeypatch, caplog, index
):
    dossier = make_dossier("open", documents=0)
    broken = file_document(dossier, "Công văn hỏng dữ liệu")
    fine = file_document(dossier, "Quyết định phê duyệt kế hoạch đào tạo")
    session.commit()
    building = records.entries

    def refuse_the_broken_one(reading_session, keys):
        if f"document:{broken.id}" in set(keys):  # the keys once a changed dossier's documents are added
            raise ValueError("this record's data cannot make an index document")
        return building(reading_session, keys)

    monkeypatch.setattr(records, "entries", refuse_the_broken_one)
    jobs.index_queued(session_factory)
    officer = world.actor("officer1")
    assert found(session, officer, "dao tao") == [("document", fine.id)]  # indexed despite the broken record before it
    assert found(session, officer, "hong du lieu") == [] and search.waiting(session_factory()) == 0
    assert f"document:{broken.id} cannot be indexed and leaves the queue" in caplog.text
    monkeypatch.setattr(records, "entries", building)
    assert search.verify(session_factory()).missing == [f"document:{broken.id}"]  # verify names it for a rebuild
