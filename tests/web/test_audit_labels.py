"""Every action the code writes to the audit log, and every kind of record it names, has words on the audit log page
(and so a choice in its filter): an archivist reading the log never meets a bare code alone."""

from __future__ import annotations

import ast
from pathlib import Path

from administration.audit_log import RECORD_TYPES
from erms.web.audit_log import AUDIT_ACTIONS, RECORD_LABELS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = "erms filing administration retention exports intake classification holdings reports".split()


def _literals(node: ast.expr) -> set[str]:
    """The strings an expression can be: a literal, or either branch of ``a if … else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def _audit_call(node: ast.AST) -> list[ast.expr]:
    """The positional arguments of an ``audit.record(session, actor, action, kind, …)`` call, else none."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.func.attr != "record":
        return []
    return node.args if getattr(node.func.value, "id", "") == "audit" and len(node.args) >= 4 else []


def _written() -> tuple[set[str], set[str]]:
    """Return the actions and record kinds passed to ``audit.record`` (or first kept in a variable ``action``)."""
    actions: set[str] = set()
    kinds: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "action" for t in node.targets):
                    actions |= {value for value in _literals(node.value) if "." in value}
                if arguments := _audit_call(node):
                    actions |= _literals(arguments[2])
                    kinds |= _literals(arguments[3])
    return actions, kinds


def test_every_action_and_record_kind_written_to_the_log_has_words():
    actions, kinds = _written()
    assert len(actions) > 100 and "document.opinion_given" in actions  # the scan finds what the code writes
    assert sorted(actions - AUDIT_ACTIONS.keys()) == []
    assert sorted(kinds - RECORD_LABELS.keys()) == []


def test_every_kind_of_record_the_filter_offers_is_one_it_accepts():
    assert sorted(RECORD_LABELS.keys() ^ set(RECORD_TYPES)) == []
