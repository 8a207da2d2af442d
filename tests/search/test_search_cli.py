"""``erms search``: a query with a user's rights, rebuild with a progress bar, verify, on the engine the database
chooses (Whoosh on SQLite, PostgreSQL's own on PostgreSQL), and a move from one engine to the other."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from erms import search
from erms.cli import erms_group
from erms.db import make_engine


@pytest.fixture(scope="module")
def deployment_url(database_url, tmp_path_factory):
    """A database of this module's own (the CLI commits), beside the test database: a new file or a new database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('erms-search-cli-db') / 'erms.sqlite3'}"
        return
    name = f"erms_search_cli_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def runner(deployment_url, tmp_path_factory):
    path = tmp_path_factory.mktemp("erms-search-cli")
    env = {"ERMS_DATA_DIR": str(path), "DATABASE_URL": deployment_url, "ERMS_DEMO_PASSWORD": "demo-pass-123"}
    runner = CliRunner(env=env)
    for command in (["db", "upgrade"], ["demo", "load"]):
        result = runner.invoke(erms_group, command)
        assert result.exit_code == 0, result.output
    yield runner
    search.install(None)


def on_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def test_query_verify_rebuild(runner, deployment_url):
    before = runner.invoke(erms_group, ["search", "verify"])
    assert before.exit_code == 1 and "queued for the worker process" in before.output
    if on_postgresql(deployment_url):  # every record's typed fields were written in its own transaction
        assert "missing:" not in before.output and "stale: document:" in before.output  # files' texts wait
    else:  # the demo's records wait in the queue: no worker process runs here
        assert "missing: dossier:" in before.output
    # With no worker holding the lease, the command stands in for it: rebuild, then the queue.
    rebuilt = runner.invoke(erms_group, ["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "index rebuilt" in rebuilt.output and "waiting for it" not in rebuilt.output
    verified = runner.invoke(erms_group, ["search", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "index consistent" in verified.output and "queued" not in verified.output
    archivist = runner.invoke(erms_group, ["search", "ho", "so", "--as", "archivist"])
    assert archivist.exit_code == 0
    total = int(archivist.output.split()[0])
    assert total > 0
    officer = runner.invoke(erms_group, ["search", "ho", "so", "--as", "officer2"])
    assert int(officer.output.split()[0]) < total


def test_moving_to_the_other_engine_is_a_rebuild(runner, deployment_url):
    if not on_postgresql(deployment_url):
        pytest.skip("the PostgreSQL engine needs a PostgreSQL database")
    assert runner.invoke(erms_group, ["search", "rebuild"]).exit_code == 0
    whoosh = {"ERMS_SEARCH_ENGINE": "whoosh"}
    moved = runner.invoke(erms_group, ["search", "verify"], env=whoosh)
    assert moved.exit_code == 1 and "missing: dossier:" in moved.output and "run `erms search rebuild`" in moved.output
    assert runner.invoke(erms_group, ["search", "rebuild"], env=whoosh).exit_code == 0
    assert runner.invoke(erms_group, ["search", "verify"], env=whoosh).exit_code == 0
    asked = ["search", "ho", "so", "--as", "archivist"]
    found = {
        engine: runner.invoke(erms_group, asked, env={"ERMS_SEARCH_ENGINE": engine}).output for engine in search.ENGINES
    }
    assert found["whoosh"].split()[0] == found["postgresql"].split()[0] != "0"


def test_unknown_user_is_refused(runner):
    result = runner.invoke(erms_group, ["search", "ho so", "--as", "nobody"])
    assert result.exit_code == 1 and "no user nobody" in result.output


def test_an_engine_the_database_cannot_run_is_refused(runner, deployment_url):
    wrong = "whoosh-2" if on_postgresql(deployment_url) else "postgresql"
    result = runner.invoke(erms_group, ["search", "verify"], env={"ERMS_SEARCH_ENGINE": wrong})
    said = "must be one of whoosh, postgresql" if wrong == "whoosh-2" else "needs a PostgreSQL DATABASE_URL"
    assert result.exit_code == 2 and said in result.output
