"""Snippets: every spelling of a folded query word is marked, in passages of bounded length, escaped."""

import re

from erms.search_index.snippets import PASSAGES, WIDTH, snippet


def test_every_spelling_that_folds_to_a_query_word_is_marked():
    text = "Quyết định về QUẬN Đống Đa; quan hệ, quản lý và quán triệt tại quận đống đa"
    marked = snippet(text, {"quan", "dong"})
    assert marked.count("<mark") == 7
    assert '<mark class="match term0">QUẬN</mark>' in marked and '<mark class="match term1">Đống</mark>' in marked
    # Numbered by first appearance of each spelling, as Whoosh numbers them.
    assert '<mark class="match term2">quan</mark>' in marked and '<mark class="match term6">đống</mark>' in marked


def test_both_spellings_of_a_lone_final_i_or_y_are_marked():
    marked = snippet("Lễ kỷ niệm và buổi kỉ niệm; kí kết", {"ki", "niem"})
    assert marked.count("<mark") == 5 and ">kỷ</mark>" in marked and ">kỉ</mark>" in marked and ">kí</mark>" in marked


def test_only_whole_words_are_marked():
    assert snippet("quanh co, đôngđúc", {"quan", "dong"}) == ""
    assert snippet("Dong_da", {"dong"}) == ""  # "_" is a word character: one token, as the analyzer sees it


def test_text_is_escaped_around_marks():
    marked = snippet('Thông báo <script>alert("x")</script> lịch họp', {"lich"})
    assert "<script>" not in marked and "&lt;script&gt;" in marked
    assert '<mark class="match term0">lịch</mark> họp' in marked


def test_a_long_text_gives_at_most_three_short_passages_with_the_most_words():
    filler = "văn bản lưu trữ " * 200
    text = f"{filler}đất đai {filler}hồ sơ đất đai {filler}đất {filler}hồ sơ {filler}đất đai hồ sơ {filler}"
    marked = snippet(text, {"ho", "so", "dat", "dai"})
    passages = marked.split(" … ")
    assert len(passages) == PASSAGES
    assert all(len(re.sub("<[^>]+>", "", passage)) <= WIDTH for passage in passages)
    # The three passages with the most distinct words, in text order; "đất" and "hồ sơ" alone are left out.
    assert [passage.count("<mark") for passage in passages] == [2, 4, 4]
    # Passages start and end on whole words.
    assert all(passage.split()[0] in filler.split() and passage.split()[-1] in filler.split() for passage in passages)


def test_no_word_found_gives_no_snippet():
    assert snippet("Biên bản họp", {"dat"}) == ""
