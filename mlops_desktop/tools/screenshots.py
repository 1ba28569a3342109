"""Render every pane and dialog to PNG, offscreen, on a throwaway workspace with the sample data.

python -m mlops_desktop.tools.screenshots OUT_DIR
python -m mlops_desktop.tools.screenshots OUT_DIR --tour   (every step of the guided tour)
"""

import argparse
import contextlib
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import MainWindow

from mlops_desktop.tools.offscreen import (
    SIZE,
    free_port,
    grabber,
    settle,
    show_window,
    wait,
    wait_for,
)


def _applicants(
    rows: int, seed: int, shift: float = 0.0, new_region: bool = False
) -> "pd.DataFrame":
    """Loan applicants for the Monitoring screens: income moved by ``shift`` standard deviations,
    and with ``new_region`` a region the model never saw."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = rng.normal(52_000 + 9_000 * shift, 9_000, rows).round(-2)
    regions = ["north", "south", "east", "west"] + (["harbour"] if new_region else [])
    region = rng.choice(regions, rows)
    owns_home = rng.random(rows) < 0.45
    age = rng.integers(21, 70, rows)
    score = (income - 52_000) / 9_000 + 0.7 * owns_home - 0.5 * (region == "east")
    repaid = score + rng.normal(0, 0.8, rows) > -0.2
    return pd.DataFrame(
        {
            "income": income,
            "age": age,
            "region": region,
            "owns_home": np.where(owns_home, "yes", "no"),
            "repaid": np.where(repaid, "yes", "no"),
        }
    )


def _send(url: str, frame: "pd.DataFrame", batch: int = 50) -> None:
    """Real prediction requests to the running server, ``batch`` rows at a time."""
    rows = frame.drop(columns=["repaid"]).to_dict("records")
    for start in range(0, len(rows), batch):
        body = json.dumps({"dataframe_records": rows[start : start + batch]}).encode()
        request = urllib.request.Request(
            f"{url}/invocations", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def _log_earlier_days(
    workspace: "Workspace", ref: str, days: list[tuple[datetime, "pd.DataFrame"]]
) -> list[list[str]]:
    """An earlier week of serving ``ref``, written straight into the store as a stopped
    deployment and its prediction log (oldest first, as a server logs), so that the trends
    have days to show; returns each day's request ids."""
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import scoring
    from mlops_desktop.core.store.models import Deployment, PredictionLog

    record, pipeline = model_registry.load(workspace, ref)
    ids: list[list[str]] = []
    with workspace.store.write() as session:
        version = model_registry.resolve(session, ref)[1]
        deployment = Deployment(
            model_version_id=version.id,
            host="127.0.0.1",
            port=8765,
            started_at=days[0][0],
            stopped_at=days[-1][0] + timedelta(hours=23),
        )
        session.add(deployment)
        session.flush()
        for day, frame in days:
            rows = frame.drop(columns=["repaid"])
            predicted, probabilities = scoring.predict(
                pipeline, record["task"], scoring.prepare(rows, record["inputs"])
            )
            day_ids = [f"{day:%m%d}-{i:04d}" for i in range(len(rows))]
            ids.append(day_ids)
            for i, inputs in enumerate(rows.to_dict("records")):
                session.add(
                    PredictionLog(
                        deployment_id=deployment.id,
                        request_id=day_ids[i],
                        created_at=day + timedelta(seconds=60 + i * 80_000 / len(rows)),
                        inputs=inputs,
                        prediction=predicted[i],
                        probabilities=dict(zip(record["classes"], probabilities[i], strict=True))
                        if probabilities
                        else None,
                        latency_ms=4.0,
                    )
                )
    return ids


def _messy_applicants(rows: int, seed: int) -> "pd.DataFrame":
    """Loan applications as they arrive from a web form: gaps, dates as text, a rare region,
    repeated submissions."""
    import numpy as np
    import pandas as pd

    frame = _applicants(rows, seed)
    rng = np.random.default_rng(seed)
    income = frame["income"].astype(float)
    income[rng.random(rows) < 0.08] = np.nan
    applied = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 300 * 24, rows), "h")
    frame = frame.assign(
        income=income,
        debt=rng.gamma(2, 4_000, rows).round(-1),
        applied=applied.strftime("%Y-%m-%d %H:%M"),
        region=np.where(rng.random(rows) < 0.01, "harbour", frame["region"]),
    )
    return pd.concat([frame, frame.sample(40, random_state=seed)], ignore_index=True)


