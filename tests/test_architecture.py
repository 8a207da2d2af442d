"""The layering rules of docs/architecture.md §2, checked by parsing every module's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("erms", "classification", "retention", "exports")
ADAPTERS = ("erms.app", "erms.web", "erms.auth", "erms.cli", "erms.jobs")
CORE = (
    "erms.db",
    "erms.models",
    "erms.lifecycle",
    "erms.audit",
    "erms.permissions",
    "erms.metadata",
    "erms.storage",
    "erms.search",
    "erms.errors",
    "erms.migrate",
    "erms.config",
    "erms.accounts",
    "erms.background",
)
DOMAIN = ("erms.dossiers", "erms.demo", "erms.security_events", "classification", "retention", "exports")
# Domain packages may import downward only: exports → retention → classification.
DOMAIN_ORDER = ("classification", "retention", "exports")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, path


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def within(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


ALL = list(modules())


@pytest.mark.parametrize("name,path", ALL, ids=[name for name, _ in ALL])
def test_layering(name, path):
    found = imports(path)
    if not within(name, ADAPTERS):
        web = sorted(
            i
            for i in found
            if i.split(".")[0] in ("flask", "flask_login", "flask_wtf", "flask_babel", "werkzeug", "apscheduler")
        )
        assert not web, f"{name} is not an adapter but imports {web}"
    if within(name, CORE):
        upward = sorted(i for i in found if within(i, DOMAIN + ADAPTERS))
        assert not upward, f"core module {name} imports {upward}"
    if within(name, DOMAIN):
        assert not sorted(i for i in found if within(i, ADAPTERS)), f"domain module {name} imports an adapter"
    for lower, package in enumerate(DOMAIN_ORDER):
        if within(name, (package,)):
            upward = sorted(i for i in found if within(i, DOMAIN_ORDER[lower + 1 :]) or within(i, ("erms.dossiers",)))
            assert not upward, f"{name} imports upward: {upward}"


def test_only_lifecycle_assigns_state():
    offenders = []
    for name, path in ALL:
        if name == "erms.lifecycle":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "state" and _is_dossier(target.value):
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def _is_dossier(node) -> bool:
    return isinstance(node, ast.Name) and "dossier" in node.id and "list" not in node.id


def test_only_audit_writes_audit_events():
    writers = [
        name
        for name, path in ALL
        if name not in ("erms.audit", "erms.models.audit", "erms.models")
        and "AuditEvent(" in path.read_text(encoding="utf-8")
    ]
    assert writers == []
