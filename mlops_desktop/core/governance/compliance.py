"""A compliance report per model version: one self-contained HTML page a reviewer can keep.

It holds the model card, the lineage graph, every dataset version the model's data came through
(with its hashes and its validation report), the training settings and seed, the metrics with their
intervals, the stage history with notes and users, the serving sessions, the monitoring history,
the retraining decisions and every audit event that touches the version, its run, its data or its
serving sessions. As the monitoring report (``monitoring.html_report``, whose helpers it uses):
inline CSS, charts as embedded PNG, no scripts, nothing loaded from elsewhere, and every value from
the data escaped.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from mlops_desktop import __version__
from mlops_desktop.core import formatting
from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.preparation import describe
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.governance import audit, lineage, lineage_layout
from mlops_desktop.core.governance.lineage import Graph
from mlops_desktop.core.governance.plots import lineage_figure, lineage_title
from mlops_desktop.core.monitoring.html_report import (
    STYLE,
    badge,
    escaped,
    figure_image,
    interval_text,
)
from mlops_desktop.core.monitoring.retraining import RETRAIN_ACTION
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.store.models import AuditEvent, DatasetVersion
from mlops_desktop.core.vocabulary import STATUS_COLOURS, STATUS_WORDS, measure_text, measure_title
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.core.writing import write_text

SECTIONS = {
    "card": "Model card",
    "lineage": "Lineage graph",
    "data": "Data versions",
    "training": "Training settings",
    "metrics": "Metrics",
    "serving": "Serving sessions",
    "monitoring": "Monitoring history",
    "retraining": "Retraining decisions",
    "audit": "Audit events",
}
NONE = "—"


def report_html(workspace: Workspace, ref: str) -> str:
    card = model_registry.model_card(workspace, ref)
    ref = card["ref"]
    graph = lineage.lineage(workspace, ref)
    run = training.show_run(workspace, card["run_id"])
    contents = "".join(f'<li><a href="#{key}">{title}</a></li>' for key, title in SECTIONS.items())
    sections = {
        "card": model_registry.card_sections(card, level=3),
        "lineage": _lineage_section(graph, ref),
        "data": _data_section(workspace, graph),
        "training": _training_section(run),
        "metrics": _metrics_section(run),
        "serving": _serving_section(graph),
        "monitoring": _monitoring_section(graph),
        "retraining": _retraining_section(workspace, ref, graph),
        "audit": _audit_section(workspace, graph),
    }
    body = "".join(
        f'<h2 id="{key}" class="section">{SECTIONS[key]}</h2>{html}'
        for key, html in sections.items()
    )
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Compliance report: {escaped(card["name"])} version {card["version"]}</title>
<style>{STYLE}
h2.section{{border-top:2px solid #3b6ea8;padding-top:.4em;margin-top:2em}}
code{{word-break:break-all}}.wide{{overflow-x:auto}}.wide img{{max-width:400%}}</style></head><body>
<h1>Compliance report: {escaped(card["name"])} version {card["version"]}</h1>
<p>Made {made} by {escaped(audit.current_user())} with MLOps Desktop {__version__}, from the
records of the workspace {escaped(workspace.home)}. Everything on this page is read from those
records; nothing in it is loaded from elsewhere. SHA-256 hashes identify each file exactly: a file
with the same hash is byte for byte the file recorded here.</p>
<ol>{contents}</ol>
{body}
<p class="note">End of the report.</p>
</body></html>
"""


