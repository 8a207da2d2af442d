"""Time the appraisal due list over 100k and 1M dossiers: one indexed query, no Python loop.

Usage: .venv/bin/python bench/retention_bench.py [--sizes 100000 1000000] [--url DATABASE_URL]
Without --url each size gets a fresh SQLite file in a temp folder (migrated by Alembic).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text

from erms import migrate
from erms.db import make_engine
from erms.models import Dossier, DossierList, DossierListEntry, Organisation, Unit, User
from retention import appraisal

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
BATCH = 20_000


def populate(engine, size: int) -> int:
    """Fill the database with ``size`` archived dossiers spread over 20 years; return the organisation id."""
    rng = random.Random(5)
    with engine.begin() as conn:
        org = conn.execute(
            insert(Organisation).values(
                code="000.00.00.B01", name="Bench", parent_name="", archive_code="", created_at=NOW
            )
        ).inserted_primary_key[0]
        unit = conn.execute(insert(Unit).values(organisation_id=org, code="VP", name="VP")).inserted_primary_key[0]
        user = conn.execute(
            insert(User).values(
                username="bench", full_name="Bench", position="", password_hash="!", active=True, created_at=NOW
            )
        ).inserted_primary_key[0]
        dossier_list = conn.execute(
            insert(DossierList).values(
                organisation_id=org, year=2000, state="approved", decision_ref="", created_at=NOW
            )
        ).inserted_primary_key[0]
        for start in range(0, size, BATCH):
            numbers = range(start, min(start + BATCH, size))
            conn.execute(
                insert(DossierListEntry),
                [
                    {
                        "id": n + 1,
                        "dossier_list_id": dossier_list,
                        "number": n + 1,
                        "file_notation": f"{n + 1}.TH",
                        "title": f"Hồ sơ {n}",
                        "unit_id": unit,
                        "created_at": NOW,
                    }
                    for n in numbers
                ],
            )
            rows = []
            for n in numbers:
                year = 2000 + rng.randrange(20)
                permanent = rng.random() < 0.3
                rows.append(
                    {
                        "organisation_id": org,
                        "entry_id": n + 1,
                        "unit_id": unit,
                        "creator_id": user,
                        "state": "archived",
                        "file_code": f"B.{year}.{n}",
                        "year": year,
                        "file_notation": f"{n}",
                        "title": f"Hồ sơ {n}",
                        "retention_permanent": permanent,
                        "retention_years": None if permanent else 10,
                        "retention_condition": "",
                        "rights": "public",
                        "language": "vi",
                        "start_date": date(year, 1, 2),
                        "end_date": date(year, 12, 1),
                        "description": "",
                        "keyword": "",
                        "schema_id": "bench",
                        "opened_at": NOW,
                        "appraisal_due_on": None if permanent else date(year + 11, 1, 1),
                    }
                )
            conn.execute(insert(Dossier), rows)
    return org


def measure(engine, organisation_id: int, on: date) -> tuple[int, float, float, str]:
    """Return (dossiers due, seconds to count them, seconds for the first page of 100, the query plan)."""
    query = appraisal.due_query(organisation_id, on)
    with engine.connect() as conn:
        started = time.perf_counter()
        count = conn.scalar(select(func.count()).select_from(query.subquery()))
        counted = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(query.limit(100)).all()
        paged = time.perf_counter() - started
        plan = ""
        if engine.dialect.name == "sqlite":
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            plan = "; ".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return count, counted, paged, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(args.url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
            with engine.begin() as connection:
                migrate.upgrade(connection)
            started = time.perf_counter()
            org = populate(engine, size)
            filled = time.perf_counter() - started
            count, counted, paged, plan = measure(engine, org, date(2026, 6, 15))
            print(
                f"{engine.dialect.name} {size:>9,} dossiers (filled in {filled:.0f} s): {count:,} due; "
                f"count {counted * 1000:.0f} ms, first 100 {paged * 1000:.1f} ms; plan: {plan}"
            )
            engine.dispose()


if __name__ == "__main__":
    main()
