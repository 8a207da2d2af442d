"""Queries: phrases, field filters, facets with counts, sort, paging and highlighted snippets."""

from __future__ import annotations

from datetime import date

import pytest

from erms import search
from erms.search_index import asking
from filing import dossiers
from tests.search.search_helpers import found


@pytest.fixture
def corpus(make_dossier, file_document, commit):
    dossier = make_dossier("open", documents=0)
    documents = {
        "plan": file_document(
            dossier, "Kế hoạch cải cách hành chính năm 2026", type_name="Kế hoạch", issued_date="2026-01-10"
        ),
        "report": file_document(
            dossier, "Báo cáo hành chính và cải cách công vụ", type_name="Báo cáo", issued_date="2026-04-20"
        ),
        "letter": file_document(
            dossier, "Công văn về việc cải cách thủ tục", type_name="Công văn", issued_date="2026-02-15"
        ),
    }
    commit()
    return dossier, documents


def test_phrase_matches_words_in_order_only(session, corpus, world):
    _, documents = corpus
    officer = world.actor("officer1")
    assert set(found(session, officer, "cai cach hanh chinh")) == {
        ("document", documents["plan"].id),
        ("document", documents["report"].id),
    }
    assert found(session, officer, '"cai cach hanh chinh"') == [("document", documents["plan"].id)]


def test_field_filters(session, corpus, world):
    dossier, documents = corpus
    officer = world.actor("officer1")
    assert found(session, officer, "cai cach", type="Báo cáo") == [("document", documents["report"].id)]
    assert found(session, officer, "cai cach", date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)) == [
        ("document", documents["letter"].id)
    ]
    assert found(session, officer, "", kind="dossier") == [("dossier", dossier.id)]
    assert found(session, officer, "cai cach", year=2025) == []
    assert len(found(session, officer, "", state="open", retention="10", unit="Văn phòng HĐND và UBND")) == 4


def test_facets_count_every_match_not_just_the_page(session, corpus, world):
    results = search.query(session, world.actor("officer1"), search.Search(text="cai cach", per_page=1))
    assert results.total == 3 and len(results.hits) == 1 and results.pages == 3
    assert dict(results.facets["type"]) == {"Kế hoạch": 1, "Báo cáo": 1, "Công văn": 1}
    assert dict(results.facets["year"]) == {"2026": 3}


def test_sort_by_date_and_paging(session, corpus, world):
    _, documents = corpus
    officer = world.actor("officer1")
    newest = [
        found_
        for page in (1, 2, 3)
        for found_ in [
            (hit.record_id)
            for hit in search.query(
                session, officer, search.Search(text="cai cach", sort="newest", page=page, per_page=1)
            ).hits
        ]
    ]
    assert newest == [documents["report"].id, documents["letter"].id, documents["plan"].id]
    oldest = search.query(session, officer, search.Search(text="cai cach", sort="oldest")).hits
    assert [hit.record_id for hit in oldest] == newest[::-1]


def test_snippet_highlights_the_words_found(session, corpus, world):
    hits = search.query(session, world.actor("officer1"), search.Search(text="thu tuc")).hits
    assert len(hits) == 1
    assert '<mark class="match term0">thủ</mark>' in hits[0].snippet


def test_user_input_is_escaped_in_snippets(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    file_document(dossier, "Thông báo <script>alert(1)</script> lịch họp")
    commit()
    snippet = search.query(session, world.actor("officer1"), search.Search(text="lich hop")).hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_phrase_across_segments_with_edited_records(make_dossier, file_document, session, world, now, commit):
    first = make_dossier("open", documents=0)
    file_document(first, "Kế hoạch chuyển đổi số năm 2026")
    commit()
    second = make_dossier("open", documents=0)  # a later commit: a second segment
    file_document(second, "Báo cáo chuyển đổi số quý I")
    commit()
    officer = world.actor("officer1")
    dossiers.update_dossier(session, officer, first.id, {"title": "Hồ sơ chuyển đổi số cấp quận"}, now=now)
    commit()  # the first segment now holds deleted copies of the dossier and its document
    assert len(found(session, officer, '"chuyen doi so"')) == 3  # the edited dossier and both documents
    assert found(session, officer, '"doi chuyen so"') == []
    assert found(session, officer, '"chuyển đổi số cấp quận"') == [("dossier", first.id)]


def test_a_title_match_ranks_above_a_match_in_the_file_only(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    in_file = file_document(dossier, "Công văn gửi các phường", content="đề nghị báo cáo về đất đai công ích")
    in_title = file_document(dossier, "Báo cáo đất đai công ích", content="số liệu kèm theo")
    commit()
    assert found(session, world.actor("officer1"), "dat dai cong ich") == [
        ("document", in_title.id),
        ("document", in_file.id),
    ]


def test_counting_may_stop_past_the_limit_and_then_says_there_are_more(session, corpus, world, index, monkeypatch):
    officer = world.actor("officer1")
    # Up to the limit every engine counts every match.
    monkeypatch.setattr(asking, "COUNTED", 3)
    exact = search.query(session, officer, search.Search(text="cai cach", per_page=1))
    assert (exact.total, exact.more, exact.pages) == (3, False, 3)
    # Past it, the PostgreSQL engine stops counting (each match it counts is a row read); Whoosh counts on.
    monkeypatch.setattr(asking, "COUNTED", 2)
    results = search.query(session, officer, search.Search(text="cai cach", per_page=1, page=9))
    if index.engine.name == "postgresql":
        assert (results.total, results.more, results.pages, results.page) == (2, True, 2, 2)
        assert sum(count for _, count in results.facets["type"]) == 2  # the facets count the matches it counted
        assert {value for value, _ in results.facets["type"]} <= {"Kế hoạch", "Báo cáo", "Công văn"}
    else:
        assert (results.total, results.more, results.pages) == (3, False, 3)
    assert len(results.hits) == 1
