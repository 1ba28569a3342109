"""Placing a lineage graph for drawing: long lists collapsed, nodes in layers left to right.

A model served for months has hundreds of monitoring windows; drawn one by one they would bury the
rest. Siblings of one kind beyond ``MAX_LISTED`` (say 30 windows checked from one serving session)
become one node, "30 monitoring windows" with their verdicts counted, and a recipe of more than
``MAX_STEPS`` steps becomes one node too. A collapsed node keeps its members' ids, so a view can
open what they belong to.

Layers: each node sits one layer right of its furthest predecessor (longest path); a node with no
predecessor sits just left of its nearest successor. An edge another path already implies (the
older version to the version registered from its challenger, which replaced it) is not drawn, so
no arrow jumps over a layer through other boxes. Within a layer nodes are ordered by the mean row
of their predecessors and placed at it where free, which keeps most edges short and uncrossed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from mlops_desktop.core.governance import lineage
from mlops_desktop.core.governance.lineage import Edge, Graph, Node

MAX_LISTED = 5  # siblings of one kind shown one by one; more become one node
MAX_STEPS = 6  # recipe steps shown one by one
PLURALS = {
    lineage.STAGE: "stage changes",
    lineage.DEPLOYMENT: "serving sessions",
    lineage.WINDOW: "monitoring windows",
    lineage.CHALLENGER: "challengers",
    lineage.DATASET: "dataset versions",
    lineage.MODEL: "model versions",
    lineage.RUN: "runs",
    lineage.SOURCE: "source files",
    lineage.STEP: "recipe steps",
}


@dataclass
class Placed:
    node: Node
    layer: int
    row: int
    members: list[str] = field(default_factory=list)  # a collapsed node's original ids


@dataclass
class Layout:
    placed: dict[str, Placed]
    edges: list[Edge]
    subject: str

    @property
    def layers(self) -> int:
        return 1 + max((p.layer for p in self.placed.values()), default=0)

    @property
    def rows(self) -> int:
        return 1 + max((p.row for p in self.placed.values()), default=0)


def layout(graph: Graph) -> Layout:
    nodes, edges, members = _collapsed(graph)
    edges = _without_implied(edges)
    layers = _layers(nodes, edges)
    rows = _rows(nodes, edges, layers)
    return Layout(
        {
            node_id: Placed(node, layers[node_id], rows[node_id], members.get(node_id, []))
            for node_id, node in nodes.items()
        },
        edges,
        graph.subject,
    )


def _collapsed(graph: Graph) -> tuple[dict[str, Node], list[Edge], dict[str, list[str]]]:
    """The graph with long sibling lists and long recipes each made one node."""
    into: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        into[edge.target].append(edge.source)
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for node in graph.nodes.values():
        if node.id != graph.subject and node.kind not in (lineage.STEP, lineage.DATASET):
            groups[(node.kind, tuple(sorted(into[node.id])))].append(node.id)
    replaced: dict[str, str] = {}  # member id -> collapsed node id
    nodes = dict(graph.nodes)
    members: dict[str, list[str]] = {}
    for (kind, sources), ids in groups.items():
        if len(ids) > MAX_LISTED:
            group = Node(
                f"group:{kind}:{'+'.join(sources)}",
                kind,
                f"{len(ids)} {PLURALS[kind]}\n{_summary([graph.nodes[i] for i in ids])}",
            )
            _replace(nodes, members, replaced, group, ids)
    for chain in _step_chains(graph):
        if len(chain) > MAX_STEPS:
            steps = [graph.nodes[i] for i in chain]
            group = Node(
                f"group:{chain[0]}",
                lineage.STEP,
                f"{len(chain)} recipe steps\nfirst: {_first_line(steps[0])}\n"
                f"last: {_first_line(steps[-1])}",
            )
            _replace(nodes, members, replaced, group, chain)
    edges: list[Edge] = []
    for edge in graph.edges:
        source, target = (
            replaced.get(edge.source, edge.source),
            replaced.get(edge.target, edge.target),
        )
        collapsed = Edge(source, target, edge.kind)
        if source != target and collapsed not in edges:
            edges.append(collapsed)
    return nodes, edges, members


def _replace(
    nodes: dict[str, Node],
    members: dict[str, list[str]],
    replaced: dict[str, str],
    group: Node,
    ids: list[str],
) -> None:
    position = list(nodes).index(ids[0])
    kept = [(k, v) for k, v in nodes.items() if k not in ids]
    kept.insert(min(position, len(kept)), (group.id, group))
    nodes.clear()
    nodes.update(kept)
    members[group.id] = list(ids)
    replaced.update(dict.fromkeys(ids, group.id))


def _step_chains(graph: Graph) -> list[list[str]]:
    """Runs of recipe steps one after another (each step has one edge in and one out)."""
    after = {e.source: e.target for e in graph.edges if graph.nodes[e.source].kind == lineage.STEP}
    before = {e.target: e.source for e in graph.edges if graph.nodes[e.target].kind == lineage.STEP}
    chains = []
    for node in graph.nodes.values():
        if node.kind != lineage.STEP or graph.nodes[before[node.id]].kind == lineage.STEP:
            continue
        chain = [node.id]
        while graph.nodes[after[chain[-1]]].kind == lineage.STEP:
            chain.append(after[chain[-1]])
        chains.append(chain)
    return chains


def _first_line(node: Node) -> str:
    return node.label.split("\n", 1)[0]


def _summary(nodes: list[Node]) -> str:
    """What a collapsed list holds, in a line: verdicts counted for windows, the span of time
    otherwise."""
    statuses = Counter(str(n.details.get("status", "")) for n in nodes if n.details.get("status"))
    if nodes[0].kind == lineage.WINDOW and statuses:
        return ", ".join(f"{count} {status}" for status, count in statuses.most_common())
    times = sorted(
        str(n.details.get(key))[:10]
        for n in nodes
        for key in ("time", "started", "computed")
        if n.details.get(key)
    )
    return f"{times[0]} to {times[-1]}" if times else ""


def _without_implied(edges: list[Edge]) -> list[Edge]:
    """The edges no longer path between the same two nodes implies."""
    following: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        following[edge.source].append(edge.target)

    def reachable(start: str, goal: str, skipped: Edge) -> bool:
        seen, waiting = {start}, [start]
        while waiting:
            current = waiting.pop()
            for target in following[current]:
                if (current, target) == (skipped.source, skipped.target) or target in seen:
                    continue
                if target == goal:
                    return True
                seen.add(target)
                waiting.append(target)
        return False

    return [edge for edge in edges if not reachable(edge.source, edge.target, edge)]


def _layers(nodes: dict[str, Node], edges: list[Edge]) -> dict[str, int]:
    incoming: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        incoming[edge.target].append(edge.source)
    layers: dict[str, int] = {}

    def layer_of(node_id: str) -> int:
        if node_id not in layers:
            layers[node_id] = 0  # guards a cycle (there should be none)
            layers[node_id] = max((layer_of(s) + 1 for s in incoming[node_id]), default=0)
        return layers[node_id]

    for node_id in nodes:
        layer_of(node_id)
    for node_id in nodes:  # a node with no predecessor: just left of its nearest successor
        following = [layers[e.target] for e in edges if e.source == node_id]
        if not incoming[node_id] and following:
            layers[node_id] = max(0, min(following) - 1)
    return layers


def _rows(nodes: dict[str, Node], edges: list[Edge], layers: dict[str, int]) -> dict[str, int]:
    sources: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        sources[edge.target].append(edge.source)
    by_layer: dict[int, list[str]] = defaultdict(list)
    for node_id in nodes:
        by_layer[layers[node_id]].append(node_id)
    rows: dict[str, int] = {}
    for layer in sorted(by_layer):
        found = {node_id: index for index, node_id in enumerate(by_layer[layer])}
        wanted = {
            n: sum(rows[s] for s in sources[n]) / len(sources[n]) if sources[n] else -1.0
            for n in found
        }
        next_free = 0
        for node_id in sorted(found, key=lambda n: (wanted[n], found[n])):
            rows[node_id] = max(next_free, round(wanted[node_id]))
            next_free = rows[node_id] + 1
    return rows
