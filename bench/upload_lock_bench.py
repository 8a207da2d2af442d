"""What one person's large upload makes the others wait (issue 18): a colleague's small saves while it is stored.

Usage: ``PYTHONPATH=TREE .venv/bin/python bench/upload_lock_bench.py [MEGABYTES] [--saves N]`` (default 200 MB).

A fresh demo on SQLite (``erms db upgrade``, ``erms demo load``), served in the process by the app's test client
(no HTTP server: what is measured is the app and the database). First the reference: ``--saves`` small saves (a
one-page file added to an open dossier) with nothing else running. Then officer1 adds one file of MEGABYTES to
another open dossier while, in a second thread, the same small saves go on one after the other until it is done.
Printed: how long the large upload took, and the small saves' time (median and slowest) alone and beside it. Each
save takes SQLite's write lock for its transaction: what the large one does while holding it, the others wait.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-lock-Pass-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHARED = {"direction": "internal", "status": "final", "type_name": "Công văn", "issued_date": "2026-03-02",
          "organ_name": "UBND quận", "language": "Tiếng Việt", "urgency": "normal"}  # fmt: skip


def demo(folder: Path) -> None:
    env = dict(os.environ, ERMS_DATA_DIR=str(folder), ERMS_DEMO_PASSWORD=PASSWORD)
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(ROOT / ".venv/bin/erms"), *command], env=env, check=True, capture_output=True)


def logged_in(app):
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    answer = client.post("/auth/login", data={"username": "officer1", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def open_dossiers(client) -> list[int]:
    """The open dossiers officer1 adds to: those the home page lists with a form to add files."""
    home = client.get("/").get_data(as_text=True)
    found = []
    for dossier_id in dict.fromkeys(int(n) for n in re.findall(r'href="/dossiers/(\d+)"', home)):
        if "/documents/batch" in client.get(f"/dossiers/{dossier_id}").get_data(as_text=True):
            found.append(dossier_id)
    return found


def add_file(client, dossier_id: int, content: bytes, name: str) -> float:
    """Add one file to the dossier; return the seconds the save took."""
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    data = {**SHARED, "csrf_token": CSRF.search(page).group(1), "files": (io.BytesIO(content), name, "application/pdf")}
    started = time.perf_counter()
    answer = client.post(f"/dossiers/{dossier_id}/documents/batch", data=data, content_type="multipart/form-data")
    took = time.perf_counter() - started
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("megabytes", nargs="?", type=int, default=200)
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    print(f"$ bench/upload_lock_bench.py {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory(prefix="erms-lock-") as temp:
        demo(Path(temp))
        os.environ["ERMS_DATA_DIR"] = temp
        from erms.app import create_app

        app = create_app()
        small, large = logged_in(app), logged_in(app)
        targets = open_dossiers(small)
        assert len(targets) >= 2, f"the demo should give officer1 two open dossiers, not {targets}"
        alone = [add_file(small, targets[0], b"%PDF-1.4 a " + bytes([n]) * 2000, f"alone-{n}.pdf")
                 for n in range(args.saves)]  # fmt: skip
        big = os.urandom(args.megabytes * 1_000_000)
        took: dict[str, float] = {}
        done = threading.Event()

        def upload() -> None:
            took["large"] = add_file(large, targets[1], big, "scan-lon.pdf")
            done.set()

        thread = threading.Thread(target=upload)
        thread.start()
        beside = []
        while not done.is_set():
            beside.append(add_file(small, targets[0], b"%PDF-1.4 b " + os.urandom(2000), f"beside-{len(beside)}.pdf"))
        thread.join()
    print(f"\nlarge upload: {args.megabytes} MB in {took['large']:.2f} s\n")
    print("| small saves | count | median ms | slowest ms |")
    print("|---|---:|---:|---:|")
    for name, times in (("alone", alone), ("beside the large upload", beside)):
        print(f"| {name} | {len(times)} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} |")


if __name__ == "__main__":
    main()
