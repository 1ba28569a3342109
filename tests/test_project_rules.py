"""The project's own rules, checked on every test run: core stays pure, lint, format, types."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extras: pip install -e '.[test]'")
    return found


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_core_never_imports_qt_or_ui_import_linter_contract() -> None:
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def _import_circles() -> list[list[str]]:
    """Groups of modules that import each other round in a circle (strongly connected parts of
    the import graph, imports inside functions included; a name imported under TYPE_CHECKING,
    for type hints only, is no import when the program runs)."""
    import grimp  # installed with import-linter

    graph = grimp.build_graph("mlops_desktop", exclude_type_checking_imports=True)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            part = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(part) > 1:
                circles.append(sorted(part))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return circles


def test_no_module_imports_itself_through_others() -> None:
    assert _import_circles() == []


def test_core_modules_load_without_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, mlops_desktop.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'mlops_desktop.core.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "import mlops_desktop.cli, mlops_desktop.worker_process\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'mlops_desktop.ui'))]\n"
        "assert not bad, bad\n"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr


def test_ruff_lint_is_clean() -> None:
    result = _run(_tool("ruff"), "check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean() -> None:
    result = _run(_tool("ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_on_core() -> None:
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout


def test_plots_are_figures_never_pyplot() -> None:
    uses_pyplot = re.compile(r"matplotlib\.pyplot|import pyplot")
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "mlops_desktop").rglob("*.py")
        if uses_pyplot.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
