import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_desktop.cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


Cli = Callable[..., Outcome]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run the command line in this process, exactly as ``mlops-desktop ARGS…`` would."""

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()  # start clean
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse: --version, bad usage
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def in_home(cli: Cli, home: Path) -> Cli:
    """The command line against this test's workspace (``--home`` after the command words)."""
    return lambda *args: cli(*args, "--home", home)


def ok_json(outcome: Outcome) -> Any:
    """The JSON a command printed, after checking that it succeeded."""
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)
