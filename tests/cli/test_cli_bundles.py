"""`models export` and `models import` on the command line: DESIGN.md's JSON shapes, the printed
hash is the manifest's, a bundle moves a model between two homes, a tampered one fails in one
line, and a library release difference is a warning on stderr."""

import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from mlops_desktop.core.experiments import training
from tests.cli.conftest import Cli, ok_json
from tests.conftest import SAMPLES


@pytest.fixture
def exported(in_home: Cli, tmp_path: Path) -> Path:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    run = ok_json(
        in_home("train", "--dataset", "iris", "--target", "species", "--algorithm", "knn", "--json")
    )
    ok_json(in_home("models", "register", run["run_id"], "--name", "Flowers", "--json"))
    path = tmp_path / "flowers.mlbundle"
    result = ok_json(in_home("models", "export", "Flowers", path, "--with-data", "--json"))
    assert result["output"] == str(path)
    with zipfile.ZipFile(path) as archive:
        assert result["sha256"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    text = in_home("models", "export", "Flowers@1", tmp_path / "again.mlbundle")
    with zipfile.ZipFile(tmp_path / "again.mlbundle") as archive:
        again = hashlib.sha256(archive.read("manifest.json")).hexdigest()
    assert text.code == 0 and text.out.splitlines()[-1].endswith(f": {again}")
    return path


def test_import_into_another_home_predicts_as_the_source(
    cli: Cli, in_home: Cli, exported: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other home"
    record = ok_json(cli("models", "import", exported, "--name", "Iris", "--home", other, "--json"))
    assert (record["name"], record["version"]) == ("Iris", 1)
    assert record["imported_from"]["source"] == "Flowers@1"
    assert record["imported_from"]["file"] == "flowers.mlbundle"
    for home, ref, out in ((None, "Flowers", "a.csv"), (other, "Iris", "b.csv")):
        args = ("predict", ref, SAMPLES / "iris.csv", "--output", tmp_path / out, "--json")
        ok_json(in_home(*args) if home is None else cli(*args, "--home", home))
    assert pd.read_csv(tmp_path / "a.csv").equals(pd.read_csv(tmp_path / "b.csv"))


def test_a_tampered_bundle_fails_in_one_line_and_a_release_difference_warns(
    cli: Cli, exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other home"
    with zipfile.ZipFile(exported) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    card = members["model_card.html"]
    tampered = tmp_path / "tampered.mlbundle"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in {
            **members,
            "model_card.html": card.replace(b"Flowers", b"Fl0wers"),
        }.items():
            archive.writestr(name, data)
    refused = cli("models", "import", tampered, "--home", other)
    assert refused.code == 1 and refused.out == ""
    assert refused.err_lines == [
        "error: tampered.mlbundle has been altered or damaged: model_card.html does not match "
        "its manifest; nothing was imported."
    ]
    assert ok_json(cli("models", "list", "--home", other, "--json")) == []

    here = {**training.library_versions(), "numpy": "1.0.0"}
    monkeypatch.setattr(training, "library_versions", lambda: here)
    imported = cli("models", "import", exported, "--home", other)
    assert imported.code == 0 and "Imported Flowers@1 as Flowers version 1" in imported.out
    [warning] = imported.err_lines
    assert warning.startswith("warning: The model was trained with numpy ")
    assert "this computer has 1.0.0" in warning
