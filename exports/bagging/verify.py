"""Verify any bag ERMS wrote: BagIt, our BagIt profile, every XML against its schema, E-ARK CSIP/SIP.

Each check reports passed, failed (with every message) or skipped (with the reason), so the CLI
and the web page print the same report. The E-ARK check runs ``exports/bagging/eark/eark-validate``, shipped
with ERMS (``--ignore SIP14``: a known defect of eark-validator 1.1.3, see its README); where a
configured copy is absent, the check is skipped and says so, it does not fail.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import bagit
import bagit_profile
from lxml import etree

from exports.bagging import layout, rfc8493
from exports.bagging.layout import PROFILE_ID, PROFILE_PATH
from exports.xml import cits_erms_rules, mets_schema, rule_errors, schema_errors, shipped_schema

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
# Processes re-hashing the payload: one per core, as the export's copy.
PROCESSES = min(os.cpu_count() or 2, 8)
DEFAULT_EARK_TOOL = Path(__file__).resolve().parent / "eark" / "eark-validate"


class _QuietProfile(logging.Filter):
    """bagit-profile logs each error with ``logging.error`` on the root logger (stderr); the report already has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "bagit_profile" not in record.pathname


logging.getLogger().addFilter(_QuietProfile())


@dataclass(frozen=True)
class Check:
    """The outcome of one check on a bag."""

    name: str
    status: str
    messages: tuple[str, ...] = ()


def find_eark_tool(configured: str | None = None) -> Path | None:
    """Return the eark-validate script (a configured path, else the one shipped in exports/bagging/eark), or None."""
    path = Path(configured).expanduser() if configured else DEFAULT_EARK_TOOL
    return path if path.is_file() else None


