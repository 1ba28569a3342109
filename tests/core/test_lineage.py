"""A model version's lineage: read from the store as nodes and edges, laid out for drawing with
long lists collapsed, and drawn as a Figure whose boxes a view can click."""

import itertools
from collections import Counter
from typing import Any

from matplotlib.patches import FancyBboxPatch
from sqlalchemy import select

from mlops_desktop.core.governance import lineage, lineage_layout, plots
from mlops_desktop.core.governance.lineage import Edge, Graph, Node
from mlops_desktop.core.monitoring.retraining import RETRAIN_ACTION
from mlops_desktop.core.store.models import AuditEvent
from mlops_desktop.core.workspace import Workspace
from tests.governed import COLUMN, DATASET, MARKUP, MODEL, PREPARED


def _by_id(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in graph["nodes"]}


def _path(graph: dict[str, Any], *ids: str) -> bool:
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    return all(pair in edges for pair in itertools.pairwise(ids))


def test_the_lineage_runs_from_the_source_file_to_the_version_that_replaced_it(
    governed_workspace: Workspace,
) -> None:
    graph = lineage.lineage(governed_workspace, f"{MODEL}@1").as_json()
    nodes = _by_id(graph)
    kinds = Counter(node["kind"] for node in graph["nodes"])
    assert kinds == {
        lineage.SOURCE: 1,
        lineage.DATASET: 2,  # imported, then prepared
        lineage.STEP: 2,
        lineage.RUN: 1,
        lineage.MODEL: 2,  # this one, and the one that replaced it
        lineage.STAGE: 3,  # staging, production, archived when replaced
        lineage.DEPLOYMENT: 1,
        lineage.WINDOW: 1,
        lineage.CHALLENGER: 1,
    }
    source = next(n for n in graph["nodes"] if n["kind"] == lineage.SOURCE)
    assert source["name"] == "applicants 1.csv" and len(source["sha256"]) == 64
    run = next(n for n in graph["nodes"] if n["kind"] == lineage.RUN)
    challenger = next(n for n in graph["nodes"] if n["kind"] == lineage.CHALLENGER)
    step_1, step_2 = sorted(n["id"] for n in graph["nodes"] if n["kind"] == lineage.STEP)
    assert _path(
        graph,
        source["id"],
        f"dataset:{DATASET}@1",
        step_1,
        step_2,
        f"dataset:{PREPARED}@1",
        run["id"],
        f"model:{MODEL}@1",
        challenger["id"],
        f"model:{MODEL}@2",
    )
    assert _path(graph, f"model:{MODEL}@1", f"model:{MODEL}@2")  # replaced it in production
    assert "Fill missing 'income' with the median" in nodes[step_2]["label"]
    with governed_workspace.store.read() as session:  # the verdict the retraining recorded
        decided = session.scalars(
            select(AuditEvent).where(AuditEvent.action == RETRAIN_ACTION)
        ).one()
    assert challenger["better"] is decided.details["better"] and challenger["ref"] != run["ref"]
    moves = [n for n in graph["nodes"] if n["kind"] == lineage.STAGE]
    assert [(m["to"], m["note"]) for m in moves] == [
        ("staging", f"Checked by {MARKUP}"),
        ("production", "Approved by the board"),
        ("archived", "replaced by version 2"),
    ]
    assert all(m["user"] and m["time"] for m in moves)
    deployment = next(n for n in graph["nodes"] if n["kind"] == lineage.DEPLOYMENT)
    assert deployment["rows_logged"] == 3
    window = next(n for n in graph["nodes"] if n["kind"] == lineage.WINDOW)
    assert _path(graph, f"model:{MODEL}@1", window["id"])  # a dataset window: from the version
    assert {e["kind"] for e in graph["edges"]} <= {
        lineage.IMPORTED, lineage.STEP_OF, lineage.PREPARED, lineage.TRAINED,
        lineage.REGISTERED, lineage.MOVED, lineage.SERVED, lineage.MONITORED,
        lineage.RETRAINED, lineage.REPLACED,
    }  # fmt: skip
    assert COLUMN not in str(graph)  # columns are not lineage


