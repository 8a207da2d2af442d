"""``erms search``: a query with a user's rights, rebuild with a progress bar, verify."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erms import search
from erms.cli import erms_group


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    path = tmp_path_factory.mktemp("erms-search-cli")
    runner = CliRunner(env={"ERMS_DATA_DIR": str(path), "DATABASE_URL": "", "ERMS_DEMO_PASSWORD": "demo-pass-123"})
    for command in (["db", "upgrade"], ["demo", "load"]):
        result = runner.invoke(erms_group, command)
        assert result.exit_code == 0, result.output
    yield runner
    search.install(None)


def test_query_verify_rebuild(runner):
    # The demo's records wait in the queue: no worker process runs here.
    before = runner.invoke(erms_group, ["search", "verify"])
    assert before.exit_code == 1 and "queued for the worker process" in before.output
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


def test_unknown_user_is_refused(runner):
    result = runner.invoke(erms_group, ["search", "ho so", "--as", "nobody"])
    assert result.exit_code == 1 and "no user nobody" in result.output
