"""Whoosh-specific consistency: verify against a damaged index, rebuild in two processes, an index of an earlier
version (tests/search/contract/test_consistency.py holds what every engine must do)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

from erms import search
from erms.search_index import whoosh_engine
from tests.search.search_helpers import found, installed


@pytest.fixture
def index(tmp_path, store, database_url):
    """Whoosh's own behaviour: its generations, its writer, the worker as its only writer."""
    yield from installed("whoosh", tmp_path, store, database_url)


def test_verify_names_missing_and_stale_records(make_dossier, file_document, session, commit):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Quyết định khen thưởng")
    commit()
    writer = search.service().engine.home.live().writer()  # the index loses a record behind our back
    writer.delete_by_term("key", f"document:{document.id}")
    writer.commit()
    dossier.title = "Hồ sơ đổi tên ngoài ứng dụng"
    session.flush()  # in the database this transaction reads, not committed: the index has the old title
    report = search.verify(session)
    assert report.missing == [f"document:{document.id}"]
    assert report.stale == [f"dossier:{dossier.id}"]
    assert not report.ok


def test_rebuild_in_two_processes_finds_every_record(make_dossier, file_document, session, world, commit, monkeypatch):
    dossier = make_dossier("open", documents=0)
    for number in range(12):
        file_document(dossier, f"Báo cáo tháng {number} về đất đai", content=f"giải phóng mặt bằng đợt {number}")
    commit()
    monkeypatch.setattr(whoosh_engine, "PROCS", 2)
    monkeypatch.setattr(whoosh_engine, "PARALLEL_FROM", 0)
    monkeypatch.setattr(search, "BATCH", 5)  # several batches into the one writer
    progress = []
    assert search.rebuild(session, lambda done, total: progress.append((done, total))) == 13
    assert progress == [(5, 13), (10, 13), (13, 13)]
    officer = world.actor("officer1")
    assert search.query(session, officer, search.Search(text="giai phong mat bang")).total == 12
    assert search.query(session, officer, search.Search(text='"dat dai"')).total == 12
    assert search.verify(session).ok


def test_an_index_of_an_earlier_version_is_replaced_and_verify_says_so(
    make_dossier, file_document, session, world, commit, index
):
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Quyết định phê duyệt quy hoạch")
    commit()
    earlier = whoosh_index.create_in(str(index.engine.home.new_generation()), fields.Schema(title=fields.TEXT))
    index.engine.home.switch(Path(earlier.storage.folder))
    assert found(session, world.actor("officer1"), "quy hoach") == []  # an empty index of this version, not an error
    assert len(search.verify(session).missing) == 2
    search.rebuild(session)
    assert len(found(session, world.actor("officer1"), "quy hoach")) == 1


def test_searches_in_other_threads_meet_no_error_while_a_rebuild_switches(
    make_dossier, file_document, session, world, commit
):
    dossier = make_dossier("open", documents=0)
    documents = [file_document(dossier, f"Kế hoạch số {n} về chuyển đổi số") for n in range(30)]
    commit()
    officer = world.actor("officer1")
    counts, errors, stop = [], [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                counts.append(search.query(session, officer, search.Search(text="chuyen doi so")).total)
            except Exception as error:  # any failure during the switch is what this test looks for
                errors.append(error)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        assert search.rebuild(session) == 31  # the dossier and its 30 plans
    finally:
        stop.set()
        searcher.join()
    assert errors == [] and counts and set(counts) == {len(documents)}
    assert search.query(session, officer, search.Search(text="chuyen doi so")).total == len(documents)
    assert search.verify(session).ok


def test_a_search_answers_when_the_worker_commits_just_after_its_reading_opened(
    make_dossier, file_document, session, world, commit, index, monkeypatch
):
    # Under load a web process met a 500: its reading was up to date, then the worker committed a newer generation
    # and removed the table of contents the search went on to read from disk for the index's schema.
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Kế hoạch chuyển đổi số năm 2026")
    commit()
    officer = world.actor("officer1")
    assert len(found(session, officer, "chuyen doi so")) == 1
    home = index.engine.home
    opened = home.reading

    def then_the_worker_commits():
        reading = opened()
        for toc in Path(reading.index.storage.folder).glob("_MAIN_*.toc"):
            toc.unlink()  # what the worker's commit does to the generation this reading opened
        return reading

    monkeypatch.setattr(home, "reading", then_the_worker_commits)
    assert len(found(session, officer, "chuyen doi so")) == 1


def test_a_first_search_in_another_process_leaves_a_rebuild_under_way_alone(
    make_dossier, file_document, session, world, commit, index, monkeypatch
):
    # The first start after `erms demo load`: the worker rebuilds an index that does not exist yet while a web
    # process answers a search, finds no live generation and makes the first, empty one.
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Quyết định phê duyệt quy hoạch")
    commit()
    root = index.engine.home.root
    shutil.rmtree(root)
    web = whoosh_engine.WhooshEngine(str(root))  # another process's view of the same folder
    make = index.engine.home.new_generation

    def then_a_web_search(*, building: bool = False) -> Path:
        folder = make(building=building)
        web.home.live()  # what the web process's search does meanwhile
        return folder

    monkeypatch.setattr(index.engine.home, "new_generation", then_a_web_search)
    assert search.rebuild(session) == 2
    assert len(found(session, world.actor("officer1"), "quy hoach")) == 1
    assert not search.outdated(session) and search.verify(session).ok
    assert sorted(path.name for path in root.iterdir() if path.name.startswith("gen-")) == ["gen-1", "gen-2"]


def test_a_rebuild_left_by_a_crash_a_day_ago_is_removed_at_the_next_switch(index):
    home = index.engine.home
    home.live()
    abandoned, under_way = home.new_generation(building=True), home.new_generation(building=True)
    day_ago = time.time() - 25 * 3600
    os.utime(abandoned, (day_ago, day_ago))
    home.switch(home.new_generation())
    assert not abandoned.exists() and under_way.exists()
