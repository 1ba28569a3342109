"""The read-only list commands start light: none of scikit-learn, scipy or matplotlib is loaded,
so `datasets list`, `runs list` and `models list` answer in about the time SQLAlchemy takes to
import (bench/bench_cli_startup.py measures that)."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ok_json
from tests.conftest import REPO, SAMPLES

HEAVY = ("sklearn", "scipy", "matplotlib")
# Runs the command line as `mlops-desktop ARGS…` would, then prints which heavy packages it loaded.
PROBE = f"""
import json, sys
from mlops_desktop.cli import main
code = main(sys.argv[1:])
print(json.dumps({{"code": code, "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


@pytest.fixture
def workspace_with_a_model(in_home, home: Path) -> Path:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    train = ("train", "--dataset", "iris", "--target", "species", "--algorithm", "decision_tree")
    run = ok_json(in_home(*train, "--json"))
    ok_json(in_home("models", "register", run["run_id"], "--name", "Flowers", "--json"))
    return home


@pytest.mark.parametrize(
    ("words", "listed"),
    [
        (("datasets", "list"), "iris"),
        (("runs", "list"), "decision_tree"),
        (("models", "list"), "Flowers"),
        (("audit", "list"), "model.register"),
        (("audit", "verify"), "chain intact"),
    ],
)
def test_list_commands_load_no_learning_or_plotting_library(
    workspace_with_a_model: Path, words: tuple[str, ...], listed: str
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--home", str(workspace_with_a_model), *words],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    *printed, probe = done.stdout.splitlines()
    assert json.loads(probe) == {"code": 0, "loaded": []}, done.stderr
    assert listed in "\n".join(printed)  # the list was really read and shown


def test_a_list_leaves_garbage_collection_on_for_what_follows(in_home) -> None:
    """The lists pause the garbage collector while they start; a program calling the command line
    (these tests, the GUI's workers) gets it back."""
    assert in_home("runs", "list").code == 0
    assert gc.isenabled()
