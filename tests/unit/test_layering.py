"""The shape of src/: no import cycle anywhere (lazy and TYPE_CHECKING imports
count too: a cycle hidden in a function is still a cycle in the design), and the
sync engine never imports a simulator."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "wfsync").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                targets = [f"{base}.{alias.name}" for alias in node.names] or [base]
            for target in targets:
                found = owner(target)
                if found and found != name and found.startswith("wfsync"):
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_src() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_sync_engine_never_imports_a_simulator() -> None:
    graph = import_graph()
    offenders = sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if module.startswith("wfsync.sync")
        for target in targets
        if ".simulator" in target or target.startswith("wfsync.simulators")
    )
    assert offenders == []


def _vendor_names() -> set[str]:
    """Every Fortnox field name our models know (their aliases)."""
    import inspect

    from pydantic import BaseModel

    from wfsync.fortnox import models as fortnox_models

    names: set[str] = set()
    for _, cls in inspect.getmembers(fortnox_models, inspect.isclass):
        if issubclass(cls, BaseModel):
            names |= {f.alias for f in cls.model_fields.values() if f.alias}
    return names


WEBCRM_PROPERTY = re.compile(r"^(Organisation|Delivery|QuotationLine|Person|Opportunity)[A-Z]\w*$")


def test_the_sync_engine_spells_no_vendor_field_name() -> None:
    """Vendor names live in the adapters' mapping and params modules; sync/ works on
    canonical records only (a string constant here that is a vendor field name means
    a payload or a DTO diff was built in the wrong layer)."""
    fortnox = _vendor_names()
    assert "CustomerNumber" in fortnox  # the models are what this test reads
    found = []
    for path in sorted((SRC / "wfsync" / "sync").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        exported = {  # names in __all__ are our own classes, not vendor fields
            id(constant)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            for constant in ast.walk(node.value)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings | exported
                and (node.value in fortnox or WEBCRM_PROPERTY.match(node.value))
            ):
                found.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert found == [], f"vendor field names in sync/: {found}"


def test_sync_modules_use_each_other_through_public_names() -> None:
    """No ``other._private`` in sync/: a module that needs another's internals is
    asking for a public method (the importer once reached into the creator's index)."""
    found = []
    for path in sorted((SRC / "wfsync" / "sync").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert found == [], f"private attributes reached from outside: {found}"
