"""Model bundles: a model moved between two workspaces predicts exactly as at its source, and a
bundle that is not exactly what was exported is refused before anything in it is unpickled, with
the store as it was. Also: the saved pipeline predicts from raw rows outside the app."""

import hashlib
import io
import json
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from werkzeug.test import Client

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.raw_inputs import RawInputs
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks
from mlops_desktop.core.registry import bundle_files, bundles, model_registry
from mlops_desktop.core.serving import ServingApp, scoring
from mlops_desktop.core.store.models import Base, Run
from mlops_desktop.core.workspace import Workspace


def _customers_csv(path: Path) -> Path:
    """Raw rows as an analyst's file holds them: yes/no words, whole numbers, decimals with gaps,
    categories written as words, and a yes/no target."""
    rng = np.random.default_rng(7)
    rows = 300
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "income": np.round(rng.normal(50_000, 15_000, rows), 2),
            "member": rng.choice(["yes", "no"], rows),
            "region": rng.choice(["north", "south", "east"], rows),
            "tier": rng.choice(["1", "2", "3"], rows),
        }
    )
    frame.loc[rng.choice(rows, 15, replace=False), "income"] = np.nan
    score = (frame["member"] == "yes") + (frame["age"] > 50) + rng.normal(0, 0.5, rows)
    frame["churn"] = np.where(score > 1, "yes", "no")
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace with the model 'churn' version 1, trained on the customers file."""
    folder = tmp_path_factory.mktemp("source")
    ws = Workspace(folder / "home")
    datasets.import_file(ws, _customers_csv(folder / "customers.csv"), "customers")
    run = training.train(
        ws,
        training.Recipe(
            "customers", "churn", "random_forest", params={"n_estimators": 30}, experiment="E"
        ),
    )[0]
    model_registry.register(ws, run["run_id"], "churn", "keeps customers")
    model_registry.set_stage(ws, "churn", 1, "staging", "first look")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def customers(source: Workspace) -> Path:
    return source.home.parent / "customers.csv"


@pytest.fixture(scope="module")
def bundle(source: Workspace) -> tuple[Path, str]:
    """The version exported with its held-out rows, and the manifest hash export printed."""
    path = source.home.parent / "churn.mlbundle"
    result = bundles.export_bundle(source, "churn@1", path, with_data=True)
    return path, result["sha256"]


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(tmp_path / "target")
    yield ws
    ws.close()


def _scored(ws: Workspace, ref: str, rows: Path, out: Path) -> pd.DataFrame:
    scoring.score_file(ws, ref, rows, out)
    return pd.read_csv(out)


def _served(ws: Workspace, ref: str, records: list[dict[str, Any]]) -> Any:
    record, pipeline = model_registry.load(ws, ref)
    app = ServingApp(record, pipeline)
    app.start()
    try:
        response = Client(app).post(
            "/invocations",
            data=json.dumps({"dataframe_records": records}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.text
        return response.json
    finally:
        app.close()


def test_export_prints_the_hash_of_the_manifest_which_lists_every_other_member(
    bundle: tuple[Path, str],
) -> None:
    path, printed = bundle
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read(bundle_files.MANIFEST)
        members = {name: archive.read(name) for name in archive.namelist()}
    assert hashlib.sha256(manifest).hexdigest() == printed
    listed = json.loads(manifest)["members"]
    assert set(listed) == set(members) - {bundle_files.MANIFEST}
    assert set(bundle_files.REQUIRED) | {bundle_files.HELD_OUT} == set(listed)
    for name, entry in listed.items():
        assert entry == {
            "sha256": hashlib.sha256(members[name]).hexdigest(),
            "size": len(members[name]),
        }
    readme = members[bundle_files.README].decode()
    assert "mlops_desktop.core.data.raw_inputs.RawInputs" in readme
    assert "mlops_desktop package importable" in readme
    lineage = json.loads(members[bundle_files.LINEAGE])
    assert lineage["datasets"][0]["ref"] == "customers@1"
    assert len(lineage["datasets"][0]["content_hash"]) == 64
    assert lineage["run"]["seed"] == 42
    assert [h["to"] for h in lineage["stage_history"]] == ["staging"]


def test_a_bundle_moves_a_model_to_another_workspace_with_identical_predictions(
    source: Workspace, target: Workspace, bundle: tuple[Path, str], customers: Path, tmp_path: Path
) -> None:
    path, sha256 = bundle
    record = bundles.import_bundle(target, path)
    assert record["ref"] == "churn@1" and record["description"] == "keeps customers"
    assert record["imported_from"]["bundle_sha256"] == sha256
    assert record["imported_from"]["source"] == "churn@1"
    assert record["imported_from"]["file"] == "churn.mlbundle"
    assert record["imported_from"]["lineage"]["datasets"][0]["ref"] == "customers@1"
    original = model_registry.show_model(source, "churn@1")
    assert record["model_sha256"] == original["model_sha256"]
    assert record["inputs"] == original["inputs"] and record["metrics"] == original["metrics"]

    card = model_registry.card_html(model_registry.model_card(target, "churn@1"))
    assert "<b>customers@1</b> at the source" in card and "(300 rows)" in card
    assert "Imported from the bundle <b>churn.mlbundle</b>" in card and sha256 in card

    there = _scored(source, "churn@1", customers, tmp_path / "there.csv")
    here = _scored(target, "churn@1", customers, tmp_path / "here.csv")
    pd.testing.assert_frame_equal(there, here)
    rows = pd.read_csv(customers).drop(columns="churn").head(25)
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    assert _served(target, "churn@1", records) == _served(source, "churn@1", records)


def test_an_imported_version_is_monitored_against_its_held_out_rows_from_day_one(
    source: Workspace, target: Workspace, bundle: tuple[Path, str], customers: Path
) -> None:
    bundles.import_bundle(target, bundle[0], name="churn here")
    for ws in (source, target):
        datasets.import_file(ws, customers, "this week")
    there = checks.check(source, "churn@1", current="this week")
    here = checks.check(target, "churn here@1", current="this week")
    assert here["n_reference"] == there["n_reference"] > 0
    assert here["status"] == there["status"]
    assert here["columns"] == there["columns"]


def test_without_data_the_version_imports_and_monitoring_asks_for_a_reference(
    source: Workspace, target: Workspace, customers: Path
) -> None:
    path = source.home.parent / "no data.mlbundle"
    bundles.export_bundle(source, "churn@1", path)
    with zipfile.ZipFile(path) as archive:
        assert bundle_files.HELD_OUT not in archive.namelist()
    record = bundles.import_bundle(target, path)
    assert record["imported_from"]["with_data"] is False
    datasets.import_file(target, customers, "this week")
    with pytest.raises(UserError, match="came without the rows it was tested on"):
        checks.check(target, "churn@1", current="this week")
    report = checks.check(target, "churn@1", current="this week", reference="this week")
    assert report["n_reference"] == 300
    with pytest.raises(UserError, match="cannot be trained again here"):
        training.reproduce(target, record["run_id"])


# --- refusals --------------------------------------------------------------------------------


def _snapshot(ws: Workspace) -> tuple[dict[str, int], set[str]]:
    """Every table's row count and every stored file: what a refusal must leave as it was."""
    with ws.store.read() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
    files = {str(p.relative_to(ws.home)) for p in ws.artifacts.root.rglob("*") if p.is_file()}
    return counts, files


