"""What one more web worker costs in memory with a large search index (issue 18: < 100 MB at 100k documents).

Usage: ``python bench/worker_memory.py INDEX --workers 1 2 [--queries 300]``, where INDEX is a search index
folder as ``bench/search_bench.py N --dir DIR`` leaves it (``DIR/whoosh``: N synthetic documents of
organisation 1). For each worker count, a fresh data folder gets the demo (``erms db upgrade``, ``erms demo
load``: its organisation is number 1, so the archivist may read the whole index) and gunicorn serves it with
``gunicorn.conf.py``, ``ERMS_WORKERS`` set and ``ERMS_SEARCH_INDEX_DIR`` pointing at INDEX. The archivist runs
the search bench's query mix through ``/search/?q=`` on as many connections as there are threads (so every
worker answers some), the workers' background warming is given time to end (memory steady for 10 s), and the
resident memory of each gunicorn process is read from ``/proc/PID/smaps_rollup``: RSS (which counts pages
shared with other processes in each of them: the code, the app's modules forked from the master, the mapped
search arrays), PSS (shared pages divided among the processes sharing them) and USS (the process's private
pages: what the machine spends on one more worker). What a worker adds is the difference of the totals.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import PASSWORD, VENV, Server, free_port, machine, run_command  # noqa: E402
from search_bench import queries  # noqa: E402


def memory(pid: int) -> tuple[float, float, float]:
    """Return a process's RSS, PSS and USS (its private pages, what ending it would free) in MB."""
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M))
    private = int(fields["Private_Clean"]) + int(fields["Private_Dirty"])
    return int(fields["Rss"]) / 1024, int(fields["Pss"]) / 1024, private / 1024


def gunicorn_processes(leader: int) -> dict[int, str]:
    """Return the gunicorn processes under the bench's process group: pid → "master" or "worker"."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = int(status.parent.name), status.read_text()
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(rest.rsplit(")", 1)[1].split()[3]) == leader and b"gunicorn" in command:
            found[pid] = rest.split("(", 1)[1].split(")", 1)[0]
    parent = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in found}
    return {pid: "worker" if parent[pid] in found else "master" for pid in found}


def login(base: str) -> requests.Session:
    session = requests.Session()
    form = session.get(base + "/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(
        base + "/auth/login", data={"csrf_token": token, "username": "archivist", "password": PASSWORD}, timeout=60
    )
    assert answer.ok, answer.status_code
    return session


def measure(index: Path, workers: int, texts: list[str], work: Path) -> dict:
    data = work / f"data-{workers}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ERMS_") and key != "DATABASE_URL"}
    env.update(
        ERMS_DATA_DIR=str(data),
        ERMS_DEMO_PASSWORD=PASSWORD,
        ERMS_SEARCH_INDEX_DIR=str(index),
        ERMS_WORKERS=str(workers),
        PYTHONUNBUFFERED="1",
    )
    run_command([str(VENV / "bin/erms"), "db", "upgrade"], env, work / "setup.log")
    run_command([str(VENV / "bin/erms"), "demo", "load"], env, work / "setup.log")
    port = free_port()
    server = Server(
        f"gunicorn × {workers}",
        [str(VENV / "bin/gunicorn"), "--config", "gunicorn.conf.py"],
        dict(env, ERMS_BIND=f"127.0.0.1:{port}"),
        work / f"server-{workers}.log",
        port,
    )
    try:
        server.wait_ready("/auth/login")
        idle = {pid: memory(pid) for pid, role in gunicorn_processes(server.process.pid).items() if role == "worker"}
        sessions = [login(server.base) for _ in range(8)]
        started = time.monotonic()
        with ThreadPoolExecutor(len(sessions)) as pool:
            answers = list(
                pool.map(
                    lambda job: (
                        sessions[job[0] % len(sessions)]
                        .get(server.base + "/search/", params={"q": job[1]}, timeout=120)
                        .status_code
                    ),
                    enumerate(texts),
                )
            )
        seconds = time.monotonic() - started
        steady, last = 0, None
        while steady < 10:  # warming runs in a thread of each worker after its first search
            time.sleep(1)
            now = sum(memory(pid)[0] for pid in gunicorn_processes(server.process.pid))
            steady = steady + 1 if last is not None and abs(now - last) < 1 else 0
            last = now
        processes = {pid: (role, memory(pid)) for pid, role in gunicorn_processes(server.process.pid).items()}
    finally:
        server.stop()
    return {"workers": workers, "answers": answers, "seconds": seconds, "processes": processes, "idle": idle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a search index folder (search_bench.py --dir DIR leaves DIR/whoosh)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    print(f"$ .venv/bin/python bench/worker_memory.py {' '.join(sys.argv[1:])}\nmachine: {machine()}")
    mix = queries(args.queries, random.Random(20261121))
    texts = [text for group in zip(*mix.values(), strict=True) for text, _year in group][: args.queries]
    rows, lines = [], []
    with tempfile.TemporaryDirectory(prefix="erms-memory-") as scratch:
        for workers in args.workers:
            result = measure(args.index.resolve(), workers, texts, Path(scratch))
            processes = result["processes"]
            rss = sum(mb[0] for _, mb in processes.values())
            pss = sum(mb[1] for _, mb in processes.values())
            each = ", ".join(f"{role} {mb[0]:.0f}/{mb[1]:.0f}/{mb[2]:.0f}" for role, mb in sorted(processes.values()))
            idle = ", ".join(f"{mb[0]:.0f}/{mb[1]:.0f}/{mb[2]:.0f}" for mb in result["idle"].values())
            failed = sum(code != 200 for code in result["answers"])
            uss = [mb[2] for role, mb in processes.values() if role == "worker"]
            rows.append((workers, rss, pss, sum(uss) / len(uss)))
            lines.append(
                f"| {workers} | {len(texts)} in {result['seconds']:.1f} s, {failed} not 200 | {idle} | {each} "
                f"| {rss:.0f} | {pss:.0f} |"
            )
    print(
        "\n| workers | searches | each worker idle RSS/PSS/USS MB | after the searches, RSS/PSS/USS MB | total RSS MB "
        "| total PSS MB |\n|---:|---|---|---|---:|---:|"
    )
    print("\n".join(lines))
    for (one, rss1, pss1, _), (more, rss2, pss2, uss2) in zip(rows, rows[1:], strict=False):
        print(
            f"from {one} to {more} workers: RSS +{rss2 - rss1:.0f} MB, PSS +{pss2 - pss1:.0f} MB "
            f"(+{(pss2 - pss1) / (more - one):.0f} MB of PSS per worker); a worker's own pages (USS): {uss2:.0f} MB"
        )


if __name__ == "__main__":
    main()
