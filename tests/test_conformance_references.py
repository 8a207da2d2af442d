"""The README's conformance table names the tests that prove each row: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `search/test_folding.py`, `erms/test_dossiers.py::test_close_…`, `::test_other` (same file as the one before).
REFERENCE = re.compile(r"`((?:[a-z_]+/)*test_[a-z0-9_]+\.py)?(?:::([A-Za-z0-9_]+))?`")


def defined_tests(path: Path) -> set[str]:
    return {
        node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.FunctionDef)
    }


def test_every_test_the_readme_names_exists():
    missing, current = [], None
    for match in REFERENCE.finditer((ROOT / "README.md").read_text(encoding="utf-8")):
        named_file, named_test = match.groups()
        if named_file:
            current = ROOT / named_file if named_file.startswith("tests/") else ROOT / "tests" / named_file
            if not current.is_file():
                missing.append(named_file)
                continue
        if named_test and current is not None and current.is_file() and named_test not in defined_tests(current):
            missing.append(f"{current.relative_to(ROOT / 'tests')}::{named_test}")
    assert missing == []
