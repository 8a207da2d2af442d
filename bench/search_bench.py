"""Search benchmark: the Whoosh engine, the PostgreSQL engine and SQLite FTS5, same corpus, same queries.

Usage: ``python bench/search_bench.py N [--queries 100] [--engines whoosh,postgresql,fts5] [--pg URL] [--write]``.
A synthetic Vietnamese corpus of N documents (titles and summaries in the style of the seeds' document names,
generated with a seeded RNG) is indexed by each engine: Whoosh through ``erms.search``'s writer (its Vietnamese
analyzer and schema), PostgreSQL as ``erms search rebuild`` fills its table (``PostgresEngine.rebuild``, into a
database migrated to the newest schema: a throwaway cluster from
``scripts/pg-cluster.sh`` unless ``--pg`` names an empty database), and FTS5 (``unicode61 remove_diacritics 2``,
with đ/Đ folded by the app, as the baseline requires). Then one-term, two-term, phrase and filtered queries (half
typed without diacritics) are timed through ``erms.search.query`` (an organisation-wide reader's rights, every
facet and the snippets included: what a user waits for) and through an FTS5 ``MATCH`` ranked by bm25, top 20.

Each engine's queries run in a fresh process of their own, which reports its resident memory after each
query set (the largest): what a web worker holds to answer searches, apart from the corpus this process
generated. Before timing, the Whoosh index is warmed (``IndexHome.warm``, what the worker does after each commit
or rebuild) and PostgreSQL's table analysed. ``--dir DIR`` keeps the Whoosh and FTS5 indexes in DIR and reuses
them on the next run (indexing figures are then not measured). ``--write`` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from erms import migrate, search  # noqa: E402
from erms.db import make_engine, make_session_factory  # noqa: E402
from erms.models import Role  # noqa: E402
from erms.permissions import Actor, Grant  # noqa: E402
from erms.search_index import shared, whoosh_engine  # noqa: E402
from erms.search_index.analysis import fold  # noqa: E402
from erms.search_index.postgres_engine import PostgresEngine  # noqa: E402
from erms.search_index.records import Entry  # noqa: E402
from erms.search_index.store import Changes, apply  # noqa: E402

TYPES = ["Quyết định", "Kế hoạch", "Báo cáo", "Công văn", "Tờ trình", "Thông báo", "Biên bản", "Hướng dẫn"]
ACTIONS = [
    "về việc ban hành",
    "về việc triển khai",
    "về việc kiểm tra",
    "về việc phê duyệt",
    "về tình hình thực hiện",
    "về việc giao nộp",
    "về công tác",
    "về việc rà soát",
    "về việc kiện toàn",
    "về kết quả",
]
TOPICS = [
    "quy chế làm việc",
    "cải cách hành chính",
    "công tác văn thư lưu trữ",
    "chuyển đổi số",
    "đất đai",
    "giải phóng mặt bằng",
    "dự toán ngân sách",
    "phòng chống lụt bão",
    "thủ tục hành chính",
    "hồ sơ tài liệu",
    "danh mục hồ sơ",
    "chữ ký số",
    "dịch vụ công trực tuyến",
    "tuyển dụng công chức",
    "thi đua khen thưởng",
    "xây dựng nông thôn mới",
    "an toàn giao thông",
    "phòng cháy chữa cháy",
    "quản lý đô thị",
    "bảo vệ môi trường",
    "y tế cơ sở",
    "giáo dục đào tạo",
    "an ninh trật tự",
]
PLACES = [
    "quận Đống Đa",
    "quận Ba Đình",
    "quận Nam Từ Liêm",
    "phường Láng Hạ",
    "phường Điện Biên",
    "huyện Đông Anh",
    "thành phố Hà Nội",
    "xã Đa Tốn",
    "quận Hoàn Kiếm",
    "phường Đội Cấn",
]
EXTRA = ["năm", "quý", "giai đoạn", "đợt", "trên địa bàn", "tại các cơ quan", "của Ủy ban nhân dân", "theo Nghị định"]
UNITS = ["Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch", "Phòng Nội vụ", "Phòng Tài nguyên và Môi trường"]


def corpus(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for number in range(1, n + 1):
        year = rng.randint(2015, 2026)
        kind = rng.choice(TYPES)
        title = f"{kind} {rng.choice(ACTIONS)} {rng.choice(TOPICS)} {rng.choice(EXTRA)} {year} {rng.choice(PLACES)}"
        summary = " ".join(rng.choice(TOPICS + PLACES + EXTRA) for _ in range(rng.randint(4, 10)))
        rows.append(
            {
                "id": number,
                "title": title,
                "summary": summary,
                "year": year,
                "type": kind,
                "unit": rng.randrange(len(UNITS)),
                "code": f"{number}/{kind[:2].upper()}-UBND",
            }
        )
    return rows


def entry(row: dict) -> Entry:
    fields = {
        "key": f"document:{row['id']}",
        "kind": "document",
        "record_id": row["id"],
        "dossier_id": row["id"],
        "organisation": "1",
        "units": str(row["unit"] + 1),
        "unit": UNITS[row["unit"]],
        "type": row["type"],
        "state": "archived",
        "retention": "10",
        "signature": "",
        "year": row["year"],
        "date": datetime(row["year"], 3, 1),
        "code": row["code"],
        "title": row["title"],
        "summary": row["summary"],
        "people": "UBND thành phố Hà Nội",
        "keywords": "",
        "fingerprint": "",
    }
    return Entry(fields, None)


def queries(count: int, rng: random.Random) -> dict[str, list[tuple[str, int | None]]]:
    words = [word for phrase in TOPICS + PLACES for word in phrase.split()]

    def typed(text: str, index: int) -> str:
        return fold(text) if index % 2 else text  # half typed on an old keyboard

    sets: dict[str, list[tuple[str, int | None]]] = {"one-term": [], "two-term": [], "phrase": [], "filtered": []}
    for index in range(count):
        topic = rng.choice(TOPICS + PLACES).split()
        sets["one-term"].append((typed(rng.choice(words), index), None))
        sets["two-term"].append((typed(" ".join(topic[:2]), index), None))
        sets["phrase"].append((typed('"' + " ".join(topic[:3]) + '"', index), None))
        sets["filtered"].append((typed(" ".join(topic[:2]), index), rng.randint(2015, 2026)))
    return sets


def build_whoosh(rows: list[dict], folder: Path) -> float:
    home = search.service().engine.home
    generation = home.new_generation()
    from whoosh import index as whoosh_index

    started = time.perf_counter()
    apply(
        whoosh_index.open_dir(str(generation)),
        [Changes([entry(row) for row in rows], [])],
        lambda _: "",
        fresh=True,
        procs=whoosh_engine.processes_for(len(rows)),
    )  # as a rebuild does
    elapsed = time.perf_counter() - started
    home.switch(generation)
    return elapsed


def build_fts5(rows: list[dict], folder: Path) -> tuple[sqlite3.Connection, float]:
    db = sqlite3.connect(folder / "fts5.sqlite3")
    if db.execute("select count(*) from sqlite_master where name = 'docs'").fetchone()[0]:
        if db.execute("select count(*) from records").fetchone()[0] == len(rows):
            return db, 0.0  # kept from an earlier run (--dir)
        db.executescript("drop table records; drop table docs;")  # an earlier run stopped while building
    db.execute("create table records (id integer primary key, year integer, unit integer, title text)")
    db.execute(
        "create virtual table docs using fts5(code, title, summary, content='', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    started = time.perf_counter()
    db.executemany(
        "insert into records values (?, ?, ?, ?)", [(r["id"], r["year"], r["unit"], r["title"]) for r in rows]
    )
    db.executemany(
        "insert into docs (rowid, code, title, summary) values (?, ?, ?, ?)",
        [(r["id"], r["code"], _fold_d(r["title"]), _fold_d(r["summary"])) for r in rows],
    )
    db.commit()
    return db, time.perf_counter() - started


PG_BATCH = 5000


@contextlib.contextmanager
def pg_database(url: str | None) -> Iterator[str]:
    """Yield the URL of an empty PostgreSQL database: ``url``, or a throwaway cluster's, stopped after."""
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="erms-bench-pg-")) / "cluster"
    folder.parent.chmod(0o755)  # the cluster's own user (postgres, when run as root) must reach it
    script = ROOT / "scripts" / "pg-cluster.sh"
    started = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True, text=True, check=True)
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True, check=False)
        folder.parent.rmdir()


