"""The production server: wsgi.py under gunicorn, and `make run` starting gunicorn with the scheduler and
stopping both together (issue 18, part 2). Both run real processes on loopback ports."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from erms import db, jobs
from erms.models import SchedulerLease
from tests.databases import own_database

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float) -> requests.Response:
    """Return the first answer of ``url`` within ``seconds``; fail if none came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=10)
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting its worker
            time.sleep(0.3)
    pytest.fail(f"nothing answered at {url} within {seconds} s")


def stop(process: subprocess.Popen) -> int:
    """Send SIGTERM to the process group and return the leader's exit code."""
    os.killpg(process.pid, signal.SIGTERM)
    return process.wait(timeout=60)


@pytest.fixture
def migrated(database_url, tmp_path):
    """A migrated database of its own: the server commits for real."""
    with own_database(database_url, tmp_path, "serve") as url:
        yield url


def test_gunicorn_serves_wsgi_py(migrated, tmp_path):
    bind = f"127.0.0.1:{free_port()}"
    temp = tmp_path / "tmp"
    temp.mkdir()
    environment = {
        **os.environ,
        "ERMS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": migrated,
        "ERMS_BIND": bind,
        "TMPDIR": str(temp),
    }
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = wait_for(f"http://{bind}/auth/login", 60)
        assert page.status_code == 200 and "Đăng nhập" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        refused = requests.post(
            f"http://{bind}/auth/login",
            cookies=page.cookies,
            data={"csrf_token": token, "username": "nobody", "password": "x" * 8},
        )
        assert refused.status_code == 401  # the log-in was checked and audited through the database
        # The master cut the PDF faces before forking: no worker's first PDF waits for the cut.
        (cut,) = temp.glob(f"erms-faces-{server.pid}-*")
        made = {path.name for path in cut.iterdir()}
        assert made == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-vi.ttf", "DejaVuSans-Bold-vi.ttf"}
        worker = _children(server.pid)[0]
        os.kill(worker, signal.SIGTERM)  # a worker ending (restarted by the master) leaves the master's cut in place
        deadline = time.monotonic() + 30
        while worker in _children(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker not in _children(server.pid) and {path.name for path in cut.iterdir()} == made
    finally:
        code = stop(server)
    output = server.stdout.read()
    assert code == 0, output
    assert "gthread" in output and "Shutting down: Master" in output
    assert not list(temp.iterdir())  # removed by the master as it ended, not by the first worker to end


def test_make_run_serves_with_the_scheduler_and_stops_both(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("`make run` is the SQLite default; the PostgreSQL run serves through gunicorn above")
    bind = f"127.0.0.1:{free_port()}"
    data = tmp_path / "instance"
    environment = {**os.environ, "ERMS_DATA_DIR": str(data), "ERMS_BIND": bind, "ERMS_DEMO_PASSWORD": "demo-pass-1"}
    environment.pop("DATABASE_URL", None)
    run = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(f"http://{bind}/auth/login", 240).status_code == 200
        engine = db.make_engine(f"sqlite:///{data / 'erms.sqlite3'}")
        deadline = time.monotonic() + 60
        while (holder := _lease_holder(engine)) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        engine.dispose()
        assert holder is not None, "the scheduler never took its lease"
        # The worker yields the CPU to the web processes (and so does a child it is starting: a fork not yet exec'd
        # still reads as the worker).
        assert {_niceness(pid) for pid in _processes_serving(data) if _is_worker(pid)} == {min(19, os.nice(0) + 10)}
        browser = requests.Session()
        form = browser.get(f"http://{bind}/auth/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        home = browser.post(
            f"http://{bind}/auth/login", data={"csrf_token": token, "username": "archivist", "password": "demo-pass-1"}
        )
        notices = int(re.search(r'class="count">(\d+)<', home.text).group(1))
        assert notices > 0  # the scheduler's first tick flagged the demo's dossiers due for appraisal
        # The demo load only queued its records for search: the worker, the index's one writer, indexes them.
        deadline = time.monotonic() + 60
        while not re.search(r'href="/dossiers/\d+"', found := browser.get(f"http://{bind}/search/?q=ke+hoach").text):
            assert time.monotonic() < deadline, "the worker never indexed the demo's records"
            time.sleep(0.5)
        assert "Kế hoạch" in found
    finally:
        stop(run)
    output = run.stdout.read()
    assert "demo accounts" in output and "flag_due_dossiers" in output
    assert _processes_serving(data) == [] and not _serving(bind)
    # Stopped, the worker gave its lease up: one started at once takes over at once, not two minutes later.
    engine = db.make_engine(f"sqlite:///{data / 'erms.sqlite3'}")
    with engine.connect() as connection:
        expires = connection.scalar(select(SchedulerLease.expires_at))
    engine.dispose()
    assert expires <= datetime.now(UTC)


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def _is_worker(pid: int) -> bool:
    try:
        return b"run-scheduler" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # ended meanwhile
        return False


def _niceness(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # the 19th field of proc_pid_stat(5); the first two end with the command's ")"


def _processes_serving(data: Path) -> list[int]:
    """Return the processes started with this data directory that still run (gunicorn, the scheduler)."""
    marker = f"ERMS_DATA_DIR={data}".encode() + b"\0"
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def _lease_holder(engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(select(SchedulerLease.holder))


def _serving(bind: str) -> bool:
    host, port = bind.split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0


def test_a_worker_niceness_out_of_range_is_refused():
    with pytest.raises(ValueError, match="between 0 and 19, not 20"):
        jobs.lower_priority(20)
