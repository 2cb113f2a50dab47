"""Imports run one way: APK -> facts -> findings -> store / reports / jobs / server / CLI, never back.

Why a test: a lower layer that imports a higher one (the extraction reading the ruleset, the store rendering a
report) is how a codebase stops being one the team can change a piece at a time. The layer of every module of the
``appscan`` package is listed here; a new top-level module must be given one. Imports under ``if TYPE_CHECKING:``
are annotations only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "appscan"

LAYERS: dict[str, int] = {
    # values and helpers every layer uses
    "": 0, "errors": 0, "text": 0, "model": 0, "platform": 0, "cache": 0,
    # facts: reading APKs and policy texts, judging nothing
    "apk": 1, "policy": 1,
    "graph": 2,
    # findings
    "rules": 3, "scan": 4,
    "store": 5,
    "report": 6,
    # jobs: one machine's batch, the worker, supervised processes
    "jobs": 7,
    # the upload service
    "server": 8,
    "cli": 9, "__main__": 10,
}


def _layer(module: str) -> int | None:
    """The layer of ``appscan.X...`` (by its top-level part X); None for modules outside the package."""
    parts = module.split(".")
    if parts[0] != "appscan":
        return None
    top = parts[1] if len(parts) > 1 else ""
    assert top in LAYERS, f"appscan.{top} has no layer: add it to LAYERS in tests/test_layers.py"
    return LAYERS[top]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(imported module, line) of every import outside ``if TYPE_CHECKING:`` blocks, functions included."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def test_no_import_runs_from_a_lower_layer_to_a_higher_one() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        mine = _layer(module)
        assert mine is not None
        for imported, line in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = _layer(imported)
            if theirs is not None and theirs > mine:
                upward.append(f"{module}:{line} imports {imported}")
    assert upward == []


def test_the_extraction_layer_is_the_only_androguard_user() -> None:
    users = sorted({_module_name(p) for p in PACKAGE.rglob("*.py")
                    for imported, _ in _imports(ast.parse(p.read_text(encoding="utf-8")))
                    if imported.split(".")[0] == "androguard"})
    assert users and all(u.startswith("appscan.apk") for u in users), users
