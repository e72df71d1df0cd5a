"""The import graph of the project's own modules, read from the source (nothing imported).

Only imports that run when a module is loaded count: those at module level, outside
``if TYPE_CHECKING:`` blocks. Imports inside functions are deliberate late bindings (the
command line keeps start-up fast and paper mode away from ccxt that way) and cannot form an
import-time circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "strategies")


def module_files() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _load_time_nodes(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import, descending into ``if``/``try`` but not functions,
    classes or ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" in ast.unparse(node.test):
                yield from _load_time_nodes(node.orelse)
                continue
            yield from _load_time_nodes(node.body)
            yield from _load_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _load_time_nodes(block)
            for handler in node.handlers:
                yield from _load_time_nodes(handler.body)
        else:
            yield node


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The project modules ``name`` imports at load time (``from a import b`` names module
    ``a.b`` when that is a module, else ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _load_time_nodes(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    found.add(target)
                elif base in modules:
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports at load time."""
    files = module_files()
    names = set(files)
    return {name: imports_of(name, path, names) for name, path in files.items()}


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (its first node repeated at the end), or ``[]``."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


def package_of(module: str) -> str:
    """The room a module belongs to: ``bot.<package>`` (or the kernel module itself)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto packages (``bot.journal``, ``bot.app``...)."""
    folded: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        folded.setdefault(source, set()).update(
            package_of(t) for t in targets if package_of(t) != source)
    return folded
