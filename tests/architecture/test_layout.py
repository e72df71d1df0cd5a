"""The folder tree is the architecture: no import circle, rooms in layers, a door to each.

How circles are checked: ``imports.import_graph`` reads every module's load-time imports
from the source, and ``graphlib`` looks for a circle among modules and among packages.
Then every module is imported on its own, in a fresh set of project modules, so an import
that only works in a lucky order fails here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

from tests.architecture.imports import (
    ROOT,
    cycle_in,
    import_graph,
    module_files,
    package_graph,
    package_of,
)

KERNEL = {"bot", "bot.domain", "bot.errors", "bot.symbols", "bot.logs", "bot.clock"}


def test_no_module_imports_itself_through_others() -> None:
    graph = import_graph()

    assert len(graph) > 100  # the reader found the package
    assert cycle_in(graph) == []


def test_packages_import_each_other_in_layers_without_a_circle() -> None:
    packages = package_graph(import_graph())

    assert cycle_in(packages) == []


def test_the_shared_kernel_imports_only_the_kernel() -> None:
    packages = package_graph(import_graph())

    outside = {kernel: sorted(packages.get(kernel, set()) - KERNEL) for kernel in KERNEL}
    assert outside == {kernel: [] for kernel in KERNEL}


def test_only_the_command_line_and_the_backtester_build_on_the_application() -> None:
    packages = package_graph(import_graph())

    users_of_app = sorted(p for p, targets in packages.items() if "bot.app" in targets)
    users_of_cli = sorted(p for p, targets in packages.items() if "bot.cli" in targets)
    assert users_of_app == ["bot.backtest", "bot.cli"]
    assert users_of_cli == []


def test_the_paper_venue_never_reaches_the_exchange_package() -> None:
    graph = import_graph()
    paper = [m for m in graph if m.startswith("bot.execution.paper")]

    reached: set[str] = set()
    todo = list(paper)
    while todo:
        module = todo.pop()
        for target in graph[module] - reached:
            reached.add(target)
            todo.append(target)
    assert paper
    assert sorted(m for m in reached if package_of(m) == "bot.exchange") == []


def test_every_package_says_what_it_offers_in_its_init() -> None:
    packages = [path for name, path in module_files().items() if path.name == "__init__.py"]

    undocumented = [str(p.relative_to(ROOT)) for p in packages
                    if not ast.get_docstring(ast.parse(p.read_text()))]
    assert len(packages) > 10
    assert undocumented == []


def test_no_module_name_carries_its_folders_prefix() -> None:
    prefixed = [name for name in module_files()
                if name.count(".") >= 1
                and name.rpartition(".")[2].startswith(tuple(
                    f"{folder}_" for folder in ("cli", "live", "paper", "history", "backtest")))]

    assert prefixed == []


def test_every_module_imports_on_its_own() -> None:
    modules = sorted(m for m in module_files() if not m.endswith(".__main__"))
    probe = textwrap.dedent("""
        import importlib, json, sys, traceback
        failures = {}
        for name in json.loads(sys.argv[1]):
            for loaded in [m for m in sys.modules if m.split(".")[0] in ("bot", "strategies")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception:
                failures[name] = traceback.format_exc(limit=3)
        print(json.dumps(failures))
    """)
    result = subprocess.run([sys.executable, "-c", probe, json.dumps(modules)], cwd=ROOT,
                            capture_output=True, text=True, timeout=240, check=True)

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}