def build_postgres(rows: list[dict], url: str) -> tuple[float, float]:
    """Index ``rows`` as ``erms search rebuild`` fills the engine's table; return the seconds and the size in MB."""
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    batches = (Changes([entry(row) for row in rows[at : at + PG_BATCH]], []) for at in range(0, len(rows), PG_BATCH))
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        PostgresEngine().rebuild(session, batches, lambda _: "", len(rows))
    elapsed = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE search_entries"))
        size = connection.scalar(text("SELECT pg_total_relation_size('search_entries')"))
    engine.dispose()
    return elapsed, size / 1e6


def timed_in_child(settings: dict, query_sets: dict) -> tuple[dict[str, list[float]], float]:
    """Run every query set through ``erms.search.query`` in a fresh process; return its times and memory (MB)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_query_child, (settings, query_sets))


def _query_child(settings: dict, query_sets: dict) -> tuple[dict[str, list[float]], float]:
    search.install(settings)
    actor = Actor(1, "bench", "Bench", frozenset({Grant(Role.ARCHIVIST, 1, None)}))
    engine = make_engine(settings["DATABASE_URL"])
    times, resident = {}, 0.0
    with make_session_factory(engine)() as session:
        for name, items in query_sets.items():
            times[name] = timed(
                lambda words, year: search.query(session, actor, search.Search(text=words, year=year)), items
            )
            resident = max(resident, resident_mb())
    engine.dispose()
    return times, resident


def resident_mb() -> float:
    """Return this process's resident memory now (getrusage's peak would count the parent it was forked from)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def _fold_d(text: str) -> str:
    return text.replace("đ", "d").replace("Đ", "D")


