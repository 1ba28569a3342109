"""``workspace check``: the database's integrity check and the files no record refers to, removed
(what an interrupted import or training left behind)."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.conftest import Cli, ok_json
from tests.conftest import REPO
from tests.tidy import open_and_check


def _table(path: Path, rows: int, seed: int) -> Path:
    chance = random.Random(seed)
    body = "".join(f"{i},{chance.random()},{chance.choice('abc')}\n" for i in range(rows))
    path.write_text("n,x,label\n" + body, encoding="utf-8")
    return path


def _cli_import(home: Path, source: Path) -> subprocess.Popen[bytes]:
    """``mlops-desktop datasets import SOURCE --name batches`` in a process of its own."""
    words = ["datasets", "import", str(source), "--name", "batches", "--home", str(home)]
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_desktop", *words],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_check_after_cli_imports_killed_at_random_moments(
    in_home: Cli, home: Path, tmp_path: Path
) -> None:
    """``datasets import`` processes killed outright at seeded random moments of their run (late
    in it, where the data is written: a whole import is timed first); then ``workspace check``
    leaves exactly the files the records refer to, each intact."""
    rows = 200_000
    assert ok_json(in_home("datasets", "list", "--json")) == []  # the new workspace is set up
    started = time.monotonic()
    assert _cli_import(home, _table(tmp_path / "batch.csv", rows, seed=0)).wait() == 0
    whole = time.monotonic() - started
    chance = random.Random(5)
    for trial in range(1, 4):
        source = _table(tmp_path / "batch.csv", rows, seed=trial)
        process = _cli_import(home, source)
        try:
            process.wait(chance.uniform(0.6, 1.0) * whole)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        report = ok_json(in_home("workspace", "check", "--json"))
        assert report["integrity"] == "ok"
        assert all(path.startswith("artifacts/") for path in report["removed"])
        assert open_and_check(home) == []  # the check left nothing for an opening to remove


def test_check_says_in_words_what_it_removed(in_home: Cli, home: Path, tmp_path: Path) -> None:
    ok_json(in_home("datasets", "import", _table(tmp_path / "d.csv", 10, 0), "--json"))
    stray = home / "artifacts" / "ab" / f"{'ab' * 32}.parquet"
    stray.parent.mkdir()
    stray.write_bytes(b"left behind by a killed import")

    first = in_home("workspace", "check")
    assert first.code == 0 and first.err == ""
    assert first.out.splitlines() == [
        "The database is intact.",
        "Removed 1 file no record referred to (left behind by an interrupted import or training):",
        f"  artifacts/ab/{'ab' * 32}.parquet",
    ]
    assert not stray.exists()
    assert ok_json(in_home("workspace", "check", "--json")) == {"integrity": "ok", "removed": []}
    again = in_home("workspace", "check")
    assert (
        again.out.splitlines()[1] == "Every stored file belongs to a record; nothing was removed."
    )
