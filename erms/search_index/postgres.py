"""The PostgreSQL engine behind ``erms.search``: the index is a table of the database itself.

``search_entries`` holds one row per index document (the same fields the Whoosh engine stores),
its folded words as a ``tsvector`` (``tsvector.py``: cut and folded by our analyzer, weighted by
field), the title's exact words for ranking, and the file's text apart: the typed fields are
written in the same transaction as the record (``write_now``), so a committed change is never
missing from the index, while a file's text is extracted later by the worker (``write_content``)
and kept as long as the row names the same file. A GIN index over both vectors finds the matches;
rights and filters are clauses of the same SQL statement, so totals, facets and snippets only ever
count and show what the reader may read.

The table is made by migration 0027 on PostgreSQL only; this module is used only there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR, insert
from sqlalchemy.orm import Session

from erms.search_index import tsvector
from erms.search_index.records import Entry

METADATA = MetaData()
ENTRIES = Table(
    "search_entries",
    METADATA,
    Column("key", Text, primary_key=True),  # "dossier:12", "document:34"
    Column("kind", Text, nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("dossier_id", Integer, nullable=False),
    Column("organisation", Text, nullable=False),  # rights: organisation-wide readers ("" when restricted)
    Column("units", ARRAY(Text), nullable=False),  # rights: the tokens of erms.permissions.search_tokens
    Column("unit", Text, nullable=False),  # unit names, comma-separated (facet, filter)
    Column("type", Text, nullable=False),
    Column("state", Text, nullable=False),  # states, space-separated
    Column("retention", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("date", DateTime, nullable=False),
    Column("code", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("people", Text, nullable=False),
    Column("keywords", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("words", TSVECTOR, nullable=False),
    Column("exact", TSVECTOR, nullable=False),
    Column("file_sha", Text, nullable=False),  # the file whose text belongs in this row ("": none)
    Column("content_sha", Text, nullable=False),  # the file whose text the row holds now
    Column("content", Text, nullable=False),
    Column("content_words", TSVECTOR, nullable=False),
)
STORED = ("code", "title", "summary", "people", "keywords")
FIELDS = ("key", "kind", "record_id", "dossier_id", "organisation", "unit", "type", "state", "retention", "year")
ALL_WORDS = ENTRIES.c.words.op("||")(ENTRIES.c.content_words)  # the expression the GIN index is built on
# ts_rank's weights of D, C, B, A (the file's text, summary and people, code and keywords, title).
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
EXACT_WEIGHT = 0.8  # a title word typed with its diacritics adds this much of its rank


def row(entry: Entry) -> dict:
    """Return the table row of an index document, its file's text not yet extracted."""
    fields = entry.fields
    values = {name: fields[name] for name in (*FIELDS, *STORED, "date", "fingerprint")}
    return dict(
        values,
        dossier_id=fields["dossier_id"] or 0,
        units=fields["units"].split(),
        words=tsvector.metadata_vector(fields),
        exact=tsvector.exact_vector(fields["title"]),
        file_sha=entry.content_file.sha256 if entry.content_file else "",
        content_sha="",
        content="",
        content_words="",
    )


def write_now(session: Session, put: Sequence[Entry], gone: Iterable[str]) -> None:
    """Write index documents in ``session``'s transaction; a row keeps its file's text while it names that file."""
    gone = list(gone)
    if gone:
        session.execute(delete(ENTRIES).where(ENTRIES.c.key.in_(gone)))
    if not put:
        return
    statement = insert(ENTRIES)
    same_file = ENTRIES.c.content_sha == statement.excluded.file_sha
    kept = {name: case((same_file, ENTRIES.c[name]), else_=statement.excluded[name]) for name in _CONTENT}
    replaced = {name: statement.excluded[name] for name in _REPLACED}
    upsert = statement.on_conflict_do_update(index_elements=["key"], set_={**replaced, **kept})
    session.execute(upsert, [row(entry) for entry in put])


_CONTENT = ("content_sha", "content", "content_words")
_REPLACED = [column.name for column in ENTRIES.columns if column.name not in ("key", *_CONTENT)]


def write_content(session: Session, key: str, sha256: str, content: str) -> None:
    """Store a file's extracted text in its row, if the row still names that file."""
    session.execute(
        update(ENTRIES)
        .where(ENTRIES.c.key == key, ENTRIES.c.file_sha == sha256)
        .values(content=content, content_sha=sha256, content_words=tsvector.content_vector(content))
    )