def fts5_query(db: sqlite3.Connection, text: str, year: int | None) -> list:
    match = " ".join(f'"{word}"' for word in _fold_d(text).replace('"', "").split())
    if text.startswith('"'):
        match = '"' + _fold_d(text).strip('"') + '"'
    sql = (
        "select r.id, r.title from docs join records r on r.id = docs.rowid where docs match ? "
        + ("and r.year = ? " if year else "")
        + "order by bm25(docs) limit 20"
    )
    return db.execute(sql, (match, year) if year else (match,)).fetchall()


def timed(function, items) -> list[float]:
    for item in items[:10]:
        function(*item)  # warm-up
    times = []
    for item in items:
        started = time.perf_counter()
        function(*item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentiles(times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return f"{cuts[49]:.1f} / {cuts[94]:.1f} / {cuts[98]:.1f}"


def shared_mb(folder: Path) -> float:
    """The size of the decoded arrays the writer wrote for readers to map (``erms.search_index.shared``)."""
    return sum(path.stat().st_size for path in folder.glob("*" + shared.DATA)) / 1e6


def size_mb(path: Path) -> float:
    return (
        sum(
            file.stat().st_size
            for file in path.rglob("*")
            if file.is_file() and file.suffix not in (shared.DATA, shared.INDEX)
        )
        / 1e6
    )


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds else "(kept)"


ENGINE_NAMES = {
    "whoosh": "Whoosh (erms.search.query: rights, facets, snippets)",
    "postgresql": "PostgreSQL (erms.search.query: rights, facets, snippets)",
    "fts5": "SQLite FTS5 (unicode61 remove_diacritics 2 + đ→d; no rights, facets or snippets)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=20_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--engines", default="whoosh,postgresql,fts5", help="which of whoosh,postgresql,fts5")
    parser.add_argument("--pg", help="an empty PostgreSQL database (SQLAlchemy URL); default: a throwaway cluster")
    parser.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md")
    parser.add_argument("--cold", action="store_true", help="do not warm the Whoosh index before timing queries")
    parser.add_argument("--dir", type=Path, help="keep the Whoosh and FTS5 indexes here and reuse them")
    options = parser.parse_args()
    engines = options.engines.split(",")
    rng = random.Random(20261121)
    rows = corpus(options.n, rng)
    query_sets = queries(options.queries, rng)
    results: dict[str, tuple[str, str, dict[str, list[float]], str]] = {}  # rate, size, times, memory
    notes = []
    with tempfile.TemporaryDirectory(prefix="erms-search-bench-") as scratch:
        folder = options.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if "whoosh" in engines:
            settings = {
                "SEARCH_ENGINE": "whoosh",
                "SEARCH_INDEX_DIR": str(folder / "whoosh"),
                "STORAGE_ROOT": str(folder / "files"),
                "DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}",
            }
            search.install(settings)
            kept = (folder / "whoosh" / "current").exists()
            seconds = 0.0 if kept else build_whoosh(rows, folder)
            started = time.perf_counter()
            warmed = 0 if options.cold else search.service().engine.home.warm()
            notes.append(
                f"Whoosh warm-up: {warmed} terms decoded in {time.perf_counter() - started:.1f} s "
                f"({shared_mb(Path(search.index_location())):,.0f} MB of shared arrays written beside the segments)."
            )
            times, memory = timed_in_child(settings, query_sets)
            size = size_mb(folder / "whoosh")
            results["whoosh"] = (_rate(options.n, seconds), f"{size:.1f}", times, f"{memory:.0f}")
            search.install(None)
        if "postgresql" in engines:
            with pg_database(options.pg) as url:
                seconds, size = build_postgres(rows, url)
                settings = {"SEARCH_ENGINE": "postgresql", "DATABASE_URL": url, "STORAGE_ROOT": str(folder / "files")}
                times, memory = timed_in_child(settings, query_sets)
                results["postgresql"] = (_rate(options.n, seconds), f"{size:.1f}", times, f"{memory:.0f}")
        if "fts5" in engines:
            db, seconds = build_fts5(rows, folder)
            times = {
                name: timed(lambda words, year: fts5_query(db, words, year), items)
                for name, items in query_sets.items()
            }
            db.close()
            size = (folder / "fts5.sqlite3").stat().st_size / 1e6
            results["fts5"] = (_rate(options.n, seconds), f"{size:.1f}", times, "(this process)")
    lines = [
        f"\n## Search: N = {options.n:,} documents ({time.strftime('%Y-%m-%d')}, "
        f"`python bench/search_bench.py {options.n} --engines {options.engines}{' --cold' if options.cold else ''}`)\n",
        *notes,
        "",
        "| engine | index docs/s | index size MB | query process RSS MB | query | p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name in query_sets:
        for engine_name, (rate, size, times, memory) in results.items():
            lines.append(
                f"| {ENGINE_NAMES[engine_name]} | {rate} | {size} | {memory} | {name} | {percentiles(times[name])} |"
            )
    table = "\n".join(lines) + "\n"
    print(table)
    if options.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results_file:
            results_file.write(table)


if __name__ == "__main__":
    main()
