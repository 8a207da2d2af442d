"""Time a backup set against a plain ``cp -a`` + ``sync`` of the same files (issue 20).

Usage: .venv/bin/python bench/backup_bench.py [FILES MEGABYTES] [--changed 1.0] [--keep DIR]
       (defaults: 22,000 files, 2,000 MB: the issue's store)

1. A synthetic instance in a temp folder (or DIR): a migrated SQLite database whose ``stored_files`` rows list
   FILES random files of long-tailed sizes (MEGABYTES in all) placed in its file store, read back once so both
   contenders start from the same page cache.
2. ``cp -a files/ copy/`` then ``sync``: the reference.
3. ``administration.backup.create`` to an empty target on the same file system: the first set.
4. ``--changed`` per cent of the files added as new stored files, then a second set to the same target.

Printed: seconds of each, the first set's speed as a share of the copy's (goal ≥ 70 %), and the second set's time
as a share of the first's (goal < 10 %).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from administration import backup
from erms import db, migrate
from erms.models import StoredFile

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def sizes(count: int, megabytes: int, rng: random.Random) -> list[int]:
    """Long-tailed sizes (most files small scans, a few large) scaled to ``megabytes`` in all."""
    raw = [rng.paretovariate(1.2) for _ in range(count)]
    scale = megabytes * 1_000_000 / sum(raw)
    return [max(1, int(value * scale)) for value in raw]


def add_files(engine, store: Path, sizes_: list[int], rng: random.Random) -> None:
    """Write files of these sizes into the store and list them in ``stored_files``."""
    rows = []
    for size in sizes_:
        data = rng.randbytes(size)
        sha256 = hashlib.sha256(data).hexdigest()
        path = store / sha256[:2] / sha256[2:4] / sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append(
            {
                "sha256": sha256,
                "sha512": hashlib.sha512(data).hexdigest(),
                "size": size,
                "media_type": "application/pdf",
                "created_at": NOW,
                "has_pdf_signature": False,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(StoredFile), rows)


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="?", type=int, default=22_000)
    parser.add_argument("megabytes", nargs="?", type=int, default=2_000)
    parser.add_argument("--changed", type=float, default=1.0, help="per cent of files added before the second set")
    parser.add_argument("--keep", default=None, help="work in this folder and keep it")
    arguments = parser.parse_args()
    root = Path(arguments.keep or tempfile.mkdtemp(prefix="erms-backup-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        run(root, arguments)
    finally:
        if not arguments.keep:
            shutil.rmtree(root, ignore_errors=True)


def run(root: Path, arguments) -> None:
    rng = random.Random(20)
    store, database = root / "files", root / "erms.sqlite3"
    engine = db.make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    started = time.perf_counter()
    add_files(engine, store, sizes(arguments.files, arguments.megabytes, rng), rng)
    total = sum(path.stat().st_size for path in store.rglob("*") if path.is_file())
    print(f"store: {arguments.files} files, {total / 1e6:.0f} MB (made in {time.perf_counter() - started:.0f} s)")
    for path in store.rglob("*"):  # read back once: both contenders start from the same page cache
        if path.is_file():
            path.read_bytes()
    os.sync()

    copy = root / "copy"
    copied = timed(lambda: (subprocess.run(["cp", "-a", str(store), str(copy)], check=True), os.sync()))
    shutil.rmtree(copy)
    os.sync()

    target = backup.Target("bench", root / "target")
    target.path.mkdir()
    settings = {"STORAGE_ROOT": str(store), "DATABASE_URL": str(engine.url)}
    first = timed(lambda: backup.create(engine, settings, target, now=NOW))
    added = max(1, round(arguments.files * arguments.changed / 100))
    add_files(engine, store, sizes(added, max(1, round(arguments.megabytes * arguments.changed / 100)), rng), rng)
    os.sync()
    second = timed(lambda: backup.create(engine, settings, target, now=NOW + timedelta(seconds=1)))
    engine.dispose()

    print(f"cp -a + sync        {copied:7.2f} s")
    print(f"first backup set    {first:7.2f} s   speed {copied / first * 100:5.1f} % of cp -a + sync (goal >= 70 %)")
    share = second / first * 100
    print(f"second, {arguments.changed:g} % added  {second:7.2f} s   {share:5.1f} % of the first (goal < 10 %)")


if __name__ == "__main__":
    sys.exit(main())
