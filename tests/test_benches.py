"""The benches still run (at toy sizes): a bench that broke with the code would tell nobody until the next measure.

Only that they run and print their figures is checked here; their results belong in bench/RESULTS.md, never in a
test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "arguments,printed",
    [
        (["bench/backup_bench.py", "40", "2"], ["cp -a + sync", "first backup set", "second, 1 % added"]),
        (["bench/export_bench.py", "2", "6", "1", "--runs", "1", "--only", "ours", "make_bag"], ["ours", "make_bag"]),
        (["bench/fixity_bench.py", "20", "1", "--rates", "50"], ["asked  50.0 MB/s   read"]),
        (
            ["bench/reports_bench.py", *"--dossiers 60 --documents 600 --databases sqlite --repeat 1".split()],
            ["| Holdings, every year | head |", "every page < 1 s"],
        ),
        (["bench/page_cpu.py", "--requests", "2", "--rounds", "1"], ["| officer's home `/` | officer1 |", "index PDF"]),
        (["bench/upload_lock_bench.py", "1", "--saves", "2"], ["large upload: 1 MB", "| beside the large upload |"]),
    ],
    ids=["backup", "export", "fixity", "reports", "page_cpu", "upload_lock"],
)
def test_a_bench_runs_and_prints_its_figures(arguments, printed, tmp_path):
    result = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert all(line in result.stdout for line in printed), result.stdout