def _preparation_screens(
    window: "MainWindow", workspace: "Workspace", scratch: Path, grab: Callable[..., None]
) -> None:
    """The recipe editor on a messy file, a row step and column steps selected; the new version
    in the Versions tab; the card of a model trained on it."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry

    source = scratch / "loan applications.csv"
    _messy_applicants(1200, seed=5).to_csv(source, index=False)
    datasets.import_file(workspace, source, "loan applications")
    window.state.datasets_changed.emit("loan applications")
    window.show_pane("Datasets")
    dialog = window.datasets_pane.prepare_current()
    assert dialog is not None
    dialog.set_steps(
        [
            {"op": "drop_duplicates"},
            {"op": "fill_missing", "column": "income", "strategy": "median"},
            {"op": "ratio", "numerator": "debt", "denominator": "income", "to": "debt_to_income"},
            {"op": "date_parts", "column": "applied", "parts": ["month", "dayofweek", "hour"]},
            {"op": "group_rare", "column": "region", "min_share": 0.02},
            {"op": "bin", "column": "age", "bins": 4},
            {"op": "drop_columns", "columns": ["applied"]},
        ]
    )
    dialog.list.setCurrentRow(0)
    grab("12-recipe-editor-rows", dialog)
    dialog.list.setCurrentRow(1)
    grab("12-recipe-editor", dialog)
    dialog.list.setCurrentRow(3)
    grab("12-recipe-editor-dates", dialog)
    wait_for(window.state.datasets_changed, dialog.apply)
    window.datasets_pane.tabs.setCurrentIndex(2)
    grab("12-datasets-prepared-versions")
    window.datasets_pane.tabs.setCurrentIndex(0)

    # A model trained on the prepared version takes the raw columns and applies the steps.
    run = training.train(
        workspace,
        training.Recipe(
            dataset="loan applications prepared",
            target="repaid",
            algorithm="logistic_regression",
            experiment="Loans",
        ),
    )[0]
    model_registry.register(workspace, run["run_id"], "Loan approval (prepared)", "From web forms")
    window.state.models_changed.emit()
    window.show_pane("Models")
    window.models_pane.refresh("Loan approval (prepared)@1")
    grab("12-models-card-prepared")


def _validation_screens(
    window: "MainWindow", workspace: "Workspace", scratch: Path, grab: Callable[..., None]
) -> None:
    """A dataset whose second file breaks some of the rules proposed from its first (incomes
    above the range, a new region, ages out of range, missing incomes): that version's Checks
    tab, the Versions tab with its Checks column, and the rules editor."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.ui.panes.datasets import TAB_CHECKS, TAB_PROFILE, TAB_VERSIONS

    source = scratch / "branch applications.csv"
    _applicants(800, seed=40).to_csv(source, index=False)
    datasets.import_file(workspace, source, "branch applications")
    later = _applicants(600, seed=41, shift=1.5, new_region=True)
    later.loc[[3, 17, 45], "age"] = [17, 16, 104]
    later.loc[[8, 60], "income"] = None
    later.to_csv(source, index=False)
    datasets.import_file(workspace, source, "branch applications")
    window.state.datasets_changed.emit("branch applications")
    window.show_pane("Datasets")
    pane = window.datasets_pane
    pane.tabs.setCurrentIndex(TAB_CHECKS)
    grab("13-datasets-checks")
    pane.tabs.setCurrentIndex(TAB_VERSIONS)
    grab("13-datasets-versions-checks")
    dialog = pane.edit_rules()
    assert dialog is not None
    income_range = next(
        row
        for row, rule in enumerate(dialog.model.rules)
        if (rule["column"], rule["rule"]) == ("income", "range")
    )
    dialog.view.selectRow(income_range)
    grab("13-rules-editor", dialog)
    dialog.reject()
    pane.tabs.setCurrentIndex(TAB_PROFILE)


