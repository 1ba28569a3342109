"""The demo workspace: the same seed gives the same workspace, the story is all there, and a reset
brings a demo back to its start while no other folder is ever touched."""

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_desktop.cli import main
from mlops_desktop.core import demo, listing
from mlops_desktop.core.data import datasets
from mlops_desktop.core.demo import building, fingerprint, traffic
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks, trends
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES

SERVED = "Loan approval@2"


@dataclass
class Built:
    by_core: Path
    by_cli: Path
    cli_output: dict[str, Any]


def _hash(home: Path) -> str:
    workspace = Workspace(home)
    try:
        return fingerprint.content_hash(workspace)
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Two demos from the default seed: one built through core, one through ``demo DIR --json``."""
    folder = tmp_path_factory.mktemp("demo")
    building.create(folder / "core")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["demo", str(folder / "cli"), "--json"])
    assert code == 0
    return Built(folder / "core", folder / "cli", json.loads(printed.getvalue()))


@pytest.fixture
def story(built: Built) -> Iterator[Workspace]:
    workspace = Workspace(built.by_core)
    yield workspace
    workspace.close()


def test_the_same_seed_builds_the_same_workspace(built: Built) -> None:
    assert _hash(built.by_core) == _hash(built.by_cli)


def test_the_command_line_says_where_the_demo_is(built: Built) -> None:
    assert built.cli_output == {"home": str(built.by_cli.resolve()), "seed": demo.DEFAULT_SEED}
    assert demo.is_demo(built.by_cli)


def test_the_content_hash_sees_any_change(built: Built, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built.by_core, copy)
    workspace = Workspace(copy)
    try:
        before = fingerprint.content_hash(workspace)
        model_registry.set_description(workspace, "Loan approval", 2, "Changed by a student.")
        assert fingerprint.content_hash(workspace) != before
    finally:
        workspace.close()


def test_the_data_has_a_prepared_version_and_one_that_fails_its_checks(
    story: Workspace,
) -> None:
    raw = {v["version"]: v for v in datasets.versions(story, "loan applications")}
    assert sorted(raw) == [1, 2, 3]
    assert raw[1]["validation"]["passed"] is True
    assert raw[2]["validation"]["passed"] is False
    assert raw[3]["source"].endswith("labelled-predictions.parquet")  # made by Retrain
    prepared = datasets.show(story, "loan applications prepared@1")
    assert prepared["parent"] == "loan applications@1"
    assert prepared["recipe"]["name"] == "Clean loan applications"


def test_two_experiments_hold_six_runs(story: Workspace) -> None:
    runs = training.list_runs(story)
    assert len(runs) == 6 and {r["status"] for r in runs} == {"finished"}
    assert {r["experiment"] for r in runs} == {"Loan approval", "Loan approval, prepared data"}


def test_the_model_went_through_every_stage_with_notes(story: Workspace) -> None:
    stages = {m["version"]: m["stage"] for m in model_registry.list_models(story)}
    assert stages == {1: "archived", 2: "production", 3: "staging"}
    first = model_registry.show_model(story, "Loan approval@1")["history"]
    assert [(h["from"], h["to"]) for h in first] == [
        ("none", "staging"),
        ("staging", "production"),
        ("production", "archived"),
    ]
    assert all(h["note"] for h in first)
    challenger = model_registry.show_model(story, "Loan approval@3")
    assert "Waiting for a decision" in challenger["history"][-1]["note"]
    assert challenger["description"].startswith(f"Retrained from {SERVED}")


def test_a_month_of_traffic_drifts_from_day_18_with_outcomes_up_to_day_25(
    story: Workspace,
) -> None:
    days = trends.history(story, SERVED)
    assert len(days) == traffic.DAYS
    names = [d["window"]["name"] for d in days]
    assert names[0] == traffic.STORY_START.date().isoformat()
    before = [d["status"] for d in days[: traffic.DRIFT_FROM_DAY - 1]]
    after = [d["status"] for d in days[traffic.DRIFT_FROM_DAY + 1 :]]
    assert "drift" not in before
    assert set(after) == {"drift"}
    labelled = [d.get("performance") is not None for d in days]
    assert labelled == [n <= traffic.LABELLED_DAYS for n in range(1, traffic.DAYS + 1)]
    accuracy = [d["performance"]["metrics"]["accuracy"] for d in days[: traffic.LABELLED_DAYS]]
    first_weeks = sum(accuracy[:14]) / 14
    assert accuracy[-1] < first_weeks - 0.05  # the model became wrong more often


def test_the_log_was_written_by_the_real_server_with_one_refused_request(
    story: Workspace,
) -> None:
    card = next(c for c in listing.monitoring_overview(story) if c["ref"] == SERVED)
    assert card["status"] == "drift"
    report = checks.results(story, SERVED)[0]  # the last week, checked as one window
    assert report["left_out"]["refused"] == 1
    assert report["window"]["kind"] == "range"


def test_a_demo_is_only_built_in_a_new_folder(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        building.create(taken)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def _small_story(workspace: Workspace, seed: int, progress: Any, cancel: Any) -> None:
    datasets.import_file(workspace, SAMPLES / "iris.csv", "demo flowers")


def test_reset_brings_a_demo_back_to_its_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(building, "build_story", _small_story)
    home = building.create(tmp_path / "class demo")["home"]
    fresh = _hash(Path(home))
    workspace = Workspace(Path(home))
    datasets.import_file(workspace, SAMPLES / "wine.csv", "a student's import")
    workspace.close()
    assert _hash(Path(home)) != fresh
    assert building.reset(Path(home)) == {"home": home, "seed": demo.DEFAULT_SEED}
    assert _hash(Path(home)) == fresh
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class demo"]  # nothing left beside


def test_only_a_demo_can_be_reset_and_a_failed_build_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = Workspace(tmp_path / "my work")
    mine.close()
    with pytest.raises(UserError, match="not a demo"):
        building.reset(tmp_path / "my work")
    assert (tmp_path / "my work" / "store.db").exists()

    def broken(workspace: Workspace, seed: int, progress: Any, cancel: Any) -> None:
        raise UserError("The demo's server could not start.")

    monkeypatch.setattr(building, "build_story", broken)
    with pytest.raises(UserError):
        building.create(tmp_path / "new demo")
    assert not (tmp_path / "new demo").exists()
