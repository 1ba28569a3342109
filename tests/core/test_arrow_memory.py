"""Arrow builds this application's tables with jemalloc (where pyarrow has it), unless the user's
``ARROW_DEFAULT_MEMORY_POOL`` chooses an allocator: each case runs in a fresh interpreter, since
the choice is made once, when the module that reads files into tables is first imported."""

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from mlops_desktop.core.data.arrow_memory import POOL_VARIABLE

REPO = Path(__file__).resolve().parents[2]
PRINT_POOL = (
    "import pyarrow as pa, mlops_desktop.core.data.datasets\n"
    "print(pa.default_memory_pool().backend_name)\n"
)


def _pool_in_fresh_process(variable: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if key != POOL_VARIABLE}
    if variable is not None:
        env[POOL_VARIABLE] = variable
    result = subprocess.run(
        [sys.executable, "-c", PRINT_POOL],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


@pytest.mark.skipif(not _has_jemalloc(), reason="this pyarrow build has no jemalloc (Windows)")
def test_tables_are_built_with_jemalloc() -> None:
    assert _pool_in_fresh_process(None) == "jemalloc"


def test_the_users_choice_of_allocator_stands() -> None:
    assert _pool_in_fresh_process("system") == "system"
