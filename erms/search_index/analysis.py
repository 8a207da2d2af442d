"""The Vietnamese analyzer and the index schema.

Officers often type without diacritics ("ho so dat dai" for "Hồ sơ đất đai"), so text is indexed
folded (lower case, tone and vowel marks removed, đ/Đ → d) in one combined ``text`` field, the
only one with word positions (phrases) and the one that decides what matches. Two small fields
only rank: ``title`` (folded) and ``exact`` (the title with its diacritics, lower case), so a title
match ranks above a match in the body, and a query typed with diacritics ranks exact-diacritic
records above folded ones. The other texts are stored for display and snippets, not indexed apart:
every indexed field is analysed and scored once per word, which is what indexing and ranking cost.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh import analysis, fields

# Combining marks go, and đ/Đ becomes d/D: it is a letter of its own, not a d with a combining
# mark, so NFD leaves it whole (FTS5's unicode61 tokenizer does not fold it either,
# see docs/perf-baseline.md §4). Only the Basic Multilingual Plane is scanned: the marks beyond
# it belong to historic scripts and musical notation.
_FOLDING: dict[int, str | None] = {code: None for code in range(0x10000) if unicodedata.combining(chr(code))}
_FOLDING.update({ord("đ"): "d", ord("Đ"): "D"})


# Vietnamese writes a syllable whose only vowel is a final i or y either way after a consonant ("kỉ niệm" and "kỷ
# niệm", "lí do" and "lý do", "qui định" and "quy định"; the Ministry of Education's spelling and the older one
# live side by side): folded to i, either spelling finds the other. "tuy", "huy" (u then y) are other words.
_LONE_Y = re.compile(r"\b(qu|[bcdghklmnprstvx]{1,2})y\b")


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics, a lone final y as i: "Đống Đa" → "dong da", "Kỷ" → "ki"."""
    return _LONE_Y.sub(r"\1i", unicodedata.normalize("NFD", text).translate(_FOLDING).lower())


# A corpus repeats a small vocabulary: each distinct word is folded once, then looked up.
fold_word = lru_cache(maxsize=1 << 16)(fold)


class _Folding(analysis.Filter):
    """Fold every token (the index's schema pickles this filter, so it holds no state)."""

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):
        folded = fold_word  # a local name: this loop runs once per word indexed
        for token in tokens:
            token.text = folded(token.text)
            yield token


# Tokens are runs of letters and digits; input is NFC first (records and queries normalise it),
# so a combining mark never splits a word and lower-casing is all the exact form needs.
_TOKENS = analysis.RegexTokenizer(r"\w+")
FOLDED = _TOKENS | _Folding()
EXACT = _TOKENS | analysis.LowercaseFilter()

# What a query word is scored in, with its weight: ``text`` decides the match, the others add.
RANKED_FIELDS = {"text": 1.0, "title": 2.5, "exact": 2.0}
# The stored texts shown in a result (and searched for a snippet, in this order).
SHOWN_TEXTS = ("content", "summary", "title", "people", "keywords", "code")

# Single-valued facets are sortable (column-stored): counting them does not re-read postings.
SCHEMA = fields.Schema(
    key=fields.ID(unique=True, stored=True),  # "dossier:12", "document:34"
    kind=fields.ID(stored=True, sortable=True),
    # Shown, never searched: not indexing them saves sixteen numeric-range postings per document.
    record_id=fields.STORED,
    dossier_id=fields.STORED,  # where a result links to (a document's first dossier; 0: its register line)
    organisation=fields.KEYWORD(stored=True),  # rights: organisation-wide readers
    units=fields.KEYWORD(stored=True),  # rights: readers of these units (ids), and the other tokens of permissions
    unit=fields.KEYWORD(stored=True, commas=True),  # unit names (facet, filter)
    type=fields.ID(stored=True, sortable=True),  # document type, or "dossier"
    state=fields.KEYWORD(stored=True),
    retention=fields.ID(stored=True, sortable=True),
    signature=fields.ID(stored=True, sortable=True),  # a document's signature verdict, or "pending"; "" unsigned
    year=fields.NUMERIC(stored=True, sortable=True),
    date=fields.DATETIME(stored=True, sortable=True),
    text=fields.TEXT(analyzer=FOLDED),  # code, title, summary, people, keywords and content, folded
    title=fields.TEXT(analyzer=FOLDED, phrase=False, stored=True),
    exact=fields.TEXT(analyzer=EXACT, phrase=False),
    code=fields.STORED,
    summary=fields.STORED,
    people=fields.STORED,  # issuer and signer (a dossier's creator), then the recipients
    keywords=fields.STORED,  # the keyword and the other fields typed (type, language, numbers)
    content=fields.STORED,
    fingerprint=fields.ID(stored=True),  # what verify compares with the database
)
