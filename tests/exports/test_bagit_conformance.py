"""``verify``'s BagIt check over every bag of the Library of Congress BagIt conformance suite (public domain, copied
in tests/data/): each valid bag passes, each invalid one fails, each "warning" bag passes. Cases that cannot be judged
here are listed with why: the Windows-only ones, and warning bags whose files this copy lacks (a case-insensitive or
NFD file system made two names one when the suite was copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exports.bagging import verify
from exports.bagging.rfc8493 import Findings, entries, tag_encoding

SUITE = Path(__file__).resolve().parents[1] / "data" / "bagit-conformance-suite"
PASSES = {"valid": True, "warning": True, "invalid": False, "linux-only": False}
CASES = sorted(path for path in SUITE.glob("v*/*/*") if path.is_dir())


def incomplete(bag: Path) -> list[str]:
    """Return the manifest entries whose files are missing from this copy of the suite."""
    return [
        name
        for manifest in bag.glob("manifest-*.txt")
        for name in entries(manifest, Findings(), tag_encoding(bag))
        if not (bag / name).exists()
    ]


@pytest.mark.parametrize("bag", CASES, ids=[str(case.relative_to(SUITE)) for case in CASES])
def test_the_bagit_check_gives_the_suites_verdict(bag):
    kind = bag.parent.name
    if kind == "windows-only":
        pytest.skip("a Windows-only case: its paths mean nothing on this system")
    if kind == "warning" and (missing := incomplete(bag)):
        pytest.skip(f"this copy lacks {missing}")
    check = verify._bagit_here(bag, 1)
    assert (check.status == verify.PASSED) is PASSES[kind], check.messages
    assert len(check.messages) == len(set(check.messages))  # each problem said once


def test_the_suite_is_all_here():
    assert len(CASES) == 60 and {case.parent.name for case in CASES} == {*PASSES, "windows-only"}
