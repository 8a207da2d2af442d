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

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Float,
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
    Column("signature", Text, nullable=False),  # a document's signature verdict, "pending", or "" (migration 0034)
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
FIELDS = (
    "key",
    "kind",
    "record_id",
    "dossier_id",
    "organisation",
    "unit",
    "type",
    "state",
    "retention",
    "signature",
    "year",
)
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
    for name in ("kind", "type", "retention", "signature"):
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


def page(session: Session, asked: Asked, sort: str, offset: int, limit: int, ranked_by_index: bool) -> list[dict]:
    """Return the stored fields of the matches shown on one page, in the order asked for."""
    columns = [ENTRIES.c[name] for name in (*FIELDS, *STORED, "date", "content")]
    query: Select = select(*columns).where(_where(asked))
    if sort in ("newest", "oldest"):
        order = ENTRIES.c.date.desc() if sort == "newest" else ENTRIES.c.date.asc()
        query = query.order_by(order, ENTRIES.c.key)
    elif asked.tsquery:
        return _ranked(session, query, asked, offset, limit, ranked_by_index)
    else:
        query = query.order_by(ENTRIES.c.date.desc(), ENTRIES.c.key)
    return [dict(found._mapping) for found in session.execute(query.offset(offset).limit(limit))]


# Matches taken in the index's order before the exact spellings rank them again (a multiple of it, so the pages
# of one search come from the same candidates).
CANDIDATES = 200
_WEIGHTS: ColumnElement = literal_column(f"'{RANK_WEIGHTS}'::float4[]")


def _ranked(session: Session, query: Select, asked: Asked, offset: int, limit: int, by_index: bool) -> list[dict]:
    """Return a page by relevance: the best matches by their words' weights (RUM's ``<=>`` reads them from the
    index, without visiting every match), then ranked again with the title's exact spellings."""
    tsquery = cast(asked.tsquery, TSQUERY)
    first = query.add_columns(ENTRIES.c.words, ENTRIES.c.content_words, ENTRIES.c.exact)
    wanted = -(-(offset + limit) // CANDIDATES) * CANDIDATES
    if by_index:
        first = first.order_by(ALL_WORDS.op("<=>", return_type=Float)(tsquery))
    else:
        first = first.order_by(func.ts_rank(_WEIGHTS, ALL_WORDS, tsquery).desc())
    candidates = first.limit(wanted).subquery("candidates")
    words = candidates.c.words.op("||")(candidates.c.content_words)
    rank: ColumnElement = func.ts_rank(_WEIGHTS, words, tsquery)
    if asked.exact:
        rank = rank + EXACT_WEIGHT * func.ts_rank(candidates.c.exact, cast(tsvector.any_of(asked.exact), TSQUERY))
    shown = [candidates.c[column.name] for column in query.selected_columns]
    ordered = select(*shown).order_by(rank.desc(), candidates.c.date.desc(), candidates.c.key)
    return [dict(found._mapping) for found in session.execute(ordered.offset(offset).limit(limit))]


FACETS = ("kind", "year", "unit", "type", "state", "retention", "signature")
_SEPARATED = {"unit": ",", "state": " "}


def facets(session: Session, asked: Asked, counted: int) -> tuple[dict[str, dict[str, int]], bool]:
    """Return, for each facet, the count of matches per value (a match counts once per value it holds), counting at
    most ``counted`` matches, and whether there are more.

    The matches are numbered in the order the database finds them; one pass then counts the first ``counted`` per
    combination of facet values (a few hundred rows, where grouping sets would aggregate seven times) and sees
    whether a next one was read. Each combination's count goes to each of its values, a field that holds several
    (a document filed in dossiers of two units) to each of them.
    """
    columns = [ENTRIES.c[name] for name in FACETS]
    matches = select(*columns).where(_where(asked)).limit(counted + 1).subquery("matches")
    numbered = select(matches, func.row_number().over().label("number")).subquery("numbered")
    grouped = [numbered.c[name] for name in FACETS]
    number = numbered.c.number
    query = select(*grouped, func.count().filter(number <= counted), func.max(number)).group_by(*grouped)
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    more = False
    for *values, count, last in session.execute(query):
        more = more or last > counted
        for name, value in zip(FACETS, values, strict=True) if count else ():
            for single in str(value).split(_SEPARATED[name]) if name in _SEPARATED else [str(value)]:
                counts[name][single] = counts[name].get(single, 0) + count
    return counts, more


WORDS_INDEX = "ix_search_entries_words"


@contextlib.contextmanager
def words_index_dropped_if_empty(session: Session) -> Iterator[None]:
    """Fill an empty table without its words' index, then build the index once (a RUM index kept up row by row
    takes four times as long as one built at the end); with rows already there, the index stays for searches.

    A fill stopped half-way on purpose (or refused) makes the index on the rows filled so far, so searches keep it;
    one killed has committed rows without it: the next rebuild finds it missing and makes it at its end as well."""
    present = session.scalar(text("SELECT to_regclass(:name)"), {"name": WORDS_INDEX}) is not None
    if present and session.scalar(select(ENTRIES.c.key).limit(1)) is not None:
        yield
        return
    if present:
        session.execute(text(f"DROP INDEX {WORDS_INDEX}"))
    try:
        yield
    except Exception:
        session.rollback()  # the batch under way; a drop not committed yet comes back with it
        session.execute(text(_words_index_definition(session, if_missing=True)))
        session.commit()
        raise
    session.execute(text(_words_index_definition(session)))


def _words_index_definition(session: Session, *, if_missing: bool = False) -> str:
    """The words' index of migration 0027: RUM's where the extension is installed (it ranks too), else GIN's."""
    rum = session.scalar(text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum')"))
    method = "rum ((words || content_words) rum_tsvector_ops)" if rum else "gin ((words || content_words))"
    create = "CREATE INDEX IF NOT EXISTS" if if_missing else "CREATE INDEX"
    return f"{create} {WORDS_INDEX} ON search_entries USING {method}"


_VERSION = re.compile(r"erms index version (\d+)")


def version(session: Session) -> int | None:
    """Return the version of what the table holds, kept in its comment by the last rebuild (None: never rebuilt)."""
    comment = session.scalar(text("SELECT obj_description(CAST('search_entries' AS regclass), 'pg_class')"))
    found = _VERSION.fullmatch(comment or "")
    return int(found.group(1)) if found else None


def mark_version(session: Session, number: int) -> None:
    session.execute(text(f"COMMENT ON TABLE search_entries IS 'erms index version {int(number)}'"))


def ranks_in_index(session: Session) -> bool:
    """Return True when the words' index is RUM's, which ranks matches itself (migration 0027)."""
    method = session.scalar(
        text("SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = :name"),
        {"name": WORDS_INDEX},
    )
    return method == "rum"


def size(session: Session) -> int:
    """Return the bytes the table and its indexes take."""
    return session.scalar(text("SELECT pg_total_relation_size('search_entries')")) or 0
