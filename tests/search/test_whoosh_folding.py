"""Whoosh's Vietnamese analyzer folds tones, vowel marks and the stroked d; tests/search/contract/test_folding.py
holds what every engine must find with it."""

from __future__ import annotations

from erms.search_index.analysis import fold


def test_fold_removes_tones_marks_and_stroked_d():
    assert fold("Hồ sơ đất đai") == "ho so dat dai"
    assert fold("ĐỐNG ĐA") == "dong da"
    assert fold("Thượng khẩn, Hỏa tốc") == "thuong khan, hoa toc"