@pytest.fixture
def never_unpickled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any unpickling fails the test: a refused bundle must be refused before it."""

    def unpickled(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("unpickled before the bundle was verified")

    monkeypatch.setattr(joblib, "load", unpickled)
    monkeypatch.setattr(pickle, "load", unpickled)
    monkeypatch.setattr(pickle, "loads", unpickled)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezipped(path: Path, members: dict[str, bytes]) -> Path:
    """A well-formed zip (right checksums) holding ``members``: what someone who altered the
    bundle on purpose would make."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def _refused(ws: Workspace, path: Path, match: str) -> None:
    before = _snapshot(ws)
    with pytest.raises(UserError, match=match) as refusal:
        bundles.import_bundle(ws, path)
    message = str(refusal.value)
    assert message.endswith(" imported.") and message.count(". ") == 0  # one sentence
    assert _snapshot(ws) == before


@pytest.mark.usefixtures("never_unpickled")
def test_a_flipped_byte_in_any_member_is_refused_before_anything_is_unpickled(
    target: Workspace, bundle: tuple[Path, str], tmp_path: Path
) -> None:
    members = _members(bundle[0])
    assert len(members) == 12
    for name, data in members.items():
        for at in (0, len(data) // 2, len(data) - 1):
            tampered = _rezipped(
                tmp_path / f"{name}.mlbundle", {**members, name: _flipped(data, at)}
            )
            _refused(target, tampered, "altered or damaged|damaged or altered manifest")


@pytest.mark.usefixtures("never_unpickled")
def test_a_flipped_byte_in_the_file_itself_is_refused(
    target: Workspace, bundle: tuple[Path, str], tmp_path: Path
) -> None:
    raw = bundle[0].read_bytes()
    with zipfile.ZipFile(bundle[0]) as archive:
        entries = archive.infolist()
    for entry in entries:
        start = entry.header_offset + 30 + len(entry.filename.encode()) + len(entry.extra)
        damaged = tmp_path / "damaged.mlbundle"
        damaged.write_bytes(_flipped(raw, start + entry.compress_size // 2))
        _refused(target, damaged, "damaged|altered")


@pytest.mark.usefixtures("never_unpickled")
def test_truncated_incomplete_and_padded_bundles_are_refused(
    target: Workspace, bundle: tuple[Path, str], tmp_path: Path
) -> None:
    raw, members = bundle[0].read_bytes(), _members(bundle[0])
    for keep in (len(raw) // 2, len(raw) - 10, 100):
        cut = tmp_path / "cut.mlbundle"
        cut.write_bytes(raw[:keep])
        _refused(target, cut, "damaged or cut short")
    for name in members:
        if name != bundle_files.HELD_OUT:  # the one member a bundle may be made without
            less = {k: v for k, v in members.items() if k != name}
            _refused(target, _rezipped(tmp_path / "less.mlbundle", less), "incomplete|has no")
    manifest = json.loads(members[bundle_files.MANIFEST])
    del manifest["members"][bundle_files.HELD_OUT]
    unlisted = {**members, bundle_files.MANIFEST: bundle_files.canonical_json(manifest)}
    _refused(target, _rezipped(tmp_path / "unlisted.mlbundle", unlisted), "does not list")
    extra = {**members, "../../outside.txt": b"hello"}
    _refused(target, _rezipped(tmp_path / "extra.mlbundle", extra), "which a model bundle does not")
    not_zip = tmp_path / "notes.mlbundle"
    not_zip.write_text("just text")
    _refused(target, not_zip, "not a model bundle")


@pytest.mark.usefixtures("never_unpickled")
def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    target: Workspace, bundle: tuple[Path, str], tmp_path: Path
) -> None:
    members = _members(bundle[0])
    bomb = {**members, bundle_files.HELD_OUT: bytes(300 << 20)}  # 300 MB of zeros: ~300 kB packed
    _refused(target, _rezipped(tmp_path / "bomb.mlbundle", bomb), "times its own size")


def test_a_name_that_predicts_something_else_is_refused_with_nothing_stored(
    target: Workspace, bundle: tuple[Path, str]
) -> None:
    bundles.import_bundle(target, bundle[0])
    with target.store.write() as session:  # the model 'churn' here now predicts another target
        session.execute(Run.__table__.update().values(target="other"))
    before = _snapshot(target)
    with pytest.raises(UserError, match="Import it under another name"):
        bundles.import_bundle(target, bundle[0])
    assert _snapshot(target) == before


# --- library versions ---------------------------------------------------------------------------


def test_other_library_releases_are_warned_about_and_patch_levels_are_not(
    target: Workspace, bundle: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = training.library_versions()
    theirs = {**installed, "scikit-learn": "0.24.2"}
    assert bundles.library_differences(installed) == []
    patched = {**installed, "numpy": installed["numpy"].rsplit(".", 1)[0] + ".999"}
    assert bundles.library_differences(patched) == []
    [warning] = bundles.library_differences(theirs)
    assert "scikit-learn 0.24.2" in warning and installed["scikit-learn"] in warning

    here = {**installed, "scikit-learn": "99.1.0"}
    monkeypatch.setattr(training, "library_versions", lambda: here)
    record = bundles.import_bundle(target, bundle[0])
    [warning] = record["imported_from"]["warnings"]
    assert "can change its predictions" in warning and "99.1.0" in warning


# --- the pipeline outside the app ----------------------------------------------------------------


def test_the_exported_pipeline_predicts_raw_rows_as_the_app_does(
    source: Workspace, bundle: tuple[Path, str], customers: Path, tmp_path: Path
) -> None:
    """Outside the app: joblib.load on the bundle's pipeline, pandas' own reading of the file."""
    pipeline = joblib.load(io.BytesIO(_members(bundle[0])[bundle_files.PIPELINE]))
    assert isinstance(pipeline.steps[0][1], RawInputs)
    raw = pd.read_csv(customers).drop(columns="churn")
    assert set(raw["member"]) == {"yes", "no"} and pd.api.types.is_integer_dtype(raw["tier"])
    app = _scored(source, "churn@1", customers, tmp_path / "app.csv")
    outside = pipeline.predict(raw)
    assert outside.tolist() == app["prediction"].tolist()
    columns = [f"probability_{label}" for label in pipeline.classes_]
    assert np.array_equal(pipeline.predict_proba(raw), app[columns].to_numpy())


def test_a_pipeline_saved_before_the_conversion_step_still_scores(
    source: Workspace, customers: Path, tmp_path: Path
) -> None:
    """An older workspace's pipeline (no RawInputs) gets the app's conversion, as before."""
    record, pipeline = model_registry.load(source, "churn@1")
    expected = _scored(source, "churn@1", customers, tmp_path / "new.csv")
    with source.artifacts.new(training.MODEL_SUFFIX) as old_file:
        joblib.dump(pipeline[1:], old_file.path)
        old_sha = old_file.add()
        with source.store.write() as session:
            run = session.get(Run, record["run_id"])
            assert run is not None
            run.model_sha256 = old_sha
    try:
        _record, old = model_registry.load(source, "churn@1")
        assert not isinstance(old.steps[0][1], RawInputs)
        pd.testing.assert_frame_equal(
            _scored(source, "churn@1", customers, tmp_path / "old.csv"), expected
        )
    finally:
        with source.store.write() as session:
            run = session.get(Run, record["run_id"])
            assert run is not None
            run.model_sha256 = record["model_sha256"]
