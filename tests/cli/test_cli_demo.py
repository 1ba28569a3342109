"""``demo DIR`` refuses, in one sentence and touching nothing, a folder that holds anything, and a
reset of a folder that is not a demo (the build itself: tests/core/test_demo.py)."""

from pathlib import Path

from tests.cli.conftest import Cli


def test_demo_refuses_a_folder_that_holds_anything(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "my files"
    folder.mkdir()
    (folder / "thesis.docx").write_text("mine")
    outcome = cli("demo", folder, "--json")
    assert outcome.code == 1
    assert outcome.err_lines == [
        f"error: {folder.resolve()} is not empty; the demo is built in a new folder (a demo "
        "already there can be reset to its start instead)."
    ]
    assert [p.name for p in folder.iterdir()] == ["thesis.docx"]


def test_demo_reset_refuses_a_workspace_that_is_not_a_demo(
    in_home: Cli, cli: Cli, home: Path
) -> None:
    assert in_home("datasets", "list").code == 0  # makes the workspace
    outcome = cli("demo", home, "--reset")
    assert outcome.code == 1
    assert len(outcome.err_lines) == 1 and "is not a demo workspace" in outcome.err
    assert (home / "store.db").exists()
