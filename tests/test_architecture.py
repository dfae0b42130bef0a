"""The package's shape: no import cycles, lower layers never import higher ones, no huge modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nlrec"
#: what a layer must never import (module-level or inside functions)
FORBIDDEN = {
    "encoders": {"training", "evaluation", "search", "index", "profiles", "cli", "server"},
    "catalog": {"encoders", "training", "evaluation", "search", "index", "profiles", "cli", "server"},
    "index": {"search", "profiles", "training", "evaluation", "cli", "server"},
    "search": {"profiles", "training", "evaluation", "cli", "server"},
    "negation": {"search", "index", "profiles", "training", "evaluation", "cli", "server"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = list(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def owner(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        pkg = m.split(".") if path.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(pkg[: len(pkg) - node.level + 1] + [node.module or ""]) if node.level else node.module or ""
                names = [base.strip(".")] + [f"{base}.{a.name}".strip(".") for a in node.names]
            for n in names:
                target = owner(n) if n.startswith("nlrec") else ""
                # a package and its own submodules import each other by design (re-exports)
                if target and target != m and not target.startswith(m + ".") and not m.startswith(target + "."):
                    graph[m].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_lower_layers_never_import_higher_ones():
    bad = [(a, b) for a, targets in _graph().items() for b in targets
           if a.count(".") >= 1 and b.count(".") >= 1 and b.split(".")[1] in FORBIDDEN.get(a.split(".")[1], ())]
    assert bad == []


def test_modules_stay_small():
    big = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert big == {}
