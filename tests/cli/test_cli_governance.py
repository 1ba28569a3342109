"""``models lineage`` and ``models report`` as a reviewer calls them."""

import hashlib
from pathlib import Path

from tests.cli.conftest import Cli, ok_json
from tests.governed import MODEL


def test_models_lineage_prints_the_nodes_and_edges_of_the_contract(
    cli: Cli, governed_home: Path
) -> None:
    graph = ok_json(cli("models", "lineage", f"{MODEL}@1", "--json", "--home", governed_home))
    assert set(graph) == {"nodes", "edges"}
    assert all({"id", "kind", "label"} <= set(node) for node in graph["nodes"])
    assert all(set(edge) == {"from", "to", "kind"} for edge in graph["edges"])
    ids = {node["id"] for node in graph["nodes"]}
    assert all(edge["from"] in ids and edge["to"] in ids for edge in graph["edges"])
    assert f"model:{MODEL}@1" in ids

    text = cli("models", "lineage", f"{MODEL}@1", "--home", governed_home)
    assert text.code == 0
    assert "--registered as-->  model loans, version 1 (archived)" in text.out


def test_models_lineage_of_an_unknown_model_is_one_sentence(cli: Cli, governed_home: Path) -> None:
    outcome = cli("models", "lineage", "nobody@1", "--home", governed_home)
    assert (outcome.code, outcome.err_lines) == (1, ["error: There is no model named 'nobody'."])


def test_workspace_backup_and_restore_print_the_contract_json(
    cli: Cli, governed_home: Path, tmp_path: Path
) -> None:
    output = tmp_path / "backup.zip"
    made = ok_json(cli("workspace", "backup", output, "--json", "--home", governed_home))
    assert made == {
        "output": str(output),
        "sha256": hashlib.sha256(output.read_bytes()).hexdigest(),
    }
    restored = ok_json(  # --home naming the folder restored into is natural, and harmless
        cli("workspace", "restore", output, tmp_path / "new", "--json", "--home", tmp_path / "new")
    )
    assert restored["home"] == str(tmp_path / "new") and restored["verified"] > 1
    listed = ok_json(cli("models", "list", "--json", "--home", tmp_path / "new"))
    assert {m["version"] for m in listed} == {1, 2}

    again = cli("workspace", "restore", output, tmp_path / "new")
    assert (again.code, again.err_lines) == (
        1,
        [f"error: {tmp_path / 'new'} is not an empty folder; choose an empty or new one."],
    )


def test_models_report_writes_the_page(cli: Cli, governed_home: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    made = ok_json(cli("models", "report", f"{MODEL}@1", output, "--json", "--home", governed_home))
    assert made == {"output": str(output)}
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    text = cli("models", "report", f"{MODEL}@1", output, "--home", governed_home)
    assert text.out.strip() == f"Wrote the compliance report to {output}."
