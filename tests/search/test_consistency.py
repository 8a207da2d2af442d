"""The index follows the database: create, edit, destroy, transfer, rollback; verify and rebuild."""

from __future__ import annotations

import threading
from pathlib import Path

from search_helpers import found
from whoosh import fields
from whoosh import index as whoosh_index

from erms import lifecycle, search
from filing import dossiers


def test_created_and_edited_records_are_found_after_commit(make_dossier, file_document, world, session, commit, now):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình về việc sửa chữa trụ sở", content="dự toán kinh phí sửa chữa mái")
    officer = world.actor("officer1")
    assert found(officer, "sua chua") == []  # nothing is indexed before the commit
    commit()
    assert found(officer, "sua chua") == [("document", document.id)]
    assert found(officer, "kinh phi mai") == [("document", document.id)]  # the file's text
    dossiers.update_dossier(session, officer, dossier.id, {"title": "Hồ sơ xây dựng nhà văn hóa"}, now=now)
    commit()
    assert found(officer, "nha van hoa") == [("dossier", dossier.id)]
    assert search.verify(session).ok


def test_a_rolled_back_change_never_reaches_the_index(make_dossier, file_document, world, session, index):
    dossier = make_dossier("open", documents=0)
    session.commit()
    nested = session.begin_nested()
    file_document(dossier, "Công văn về việc bị hủy bỏ")
    nested.rollback()
    session.rollback()
    search.catch_up(session)
    assert found(world.actor("officer1"), "huy bo") == []


def archived_with_text(make_dossier, file_document, session, world, store, now, text):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Biên bản họp hội đồng", content=text)
    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier, document


def test_destruction_purges_content_and_keeps_the_stub(make_dossier, file_document, session, world, store, now, commit):
    dossier, document = archived_with_text(
        make_dossier, file_document, session, world, store, now, "nội dung thẩm định giá đất khu tái định cư"
    )
    commit()
    archivist = world.actor("archivist")
    assert found(archivist, "tai dinh cu") == [("document", document.id)]
    lifecycle.apply(session, dossier, "destroy", archivist, now=now)
    commit()
    assert found(archivist, "tai dinh cu") == []
    assert ("document", document.id) in found(archivist, "bien ban hop hoi dong")
    stub = search.query(archivist, search.Search(text=dossier.file_code)).hits
    assert [(hit.kind, hit.fields["state"]) for hit in stub] == [("dossier", "destroyed")]
    assert search.verify(session).ok


def test_hand_over_purges_content(make_dossier, file_document, session, world, store, now, commit):
    dossier, document = archived_with_text(
        make_dossier, file_document, session, world, store, now, "phương án giải phóng mặt bằng"
    )
    commit()
    archivist = world.actor("archivist")
    lifecycle.apply(session, dossier, "transfer", archivist, now=now)
    commit()
    assert found(archivist, "giai phong mat bang") == []
    assert found(archivist, "bien ban", state="transferred") == [("document", document.id)]


def test_verify_names_missing_and_stale_records(make_dossier, file_document, session, commit):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Quyết định khen thưởng")
    commit()
    writer = search.service().home.live().writer()  # the index loses a record behind our back
    writer.delete_by_term("key", f"document:{document.id}")
    writer.commit()
    dossier.title = "Hồ sơ đổi tên ngoài ứng dụng"
    session.flush()  # in the database this transaction reads, not committed: the index has the old title
    report = search.verify(session)
    assert report.missing == [f"document:{document.id}"]
    assert report.stale == [f"dossier:{dossier.id}"]
    assert not report.ok


def test_rebuild_while_searching(make_dossier, file_document, session, world, commit):
    dossier = make_dossier("open", documents=0)
    documents = [file_document(dossier, f"Kế hoạch số {n} về chuyển đổi số") for n in range(30)]
    commit()
    officer = world.actor("officer1")
    counts, errors, stop = [], [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                counts.append(search.query(officer, search.Search(text="chuyen doi so")).total)
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
    assert search.query(officer, search.Search(text="chuyen doi so")).total == len(documents)
    assert search.verify(session).ok


def test_rebuild_in_two_processes_finds_every_record(make_dossier, file_document, session, world, commit, monkeypatch):
    dossier = make_dossier("open", documents=0)
    for number in range(12):
        file_document(dossier, f"Báo cáo tháng {number} về đất đai", content=f"giải phóng mặt bằng đợt {number}")
    commit()
    monkeypatch.setattr(search, "PROCS", 2)
    monkeypatch.setattr(search, "PARALLEL_FROM", 0)
    monkeypatch.setattr(search, "BATCH", 5)  # several batches into the one writer
    progress = []
    assert search.rebuild(session, lambda done, total: progress.append((done, total))) == 13
    assert progress == [(5, 13), (10, 13), (13, 13)]
    officer = world.actor("officer1")
    assert search.query(officer, search.Search(text="giai phong mat bang")).total == 12
    assert search.query(officer, search.Search(text='"dat dai"')).total == 12
    assert search.verify(session).ok


def test_an_index_of_an_earlier_version_is_replaced_and_verify_says_so(
    make_dossier, file_document, session, world, commit, index
):
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Quyết định phê duyệt quy hoạch")
    commit()
    earlier = whoosh_index.create_in(str(index.home.new_generation()), fields.Schema(title=fields.TEXT))
    index.home.switch(Path(earlier.storage.folder))
    assert found(world.actor("officer1"), "quy hoach") == []  # an empty index of this version, not an error
    assert len(search.verify(session).missing) == 2
    search.rebuild(session)
    assert len(found(world.actor("officer1"), "quy hoach")) == 1
