"""``models lineage`` and ``models report`` as a reviewer calls them."""

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