def test_the_newer_version_shows_the_one_it_replaced_upstream(
    governed_workspace: Workspace,
) -> None:
    graph = lineage.lineage(governed_workspace, f"{MODEL}@production").as_json()
    nodes = _by_id(graph)
    assert nodes[f"model:{MODEL}@2"]["stage"] == "production"
    assert nodes[f"model:{MODEL}@1"]["stage"] == "archived"
    assert _path(graph, f"model:{MODEL}@1", f"model:{MODEL}@2")
    assert _path(graph, f"dataset:{PREPARED}@2", next(
        n["id"] for n in graph["nodes"] if n["kind"] == lineage.RUN
    ))  # fmt: skip
    assert not any(n["kind"] == lineage.DEPLOYMENT for n in graph["nodes"])  # v1's, not its own


def _fan(count: int, kind: str) -> Graph:
    graph = Graph(subject="model:m@1")
    graph.add(Node("model:m@1", lineage.MODEL, "model m"))
    for number in range(count):
        status = "drift" if number % 3 == 0 else "healthy"
        node = graph.add(Node(f"{kind}:{number}", kind, f"{kind} {number}", {"status": status}))
        graph.link("model:m@1", node, lineage.MONITORED)
    return graph


def test_long_lists_collapse_into_one_counted_node_and_short_ones_stay() -> None:
    placed = lineage_layout.layout(_fan(30, lineage.WINDOW))
    assert len(placed.placed) == 2
    group = next(p for p in placed.placed.values() if p.members)
    assert group.node.label.startswith("30 monitoring windows\n20 healthy, 10 drift")
    assert len(group.members) == 30 and group.layer == 1
    assert placed.edges == [Edge("model:m@1", group.node.id, lineage.MONITORED)]

    short = lineage_layout.layout(_fan(lineage_layout.MAX_LISTED, lineage.WINDOW))
    assert len(short.placed) == lineage_layout.MAX_LISTED + 1
    assert sorted(p.row for p in short.placed.values() if p.layer == 1) == list(
        range(lineage_layout.MAX_LISTED)
    )


def test_a_long_recipe_collapses_into_one_node_between_its_versions() -> None:
    graph = Graph(subject="model:m@1")
    previous = graph.add(Node("dataset:d@1", lineage.DATASET, "dataset d@1"))
    for number in range(1, 13):
        step = graph.add(Node(f"step:2:{number}", lineage.STEP, f"step {number}: Drop x"))
        graph.link(previous, step, lineage.STEP_OF)
        previous = step
    prepared = graph.add(Node("dataset:d prepared@1", lineage.DATASET, "prepared"))
    graph.link(previous, prepared, lineage.PREPARED)
    placed = lineage_layout.layout(graph)
    assert [p.node.kind for p in sorted(placed.placed.values(), key=lambda p: p.layer)] == [
        lineage.DATASET,
        lineage.STEP,
        lineage.DATASET,
    ]
    group = placed.placed["group:step:2:1"]
    assert group.node.label == "12 recipe steps\nfirst: step 1: Drop x\nlast: step 12: Drop x"


def test_the_figure_draws_one_clickable_box_per_placed_node_left_to_right(
    governed_workspace: Workspace,
) -> None:
    placed = lineage_layout.layout(lineage.lineage(governed_workspace, f"{MODEL}@1"))
    figure = plots.lineage_figure(placed, "Lineage")
    boxes = [p for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert sorted(str(box.get_gid()) for box in boxes) == sorted(placed.placed)
    assert all(box.get_picker() for box in boxes)
    layer_of = {node_id: p.layer for node_id, p in placed.placed.items()}
    assert all(layer_of[e.source] < layer_of[e.target] for e in placed.edges)
    # the older version's arrow to the newer one is implied by the challenger's path
    assert Edge(f"model:{MODEL}@1", f"model:{MODEL}@2", lineage.REPLACED) not in placed.edges


def test_a_version_with_a_long_life_stays_a_readable_picture() -> None:
    graph = _fan(40, lineage.WINDOW)
    for number in range(20):
        node = graph.add(Node(f"stage:{number}", lineage.STAGE, "→ staging", {"time": "2026"}))
        graph.link("model:m@1", node, lineage.MOVED)
    for number in range(15):
        node = graph.add(Node(f"deployment:{number}", lineage.DEPLOYMENT, "served"))
        graph.link("model:m@1", node, lineage.SERVED)
    assert len(graph.nodes) == 76
    placed = lineage_layout.layout(graph)
    assert sorted(p.node.label.split("\n")[0] for p in placed.placed.values()) == [
        "15 serving sessions",
        "20 stage changes",
        "40 monitoring windows",
        "model m",
    ]
    width, height = plots.lineage_figure(placed, "Lineage").get_size_inches()
    assert width <= 6 and height <= 5  # every word at its drawn size, no scrolling down
