"""The Vietnamese analyzer and the index schema.

Officers often type without diacritics ("ho so dat dai" for "Hồ sơ đất đai"), so every text is
indexed twice: folded (lower case, tone and vowel marks removed, đ/Đ → d) in the per-field text
fields, and exact (lower case, diacritics kept) in one ``exact`` field. A query typed with
diacritics matches both and so ranks exact-diacritic records above folded ones.
"""

from __future__ import annotations

import unicodedata

from whoosh import analysis, fields

# đ/Đ is a letter of its own, not a d with a combining mark: NFD leaves it whole (FTS5's
# unicode61 tokenizer does not fold it either, see shared/perf-baseline.md §4).
_STROKED_D = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics: "Đống Đa" → "dong da"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED_D))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def exact(text: str) -> str:
    """Return ``text`` lower-cased and composed (NFC), diacritics kept."""
    return unicodedata.normalize("NFC", text).lower()


class _Map(analysis.Filter):
    """Apply a str → str function to every token."""

    def __init__(self, function) -> None:
        self.function = function

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.function is self.function

    def __call__(self, tokens):
        for token in tokens:
            token.text = self.function(token.text)
            yield token


# Tokens are runs of letters and digits; input is NFC first so a combining mark never splits a word.
_TOKENS = analysis.RegexTokenizer(r"\w+")
FOLDED = _TOKENS | _Map(fold)
EXACT = _TOKENS | _Map(exact)

# The text fields a free-text query searches, with their weight in the ranking.
TEXT_FIELDS = {"code": 3.0, "title": 2.5, "summary": 1.5, "people": 1.0, "keywords": 1.5, "content": 1.0}
# The exact copy of all of them: a match here adds to the folded match.
EXACT_BOOST = 2.0

# Single-valued facets are sortable (column-stored): counting them does not re-read postings.
SCHEMA = fields.Schema(
    key=fields.ID(unique=True, stored=True),  # "dossier:12", "document:34"
    kind=fields.ID(stored=True, sortable=True),
    record_id=fields.NUMERIC(stored=True),
    dossier_id=fields.NUMERIC(stored=True),  # where a result links to (a document's first dossier)
    organisation=fields.KEYWORD(stored=True),  # rights: organisation-wide readers
    units=fields.KEYWORD(stored=True),  # rights: readers of these units (ids)
    unit=fields.KEYWORD(stored=True, commas=True),  # unit names (facet, filter)
    type=fields.ID(stored=True, sortable=True),  # document type, or "dossier"
    state=fields.KEYWORD(stored=True),
    retention=fields.ID(stored=True, sortable=True),
    year=fields.NUMERIC(stored=True, sortable=True),
    date=fields.DATETIME(stored=True, sortable=True),
    code=fields.TEXT(analyzer=FOLDED, stored=True),
    title=fields.TEXT(analyzer=FOLDED, stored=True),
    summary=fields.TEXT(analyzer=FOLDED, stored=True),
    people=fields.TEXT(analyzer=FOLDED, stored=True),
    keywords=fields.TEXT(analyzer=FOLDED, stored=True),
    content=fields.TEXT(analyzer=FOLDED, stored=True),
    exact=fields.TEXT(analyzer=EXACT),
    fingerprint=fields.ID(stored=True),  # what verify compares with the database
)
