"""How closely the fixity audit holds its configured rate (issue 20's goal: within 10 %).

Usage: .venv/bin/python bench/fixity_bench.py [FILES MEGABYTES] [--rates 5 10 20] [--keep DIR]
       (defaults: 2,000 files, 200 MB)

A synthetic store (a migrated SQLite database listing FILES random files of long-tailed sizes, MEGABYTES in all),
then, for each rate in MB/s, one round of ``administration.fixity.check`` as the worker runs it (``Pace`` with that
rate and no time limit) over every file. Printed per rate: the bytes read, the seconds, the rate achieved and its
difference from the rate asked for.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_bench import add_files, sizes  # noqa: E402

from administration import fixity  # noqa: E402
from erms import db, migrate  # noqa: E402
from erms.db import make_session_factory  # noqa: E402
from erms.storage import FileStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="?", type=int, default=2_000)
    parser.add_argument("megabytes", nargs="?", type=int, default=200)
    parser.add_argument("--rates", nargs="+", type=float, default=[5, 10, 20], help="MB/s to ask for")
    parser.add_argument("--keep", default=None)
    arguments = parser.parse_args()
    root = Path(arguments.keep or tempfile.mkdtemp(prefix="erms-fixity-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        engine = db.make_engine(f"sqlite:///{root / 'erms.sqlite3'}")
        with engine.begin() as connection:
            migrate.upgrade(connection)
        rng = random.Random(20)
        add_files(engine, root / "files", sizes(arguments.files, arguments.megabytes, rng), rng)
        factory, store = make_session_factory(engine), FileStore(root / "files")
        print(f"store: {arguments.files} files, {arguments.megabytes} MB")
        for rate in arguments.rates:
            pace = fixity.Pace(bytes_per_second=rate * 1_000_000)
            started = time.perf_counter()
            found = fixity.check(factory, store, agent="bench", clock=lambda: datetime.now(UTC), pace=pace)
            seconds = time.perf_counter() - started
            read = sum(item.size for item in found)
            achieved = read / seconds / 1_000_000
            print(
                f"asked {rate:5.1f} MB/s   read {read / 1e6:7.1f} MB in {seconds:6.1f} s   "
                f"achieved {achieved:5.2f} MB/s   {(achieved / rate - 1) * 100:+5.1f} % (goal within 10 %)"
            )
        engine.dispose()
    finally:
        if not arguments.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
