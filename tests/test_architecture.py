"""The layering rules of docs/architecture.md §2, checked by parsing every module's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "erms",
    "classification",
    "retention",
    "exports",
    "filing",
    "holdings",
    "intake",
    "administration",
    "reports",
)
# The demo data drives the domain services as the command line does.
ADAPTERS = (
    "erms.app",
    "erms.web",
    "erms.auth",
    "erms.cli",
    "erms.safety_cli",
    "erms.intake_cli",
    "erms.intake_runner",
    "erms.jobs",
    "erms.mail",
    "erms.demo",
)
CORE = (
    "erms.extract",
    "erms.search_index",
    "erms.db",
    "erms.models",
    "erms.lifecycle",
    "erms.transitions",
    "erms.audit",
    "erms.permissions",
    "erms.metadata",
    "erms.supplementary",
    "erms.metadata_seal",
    "erms.storage",
    "erms.search",
    "erms.errors",
    "erms.migrate",
    "erms.config",
    "erms.accounts",
    "erms.api_tokens",
    "erms.notices",
    "erms.background",
)
# Domain packages may import downward only: reports → administration → intake → holdings → filing → exports →
# retention → classification.
DOMAIN_ORDER = ("classification", "retention", "exports", "filing", "holdings", "intake", "administration", "reports")
DOMAIN = DOMAIN_ORDER


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


def layer(name: str) -> str | None:
    """Return the layer a module belongs to (the top of ``erms`` counts as core: it holds a docstring only)."""
    if name == "erms":
        return "core"
    for layer_name, prefixes in (("adapter", ADAPTERS), ("core", CORE), ("domain", DOMAIN)):
        if within(name, prefixes):
            return layer_name
    return None


# `pytest -v tests/test_architecture.py` lists every module with its layer.
@pytest.mark.parametrize("name,path", ALL, ids=[f"{name} [{layer(name)}]" for name, _ in ALL])
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
            upward = sorted(i for i in found if within(i, DOMAIN_ORDER[lower + 1 :]))
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


def test_every_module_belongs_to_a_layer():
    assert [name for name, _ in ALL if layer(name) is None] == []


def test_only_audit_writes_audit_events():
    writers = [
        f"{name}:{node.lineno}"
        for name, path in ALL
        if name not in ("erms.audit", "erms.models.audit")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and _called(node) == "AuditEvent"
    ]
    assert writers == []


def _called(call: ast.Call) -> str:
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")


def first_party_imports(path: Path, modules: set[str]) -> set[str]:
    """Return the project's modules a file imports, at any depth (an import inside a function counts too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module in modules:
            named = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found.update(named or {node.module})
    return found


def test_no_import_cycles():
    # A cycle hidden by an import inside a function still means neither module can be read without the other.
    modules = {name for name, _ in ALL}
    graph = {name: first_party_imports(path, modules) - {name} for name, path in ALL}
    cycles, state = [], dict.fromkeys(modules, "new")

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(graph[name]):
            if state[imported] == "open":
                cycles.append(" → ".join([*trail[trail.index(imported) :], imported]))
            elif state[imported] == "new":
                visit(imported, [*trail, imported])
        state[name] = "done"

    for name in sorted(modules):
        if state[name] == "new":
            visit(name, [name])
    assert cycles == []


def test_the_time_zone_is_named_once():
    # Every date on a record is a Vietnamese date: one constant (erms.config.LOCAL_TZ), not a copy per module.
    named = [
        name
        for name, path in ALL
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value == "Asia/Ho_Chi_Minh"
    ]
    assert named == ["erms.config"]


def test_only_the_state_tables_assign_an_aggregate_state():
    # Dossiers move through erms.lifecycle, every other aggregate through its table in erms.transitions.
    offenders = []
    for name, path in ALL:
        if name in ("erms.lifecycle", "erms.transitions"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    elements = target.elts if isinstance(target, ast.Tuple) else [target]
                    if any(isinstance(element, ast.Attribute) and element.attr == "state" for element in elements):
                        offenders.append(f"{name}:{node.lineno}")
    assert offenders == []
