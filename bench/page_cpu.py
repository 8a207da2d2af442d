"""CPU per page (issue 18): what one request of each page costs the server, measured in the process.

Usage: ``.venv/bin/python bench/page_cpu.py [--requests 200] [--rounds 5] [--data DIR]``.

The load bench (bench/load_bench.py) measures what users wait for under load, where the client, the
worker and the machine's moods all move the figures by a third between runs. This one answers the
question under them: how much CPU does one request of a page cost, so that a change to a page can be
judged on its own. Each page is requested through the app's test client (no network, no gunicorn),
``--requests`` times per round, and the CPU time of the process per request is taken (``time.process_time``);
the best of ``--rounds`` rounds is printed (the others only add the machine's noise), with the median.

The data: a fresh data directory (``erms db upgrade``, ``erms demo load``, ``erms search rebuild``) unless
``--data DIR`` names one that ``erms demo load`` filled with ERMS_DEMO_PASSWORD set to this bench's password.
The reference is bench/load_bare.py's bare page (Flask + SQLAlchemy, one query, a ~20 KB page: the issue's
ceiling) measured the same way in the same run; the ratio bare ÷ page is what the issue's "home ≥ 50 % of the
bare page's req/s" asks of the home page, without the HTTP server and the client that the load bench adds to
both.
Also timed: the floor under every logged-in page (two routes the bench adds to its own app: one answering a word,
one the layout alone), and printing a 12-row document index PDF, which closing a dossier does.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load_bare  # noqa: E402

PASSWORD = "bench-page-Pass-2026"
# (reader, path, what it is): the pages people ask for most (bench/load_bench.py's mix).
PAGES = [
    ("officer1", "/", "officer's home"),
    ("officer1", "/dossiers/5", "dossier page"),
    ("officer1", "/search/?q=k%E1%BA%BF%20ho%E1%BA%A1ch", "search"),
    ("officer1", "/dossiers/ad-hoc", "ad-hoc form"),
    ("registry", "/registers/incoming", "incoming register"),
    ("archivist", "/archive/", "archive queue"),
    # The floor of every logged-in page: the user and their roles, the layout, the unread notices' count.
    ("officer1", "/help/", "lightest logged-in page (help)"),
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cpu_ms(call: Callable[[], object], requests: int, rounds: int) -> tuple[float, float]:
    """Return (best, median) CPU milliseconds per call over ``rounds`` rounds of ``requests`` calls."""
    for _ in range(10):
        call()  # warm: templates compiled, statements cached
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            call()
        per_round.append((time.process_time() - started) / requests * 1000)
    return min(per_round), statistics.median(per_round)


def demo_data(folder: Path) -> None:
    env = dict(os.environ, ERMS_DATA_DIR=str(folder), ERMS_DEMO_PASSWORD=PASSWORD)
    # The worker would index the demo's records; here nobody runs it, so the index is built at once.
    for command in (["db", "upgrade"], ["demo", "load"], ["search", "rebuild"]):
        subprocess.run([str(ROOT / ".venv/bin/erms"), *command], env=env, check=True, capture_output=True)


def logged_in(app, username: str):
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    answer = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"{username} could not log in ({answer.status_code}): was the data loaded with {PASSWORD}?")
    return client


# What every logged-in page pays before its own content, measured on two routes this bench adds to its own app:
# a logged-in route answering one word (the session, the log-in check, the person's roles), and the layout alone
# (the header's menus and notices' count, the footer) around an empty page.
FLOOR = [
    ("officer1", "/bench-floor/word", "a logged-in route answering one word"),
    ("officer1", "/bench-floor/layout", "the layout around an empty page"),
]


def _add_floor_routes(app) -> None:
    from flask import render_template_string

    from erms.auth import login_required

    @app.get("/bench-floor/word")
    @login_required
    def word() -> str:
        return "ok"

    @app.get("/bench-floor/layout")
    @login_required
    def layout() -> str:
        return render_template_string('{% extends "base.html" %}{% block content %}{% endblock %}')


def index_pdf() -> bytes:
    from exports.pdf import pdf_index

    rows = tuple(
        pdf_index.IndexRow(
            n, f"{n}/QĐ-UBND", date(2026, 1, n), f"Quyết định giao nhiệm vụ số {n}", "UBND quận", "2", ""
        )
        for n in range(1, 13)
    )
    index = pdf_index.DocumentIndex(
        "UBND thành phố Hà Nội", "UBND quận Đống Đa", "01.VP", "000.00.00.H26.2026.01.VP", 2026,
        "Hồ sơ hội nghị tổng kết công tác năm 2026", rows, datetime(2026, 6, 15, 10, 30),
    )  # fmt: skip
    return pdf_index.render(index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, help="a data directory `erms demo load` filled (default: a fresh one)")
    args = parser.parse_args()
    print(f"$ .venv/bin/python bench/page_cpu.py {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory(prefix="erms-page-cpu-") as temp:
        folder = args.data or Path(temp) / "data"
        if args.data is None:
            demo_data(folder)
        os.environ["ERMS_DATA_DIR"] = str(folder)
        from erms.app import create_app

        app = create_app()
        _add_floor_routes(app)
        bare_url = f"sqlite:///{Path(temp) / 'bare.sqlite3'}"
        load_bare.prepare(bare_url)
        bare = load_bare.create_app(bare_url).test_client()
        bare_best, bare_median = cpu_ms(lambda: bare.get("/"), args.requests, args.rounds)
        print()
        print("| Page | Reader | Bytes | CPU ms per request (best) | median of rounds | bare ÷ page |")
        print("|---|---|---:|---:|---:|---:|")
        size = len(bare.get("/").data)
        print(f"| bare page (bench/load_bare.py) | – | {size:,} | {bare_best:.2f} | {bare_median:.2f} | 100 % |")
        clients = {}
        for username, path, name in FLOOR + PAGES:
            client = clients.get(username) or clients.setdefault(username, logged_in(app, username))
            answer = client.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code} to {username}")
            best, median = cpu_ms(lambda client=client, path=path: client.get(path), args.requests, args.rounds)
            share = bare_best / best * 100
            print(
                f"| {name} `{path}` | {username} | {len(answer.data):,} | {best:.2f} | {median:.2f} | {share:.0f} % |"
            )
        best, median = cpu_ms(index_pdf, max(args.requests // 10, 5), args.rounds)
        size = len(index_pdf())
        print(f"| document index PDF, 12 rows (closing a dossier) | – | {size:,} | {best:.1f} | {median:.1f} | |")


if __name__ == "__main__":
    main()
