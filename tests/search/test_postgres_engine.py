"""The PostgreSQL engine's own behaviour (tests/search/contract holds what every engine must do): its words as
tsvector literals, a long file's words past the positions a tsvector keeps, ranking with RUM or GIN alike, the first
fill of an empty table, and typed fields in the record's own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from erms import search
from erms.search_index import postgres, tsvector
from tests.search.search_helpers import found, installed


def test_words_are_cut_and_folded_as_the_whoosh_analyzer_does():
    assert tsvector.words("Quyết định 12/QĐ-UBND về Đống Đa") == [
        "quyet",
        "dinh",
        "12",
        "qd",
        "ubnd",
        "ve",
        "dong",
        "da",
    ]
    assert tsvector.metadata_vector({"code": "12/QĐ", "title": "Đất đai"}) == "'12':1B 'qd':2B 'dat':3A 'dai':4A"
    tsquery, words, exact = tsvector.query('đất đai "giải phóng mặt" 7/QĐ-UBND')
    assert tsquery == "('giai' <-> 'phong' <-> 'mat') & ('dat') & ('dai') & ('7' <-> 'qd' <-> 'ubnd')"
    assert words == ["giai", "phong", "mat", "dat", "dai", "7", "qd", "ubnd"]
    assert exact == ["đất", "đai", "giải", "phóng", "mặt", "7", "qđ", "ubnd"]
    assert tsvector.query('"" OR \'; DROP TABLE x --')[0] == "('or') & ('drop') & ('table') & ('x')"


def test_words_beyond_the_positions_a_vector_keeps_are_kept_without_one():
    vector = tsvector.content_vector(" ".join(["chung"] * 300 + ["word"] * (tsvector.MAX_POSITION) + ["cuoi"]))
    assert vector.count(",") == tsvector.MAX_POSITIONS - 1 + tsvector.MAX_POSITIONS - 1  # 256 positions each
    assert vector.endswith(" 'cuoi'")  # past position 16,383: found, never in a phrase


@pytest.fixture
def index(tmp_path, store, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL engine needs a PostgreSQL database")
    yield from installed("postgresql", tmp_path, store, database_url)


def test_a_long_files_last_word_is_found(make_dossier, file_document, session, world, commit):
    dossier = make_dossier("open", documents=0)
    words = " ".join(f"tu{number % 5000}" for number in range(20_000))  # 20,000 words, 5,000 distinct
    document = file_document(dossier, "Báo cáo dài", content=f"{words} kết luận cuối cùng")
    commit()
    officer = world.actor("officer1")
    assert found(session, officer, "ket luan cuoi cung") == [("document", document.id)]
    assert found(session, officer, '"ket luan cuoi cung"') == []  # past the positions a tsvector keeps


def test_ranking_with_the_words_index_or_reading_every_match_agree(make_dossier, file_document, session, world, commit):
    dossier = make_dossier("open", documents=0)
    for title in ("Kế hoạch cải cách hành chính", "Cải cách", "Báo cáo về cải cách thủ tục hành chính", "Cai cach"):
        file_document(dossier, title)
    commit()
    asked = postgres.Asked(tsvector.query("cải cách hành chính")[0], ["cải", "cách"], [str(world.org.id)], [], {})
    by_reading = postgres.page(session, asked, "relevance", 0, 10, ranked_by_index=False)
    assert [hit["title"] for hit in by_reading] == [
        "Kế hoạch cải cách hành chính",
        "Báo cáo về cải cách thủ tục hành chính",
    ]
    if postgres.ranks_in_index(session):  # RUM, as make test installs it
        assert postgres.page(session, asked, "relevance", 0, 10, ranked_by_index=True) == by_reading


def test_typed_fields_are_found_as_soon_as_they_are_committed(index, make_dossier, file_document, session, world):
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình sửa chữa trụ sở", content="dự toán kinh phí")
    session.commit()  # no worker has run: the queue still holds the document for its file's text
    officer = world.actor("officer1")
    assert found(session, officer, "sua chua tru so") == [("document", document.id)]
    assert found(session, officer, "du toan kinh phi") == []
    assert search.verify(session).stale == [f"document:{document.id}"]  # its text waits for the worker
    search.catch_up(session)
    assert found(session, officer, "du toan kinh phi") == [("document", document.id)]
    assert search.verify(session).ok


def test_the_first_fill_of_an_empty_table_builds_the_words_index_at_the_end(index, make_dossier, session):
    before = session.scalar(text("SELECT pg_get_indexdef(CAST('ix_search_entries_words' AS regclass))"))
    make_dossier("open", documents=3)
    session.commit()
    session.execute(text("DELETE FROM search_entries"))
    assert search.rebuild(session) == 4
    after = session.scalar(text("SELECT pg_get_indexdef(CAST('ix_search_entries_words' AS regclass))"))
    assert after == before
    assert search.verify(session).ok


def test_a_first_fill_stopped_half_way_leaves_the_words_index_to_the_next_rebuild(
    index, make_dossier, session, monkeypatch
):
    """A worker killed (or a rebuild stopped) while filling an empty table has committed batches without the words'
    index: the next rebuild, finding rows there, still makes it again instead of leaving searches without it."""
    before = session.scalar(text("SELECT pg_get_indexdef(CAST('ix_search_entries_words' AS regclass))"))
    make_dossier("open", documents=3)
    session.commit()
    session.execute(text("DELETE FROM search_entries"))
    monkeypatch.setattr(search, "BATCH", 1)

    def killed(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the worker dies after its first batch was committed

    with pytest.raises(KeyboardInterrupt):
        search.rebuild(session, killed)
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM search_entries")) == 1
    assert session.scalar(text("SELECT to_regclass('ix_search_entries_words')")) is None
    assert search.rebuild(session) == 4
    after = session.scalar(text("SELECT pg_get_indexdef(CAST('ix_search_entries_words' AS regclass))"))
    assert after == before
    assert search.verify(session).ok
