"""The repository stands alone: no code or document in it points to the team's shared folder outside it
(a person cloning ERMS does not have it), and what the product runs ships inside (the E-ARK validator)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from exports.bagging import verify

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("../" + "shared", "shared" + "/tools", "shared" + "/xsd", "shared" + "/seeds", "shared" + "/perf-baseline")


def test_nothing_points_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in tracked:
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):  # images, fonts; a file deleted in the work tree
            continue
        offenders += [
            f"{name}:{number}"
            for number, line in enumerate(text.splitlines(), 1)
            if any(pattern in line for pattern in OUTSIDE)
        ]
    assert offenders == []


def test_the_eark_validator_ships_with_the_exports():
    assert verify.find_eark_tool() == ROOT / "exports" / "bagging" / "eark" / "eark-validate"
    assert len(list((ROOT / "exports" / "bagging" / "eark" / "vocabularies").glob("CSIPVocabulary*.xml"))) == 4


def test_no_compiled_program_is_kept_in_the_repository():
    # ERMS installs with pip alone: no compiler, and no machine code built on one machine for another.
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert [name for name in tracked if _magic(ROOT / name) == b"\x7fELF"] == []


def _magic(path: Path) -> bytes:
    if not path.is_file():  # deleted in the work tree
        return b""
    with path.open("rb") as handle:
        return handle.read(4)
