"""The index follows the database: create, edit, roll back, destroy, hand over, rebuild while people search."""

from __future__ import annotations

from erms import lifecycle, search
from erms.search_index import records
from filing import dossiers
from tests.search.search_helpers import found


def test_created_and_edited_records_are_found_after_commit(make_dossier, file_document, world, session, commit, now):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình về việc sửa chữa trụ sở", content="dự toán kinh phí sửa chữa mái")
    officer = world.actor("officer1")
    assert found(session, officer, "sua chua") == []  # nothing is indexed before the commit
    commit()
    assert found(session, officer, "sua chua") == [("document", document.id)]
    assert found(session, officer, "kinh phi mai") == [("document", document.id)]  # the file's text
    dossiers.update_dossier(session, officer, dossier.id, {"title": "Hồ sơ xây dựng nhà văn hóa"}, now=now)
    commit()
    assert found(session, officer, "nha van hoa") == [("dossier", dossier.id)]
    assert search.verify(session).ok


def test_a_rolled_back_change_never_reaches_the_index(make_dossier, file_document, world, session, index):
    dossier = make_dossier("open", documents=0)
    session.commit()
    nested = session.begin_nested()
    file_document(dossier, "Công văn về việc bị hủy bỏ")
    nested.rollback()
    session.rollback()
    search.catch_up(session)
    assert found(session, world.actor("officer1"), "huy bo") == []


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
    assert found(session, archivist, "tai dinh cu") == [("document", document.id)]
    lifecycle.apply(session, dossier, "destroy", archivist, now=now)
    commit()
    assert found(session, archivist, "tai dinh cu") == []
    assert ("document", document.id) in found(session, archivist, "bien ban hop hoi dong")
    stub = search.query(session, archivist, search.Search(text=dossier.file_code)).hits
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
    assert found(session, archivist, "giai phong mat bang") == []
    assert found(session, archivist, "bien ban", state="transferred") == [("document", document.id)]


def test_searches_between_the_batches_of_a_rebuild_find_every_record(
    make_dossier, file_document, session, world, commit, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    documents = [file_document(dossier, f"Kế hoạch số {n} về chuyển đổi số") for n in range(30)]
    commit()
    officer = world.actor("officer1")
    monkeypatch.setattr(search, "BATCH", 7)  # five batches, each written before the next is read
    counts = []

    def search_now(done: int, total: int) -> None:
        counts.append(search.query(session, officer, search.Search(text="chuyen doi so")).total)

    assert search.rebuild(session, search_now) == 31  # the dossier and its 30 plans
    assert counts == [len(documents)] * 5
    assert search.query(session, officer, search.Search(text="chuyen doi so")).total == len(documents)
    assert search.verify(session).ok


def test_a_rebuild_marks_the_index_current_and_a_new_version_outdates_it(make_dossier, session, index, monkeypatch):
    make_dossier("open", documents=1)
    session.commit()
    assert search.outdated(session)  # never rebuilt: the worker rebuilds it when it starts
    search.rebuild(session)
    assert not search.outdated(session)
    monkeypatch.setattr(records, "VERSION", records.VERSION + 1)  # what an index document holds changed
    assert search.outdated(session)