def _monitoring_screens(
    window: "MainWindow",
    workspace: "Workspace",
    scratch: Path,
    grab: Callable[..., None],
) -> None:
    """Serve a loan model with the real server, send it ordinary and then shifted applicants,
    add a few earlier days and their true outcomes, and show the Monitoring pane."""
    import pandas as pd
    from PySide6.QtWidgets import QMessageBox

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry

    state = window.state
    source = scratch / "loan applicants.csv"
    _applicants(3000, seed=1).to_csv(source, index=False)
    datasets.import_file(workspace, source, "loan applicants")
    run = training.train(
        workspace,
        training.Recipe(
            dataset="loan applicants",
            target="repaid",
            algorithm="logistic_regression",
            experiment="Loans",
        ),
    )[0]
    model_registry.register(workspace, run["run_id"], "Loan approval", "Who is likely to repay")
    model_registry.set_stage(workspace, "Loan approval", 1, "production", "approved for the pilot")
    state.datasets_changed.emit("")
    state.models_changed.emit()

    # Last week: ordinary applicants, then incomes creeping up and fewer repaying.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    week = [(6, 420, 0.0), (5, 380, 0.0), (4, 450, 0.1), (3, 60, 0.0), (2, 400, 0.4), (1, 400, 0.7)]
    frames = [_applicants(rows, seed=30 + ago, shift=shift) for ago, rows, shift in week]
    days = [
        (today - timedelta(days=ago), frame)
        for (ago, _, _), frame in zip(week, frames, strict=True)
    ]
    ids = _log_earlier_days(workspace, "Loan approval@1", days)
    outcomes = []
    for (ago, _, _), frame, day_ids in zip(week, frames, ids, strict=True):
        truth = frame["repaid"].copy()
        if ago <= 2:  # times got harder: more did not repay than the model expected
            truth.iloc[:: 3 if ago == 1 else 6] = "no"
        outcomes.append(pd.DataFrame({"request_id": day_ids, "repaid": truth}))
    labels_file = scratch / "loan outcomes.csv"
    pd.concat(outcomes).to_csv(labels_file, index=False)
    # This week's applicants with what became of them, imported as the training file's next
    # version (only new rows, so the version in service learned from none of them): the newer
    # data the Retrain dialog trains a challenger on.
    newer = scratch / "newer" / source.name
    newer.parent.mkdir()
    week_rows = [
        frame.assign(repaid=outcome["repaid"].to_numpy())
        for frame, outcome in zip(frames, outcomes, strict=True)
    ]
    pd.concat(week_rows).to_csv(newer, index=False)

    # Today: the real server, sent ordinary applicants first, then richer ones from a new region.
    window.show_pane("Models")
    models = window.models_pane
    names = [record["name"] for record in models.model.records]
    models.view.selectRow(names.index("Loan approval"))
    panel = models.serve_panel
    panel.port.setValue(free_port())
    panel.start()
    wait(lambda: bool(panel.url) or panel.process is None)
    _send(panel.local_url, _applicants(300, seed=20))
    _send(panel.local_url, _applicants(500, seed=21, shift=1.0, new_region=True))
    # A few applicants younger or older than any in the training data: they break its rules.
    _send(panel.local_url, _applicants(8, seed=22).assign(age=[18, 19, 18, 20, 75, 80, 78, 91]))
    # Someone tries the form, and a client sends a row with no region: refused, logged as such.
    # Neither counts as traffic in the Monitoring pane.
    tried = panel.try_it()
    if tried is not None:
        wait_for(tried.finished)
    gap = _applicants(1, seed=23).assign(region=None)
    with contextlib.suppress(urllib.error.HTTPError):
        _send(panel.local_url, gap)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        r["source"] == "refused" for r in panel.recent.records
    ):
        settle(1)
        time.sleep(0.05)
    models.tabs.setCurrentWidget(panel)
    grab("11-serving-traffic")
    panel.stop(wait=True)
    settle()

    state.monitoring_changed.emit()
    window.show_pane("Monitoring")
    pane = window.monitoring_pane
    pane.select("Loan approval@1")
    dialog = pane.open_labels_dialog(labels_file)
    assert dialog is not None
    wait(lambda: dialog.import_button.isEnabled())
    grab("11-monitoring-labels-dialog", dialog)
    importing = dialog.start_import()
    assert importing is not None
    wait_for(importing.finished)  # failed or not: a failure shows its message box
    checking = pane.checking  # the labelled days are checked again
    if checking is not None:
        wait_for(checking.finished)
    for box in pane.findChildren(QMessageBox):
        grab("11-monitoring-labels-imported", box)
        box.close()
    settle()

    pane.tabs.setCurrentIndex(0)
    today_key = next(key for key, _report in pane.windows if key.startswith("day:"))
    pane.window_shown.setCurrentIndex(pane.window_shown.findData(today_key))  # the newest day
    grab("11-monitoring-report")
    rows = [pane.table_model.record(r)["_label"] for r in range(pane.table_model.rowCount())]
    pane.table.selectRow(rows.index("region"))
    grab("11-monitoring-column")
    pane.tabs.setCurrentIndex(1)
    grab("11-monitoring-trends")
    holder = pane.trends.widget()
    grab("11-monitoring-trends-all", holder)
    pane.tabs.setCurrentIndex(0)
    thresholds = pane.open_thresholds_dialog()
    grab("11-monitoring-thresholds", thresholds)
    thresholds.reject()
    pane.window_mode.setCurrentIndex(
        pane.window_mode.findData("week")
    )  # the week to the newest day
    week = pane.check_now()
    assert week is not None
    wait_for(week.finished)
    grab("11-monitoring-week")
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("day"))

    # Retrain on the newer version of the training data, as an analyst would.
    datasets.import_file(workspace, newer, "loan applicants")
    state.datasets_changed.emit("loan applicants")
    pane.retrain_button.click()
    retrain = pane.retrain_dialog
    assert retrain is not None
    retrain.with_dataset.setChecked(True)
    retrain.dataset.setCurrentText("loan applicants@2")
    retrain.train_button.click()  # Train challenger
    assert retrain.task is not None
    wait_for(retrain.task.finished)
    if retrain.result is not None and retrain.result["better"]:
        retrain.note.setPlainText("Better on this week's applicants")
    grab("11-monitoring-retrain", retrain)
    retrain.reject()


