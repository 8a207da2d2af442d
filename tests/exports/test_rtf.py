"""The .doc export's RTF (exports/rtf.py): Vietnamese as UTF-16 codes, the special characters escaped, a line per
break, and a table row per result with the heading repeated on each page."""

from __future__ import annotations

from exports import rtf


def test_text_is_escaped_for_rtf():
    assert rtf.escape("Hà Nội") == r"H\u224? N\u7897?i"
    assert rtf.escape(r"a\b{c}") == r"a\\b\{c\}"
    assert rtf.escape("dòng 1\ndòng 2") == r"d\u242?ng 1\line d\u242?ng 2"
    assert rtf.escape("𝐀") == r"\u-10187?\u-9216?"  # outside the BMP: its two UTF-16 units, signed


def test_a_table_document_has_a_heading_row_repeated_and_a_row_per_line():
    document = rtf.table_document("Kết quả", "In từ ERMS", ["Mã", "Tiêu đề"], [["1", "Một"], ["2", "Hai"]]).decode()
    assert document.startswith(r"{\rtf1") and document.endswith("}")
    assert document.count(r"\row") == 3 and document.count(r"\trhdr") == 1
    assert r"\landscape" in document and r"K\u7871?t qu\u7843?" in document