def texts_held(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """Return the digest of the file whose text each of ``keys``' rows holds ("" none; no row, no key)."""
    query = select(ENTRIES.c.key, ENTRIES.c.content_sha).where(ENTRIES.c.key.in_(list(keys)))
    return {key: sha for key, sha in session.execute(query)}


def fingerprints(session: Session) -> dict[str, str]:
    """Return every row's fingerprint, and "text pending" for a row still waiting for its file's text."""
    query = select(ENTRIES.c.key, ENTRIES.c.fingerprint, ENTRIES.c.file_sha == ENTRIES.c.content_sha)
    return {key: value if complete else "text pending" for key, value, complete in session.execute(query)}


# ---------------------------------------------------------------- query


@dataclass(frozen=True)
class Asked:
    """A query in SQL terms: the text's tsquery literal (""), its exact words, the rights and the filters."""

    tsquery: str
    exact: list[str]
    organisations: list[str]
    tokens: list[str]
    filters: dict


def _where(asked: Asked) -> ColumnElement[bool]:
    readable = or_(
        ENTRIES.c.organisation.in_(asked.organisations) if asked.organisations else false(),
        ENTRIES.c.units.overlap(cast(asked.tokens, ARRAY(Text))) if asked.tokens else false(),
    )
    clauses = [readable, *_filters(asked.filters)]
    if asked.tsquery:
        clauses.append(ALL_WORDS.op("@@")(cast(asked.tsquery, TSQUERY)))
    return and_(*clauses)


def _filters(filters: dict) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    for name in ("kind", "type", "retention"):
        if filters.get(name):
            clauses.append(ENTRIES.c[name] == filters[name])
    for name, separator in (("unit", ","), ("state", " ")):
        if filters.get(name):
            clauses.append(literal(filters[name]) == func.any(func.string_to_array(ENTRIES.c[name], separator)))
    if filters.get("year"):
        clauses.append(ENTRIES.c.year == filters["year"])
    if filters.get("start"):
        clauses.append(ENTRIES.c.date >= filters["start"])
    if filters.get("end"):
        clauses.append(ENTRIES.c.date <= filters["end"])
    return clauses


def page(session: Session, asked: Asked, sort: str, offset: int, limit: int) -> list[dict]:
    """Return the stored fields of the matches shown on one page, in the order asked for."""
    columns = [ENTRIES.c[name] for name in (*FIELDS, *STORED, "date", "content")]
    query: Select = select(*columns).where(_where(asked))
    if sort in ("newest", "oldest"):
        order = ENTRIES.c.date.desc() if sort == "newest" else ENTRIES.c.date.asc()
        query = query.order_by(order, ENTRIES.c.key)
    elif asked.tsquery:
        query = query.order_by(_rank(asked).desc(), ENTRIES.c.date.desc(), ENTRIES.c.key)
    else:
        query = query.order_by(ENTRIES.c.date.desc(), ENTRIES.c.key)
    return [dict(found._mapping) for found in session.execute(query.offset(offset).limit(limit))]


def _rank(asked: Asked) -> ColumnElement[float]:
    weights: ColumnElement = literal_column(f"'{RANK_WEIGHTS}'::float4[]")
    rank: ColumnElement[float] = func.ts_rank(weights, ALL_WORDS, cast(asked.tsquery, TSQUERY))
    if not asked.exact:
        return rank
    return rank + EXACT_WEIGHT * func.ts_rank(ENTRIES.c.exact, cast(tsvector.any_of(asked.exact), TSQUERY))


FACETS = ("kind", "year", "unit", "type", "state", "retention")
_SEPARATED = {"unit": ",", "state": " "}


def facets(session: Session, asked: Asked) -> dict[str, dict[str, int]]:
    """Return, for each facet, the count of matches per value (a match counts once per value it holds)."""
    matching = select(*(ENTRIES.c[name] for name in FACETS)).where(_where(asked)).cte("matching")
    parts = []
    for name in FACETS:
        value: ColumnElement = cast(matching.c[name], Text)
        source: FromClause = matching
        if name in _SEPARATED:
            values = (
                func.unnest(func.string_to_array(matching.c[name], _SEPARATED[name]))
                .table_valued("value")
                .render_derived()
            )
            value, source = values.c.value, matching.join(values, true())
        parts.append(
            select(literal(name).label("facet"), value.label("value"), func.count().label("count"))
            .select_from(source)
            .group_by(value)
        )
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for facet, found, count in session.execute(union_all(*parts)):
        counts[facet][found] = count
    return counts


def size(session: Session) -> int:
    """Return the bytes the table and its indexes take."""
    return session.scalar(text("SELECT pg_total_relation_size('search_entries')")) or 0