def _html_png(page: str, path: Path, width: int = 1000) -> Path:
    """A web page as Qt's rich text draws it (enough to look at a report's layout and words)."""
    from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument

    document = QTextDocument()
    document.setHtml(page)
    document.setTextWidth(width)
    size = document.size()
    image = QImage(int(size.width()), int(size.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    image.save(str(path))
    return path


def _governance_screens(
    window: "MainWindow", out_dir: Path, grab: Callable[..., None]
) -> list[Path]:
    """The lineage of the loan model (served, monitored, retrained) and its compliance report."""
    from mlops_desktop.core.governance import compliance

    ref = "Loan approval@1"
    window.show_pane("Models")
    models = window.models_pane
    models.refresh(select=ref)
    grab("14-models-governance-buttons")
    dialog = models.show_lineage()
    assert dialog is not None
    wait_for(dialog.shown)
    dialog.resize(*SIZE)
    grab("14-lineage", dialog)
    assert dialog.canvas is not None
    grab("14-lineage-whole", dialog.canvas)
    dialog.close()
    page = compliance.report_html(window.state.workspace, ref)
    return [_html_png(page, out_dir / "14-compliance-report.png")]


def render(out_dir: Path) -> list[Path]:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings, samples_dir, setup_logging
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import PANES

    out_dir.mkdir(parents=True, exist_ok=True)
    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while rendering
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "workspace"
        workspace = Workspace(home)
        setup_logging(home)
        datasets.import_samples(workspace, samples_dir())
        training.train(
            workspace, training.Recipe(dataset="wine", target="cultivar", algorithm="auto", cv=3)
        )
        training.train(
            workspace,
            training.Recipe(
                dataset="diabetes",
                target="disease_progression",
                algorithm="random_forest",
                experiment="Diabetes",
            ),
        )
        settings = Settings(Path(scratch) / "settings.json")
        window = show_window(workspace, settings)
        state = window.state
        grab = grabber(window, out_dir, written)

        for number, pane in enumerate(PANES, start=1):
            window.show_pane(pane)
            grab(f"{number}-{pane.lower()}")
        window.show_pane("Datasets")
        for index, tab in enumerate(["profile", "data", "versions", "checks"]):
            window.datasets_pane.tabs.setCurrentIndex(index)
            grab(f"2-datasets-{tab}")
        window.datasets_pane.tabs.setCurrentIndex(0)

        sample = samples_dir() / "iris.csv"
        dialog = window.open_import_dialog(sample)
        dialog.resize(900, 640)
        while dialog.preview is None:
            settle(1)
        grab("6-import-dialog", dialog)
        dialog.reject()

        window.show_pane("Experiments")
        window.experiments_pane.filter.clear()
        grab("3-experiments-runs")
        window.experiments_pane.view.selectRow(1)  # a classification run
        for chart in ("Confusion matrix", "ROC curve", "Column importance"):
            window.experiments_pane.chart_choice.setCurrentText(chart)
            grab(f"3-experiments-{chart.split()[0].lower()}")
        pane = window.experiments_pane
        pane.view.clearSelection()
        for row, run in enumerate(pane.model.records):
            if run["task"] == "classification":
                pane.view.selectionModel().select(
                    pane.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        wait_for(pane.compare_selected().finished)
        compare = pane.compare_dialog
        assert compare is not None
        grab("10-compare-table", compare)
        compare.chart_choice.setCurrentIndex(1)  # the first class's ROC curves
        grab("10-compare-roc", compare)
        compare.chart_choice.setCurrentIndex(0)
        compare.only_differences.setChecked(True)
        grab("10-compare-metrics", compare)
        compare.close()
        wine_runs = [r for r in pane.model.records if r["dataset"] == "wine@1"]
        for run in wine_runs[:2]:
            model_registry.register(
                workspace, run["run_id"], "Wine cultivar", "Tells the three cultivars apart"
            )
        model_registry.set_stage(
            workspace, "Wine cultivar", 1, "production", "approved after review"
        )
        model_registry.set_stage(
            workspace, "Wine cultivar", 2, "staging", "candidate with fewer errors"
        )
        state.models_changed.emit()
        window.show_pane("Models")
        models = window.models_pane
        models.view.selectRow(1)  # version 1, in production
        grab("4-models-card")
        panel = models.serve_panel
        models.tabs.setCurrentWidget(panel)
        panel.port.setValue(free_port())
        panel.start()
        wait(lambda: bool(panel.url) or panel.process is None)
        try_task = panel.try_it()
        while try_task is not None and not panel.try_result.text().startswith("<b>"):
            settle(1)
            time.sleep(0.05)
        deadline = time.monotonic() + 10
        while panel.recent.rowCount() == 0 and time.monotonic() < deadline:
            settle(1)
            time.sleep(0.05)
        grab("4-models-serving")
        panel.stop(wait=True)
        settle()
        models.tabs.setCurrentIndex(0)
        training_dialog = window.experiments_pane.open_training_dialog("breast cancer")
        assert training_dialog is not None
        while training_dialog.plan is None:
            settle(1)
        grab("9-training-dialog", training_dialog)
        training_dialog.reject()
        _monitoring_screens(window, workspace, Path(scratch), grab)
        _preparation_screens(window, workspace, Path(scratch), grab)
        _validation_screens(window, workspace, Path(scratch), grab)
        written += _governance_screens(window, out_dir, grab)
        window.show_pane("Home")
        grab("1-home-monitoring")

        empty_home = Path(scratch) / "empty"
        window.open_workspace(empty_home)
        while state.home != empty_home.resolve():
            settle(1)
        window.show_pane("Datasets")
        grab("7-datasets-empty")
        window.show_pane("Home")
        grab("8-home-empty")
        window.close()
        state.workspace.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--tour", action="store_true", help="render every step of the guided tour instead"
    )
    args = parser.parse_args()
    if args.tour:
        from mlops_desktop.tools.tour_screens import render_tour

        written = render_tour(args.out_dir)
    else:
        written = render(args.out_dir)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
