"""The import graph obeys ARCHITECTURE.md: layers point one way and nothing imports in a circle.

The graph is read from the source with :mod:`ast`, so an import inside a function counts as
much as one at the top of a module (a cycle dodged by a function-level import is still a
cycle).  Imports under ``if TYPE_CHECKING:`` never run: they count for the layer rules but not
for cycles.  ``python tests/test_architecture.py`` prints the cycles and layer violations.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"orbital": "orbital", "tools": "tools", "agent": "agent", "model": "model"}

# what each layer may import (besides itself); ARCHITECTURE.md's rule
ALLOWED = {
    "orbital": set(),
    "tools": {"orbital"},
    "agent": {"orbital", "tools", "model"},
    "model": {"tools"},
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for layer, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if not all(part.isidentifier() for part in parts):
                continue  # not importable (e.g. the shipped model's recipe scripts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(["cosmo_agent", layer, *parts])] = path
    found["cosmo_agent"] = ROOT / "cosmo_agent" / "__init__.py"
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    for sub in ast.walk(child):
                        if hasattr(sub, "lineno"):
                            lines.add(sub.lineno)
    return lines


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, bool]]:
    """(imported first-party module, runs at import or call time) for each import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [
                f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names
            ]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("cosmo_agent") and target != name:
                yield target, node.lineno not in typing_only


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FOLDERS else None


def graph() -> dict[str, set[str]]:
    """Runtime import edges between first-party modules."""
    modules = _modules()
    return {
        name: {t for t, runs in _imports(name, path, modules) if runs}
        for name, path in modules.items()
    }


def layer_violations() -> list[str]:
    modules = _modules()
    bad = []
    for name, path in modules.items():
        src = _layer(name)
        if src is None:
            continue
        for target, _ in _imports(name, path, modules):
            dst = _layer(target)
            foreign = dst is not None and dst != src and dst not in ALLOWED[src]
            if target == "cosmo_agent" or foreign:
                bad.append(f"{name} -> {target}")
    return sorted(set(bad))


def cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_reader_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The reader is not blind: imports in a function, relative ones, and TYPE_CHECKING ones."""
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .timescales import sgp4_epoch\n"
        "if TYPE_CHECKING:\n"
        "    from cosmo_agent.agent.plan import CommandPlan\n"
        "def f():\n"
        "    from cosmo_agent.tools import mission\n"
        "    import cosmo_agent.model.spans\n",
        encoding="utf-8",
    )
    found = set(_imports("cosmo_agent.orbital.probe", source, _modules()))
    assert found == {
        ("cosmo_agent.orbital.timescales", True),
        ("cosmo_agent.agent.plan", False),
        ("cosmo_agent.tools.mission", True),
        ("cosmo_agent.model.spans", True),
    }
    edges = graph()
    assert len(edges) > 60 and sum(map(len, edges.values())) > 150


def test_layers_point_one_way() -> None:
    assert layer_violations() == []


def test_no_import_cycles() -> None:
    assert cycles() == []


if __name__ == "__main__":
    for component in cycles():
        print("cycle:", " <-> ".join(component))
    for line in layer_violations():
        print("layer:", line)
