"""Whoosh's Vietnamese analyzer folds tones, vowel marks and the stroked d; tests/search/contract/test_folding.py
holds what every engine must find with it."""

from __future__ import annotations

from erms.search_index.analysis import fold


def test_fold_removes_tones_marks_and_stroked_d():
    assert fold("Hồ sơ đất đai") == "ho so dat dai"
    assert fold("ĐỐNG ĐA") == "dong da"
    assert fold("Thượng khẩn, Hỏa tốc") == "thuong khan, hoa toc"


def test_a_lone_final_y_after_a_consonant_is_i_and_other_ys_stay():
    assert fold("Kỷ niệm") == fold("kỉ niệm") == "ki niem"
    assert fold("Quy định, lý do") == fold("qui định, lí do") == "qui dinh, li do"
    assert fold("Tuy nhiên, huy động, y tế, yêu cầu, thủy lợi") == "tuy nhien, huy dong, y te, yeu cau, thuy loi"
