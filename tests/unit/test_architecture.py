"""The layer map of docs/architecture.md, enforced: imports only go down a floor, and no module circles.

Expected values come from the design itself (docs/architecture.md, "Floors"); a new top-level module
or package must be given its floor here and there before it can land.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "persona"

# docs/architecture.md, "Floors": a unit may import units on its own floor or below, never above.
FLOORS = {
    "errors": 0,
    "provenance": 0,
    "extras": 0,
    "io": 1,
    "dsp": 1,
    "cache": 1,
    "workers": 1,
    "tables": 1,
    "storage": 1,
    "scratch_postgres": 1,
    "hygiene": 1,
    "features": 2,
    "extract": 3,
    "stats": 4,
    "benchmark": 4,
    "trials": 5,
    "calls": 5,
    "monitor": 6,
    "report": 7,
    "workbench": 7,
    "cli": 8,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every persona module ``path`` imports, at module level or inside functions."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("persona"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("persona"):
                for alias in node.names:  # ``from . import io`` imports the module persona.io
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if _exists(candidate) else target)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _graph() -> set[tuple[str, str]]:
    """Edges (importer, imported) between persona modules."""
    return {
        (_module_name(path), target)
        for path in PACKAGE.rglob("*.py")
        for target in _imports(path)
        if target != _module_name(path)
    }


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_unit_has_a_floor():
    units = {_unit(_module_name(path)) for path in PACKAGE.rglob("*.py")} - {None}
    assert units <= set(FLOORS), f"give these a floor in docs/architecture.md and here: {sorted(units - set(FLOORS))}"


def test_imports_never_go_up_a_floor():
    upward = []
    for source, target in _graph():
        a, b = _unit(source), _unit(target)
        if a is None or b is None or a == b:
            continue  # the package root re-exports the public API; a unit may use itself
        if FLOORS[b] > FLOORS[a]:
            upward.append(f"{source} -> {target}")
    assert not upward, "imports going up a floor:\n" + "\n".join(sorted(upward))


@pytest.mark.parametrize("level", ["module", "unit"])
def test_no_import_circles(level):
    edges = _graph()
    if level == "unit":
        edges = {(_unit(a), _unit(b)) for a, b in edges if _unit(a) and _unit(b) and _unit(a) != _unit(b)}
    else:  # a package's __init__ re-exporting its own modules is not a circle
        edges = {(a, b) for a, b in edges if not b.startswith(a + ".")}
    sorter = TopologicalSorter()
    for source, target in edges:
        sorter.add(source, target)
    try:
        sorter.prepare()
    except CycleError as circle:
        pytest.fail("import circle: " + " -> ".join(circle.args[1]))
