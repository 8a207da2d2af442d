"""Load bench (issue 18): N simulated users for T seconds against ERMS served as `make run` serves it.

Usage: ``.venv/bin/python bench/load_bench.py --users N --seconds T [--database sqlite|postgresql]
[--keep DIR] [--ratio-seconds 20] [--seed 18] [--ramp S]``.

What it does, all on 127.0.0.1, everything it starts stopped in a ``finally``:

1. A fresh data directory (a temp folder, or ``--keep DIR``, which is then kept with the server logs):
   ``erms db upgrade``, ``erms demo load`` with ``ERMS_DEMO_PASSWORD`` set, so the bench knows the demo
   accounts' password. ``--database postgresql`` first starts a throwaway cluster
   (``scripts/pg-cluster.sh start``), creates the databases ``erms_load`` (ERMS) and ``erms_bare`` (the
   bare page) in it and sets ``DATABASE_URL``; the cluster is stopped (and removed) at the end.
2. The ceiling: ``bench/load_bare.py`` (Flask + SQLAlchemy, one query on a 25-row table, a ~20 KB Jinja
   page) served by gunicorn with ERMS's ``gunicorn.conf.py`` (same worker class, workers and threads),
   measured alone: N threads, each its own ``requests.Session``, no think time, ``--ratio-seconds``;
   then stopped.
3. ERMS: ``bash scripts/run.sh`` (gunicorn + the scheduler process) with ``ERMS_DATA_DIR`` and
   ``ERMS_BIND=127.0.0.1:<free port>``. After a short warm-up (one request of each page), the officer's
   home page alone, measured exactly as the bare page (N threads logged in as officers, no think time,
   ``--ratio-seconds``): home req/s ÷ bare req/s is the ratio of the issue's goal. Then the same for the
   lightest logged-in page (help: the log-in check, the layout and the notices' count, little else), the floor
   under every page of the product.
4. The mix: N users (threads, each its own session, seeded RNG), arriving evenly over ``--ramp`` seconds
   (default 0: all in the same second), logging in once then looping until T seconds have passed, 0.5-2 s
   of think time between actions. Of every 10 users 8 are officers (officer1, officer2, unithead in turn)
   and 1 registry, 1 archivist. An officer first adds an ad-hoc
   dossier to this year's list and opens it (its own, so no other user closes it under it), then picks
   among: home ``/``, a dossier page of their unit (ids from the home page's links), search
   (``/search/?q=`` Vietnamese words, with and without diacritics), upload of a small unique PDF into
   its own or one of the demo's open dossiers (dossier page read for the form's fields and CSRF token,
   then ``POST /dossiers/<id>/documents/batch``), download of a document version seen on a dossier
   page, and closing its own dossier through the wizard (checklist page, then the confirmed POST) once
   it holds an acknowledged upload (a 1 % chance per action, at the latest once past its own moment,
   drawn between 40 % and 90 % of T); after closing it opens a new one.
   The registry reads home, ``/registers/incoming`` and search; the archivist home, ``/archive/``,
   ``/registers/incoming`` and search.
5. Afterwards: every acknowledged upload (a 302 back to its dossier) must have its SHA-256 in
   ``stored_files`` and its bytes, re-hashed, at ``ERMS_DATA_DIR/files/aa/bb/<sha256>``. The servers'
   output (gunicorn access and error log, the scheduler) goes to ``DIR/erms-server.log`` and
   ``DIR/bare-server.log``; tracebacks found there are printed.

Printed: per page kind requests, req/s, p50/p95 ms, server errors (5xx) and other unexpected answers
(wrong status, a redirect to the log-in page, a refused upload) and client-side failures (timeouts,
connection errors); the saturation figures of home and bare; the upload check; and a verdict line
against the issue's goals (0 server errors, 0 lost uploads, page p95 < 300 ms, home >= 50 % of bare).
The client runs on the same machine as the servers and takes its share of the CPU (for both pages).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import math
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import lxml.etree
import lxml.html
import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_bare  # noqa: E402

VENV = ROOT / ".venv"
PASSWORD = "bench-load-Pass-2026"
OFFICERS = ["officer1", "officer2", "unithead"]
MARK = "tải thử"  # in the titles of the dossiers the bench opens, so it never uploads into another user's
QUERIES = [
    "hồ sơ",
    "kế hoạch",
    "báo cáo",
    "công văn",
    "ngân sách",
    "hội nghị tổng kết",
    "thống kê",
    "ho so",
    "ke hoach",
    "bao cao",
]
TIMEOUT = (5, 60)  # connect, read: every request ends by itself

# Page kinds in the order of the table; GET pages are what the "p95 < 300 ms" goal is about.
KINDS = [
    ("login page", "GET /auth/login"),
    ("log in", "POST /auth/login"),
    ("home", "GET /"),
    ("dossier", "GET /dossiers/<id>"),
    ("search", "GET /search/?q="),
    ("download", "GET /dossiers/<id>/versions/<vid>"),
    ("close wizard", "GET /dossiers/<id>/close"),
    ("incoming register", "GET /registers/incoming"),
    ("archive", "GET /archive/"),
    ("ad-hoc form", "GET /dossiers/ad-hoc"),
    ("open form", "GET /dossiers/open/<entry>"),
    ("upload", "POST /dossiers/<id>/documents/batch"),
    ("close", "POST /dossiers/<id>/close"),
    ("ad-hoc add", "POST /dossiers/ad-hoc"),
    ("open dossier", "POST /dossiers/open/<entry>"),
]
PAGE_KINDS = {name for name, what in KINDS if what.startswith("GET")}
HREF = re.compile(r'href="(/dossiers/(\d+))"')
VERSION = re.compile(r'href="(/dossiers/\d+/versions/\d+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# ---------------------------------------------------------------- measurements


@dataclass
class Sample:
    kind: str
    status: int | None  # None: no answer (timeout, connection error)
    seconds: float
    problem: str = ""  # "" fine, else why it counts as unexpected
    at: float = 0.0  # when it was sent (time.monotonic())


@dataclass
class Upload:
    sha256: str
    dossier_id: int
    status: int | None
    acknowledged: bool


@dataclass
class UserLog:
    samples: list[Sample] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    closes: int = 0
    crashed: str = ""  # the bench's own failure in this user's thread, if any (a bug here, not the server's)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


class Client:
    """One simulated user's HTTP side: its own session (cookies, one kept-alive connection), its own log."""

    def __init__(self, base: str, log: UserLog):
        self.base = base
        self.session = requests.Session()
        self.log = log
        self.last_end: float | None = None  # when the last answer ended: how long the connection stood idle

    def call(self, kind: str, method: str, path: str, expect: int = 200, **kwargs) -> requests.Response | None:
        at, started = time.monotonic(), time.perf_counter()
        try:
            answer = self.session.request(method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            cause = exc.args[0] if exc.args else exc
            cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the real one
            if isinstance(cause, Exception) and len(cause.args) > 1:  # ('Connection aborted.', the error)
                cause = cause.args[1]
            idle = f", {at - self.last_end:.1f} s after the previous answer" if self.last_end else ""
            self.log.samples.append(
                Sample(kind, None, time.perf_counter() - started, f"{type(exc).__name__}: {str(cause)[:100]}{idle}", at)
            )
            self.last_end = None  # a new connection follows
            return None
        self.last_end = time.monotonic()
        seconds = time.perf_counter() - started
        problem = ""
        if answer.status_code != expect:
            location = answer.headers.get("Location", "")
            problem = f"{answer.status_code}" + (f" -> {location.split('?')[0]}" if location else "")
            if 400 <= answer.status_code < 500 and "html" in answer.headers.get("Content-Type", ""):
                problem += f" ({reason(answer.text)})"
        elif expect == 302 and "/auth/login" in answer.headers.get("Location", ""):
            problem = "302 -> /auth/login"
        self.log.samples.append(Sample(kind, answer.status_code, seconds, problem, at))
        return answer if not problem else None

    def login(self, username: str) -> bool:
        page = self.call("login page", "GET", "/auth/login")
        token = CSRF.search(page.text) if page is not None else None
        if token is None:
            return False
        answer = self.call(
            "log in",
            "POST",
            "/auth/login",
            expect=302,
            data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
        )
        return answer is not None


def reason(html: str) -> str:
    """What a refused request said: the form's error messages, else the error page's title."""
    try:
        page = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    said = [
        " ".join(node.text_content().split())
        for node in page.xpath(
            "//main//*[contains(concat(' ', @class, ' '), ' error ')"
            " or contains(concat(' ', @class, ' '), ' form-error ')]"
        )
    ]
    said = [text for text in said if text] or [" ".join(node.text_content().split()) for node in page.xpath("//h1")]
    return re.sub(r"\d+", "N", "; ".join(dict.fromkeys(said)))[:200]  # numbers blanked: alike refusals grouped


def form_values(html: str, action_suffix: str, page: str = "") -> tuple[str, dict] | None:
    """The (action, fields) of the page's POST form whose action ends with ``action_suffix`` (a form
    without an action posts to its own ``page``)."""
    for form in lxml.html.fromstring(html).forms:
        action = form.get("action") or page
        if (form.method or "").lower() == "post" and action.split("?")[0].endswith(action_suffix):
            return action, dict(form.form_values())
    return None


def make_pdf(label: str, rng: random.Random) -> bytes:
    """A small valid one-page PDF whose bytes are unique (the label and random words are its text)."""
    words = ["ke hoach", "bao cao", "cong van", "ho so", "tong ket", "ngan sach", "thong ke", "quyet dinh"]
    lines = [f"{label} {rng.getrandbits(64):016x}"] + [" ".join(rng.choice(words) for _ in range(8)) for _ in range(30)]
    content = "BT /F1 11 Tf 14 TL 56 780 Td " + " ".join(f"({line}) '" for line in lines) + " ET"
    content_bytes = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content_bytes) + content_bytes + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# ---------------------------------------------------------------- the simulated users