def _bagit(path: Path, processes: int) -> Check:
    """Validate the bag fully (every payload file re-hashed), in a fresh interpreter.

    bagit hashes with a multiprocessing pool that forks its caller; forking the web server's
    threads could deadlock a child, so the pool is forked from a single-threaded interpreter.
    """
    command = [sys.executable, "-m", "exports.bagging.verify", str(path), str(processes)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return Check(**json.loads(result.stdout))
    except (json.JSONDecodeError, TypeError):
        return Check("BagIt", FAILED, (f"bagit validation could not run: {result.stderr.strip()[-500:]}",))


def _bagit_here(path: Path, processes: int) -> Check:
    """RFC 8493's rules of our own (``rfc8493``), then bagit-python re-hashing the payload; one line a problem."""
    found = rfc8493.check(path)
    problems = found.problems + _bagit_python(path, processes)
    warnings = tuple(f"warning: {warning}" for warning in found.warnings)
    if problems:
        return Check("BagIt", FAILED, tuple(dict.fromkeys(problems)) + warnings)
    return Check("BagIt", PASSED, warnings)


def _bagit_python(path: Path, processes: int) -> list[str]:
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as error:
        return [str(error)]
    try:
        bag.validate(processes=processes)
    except bagit.BagValidationError as error:
        details = [str(detail) for detail in error.details] or [str(error.message)]
        return details + list(_changed_files(bag, processes))
    except bagit.BagError as error:
        return [str(error)]
    return []


def _changed_files(bag: bagit.Bag, processes: int) -> tuple[str, ...]:
    """Name the files behind a Payload-Oxum failure, which bagit reports before hashing anything."""
    if "Payload-Oxum" not in bag.info:
        return ()
    del bag.info["Payload-Oxum"]  # in memory only: the digests are then compared file by file
    try:
        bag.validate(processes=processes)
    except bagit.BagError as error:
        return tuple(str(detail) for detail in getattr(error, "details", ())) or (str(error),)
    return ()


def _profile(path: Path) -> Check:
    profile = bagit_profile.Profile(PROFILE_ID, profile=PROFILE_PATH.read_text(encoding="utf-8"))
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as error:
        return Check("BagIt profile", FAILED, (str(error),))
    ours = rfc8493.profile_problems(path)
    if profile.validate(bag) and not ours:
        return Check("BagIt profile", PASSED)
    errors = [str(error) for error in profile.report.errors] if profile.report else []
    return Check("BagIt profile", FAILED, tuple(dict.fromkeys(errors + ours)))


def package_root(path: Path) -> Path | None:
    """Return the E-ARK package folder inside a bag's data/ (the one folder holding METS.xml)."""
    candidates = [folder for folder in sorted((path / "data").glob("*")) if (folder / layout.METS).is_file()]
    return candidates[0] if len(candidates) == 1 else None


# Each XML of the package and the schema of exports/xml/xsd/ it is checked against, one check a standard.
SCHEMA_CHECKS = (
    ("PREMIS XSD", ((layout.PREMIS, "premis.xsd"),)),
    ("EAD XSD", ((layout.EAD, "ead.xsd"),)),
    ("CITS ERMS XSD", ((layout.CITS_ERMS, "ERMS_v3.xsd"),)),
    (
        "TT 02 and transfer list XSD",
        ((layout.TT02, "tt02-2019-v1.xsd"), (layout.TRANSFER_LIST_XML, "transfer-list-v1.xsd")),
    ),
)


def _schemas(root: Path) -> list[Check]:
    """Check every XML: well-formed, then each against its schema (a file that does not parse is reported once)."""
    parsed, broken = _well_formed(root)
    mets_files = [layout.METS, *(path.relative_to(root).as_posix() for path in root.glob("representations/*/METS.xml"))]
    checks = [parsed, _against("METS XSD", [(path, mets_schema()) for path in sorted(mets_files)], root, broken)]
    for name, files in SCHEMA_CHECKS:
        checks.append(_against(name, [(path, shipped_schema(schema)) for path, schema in files], root, broken))
    # The rules read a document the schema accepted; a refused one is reported by the schema only.
    erms_xsd = next(check for check in checks if check.name == "CITS ERMS XSD")
    refused = layout.CITS_ERMS in broken or erms_xsd.status == FAILED
    problems = [] if refused else rule_errors(cits_erms_rules(), root / layout.CITS_ERMS)
    checks.append(Check("CITS ERMS Schematron", FAILED if problems else PASSED, tuple(problems)))
    return checks


def _against(name: str, files: list[tuple[str, etree.XMLSchema]], root: Path, broken: set[str]) -> Check:
    """Return the check of each file against its schema, passing over those that did not parse."""
    problems = [
        problem for path, schema in files if path not in broken for problem in schema_errors(schema, root / path)
    ]
    return Check(name, FAILED if problems else PASSED, tuple(problems))


def _well_formed(root: Path) -> tuple[Check, set[str]]:
    """Every XML file of the package parses (no DTD, nothing fetched); return the check and the files that do not."""
    problems, broken = [], set()
    for path in sorted(root.rglob("*.xml")):
        name = path.relative_to(root).as_posix()
        try:
            etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
        except (OSError, etree.XMLSyntaxError) as error:
            problems.append(f"{name}: {error}")
            broken.add(name)
    return Check("XML well-formed", FAILED if problems else PASSED, tuple(problems)), broken


def _eark(root: Path, tool: Path | None) -> Check:
    if tool is None:
        return Check(
            "E-ARK CSIP/SIP",
            SKIPPED,
            ("eark-validate not found (ERMS_EARK_VALIDATOR names a file that does not exist)",),
        )
    result = subprocess.run(
        [sys.executable, str(tool), "--ignore", "SIP14", "--json", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode == 2:
        return Check("E-ARK CSIP/SIP", SKIPPED, (f"eark-validate could not run: {result.stderr.strip()}",))
    if result.returncode == 0:
        return Check("E-ARK CSIP/SIP", PASSED)
    return Check("E-ARK CSIP/SIP", FAILED, _eark_errors(result.stdout) or (result.stderr.strip(),))


def _eark_errors(output: str) -> tuple[str, ...]:
    try:
        packages = json.loads(output)
    except json.JSONDecodeError:
        return (output.strip(),) if output.strip() else ()
    return tuple(
        f"{message.get('rule_id')}: {message.get('message')}"
        for package in packages
        for message in package.get("messages", [])
        if message.get("severity") == "Error" and not message.get("ignored")
    )


def verify(
    path: Path,
    *,
    eark_tool: Path | None,
    processes: int = PROCESSES,
    on_check: Callable[[Check], None] = lambda _check: None,
) -> list[Check]:
    """Run every check on the bag at ``path`` and return the report (``processes`` re-hash the payload).

    The two checks other programs make (bagit re-hashing the payload, eark-validate) start
    together and run while this process checks the profile and the schemas: one after the other
    they took 52 s for a 2 GB package of 22,000 files, side by side 37 s. ``on_check`` is told
    each check as it ends (from another thread for those two).
    """
    root = package_root(path)
    with ThreadPoolExecutor(max_workers=2) as programs:  # threads that only wait for the programs
        bagit_check = programs.submit(_told, on_check, _bagit, path, processes)
        eark_check = programs.submit(_told, on_check, _eark, root, eark_tool) if root is not None else None
        checks = [_told(on_check, _profile, path)]
        for check in _schemas(root) if root is not None else []:
            on_check(check)
            checks.append(check)
        checks.insert(0, bagit_check.result())
        if eark_check is None:
            return [*checks, Check("E-ARK package", FAILED, ("data/ does not hold exactly one folder with METS.xml",))]
        return [*checks, eark_check.result()]


def _told(on_check: Callable[[Check], None], run: Callable[..., Check], *args) -> Check:
    check = run(*args)
    on_check(check)
    return check


def passed(checks: list[Check]) -> bool:
    """Return True when no check failed (a skipped check is reported, not held against the bag)."""
    return all(check.status != FAILED for check in checks)


def to_json(checks: list[Check]) -> str:
    """Return the report as JSON, as a Package row keeps it."""
    return json.dumps([asdict(check) for check in checks], ensure_ascii=False)


def from_json(report: str) -> list[Check]:
    """Return the checks of a stored report."""
    return [Check(item["name"], item["status"], tuple(item["messages"])) for item in json.loads(report)]


if __name__ == "__main__":  # the BagIt check of ``_bagit``: python -m exports.bagging.verify PATH PROCESSES
    print(json.dumps(asdict(_bagit_here(Path(sys.argv[1]), int(sys.argv[2]))), ensure_ascii=False))
