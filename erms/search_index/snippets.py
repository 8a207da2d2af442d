"""Highlighted snippets: the passages of a stored text around the words a query found.

Whoosh's highlighter sends every word of the text through its analyzer, matcher and fragmenter
generators, several Python calls per word: 0.4 ms for a sixty-word summary, tens of milliseconds
for the text of a long PDF, for each of the twenty results of a page. Here one regular expression
finds every spelling of the query's words in the text as it is (each folded letter stands for the
letters that fold to it), and only the words found are handled in Python. The markup
is Whoosh's: up to three passages of at most ``WIDTH`` characters, those with the most distinct
words first, shown in text order, each word in ``<mark class="match termN">`` numbered in order
of appearance, everything else HTML-escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from functools import cache, lru_cache
from html import escape

from erms.search_index.analysis import fold

WIDTH = 240  # characters of one passage at most
SURROUND = 60  # characters of context before the first and after the last word of a passage
PASSAGES = 3
BETWEEN = " … "

Passage = tuple[int, int, list[tuple[int, int]]]  # start, end, the words found (start, end)


def snippet(text: str, words: Collection[str]) -> str:
    """Return ``text``'s passages holding the (folded) ``words``, marked up as HTML, or ""."""
    found = [match.span() for match in _pattern(frozenset(words)).finditer(text)]
    if not found:
        return ""
    passages = _passages(text, found)
    best = sorted(passages, key=lambda passage: (-_score(text, passage), passage[0]))[:PASSAGES]
    return _markup(text, sorted(best))


@lru_cache(maxsize=256)
def _pattern(words: frozenset[str]) -> re.Pattern:
    """Return the expression finding, as whole words (the analyzer's ``\\w+``), every spelling of
    ``words`` that folds to them: "dong" is ``[dDđĐ][oOòÒóÓ…ôÔồỒ…][nN][gG]``."""
    alternatives = "|".join(_spelled(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _spelled(word: str) -> str:
    """Every spelling of one folded word, as an expression: its final i also as y where the analyzer folds y to i."""
    spellings = _spellings()
    classes = [spellings.get(letter, letter) for letter in word]
    if fold(word[:-1] + "y") == word:  # "ki" is "kỉ" and "kỷ"
        classes[-1] += spellings.get("y", "y")
    return "".join(f"[{re.escape(letters)}]" for letters in classes)


@cache
def _spellings() -> dict[str, str]:
    """Return, for each folded letter, every letter that folds to it ("o": "oOòÒóÓ…ôÔồỒ…")."""
    letters: dict[str, set[str]] = defaultdict(set)
    for code in range(0x10000):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        # Letters with canonical marks ("ố" is "o" and two marks), plain letters, and đ/Đ.
        if (decomposition and not decomposition.startswith("<")) or char.isascii() or char in "đĐ":
            folded = fold(char)
            if len(folded) == 1:
                letters[folded] |= {char, char.upper(), char.lower()}
    return {letter: "".join(sorted(chars)) for letter, chars in letters.items()}


def _passages(text: str, found: list[tuple[int, int]]) -> list[Passage]:
    """Group the words found into passages of at most WIDTH characters with their context."""
    groups: list[list[tuple[int, int]]] = [[found[0]]]
    for span in found[1:]:
        if span[1] - groups[-1][0][0] + 2 * SURROUND > WIDTH:
            groups.append([])
        groups[-1].append(span)
    return [(_start(text, group[0][0]), _end(text, group[-1][1]), group) for group in groups]


def _start(text: str, first: int) -> int:
    """Return where a passage starts: a word start about SURROUND characters before ``first``."""
    start = max(0, first - SURROUND)
    if start == 0:
        return 0
    space = text.find(" ", start, first)
    return space + 1 if space >= 0 else first


def _end(text: str, last: int) -> int:
    """Return where a passage ends: a word end about SURROUND characters after ``last``."""
    end = min(len(text), last + SURROUND)
    if end == len(text):
        return end
    space = text.rfind(" ", last, end)
    return space if space >= 0 else last


def _score(text: str, passage: Passage) -> int:
    """Whoosh's passage score: words found, times a hundred per distinct word."""
    spans = passage[2]
    return len(spans) * len({fold(text[start:end]) for start, end in spans}) * 100


def _markup(text: str, passages: list[Passage]) -> str:
    """Return the passages, escaped, their words marked and numbered by first appearance."""
    numbers: dict[str, int] = {}
    shown = []
    for start, end, spans in passages:
        parts, at = [], start
        for word_start, word_end in spans:
            word = escape(text[word_start:word_end], quote=False)
            number = numbers.setdefault(word, len(numbers))
            parts += [escape(text[at:word_start], quote=False), f'<mark class="match term{number}">{word}</mark>']
            at = word_end
        parts.append(escape(text[at:end], quote=False))
        shown.append("".join(parts))
    return BETWEEN.join(shown)