def export_report(
    workspace: Workspace,
    ref: str,
    path: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Write the report of ``ref`` to ``path`` (whole or not at all)."""
    progress(0.0, "Reading the records and drawing the lineage")
    page = report_html(workspace, ref)
    check_cancel(cancel)
    progress(1.0, "Written")
    return {"output": str(write_text(path, page))}


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    """A table of cells already escaped, or the sentence ``empty`` when there are no rows."""
    if not rows:
        return f"<p>{escaped(empty)}</p>"
    head = "".join(f"<th>{header}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _when(text: Any) -> str:
    return escaped(str(text)[:19].replace("T", " ") + " UTC") if text else NONE


def _code(value: Any) -> str:
    return f"<code>{escaped(value)}</code>" if value else NONE


def _detail(value: Any) -> str:
    """An audit event's detail as read: measures to four significant digits."""
    return formatting.number(value) if isinstance(value, float) else str(value)


def _lineage_section(graph: Graph, ref: str) -> str:
    figure = lineage_figure(lineage_layout.layout(graph), lineage_title(ref))
    return f"""<p>Each box is a record; an arrow reads "led to". The version of this report has a
thick border. Long lists (many monitoring windows, say) are drawn as one box that counts them; the
tables below list each one.</p>
<div class="wide">{figure_image(figure, "The lineage graph of " + ref)}</div>"""


def _data_section(workspace: Workspace, graph: Graph) -> str:
    refs = [node.details["ref"] for node in graph.nodes.values() if node.kind == lineage.DATASET]
    parts = []
    with workspace.store.read() as session:
        for ref in refs:
            version = datasets.resolve(session, ref)
            parts.append(_data_version(version))
    return "".join(parts) or "<p>No dataset version is recorded.</p>"


def _data_version(version: DatasetVersion) -> str:
    ref = datasets.reference(version)
    recipe = version.recipe
    if recipe and version.parent is not None:
        steps = "".join(f"<li>{escaped(describe(step))}</li>" for step in recipe["steps"])
        made = (
            f"<p>Prepared from {escaped(datasets.reference(version.parent))} by a recipe"
            + (f" named {escaped(recipe['name'])}" if recipe.get("name") else "")
            + f":</p><ol>{steps}</ol>"
        )
    else:
        made = f"<p>Imported from the file {escaped(version.source_name)}.</p>"
    facts = _table(
        ["recorded", "rows", "columns", "source file", "source file SHA-256", "content hash",
         "stored file SHA-256"],
        [[
            _when(version.created_at.isoformat()),
            f"{version.n_rows:,}",
            f"{version.n_columns:,}",
            escaped(version.source_name),
            _code(version.source_sha256),
            _code(version.content_hash),
            _code(version.artifact_sha256),
        ]],
        "",
    )  # fmt: skip
    return f"<h3>{escaped(ref)}</h3>{made}{facts}{_validation(version.validation)}"


def _validation(report: dict[str, Any] | None) -> str:
    if report is None:
        return "<p>This version was stored before validation rules existed: it was not checked.</p>"
    verdict = "passed every check" if report["passed"] else "<b>failed some checks</b>"
    rows = [
        [
            escaped(check["column"]),
            escaped(check["rule"]),
            "passed" if check["passed"] else f"<b>failed</b> ({check['failures']:,} rows)",
            escaped(check["explanation"]),
        ]
        for check in report["checks"]
    ]
    checks = _table(["column", "rule", "result", "explanation"], rows, "No rules were set.")
    return f"<p>Validation against the dataset's rules: {verdict}.</p>{checks}"


def _training_section(run: dict[str, Any]) -> str:
    split = run["split"]
    settings = [
        ["run", _code(run["run_id"])],
        ["experiment", escaped(run["experiment"])],
        ["dataset version", escaped(run["dataset"])],
        ["target", escaped(run["target"])],
        ["task", escaped(run["task"])],
        ["algorithm", escaped(algorithms.ALGORITHMS[run["algorithm"]].label)],
        ["seed", escaped(run["seed"])],
        ["held out to score it", f"{float(split['test_size']):.0%} of the rows"],
        ["cross-validation folds", escaped(split.get("cv") or "none")],
        ["started", _when(run["started"])],
        ["duration", f"{run['duration_s']:.1f} s" if run["duration_s"] is not None else NONE],
        ["model file SHA-256", _code(run["model_sha256"])],
    ]
    params = [[escaped(k), _code(json.dumps(v))] for k, v in sorted(run["params"].items())]
    features = [[escaped(f["name"]), escaped(f.get("type", ""))] for f in run["features"]]
    excluded = [[escaped(e["name"]), escaped(e.get("reason", ""))] for e in run["excluded"]]
    libraries = [[escaped(k), escaped(v)] for k, v in sorted(run["library_versions"].items())]
    return (
        _table(["setting", "value"], settings, "")
        + "<h3>Algorithm settings</h3>"
        + _table(["setting", "value"], params, "The algorithm's defaults were used.")
        + "<h3>Columns it learned from</h3>"
        + _table(["column", "type"], features, "No columns are recorded.")
        + "<h3>Columns left out</h3>"
        + _table(["column", "why"], excluded, "No column was left out.")
        + "<h3>Library versions</h3>"
        + _table(["library", "version"], libraries, "No library versions are recorded.")
    )


def _metrics_section(run: dict[str, Any]) -> str:
    rows = [
        [
            escaped(measure_title(name)),
            escaped(measure_text(name, float(value))),
            escaped(interval_text({"interval": run["intervals"]}, name) or NONE),
        ]
        for name, value in run["metrics"].items()
        if value is not None
    ]
    return (
        "<p>Measured on the held-out rows, which the model did not learn from. The 95 % interval "
        "is where the measure would fall for 95 of 100 samples of rows like these.</p>"
        + _table(["measure", "value", "95 % interval"], rows, "No metrics are recorded.")
    )


def _nodes(graph: Graph, kind: str) -> list[dict[str, Any]]:
    return [{"label": n.label, **n.details} for n in graph.nodes.values() if n.kind == kind]


def _serving_section(graph: Graph) -> str:
    rows = [
        [
            escaped(f"{d['host']}:{d['port']}"),
            _when(d["started"]),
            _when(d["stopped"]) if d["stopped"] else "still serving",
            f"{d['rows_logged']:,}",
        ]
        for d in _nodes(graph, lineage.DEPLOYMENT)
    ]
    return _table(
        ["address", "started", "stopped", "rows logged"],
        rows,
        "This version has not been served by the app.",
    )


def _monitoring_section(graph: Graph) -> str:
    rows = [
        [
            escaped(w["window"]),
            badge(STATUS_WORDS.get(w["status"], w["status"]), STATUS_COLOURS.get(w["status"], "#555555")),
            f"{w['rows']:,}",
            _when(w["computed"]),
        ]
        for w in _nodes(graph, lineage.WINDOW)
    ]  # fmt: skip
    return _table(
        ["window", "verdict", "rows checked", "checked at"],
        rows,
        "No monitoring window of this version has been checked.",
    )


def _retraining_section(workspace: Workspace, ref: str, graph: Graph) -> str:
    """Each retraining of this version: the challenger, what it was compared with, the verdict,
    and the version registered from it, if any."""
    registered = {
        edge.source.partition(":")[2]: graph.nodes[edge.target].details["ref"]
        for edge in graph.edges
        if edge.kind == lineage.REGISTERED and graph.nodes[edge.source].kind == lineage.CHALLENGER
    }
    with workspace.store.read() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == RETRAIN_ACTION, AuditEvent.entity == f"model:{ref}")
            .order_by(AuditEvent.id)
        ).all()
    rows = []
    for event in events:
        details = event.details
        metric = str(details.get("metric", ""))
        scores = [details.get("current_score"), details.get("challenger_score")]
        current, challenger = (
            escaped(measure_text(metric, float(s))) if s is not None else NONE for s in scores
        )
        rows.append(
            [
                _when(event.created_at.isoformat()),
                escaped(event.user),
                _code(str(details.get("challenger", ""))[:8]),
                escaped(details.get("dataset", "")),
                escaped(details.get("compared", "")),
                f"{escaped(measure_title(metric))}: {challenger} against {current}",
                "better" if details.get("better") else "not better",
                escaped(registered.get(str(details.get("challenger")), "not registered")),
            ]
        )
    return _table(
        ["when", "who", "challenger run", "trained on", "compared with", "main measure",
         "verdict", "registered as"],
        rows,
        "This version has not been retrained.",
    )  # fmt: skip


def _audit_section(workspace: Workspace, graph: Graph) -> str:
    """Every audit event whose object is this model, one of the records of its lineage (its
    versions, runs, dataset versions and their datasets) or one of its serving sessions."""
    objects: set[str] = set()
    for node in graph.nodes.values():
        ref = str(node.details.get("ref", ""))
        if node.kind == lineage.MODEL:
            objects |= {f"model:{ref}", f"model:{ref.rpartition('@')[0]}"}
        elif node.kind in (lineage.RUN, lineage.CHALLENGER):
            objects.add(f"run:{ref}")
        elif node.kind == lineage.DATASET:
            objects |= {f"dataset:{ref}", f"dataset:{ref.rpartition('@')[0]}"}
        elif node.kind == lineage.DEPLOYMENT:
            objects.add(node.id)
    with workspace.store.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity.in_(sorted(objects))).order_by(AuditEvent.id)
        ).all()
    rows = [
        [
            _when(event.created_at.isoformat()),
            escaped(event.user),
            escaped(event.action),
            escaped(event.entity),
            escaped(", ".join(f"{k}: {_detail(v)}" for k, v in event.details.items()) or NONE),
        ]
        for event in events
    ]
    return _table(["when", "who", "action", "object", "details"], rows, "No audit events.")
