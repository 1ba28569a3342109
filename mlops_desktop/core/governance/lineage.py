"""A model version's lineage as a graph of nodes and edges, read from the store.

Left to right it runs: the source file (name, SHA-256) → the dataset version imported from it →
each recipe step → the prepared version → the training run → the model version → its stage changes
(who, when, note), its serving sessions and its monitoring windows → the challengers retrained from
it → the versions registered from them, which replaced it. A version that itself replaced an older
one (or was retrained from it) shows that one too, upstream.

Every node carries ``ref`` where the app has a pane for it (a dataset version ``NAME@3``, a run id,
a model version ``NAME@2``), so a view can open it. The graph holds every node; ``lineage_layout``
collapses long lists for drawing.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import recipes
from mlops_desktop.core.data.preparation import describe
from mlops_desktop.core.monitoring.html_report import window_words
from mlops_desktop.core.monitoring.retraining import RETRAIN_ACTION
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.store.models import (
    AuditEvent,
    DatasetVersion,
    Deployment,
    ModelVersion,
    MonitorResult,
    PredictionLog,
    RegisteredModel,
    Run,
    StageTransition,
)
from mlops_desktop.core.workspace import Workspace

# Node kinds
SOURCE = "source_file"
DATASET = "dataset_version"
STEP = "recipe_step"
RUN = "run"
MODEL = "model_version"
STAGE = "stage_change"
DEPLOYMENT = "deployment"
WINDOW = "monitoring_window"
CHALLENGER = "challenger"
# Edge kinds
IMPORTED = "imported_as"
STEP_OF = "step_of"
PREPARED = "prepared_as"
TRAINED = "trained"
REGISTERED = "registered_as"
MOVED = "moved_to"
SERVED = "served_as"
MONITORED = "monitored_in"
RETRAINED = "retrained_as"
REPLACED = "replaced_by"

_REPLACED_NOTE = re.compile(re.escape(model_registry.REPLACED_NOTE).replace(r"\{\}", r"(\d+)"))


@dataclass
class Node:
    id: str
    kind: str
    label: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, **self.details}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str

    def as_json(self) -> dict[str, str]:
        return {"from": self.source, "to": self.target, "kind": self.kind}


@dataclass
class Graph:
    """Nodes in the order they were found (upstream first), edges between them."""

    subject: str  # the model version's id
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def link(self, source: str, target: str, kind: str) -> None:
        edge = Edge(source, target, kind)
        if edge not in self.edges:
            self.edges.append(edge)

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": [node.as_json() for node in self.nodes.values()],
            "edges": [edge.as_json() for edge in self.edges],
        }


def lineage(workspace: Workspace, ref: str) -> Graph:
    """The lineage of the model version ``ref`` (``models lineage REF``)."""
    with workspace.store.read() as session:
        model, version = model_registry.resolve(session, ref)
        return _Reader(session, model).graph(version)


def _time(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else ""


class _Reader:
    def __init__(self, session: Session, model: RegisteredModel) -> None:
        self.session = session
        self.model = model
        versions = session.scalars(select(ModelVersion).where(ModelVersion.model_id == model.id))
        self.versions = {v.version: v for v in versions}
        retrains = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == RETRAIN_ACTION)
            .where(AuditEvent.entity.startswith(f"model:{model.name}@"))
            .order_by(AuditEvent.id)
        )
        self.retrains = [(event.entity.partition(":")[2], event) for event in retrains]

    def graph(self, version: ModelVersion) -> Graph:
        node = self._model_node(version)
        graph = Graph(subject=node.id)
        subject = graph.add(node)
        self._training(graph, version, subject)
        for older, kind in self._predecessors(version):
            graph.link(graph.add(self._model_node(older)), subject, kind)
        self._stage_changes(graph, version, subject)
        deployments = self._deployments(graph, version, subject)
        self._windows(graph, version, subject, deployments)
        self._retrainings(graph, version, subject)
        return graph

    # --- upstream: data, preparation, training --------------------------------------------------

    def _training(self, graph: Graph, version: ModelVersion, target: str) -> None:
        run = self.session.get(Run, version.run_id)
        if run is None:
            return
        run_id = graph.add(self._run_node(run))
        graph.link(run_id, target, REGISTERED)
        graph.link(self._data(graph, run.dataset_version_id), run_id, TRAINED)

    def _run_node(self, run: Run, kind: str = RUN) -> Node:
        words = "challenger run" if kind == CHALLENGER else "training run"
        return Node(
            f"run:{run.id}",
            kind,
            f"{words} {run.id[:8]}\n{run.algorithm.replace('_', ' ')}, seed {run.seed}",
            {"ref": run.id, "algorithm": run.algorithm, "seed": run.seed, "status": run.status},
        )

    def _data(self, graph: Graph, version_id: int) -> str:
        """Add the dataset version, the versions it was prepared from with each step, and the
        file the first was imported from; returns the version's node id."""
        chain = recipes.preparation_chain(self.session, version_id)
        first = chain[0]
        source = graph.add(
            Node(
                f"source:{first.source_sha256}",
                SOURCE,
                f"file {first.source_name}\nSHA-256 {first.source_sha256[:12]}…",
                {"name": first.source_name, "sha256": first.source_sha256},
            )
        )
        previous = graph.add(self._dataset_node(first))
        graph.link(source, previous, IMPORTED)
        for prepared in chain[1:]:
            for number, step in enumerate((prepared.recipe or {}).get("steps", []), start=1):
                step_id = graph.add(
                    Node(
                        f"step:{prepared.id}:{number}",
                        STEP,
                        f"step {number}: {describe(step)}",
                        {"step": number, "operation": step.get("op")},
                    )
                )
                graph.link(previous, step_id, STEP_OF)
                previous = step_id
            current = graph.add(self._dataset_node(prepared))
            graph.link(previous, current, PREPARED)
            previous = current
        return previous

    def _dataset_node(self, version: DatasetVersion) -> Node:
        ref = f"{version.dataset.name}@{version.version}"
        return Node(
            f"dataset:{ref}",
            DATASET,
            f"dataset {ref}\n{version.n_rows:,} rows, {version.n_columns} columns",
            {
                "ref": ref,
                "rows": version.n_rows,
                "content_hash": version.content_hash,
                "created": version.created_at.isoformat(),
            },
        )

    # --- the version's life: stages, serving, monitoring ----------------------------------------

    def _model_node(self, version: ModelVersion) -> Node:
        ref = f"{self.model.name}@{version.version}"
        stage = model_registry.STAGE_LABELS[version.stage]
        return Node(
            f"model:{ref}",
            MODEL,
            f"model {self.model.name}\nversion {version.version} ({stage})",
            {"ref": ref, "stage": version.stage},
        )

    def _stage_changes(self, graph: Graph, version: ModelVersion, source: str) -> None:
        moves = self.session.scalars(
            select(StageTransition)
            .where(StageTransition.model_version_id == version.id)
            .order_by(StageTransition.id)
        )
        for move in moves:
            to_stage = model_registry.STAGE_LABELS[move.to_stage]
            note = f"\n“{move.note}”" if move.note else ""
            node = Node(
                f"stage:{move.id}",
                STAGE,
                f"→ {to_stage}\n{_time(move.created_at)} by {move.user}{note}",
                {
                    "from": move.from_stage,
                    "to": move.to_stage,
                    "user": move.user,
                    "note": move.note,
                    "time": move.created_at.isoformat(),
                },
            )
            graph.link(source, graph.add(node), MOVED)

    def _deployments(self, graph: Graph, version: ModelVersion, source: str) -> list[Deployment]:
        deployments = list(
            self.session.scalars(
                select(Deployment)
                .where(Deployment.model_version_id == version.id)
                .order_by(Deployment.id)
            )
        )
        counts: dict[int, int] = {
            deployment_id: count
            for deployment_id, count in self.session.execute(
                select(PredictionLog.deployment_id, func.count())
                .where(PredictionLog.deployment_id.in_([d.id for d in deployments]))
                .group_by(PredictionLog.deployment_id)
            )
        }
        for deployment in deployments:
            until = _time(deployment.stopped_at) if deployment.stopped_at else "still serving"
            rows = counts.get(deployment.id, 0)
            node = Node(
                f"deployment:{deployment.id}",
                DEPLOYMENT,
                f"served at {deployment.host}:{deployment.port}\n"
                f"{_time(deployment.started_at)} to {until}\n{rows:,} rows logged",
                {
                    "host": deployment.host,
                    "port": deployment.port,
                    "started": deployment.started_at.isoformat(),
                    "stopped": deployment.stopped_at.isoformat() if deployment.stopped_at else None,
                    "rows_logged": rows,
                },
            )
            graph.link(source, graph.add(node), SERVED)
        return deployments

    def _windows(
        self, graph: Graph, version: ModelVersion, model: str, deployments: list[Deployment]
    ) -> None:
        """Each stored monitoring window, linked from the serving sessions whose predictions it
        checked (or from the version, for a window over a dataset)."""
        results = self.session.scalars(
            select(MonitorResult)
            .where(MonitorResult.model_version_id == version.id)
            .order_by(MonitorResult.window_start, MonitorResult.id)
        )
        for result in results:
            short = window_words(result.report.get("window") or {})[0]
            node = graph.add(
                Node(
                    f"window:{result.id}",
                    WINDOW,
                    f"checked {short}\n{result.status}, {result.n_current:,} rows",
                    {
                        "window": short,
                        "status": result.status,
                        "rows": result.n_current,
                        "computed": result.computed_at.isoformat(),
                    },
                )
            )
            sources = [
                f"deployment:{d.id}"
                for d in deployments
                if result.kind != "dataset" and _overlaps(d, result)
            ]
            for source in sources or [model]:
                graph.link(source, node, MONITORED)

    # --- retraining -------------------------------------------------------------------------------

    def _retrainings(self, graph: Graph, version: ModelVersion, source: str) -> None:
        """The challengers retrained from this version, and the versions registered from them."""
        ref = f"{self.model.name}@{version.version}"
        for retrained_from, event in self.retrains:
            run = self.session.get(Run, event.details.get("challenger", ""))
            if retrained_from != ref or run is None:
                continue
            node = self._run_node(run, CHALLENGER)
            better = event.details.get("better")
            node.label += f"\n{'' if better else 'not '}better than the current version"
            node.details.update(better=better, time=event.created_at.isoformat())
            challenger = graph.add(node)
            graph.link(source, challenger, RETRAINED)
            for later in self.versions.values():
                if later.run_id == run.id:
                    graph.link(challenger, graph.add(self._model_node(later)), REGISTERED)
        for newer in self._replacements(version):
            graph.link(source, graph.add(self._model_node(newer)), REPLACED)

    def _replacements(self, version: ModelVersion) -> list[ModelVersion]:
        """The versions that replaced ``version`` in production."""
        moves = self.session.scalars(
            select(StageTransition.note).where(StageTransition.model_version_id == version.id)
        )
        found = [self.versions.get(int(m.group(1))) for note in moves if (m := _replaced(note))]
        return [newer for newer in found if newer is not None]

    def _predecessors(self, version: ModelVersion) -> list[tuple[ModelVersion, str]]:
        """The older versions ``version`` replaced in production, or was retrained from."""
        found = [(v, REPLACED) for v in self.versions.values() if version in self._replacements(v)]
        for retrained_from, event in self.retrains:
            number = retrained_from.rpartition("@")[2]
            if event.details.get("challenger") == version.run_id and number.isdigit():
                older = self.versions.get(int(number))
                if older is not None and all(older is not v for v, _kind in found):
                    found.append((older, RETRAINED))
        return found


def _replaced(note: str) -> re.Match[str] | None:
    return _REPLACED_NOTE.fullmatch(note)


def _overlaps(deployment: Deployment, result: MonitorResult) -> bool:
    """Whether the serving session ran during the window (an open end is always)."""
    starts_before_end = result.window_end is None or deployment.started_at < result.window_end
    ends_after_start = (
        result.window_start is None
        or deployment.stopped_at is None
        or deployment.stopped_at > result.window_start
    )
    return starts_before_end and ends_after_start
