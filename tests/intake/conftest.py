"""What the intake tests share: a second ERMS, empty, driven by its console."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erms.cli import erms_group

ARCHIVIST_PASSWORD = "archive-pass-123"


@pytest.fixture
def empty_instance(tmp_path, world):
    """Return a CLI runner on a second ERMS, empty but for a fonds (the tests' organisation code), two units and
    its archivist, and the path of its database."""
    env = {"ERMS_DATA_DIR": str(tmp_path / "second"), "DATABASE_URL": "", "ERMS_SEARCH_ENGINE": ""}
    runner = CliRunner(env=env)
    for command in (
        ["db", "upgrade"],
        ["org", "create", world.org.code, "--name", world.org.name],
        ["unit", "create", "LT", "--org", world.org.code, "--name", "Kho lưu trữ"],
        ["unit", "create", "VP", "--org", world.org.code, "--name", "Văn phòng"],
        ["user", "create", "luutru", "--name", "Trần Thị Lưu", "--org", world.org.code, "--role", "archivist"]
        + ["--password", ARCHIVIST_PASSWORD],
    ):
        done = runner.invoke(erms_group, command)
        assert done.exit_code == 0, done.output
    return runner, tmp_path / "second" / "erms.sqlite3"