class Officer:
    """An officer (or unit head): home, dossiers, search, upload, download, close (own dossier)."""

    def __init__(self, client: Client, username: str, number: int, rng: random.Random):
        self.c, self.username, self.number, self.rng = client, username, number, rng
        self.unit_dossiers: set[int] = set()
        self.shared_open: set[int] = set()  # the demo's open dossiers of the unit: nobody closes them
        self.versions: list[str] = []
        self.own: int | None = None  # this user's own open dossier
        self.own_uploads = 0  # acknowledged uploads into it
        self.own_count = 0
        self.uploads = 0

    def read_home(self, answer: requests.Response | None) -> None:
        if answer is None:
            return
        page = answer.text
        self.unit_dossiers.update(int(number) for _, number in HREF.findall(page))
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
            found = HREF.search(row)
            if found and "state-open" in row and MARK not in row:
                self.shared_open.add(int(found.group(2)))

    def home(self) -> None:
        self.read_home(self.c.call("home", "GET", "/"))

    def dossier(self, dossier_id: int | None = None) -> requests.Response | None:
        if dossier_id is None:
            if not self.unit_dossiers:
                return None
            dossier_id = self.rng.choice(sorted(self.unit_dossiers))
        answer = self.c.call("dossier", "GET", f"/dossiers/{dossier_id}")
        if answer is not None:
            for path in VERSION.findall(answer.text):
                if path not in self.versions:
                    self.versions.append(path)
            del self.versions[:-50]
        return answer

    def search(self) -> None:
        self.c.call("search", "GET", "/search/", params={"q": self.rng.choice(QUERIES)})

    def download(self) -> None:
        if not self.versions:
            self.dossier()
            return
        self.c.call("download", "GET", self.rng.choice(self.versions))

    def open_own(self) -> None:
        """Add an ad-hoc dossier to this year's list and open it: the user's own dossier."""
        self.own_count += 1
        title = f"Hồ sơ {MARK} của người dùng {self.number} số {self.own_count}"
        page = self.c.call("ad-hoc form", "GET", "/dossiers/ad-hoc")
        found = form_values(page.text, "/dossiers/ad-hoc", "/dossiers/ad-hoc") if page is not None else None
        if found is None:
            return
        action, values = found
        values.update(title=title, retention_row_id=values.get("retention_row_id") or "28")
        if self.c.call("ad-hoc add", "POST", action, expect=302, data=values) is None:
            return
        home = self.c.call("home", "GET", "/")
        self.read_home(home)
        if home is None:
            return
        # The new entry, listed with the title we gave it, links to its "Mở hồ sơ" form.
        for item in lxml.html.fromstring(home.text).find_class("entry"):
            links = [link for link in item.iterlinks() if "/dossiers/open/" in link[2]]
            if title not in item.text_content() or not links:
                continue
            page = self.c.call("open form", "GET", links[0][2])
            form = lxml.html.fromstring(page.text).forms[-1] if page is not None else None
            if form is None:
                return
            answer = self.c.call("open dossier", "POST", links[0][2], expect=302, data=dict(form.form_values()))
            if answer is not None:
                found_id = re.search(r"/dossiers/(\d+)", answer.headers.get("Location", ""))
                if found_id:
                    self.own, self.own_uploads = int(found_id.group(1)), 0
                    self.unit_dossiers.add(self.own)
            return

    def upload(self) -> None:
        targets = sorted(self.shared_open)
        if self.own is not None and (not targets or self.own_uploads == 0 or self.rng.random() < 0.5):
            target = self.own
        elif targets:
            target = self.rng.choice(targets)
        else:
            return
        page = self.dossier(target)
        found = form_values(page.text, "/documents/batch") if page is not None else None
        if found is None:
            self.shared_open.discard(target)
            return
        action, values = found
        self.uploads += 1
        content = make_pdf(f"u{self.number} n{self.uploads}", self.rng)
        name = f"Báo cáo {MARK} {self.number}-{self.uploads}.pdf"
        answer = self.c.call(
            "upload", "POST", action, expect=302, data=values, files=[("files", (name, content, "application/pdf"))]
        )
        last = self.c.log.samples[-1]
        acknowledged = answer is not None and f"/dossiers/{target}" in answer.headers.get("Location", "")
        self.c.log.uploads.append(Upload(hashlib.sha256(content).hexdigest(), target, last.status, acknowledged))
        if acknowledged and target == self.own:
            self.own_uploads += 1

    def close_own(self) -> None:
        page = self.c.call("close wizard", "GET", f"/dossiers/{self.own}/close")
        found = form_values(page.text, "/close") if page is not None else None
        if found is None:
            return
        action, values = found
        values["confirm"] = "yes"
        if self.c.call("close", "POST", action, expect=302, data=values) is not None:
            self.c.log.closes += 1
            self.own = None

    def run(self, started: float, seconds: float) -> None:
        deadline = started + seconds
        if not self.c.login(self.username):
            return
        self.home()
        self.open_own()
        actions = [(self.home, 25), (self.dossier, 20), (self.search, 15), (self.upload, 15), (self.download, 15)]
        functions, weights = zip(*actions, strict=True)
        # Each officer's own latest moment to close: one moment for all would make every officer close at once.
        close_by = self.rng.uniform(0.4, 0.9)
        while time.monotonic() + 0.5 < deadline:
            time.sleep(min(self.rng.uniform(0.5, 2.0), max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            due = not self.c.log.closes and time.monotonic() > started + close_by * seconds
            if self.own is None and self.own_count < 5:
                self.open_own()
            elif self.own is not None and self.own_uploads and (due or self.rng.random() < 0.01):
                self.close_own()
            else:
                self.rng.choices(functions, weights)[0]()


class Reader:
    """The registry or the archivist: home, their register or archive pages, search."""

    PAGES = {
        "registry": [("incoming register", "/registers/incoming", 40)],
        "archivist": [("archive", "/archive/", 30), ("incoming register", "/registers/incoming", 15)],
    }

    def __init__(self, client: Client, username: str, rng: random.Random):
        self.c, self.username, self.rng = client, username, rng

    def run(self, started: float, seconds: float) -> None:
        deadline = started + seconds
        if not self.c.login(self.username):
            return
        self.c.call("home", "GET", "/")
        choices = [("home", "/", 25), ("search", "/search/", 20)] + self.PAGES[self.username]
        while time.monotonic() + 0.5 < deadline:
            time.sleep(min(self.rng.uniform(0.5, 2.0), max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            kind, path, _ = self.rng.choices(choices, [weight for *_, weight in choices])[0]
            params = {"q": self.rng.choice(QUERIES)} if kind == "search" else None
            self.c.call(kind, "GET", path, params=params)


def account(number: int) -> str:
    """Of every 10 users, 8 officers (officer1, officer2, unithead in turn), 1 registry, 1 archivist."""
    slot = number % 10
    if slot == 8:
        return "registry"
    if slot == 9:
        return "archivist"
    return OFFICERS[(number - number // 10 * 2) % len(OFFICERS)]


def run_mix(base: str, users: int, seconds: float, seed: int, ramp: float = 0) -> tuple[list[UserLog], float, float]:
    """N users for T seconds, arriving evenly over the first ``ramp`` seconds (0: all at once); return their logs,
    the measured duration and when it started."""
    logs = [UserLog() for _ in range(users)]
    started = time.monotonic()

    def one(number: int) -> None:
        time.sleep(ramp * number / users)
        rng = random.Random(seed * 1000 + number)
        username = account(number)
        client = Client(base, logs[number])
        try:
            if username in OFFICERS:
                Officer(client, username, number, rng).run(started, seconds)
            else:
                Reader(client, username, rng).run(started, seconds)
        except Exception:  # noqa: BLE001 - one user's bench bug must not end the others' run; reported
            logs[number].crashed = traceback.format_exc()
        finally:
            client.session.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=users) as pool:
        for future in [pool.submit(one, number) for number in range(users)]:
            future.result()
    return logs, time.monotonic() - started, started


def run_saturation(
    base: str, users: int, seconds: float, usernames: list[str] | None, kind: str, path: str = "/"
) -> tuple[list[Sample], float]:
    """N threads, no think time, GET ``path`` for ``seconds`` (logged in first when ``usernames`` is given)."""
    logs = [UserLog() for _ in range(users)]
    clients = [Client(base, UserLog()) for _ in range(users)]
    if usernames:
        with concurrent.futures.ThreadPoolExecutor(max_workers=users) as pool:
            done = list(
                pool.map(
                    lambda pair: pair[0].login(pair[1]),
                    [(client, usernames[n % len(usernames)]) for n, client in enumerate(clients)],
                )
            )
        if not any(done):
            raise SystemExit(f"{kind}: no log-in succeeded")
        if not all(done):
            print(f"{kind}: {done.count(False)} of {users} log-ins failed; measured with the other threads")
        clients = [client for client, ok in zip(clients, done, strict=True) if ok]
    for client, log in zip(clients, logs, strict=False):
        client.log = log
    started = time.monotonic()
    deadline = started + seconds

    def hammer(client: Client) -> float:
        while time.monotonic() < deadline:
            client.call(kind, "GET", path)
        return time.monotonic()

    with concurrent.futures.ThreadPoolExecutor(max_workers=users) as pool:
        ended = max(pool.map(hammer, clients))
    for client in clients:
        client.session.close()
    return [sample for log in logs for sample in log.samples], ended - started


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A process group started by the bench, its output in a log file; stopped by ``stop``."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path, port: int):
        self.name, self.log_path, self.port = name, log, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, path: str, limit: float = 90) -> None:
        ends = time.monotonic() + limit
        while time.monotonic() < ends:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(self.base + path, timeout=2, allow_redirects=False).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} not ready after {limit:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to the group (run.sh stops gunicorn and the scheduler), SIGKILL to whatever of the group
        is left 40 s later."""
        group = self.process.pid  # start_new_session: the group is the leader's pid, and ours alone
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            pass
        ends = time.monotonic() + 40
        while time.monotonic() < ends:
            self.process.poll()
            try:
                os.killpg(group, 0)  # anyone of the group still there?
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()


def run_command(command: list[str], env: dict, log: Path) -> str:
    with open(log, "ab") as handle:
        handle.write(f"$ {shlex.join(command)}\n".encode())
        handle.flush()
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=handle, timeout=600)
        handle.write(result.stdout)
    if result.returncode:
        raise SystemExit(f"{shlex.join(command)} failed ({result.returncode}); see {log}")
    return result.stdout.decode()


def tracebacks(log: Path) -> list[tuple[int, str]]:
    """The distinct tracebacks in a server log, with how often each was seen (the log line before
    each, which names the request, is kept from its first occurrence)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    chained = ("During handling", "The above exception")
    found: dict[str, list] = {}
    index = 0
    while index < len(lines):
        if not lines[index].startswith("Traceback (most recent call last)"):
            index += 1
            continue
        before = lines[index - 1] if index and not lines[index - 1].startswith((" ", "Traceback")) else ""
        block = []
        while index < len(lines) and len(block) < 300:
            line = lines[index]
            block.append(line)
            index += 1
            if line.strip() and not line.startswith((" ", "Traceback") + chained):
                ahead = index
                while ahead < len(lines) and not lines[ahead].strip():
                    ahead += 1
                if not (ahead < len(lines) and lines[ahead].startswith(chained)):
                    break
        key = "\n".join(block)
        found.setdefault(key, [0, before])[0] += 1
    return [(count, (before + "\n" if before else "") + key) for key, (count, before) in found.items()]


def log_messages(log: Path) -> Counter:
    """Lines of a server log other than access-log lines, gunicorn's [INFO] lines and tracebacks
    (e.g. the app's warnings: a 503 for a busy database, a 409 for a conflicting write), counted
    with their numbers blanked."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return Counter(
        re.sub(r"\d+", "N", line)[:300]
        for line in lines
        if line.strip()
        and not re.match(r"^\S+ - \S+ \[", line)
        and "[INFO]" not in line
        and not line.startswith((" ", "Traceback", "During handling", "The above exception"))
    )


def server_error_lines(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if re.search(r'" 5\d\d \d', line)]


# ---------------------------------------------------------------- the run


def keepalive() -> str:
    """gunicorn's keep-alive timeout as gunicorn.conf.py leaves it (gunicorn's default when unset)."""
    try:
        from gunicorn.config import Config

        config = Config()
        scope: dict = {}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), scope)
        return str(scope.get("keepalive", config.keepalive))
    except Exception:  # noqa: BLE001 - only a label in the report
        return "?"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} vCPU ({model}), load average {os.getloadavg()[0]:.2f} at start"


def verify_uploads(url: str, store: Path, uploads: list[Upload]) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            known = {row[0] for row in conn.execute(text("SELECT sha256 FROM stored_files"))}
    finally:
        engine.dispose()
    acknowledged = [upload for upload in uploads if upload.acknowledged]
    missing_row, missing_file, wrong_bytes = [], [], []
    for upload in acknowledged:
        if upload.sha256 not in known:
            missing_row.append(upload)
        path = store / upload.sha256[:2] / upload.sha256[2:4] / upload.sha256
        if not path.exists():
            missing_file.append(upload)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != upload.sha256:
            wrong_bytes.append(upload)
    lost = {id(u) for u in missing_row + missing_file + wrong_bytes}
    return {
        "tried": len(uploads),
        "acknowledged": len(acknowledged),
        "missing_row": len(missing_row),
        "missing_file": len(missing_file),
        "wrong_bytes": len(wrong_bytes),
        "lost": len(lost),
        "refused": Counter(str(u.status) for u in uploads if not u.acknowledged),
    }


def table(samples: list[Sample], seconds: float) -> tuple[list[str], dict]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    rows = [
        "| Page | Request | Requests | req/s | p50 ms | p95 ms | 5xx | Other unexpected | No answer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals = Counter()
    worst_page_p95 = (0.0, "")
    for kind, what in KINDS:
        group = by_kind.get(kind, [])
        if not group:
            continue
        times = [s.seconds * 1000 for s in group]
        errors = sum(1 for s in group if s.status is not None and s.status >= 500)
        other = sum(1 for s in group if s.problem and s.status is not None and s.status < 500)
        none = sum(1 for s in group if s.status is None)
        p95 = percentile(times, 0.95)
        if kind in PAGE_KINDS and p95 > worst_page_p95[0]:
            worst_page_p95 = (p95, kind)
        totals.update(requests=len(group), errors=errors, other=other, none=none)
        rows.append(
            f"| {kind} | `{what}` | {len(group):,} | {len(group) / seconds:.1f} | "
            f"{percentile(times, 0.5):.0f} | {p95:.0f} | {errors} | {other} | {none} |"
        )
    all_times = [s.seconds * 1000 for s in samples] or [0.0]
    rows.append(
        f"| **all** | | {totals['requests']:,} | {totals['requests'] / seconds:.1f} | "
        f"{percentile(all_times, 0.5):.0f} | {percentile(all_times, 0.95):.0f} | {totals['errors']} | "
        f"{totals['other']} | {totals['none']} |"
    )
    return rows, {"totals": totals, "worst_page_p95": worst_page_p95, "by_kind": by_kind}


def timeline(samples: list[Sample], started: float, seconds: float, parts: int = 6) -> list[str]:
    """The mix in equal windows: how the figures moved over the run (the log-in storm at the start)."""
    width = seconds / parts
    rows = [
        "| Window (s) | Requests | req/s | GET p50 ms | GET p95 ms | POST p95 ms | 5xx | No answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for part in range(parts):
        low, high = part * width, (part + 1) * width
        group = [s for s in samples if low <= s.at - started < high or (part == parts - 1 and s.at - started >= high)]
        if not group:
            continue
        gets = [s.seconds * 1000 for s in group if s.kind in PAGE_KINDS] or [0.0]
        posts = [s.seconds * 1000 for s in group if s.kind not in PAGE_KINDS] or [0.0]
        rows.append(
            f"| {low:.0f}-{high:.0f} | {len(group):,} | {len(group) / width:.1f} | "
            f"{percentile(gets, 0.5):.0f} | {percentile(gets, 0.95):.0f} | {percentile(posts, 0.95):.0f} | "
            f"{sum(1 for s in group if s.status and s.status >= 500)} | "
            f"{sum(1 for s in group if s.status is None)} |"
        )
    return rows


def saturation_line(name: str, samples: list[Sample], seconds: float) -> tuple[str, float]:
    ok = [s for s in samples if not s.problem]
    times = [s.seconds * 1000 for s in ok] or [0.0]
    rate = len(ok) / seconds
    bad = len(samples) - len(ok)
    return (
        f"| {name} | {len(ok):,} | {rate:.1f} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | {bad} |"
    ), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", type=Path, help="data directory and server logs here (kept); default a temp folder")
    parser.add_argument(
        "--ratio-seconds", type=float, default=20, help="duration of each full-speed phase (bare page, officer's home)"
    )
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--threads", type=int, help="gunicorn threads per process for both servers (default: gunicorn.conf.py's)"
    )
    parser.add_argument("--workers", type=int, help="gunicorn processes for both servers (default: gunicorn.conf.py's)")
    parser.add_argument(
        "--ramp", type=float, default=0, help="seconds over which the users arrive, evenly (0: all in the same second)"
    )
    args = parser.parse_args()
    command = "bench/load_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"$ .venv/bin/python {command}")
    print(f"machine: {machine()}")

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            raise SystemExit(f"{args.keep} is not empty")
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="erms-load-"))
    data = work / "data"
    setup_log, erms_log, bare_log = work / "setup.log", work / "erms-server.log", work / "bare-server.log"
    pg_dir: Path | None = None
    servers: list[Server] = []
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ERMS_") and key not in ("DATABASE_URL", "BARE_DATABASE_URL")
    }
    env.update(ERMS_DATA_DIR=str(data), ERMS_DEMO_PASSWORD=PASSWORD, PYTHONUNBUFFERED="1")
    for name, value in (("ERMS_THREADS", args.threads), ("ERMS_WORKERS", args.workers)):
        if value:
            env[name] = str(value)
    try:
        # ---- 1. data
        t0 = time.monotonic()
        if args.database == "postgresql":
            pg_dir = Path(tempfile.mkdtemp(prefix="erms-load-pg-"))
            cluster = run_command(["bash", "scripts/pg-cluster.sh", "start", str(pg_dir)], env, setup_log).strip()
            admin = create_engine(cluster, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE erms_load"))
                conn.execute(text("CREATE DATABASE erms_bare"))
            admin.dispose()
            erms_url = cluster.rsplit("/", 1)[0] + "/erms_load"
            bare_url = cluster.rsplit("/", 1)[0] + "/erms_bare"
            env["DATABASE_URL"] = erms_url
        else:
            erms_url = f"sqlite:///{data / 'erms.sqlite3'}"
            bare_url = f"sqlite:///{work / 'bare.sqlite3'}"
        run_command([str(VENV / "bin/erms"), "db", "upgrade"], env, setup_log)
        run_command([str(VENV / "bin/erms"), "demo", "load"], env, setup_log)
        load_bare.prepare(bare_url)
        print(f"data: {work} ({args.database}), set up in {time.monotonic() - t0:.0f} s")

        # ---- 2. the bare page, alone
        port = free_port()
        bare = Server(
            "bare page",
            [
                str(VENV / "bin/gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--pythonpath",
                "bench",
                "load_bare:application",
            ],
            dict(env, ERMS_BIND=f"127.0.0.1:{port}", BARE_DATABASE_URL=bare_url),
            bare_log,
            port,
        )
        servers.append(bare)
        bare.wait_ready("/")
        bare_size = len(requests.get(bare.base + "/", timeout=TIMEOUT).content)
        run_saturation(bare.base, min(args.users, 10), 2, None, "warm")  # warm-up, not counted
        bare_samples, bare_seconds = run_saturation(
            bare.base, args.users, args.ratio_seconds, None, "bare page (full speed)"
        )
        bare.stop()
        servers.remove(bare)

        # ---- 3. ERMS as `make run` serves it
        port = free_port()
        erms = Server(
            "ERMS (scripts/run.sh)",
            ["bash", "scripts/run.sh"],
            dict(env, VENV=str(VENV), ERMS_BIND=f"127.0.0.1:{port}"),
            erms_log,
            port,
        )
        servers.append(erms)
        erms.wait_ready("/auth/login")
        warm = Client(erms.base, UserLog())
        warm.login("officer1")
        home_size = len(warm.call("home", "GET", "/").content)
        help_size = len(warm.call("warm", "GET", "/help/").content)
        for path in ("/dossiers/5", "/search/?q=h%E1%BB%93%20s%C6%A1", "/dossiers/ad-hoc"):
            warm.call("warm", "GET", path)
        warm.session.close()
        home_samples, home_seconds = run_saturation(
            erms.base, args.users, args.ratio_seconds, OFFICERS, "home (full speed)"
        )
        # The floor under the home: the lightest logged-in page (log-in check, layout, notices' count, little else).
        floor_samples, floor_seconds = run_saturation(
            erms.base, args.users, args.ratio_seconds, OFFICERS, "help (full speed)", "/help/"
        )

        # ---- 4. the mix
        load_start = os.getloadavg()[0]
        logs, mix_seconds, mix_started = run_mix(erms.base, args.users, args.seconds, args.seed, args.ramp)
        load_end = os.getloadavg()[0]
        erms.stop()
        servers.remove(erms)

        # ---- 5. figures and checks
        samples = [sample for log in logs for sample in log.samples]
        uploads = [upload for log in logs for upload in log.uploads]
        check = verify_uploads(erms_url, data / "files", uploads)
        rows, summary = table(samples, mix_seconds)
        bare_row, bare_rate = saturation_line(f"bare page ({bare_size / 1000:.1f} KB)", bare_samples, bare_seconds)
        home_row, home_rate = saturation_line(f"officer's home ({home_size / 1000:.1f} KB)", home_samples, home_seconds)
        floor_row, floor_rate = saturation_line(
            f"lightest logged-in page, help ({help_size / 1000:.1f} KB)", floor_samples, floor_seconds
        )
        ratio = home_rate / bare_rate if bare_rate else 0.0
        print()
        print(
            f"### Mix: {args.users} users × {mix_seconds:.0f} s, {args.database} "
            f"(load average {load_start:.1f} before, {load_end:.1f} after)"
        )
        print()
        print("\n".join(rows))
        print()
        print("Over time (GET = the pages above, POST = log in, upload, close, ad-hoc, open):")
        print()
        print("\n".join(timeline(samples, mix_started, mix_seconds)))
        print()
        print(
            f"### Full speed, {args.users} threads, no think time, {args.ratio_seconds:.0f} s each "
            f"(bare page first, alone; then ERMS)"
        )
        print()
        print("| Page | Requests | req/s | p50 ms | p95 ms | Unexpected |")
        print("|---|---:|---:|---:|---:|---:|")
        print(bare_row)
        print(home_row)
        print(floor_row)
        print()
        print(
            f"home ÷ bare = {ratio * 100:.0f} %; lightest logged-in page ÷ bare = {floor_rate / bare_rate * 100:.0f} %"
        )
        closes = sum(log.closes for log in logs)
        refused = ", ".join(f"{status}: {count}" for status, count in sorted(check["refused"].items())) or "none"
        print(
            f"uploads: {check['tried']} tried, {check['acknowledged']} acknowledged (302), refused/unanswered "
            f"by status: {refused}; of the acknowledged: {check['missing_row']} without a stored_files row, "
            f"{check['missing_file']} without their file, {check['wrong_bytes']} with other bytes "
            f"-> {check['lost']} lost"
        )
        print(f"dossiers closed through the wizard: {closes}")
        crashed = [log.crashed for log in logs if log.crashed]
        if crashed:
            print(
                f"BENCH ERROR: {len(crashed)} user threads stopped on an exception of the bench; the first:\n"
                + crashed[0]
            )
        problems = Counter(
            (s.kind, re.sub(r", [\d.]+ s after the previous answer", "", s.problem))
            for s in samples + home_samples + floor_samples + bare_samples
            if s.problem
        )
        if problems:
            print(
                "unexpected answers: "
                + "; ".join(f"{kind} {problem} ×{count}" for (kind, problem), count in problems.most_common())
            )
        idles = [
            float(found.group(1))
            for s in samples + home_samples + floor_samples + bare_samples
            if (found := re.search(r", ([\d.]+) s after the previous answer", s.problem))
        ]
        if idles:
            print(
                f"no answer: {len(idles)} requests on a kept-alive connection idle "
                f"{min(idles):.1f}-{max(idles):.1f} s before (gunicorn's keepalive is {keepalive()} s)"
            )
        errors = server_error_lines(erms_log)
        found = tracebacks(erms_log)
        where = erms_log if args.keep else f"{erms_log}, deleted at exit: --keep DIR keeps it"
        print(f"server log ({where}): {len(errors)} 5xx lines in the access log, {len(found)} distinct tracebacks")
        for line in errors[:10]:
            print("  " + line)
        for line, count in log_messages(erms_log).most_common(12):
            print(f"  log ×{count}: {line}")
        for count, block in found[:5]:
            print(f"---- seen {count} times\n{block}")
        totals = summary["totals"]
        worst, worst_kind = summary["worst_page_p95"]
        goals = [
            (f"server errors {totals['errors']} (goal 0)", totals["errors"] == 0),
            (f"lost uploads {check['lost']} of {check['acknowledged']} (goal 0)", check["lost"] == 0),
            (f"page p95 at most {worst:.0f} ms ({worst_kind}; goal < 300)", worst < 300),
            (f"home {ratio * 100:.0f} % of the bare page's req/s (goal ≥ 50 %)", ratio >= 0.5),
        ]
        print()
        print(
            "Verdict: "
            + "; ".join(f"{label}: {'met' if ok else 'NOT met'}" for label, ok in goals)
            + (
                f"; also {totals['other']} other unexpected answers and {totals['none']} without an answer"
                if totals["other"] or totals["none"]
                else ""
            )
        )
    finally:
        for server in reversed(servers):
            server.stop()
        if pg_dir is not None:
            subprocess.run(
                ["bash", "scripts/pg-cluster.sh", "stop", str(pg_dir)], cwd=ROOT, timeout=120, stdout=subprocess.DEVNULL
            )
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
