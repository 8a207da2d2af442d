"""PostgreSQL text-search values made from the Whoosh analyzer's own words, so both engines match alike.

PostgreSQL's parsers and dictionaries know no Vietnamese: "Đống Đa" would stay "đống đa", and a
code like "12/QĐ-UBND" would become a file-path token. Here the words are cut and folded in Python
exactly as ``analysis.FOLDED`` does (``\\w+`` runs, tone and vowel marks removed, đ → d) and handed
to PostgreSQL as ``tsvector``/``tsquery`` literals, which it stores and matches without parsing
words again. Every word is a run of letters, digits and underscores, so quoting it needs nothing
but the surrounding quotes.

A ``tsvector`` holds positions up to 16,383 and 256 of them per word: words beyond are kept
without a position, so they are still found, only not inside a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from erms.search_index.analysis import fold_word

_WORD = re.compile(r"\w+")
MAX_POSITION = 16383
MAX_POSITIONS = 256
# Weights of the fields of an index document: the title matters most, the file's text least.
WEIGHTS = {"title": "A", "code": "B", "keywords": "B", "summary": "C", "people": "C", "content": "D"}
# The fields, in the order their words take positions (a phrase may run from one into the next, as in Whoosh).
FIELD_ORDER = ("code", "title", "summary", "people", "keywords")


def words(text: str) -> list[str]:
    """Return the folded words of ``text`` (NFC first), as the Whoosh analyzer indexes them."""
    return [fold_word(word) for word in _WORD.findall(unicodedata.normalize("NFC", text))]


def exact_words(text: str) -> list[str]:
    """Return the words of ``text`` lower-cased, diacritics kept (``analysis.EXACT``)."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def vector(fields: Iterable[tuple[str, str]], start: int = 1) -> str:
    """Return the ``tsvector`` literal of ``(weight, text)`` pairs, numbering words on from ``start``."""
    positions: dict[str, list[str]] = {}
    unplaced: set[str] = set()
    at = start
    for weight, text in fields:
        for word in words(text):
            held = positions.setdefault(word, []) if at <= MAX_POSITION else None
            if held is None or len(held) >= MAX_POSITIONS:
                unplaced.add(word)
            else:
                held.append(f"{at}{weight}")
            at += 1
    placed = [f"'{word}':{','.join(held)}" for word, held in positions.items()]
    return " ".join(placed + [f"'{word}'" for word in unplaced - positions.keys()])


def metadata_vector(fields: dict) -> str:
    """Return the vector of an index document's typed fields (code, title, summary, people, keywords)."""
    return vector((WEIGHTS[name], fields.get(name) or "") for name in FIELD_ORDER)


def content_vector(content: str) -> str:
    """Return the vector of a file's text."""
    return vector([(WEIGHTS["content"], content)])


def exact_vector(title: str) -> str:
    """Return the vector of the title's words as written (it only ranks: no positions)."""
    return " ".join(f"'{word}'" for word in dict.fromkeys(exact_words(title)))


_PHRASE = re.compile(r'"([^"]*)"')


def query(text: str) -> tuple[str, list[str], list[str]]:
    """Return the ``tsquery`` of what a user typed, its folded words (for snippets) and its exact words (ranking).

    Every word must match; "…" is a phrase, its words in order; a word the analyzer cuts in several
    ("7/QĐ-UBND") is a phrase of them. Anything else (operators, stray quotes) is only text.
    """
    parts = [group for group in _PHRASE.findall(text) if group.strip()]
    parts += _PHRASE.sub(" ", text).replace('"', " ").split()
    clauses, folded = [], []
    for part in parts:
        found = words(part)
        if found:
            folded += found
            clauses.append(" <-> ".join(f"'{word}'" for word in found))
    tsquery = " & ".join(f"({clause})" for clause in clauses)
    return tsquery, list(dict.fromkeys(folded)), list(dict.fromkeys(exact_words(text)))


def any_of(exact: list[str]) -> str:
    """Return the ``tsquery`` matching any of ``exact`` words ("" for none)."""
    return " | ".join(f"'{word}'" for word in exact)
