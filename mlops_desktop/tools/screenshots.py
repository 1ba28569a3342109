"""Render every pane and dialog to PNG, offscreen, on a throwaway copy of the demo workspace
(``core.demo``: the same story a class opens), then on an empty workspace for the empty states.

python -m mlops_desktop.tools.screenshots OUT_DIR
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.tools.offscreen import (
    SIZE,
    free_port,
    grabber,
    settle,
    show_window,
    wait,
    wait_for,
)

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.dialogs.training_dialog import TrainingDialog
    from mlops_desktop.ui.main_window import MainWindow

Grab = Callable[..., None]


def _send(url: str, frame: "pd.DataFrame", batch: int = 50) -> None:
    """Real prediction requests to the running server, ``batch`` rows at a time."""
    rows = frame.to_dict("records")
    for start in range(0, len(rows), batch):
        body = json.dumps({"dataframe_records": rows[start : start + batch]}).encode()
        request = urllib.request.Request(
            f"{url}/invocations", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def _show_version(window: "MainWindow", number: int) -> None:
    """Choose a version of the dataset shown, as a user does in its Version list."""
    combo = window.datasets_pane.version_combo
    combo.setCurrentIndex(combo.findData(number))
    combo.activated.emit(combo.currentIndex())


def _dataset_screens(window: "MainWindow", grab: Grab) -> None:
    """The demo's loan applications: every tab of version 2 (which fails its checks), the
    rules editor, the recipe editor on version 1 with the demo's recipe, and the prepared
    dataset's versions."""
    from mlops_desktop.core.demo import story
    from mlops_desktop.ui.panes.datasets import TAB_CHECKS, TAB_PROFILE, TAB_VERSIONS

    window.show_pane("Datasets")
    pane = window.datasets_pane
    pane.refresh(story.DATASET)
    _show_version(window, 2)
    for index, tab in enumerate(["profile", "data", "versions", "checks"]):
        pane.tabs.setCurrentIndex(index)
        grab(f"2-datasets-{tab}")
    pane.tabs.setCurrentIndex(TAB_CHECKS)
    grab("13-datasets-checks")
    pane.tabs.setCurrentIndex(TAB_VERSIONS)
    grab("13-datasets-versions-checks")
    rules = pane.checks.edit_rules()
    assert rules is not None
    age_range = next(
        row
        for row, rule in enumerate(rules.model.rules)
        if (rule["column"], rule["rule"]) == ("age", "range")
    )
    rules.view.selectRow(age_range)
    grab("13-rules-editor", rules)
    rules.reject()
    _show_version(window, 1)
    recipe = pane.prepare_current()
    assert recipe is not None
    recipe.set_steps(story.STEPS)
    recipe.list.setCurrentRow(0)
    grab("12-recipe-editor-rows", recipe)
    recipe.list.setCurrentRow(1)
    grab("12-recipe-editor", recipe)
    recipe.reject()
    pane.refresh(story.PREPARED)
    pane.tabs.setCurrentIndex(TAB_VERSIONS)
    grab("12-datasets-prepared-versions")
    pane.tabs.setCurrentIndex(TAB_PROFILE)


def _experiment_screens(window: "MainWindow", grab: Grab) -> None:
    """The runs, a run's charts, the comparison of the six runs, the training dialog."""
    from PySide6.QtCore import QItemSelectionModel

    from mlops_desktop.core.demo import story

    window.show_pane("Experiments")
    pane = window.experiments_pane
    wait(lambda: pane.listing is None)  # the runs are read on a worker thread
    pane.filter.clear()
    _run_chart_shown(pane)
    grab("3-experiments-runs")
    _predictions_screens(window, grab)
    pane.view.selectRow(0)
    for chart in ("Confusion matrix", "ROC curve", "Column importance"):
        pane.chart_choice.setCurrentText(chart)
        _run_chart_shown(pane)
        grab(f"3-experiments-{chart.split()[0].lower()}")
    pane.view.clearSelection()
    for row in range(len(pane.model.records)):
        pane.view.selectionModel().select(
            pane.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
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
    training_dialog = pane.open_training_dialog(story.PREPARED)
    assert training_dialog is not None
    while training_dialog.plan is None:
        settle(1)
    grab("9-training-dialog", training_dialog)
    training_dialog.reject()


def _model_screens(window: "MainWindow", grab: Grab) -> None:
    """The served version's card, then the real server started from the Serve tab, sent a few
    of the month's last applications, a try of the form and a row without its region."""
    from mlops_desktop.core import demo
    from mlops_desktop.core.demo import story, traffic
    from mlops_desktop.core.registry import bundles

    window.show_pane("Models")
    models = window.models_pane
    models.refresh(f"{story.MODEL}@2")
    grab("4-models-card")
    with tempfile.TemporaryDirectory() as scratch:  # the version moved as a bundle, and back
        bundle = Path(scratch) / "loan approval.mlbundle"
        bundles.export_bundle(window.state.workspace, f"{story.MODEL}@2", bundle, with_data=True)
        imported = bundles.import_bundle(window.state.workspace, bundle, f"{story.MODEL} (site B)")
    window.state.models_changed.emit()
    models.refresh(imported["ref"])
    grab("4-models-imported")
    models.refresh(f"{story.MODEL}@2")
    panel = models.serve_panel
    models.tabs.setCurrentWidget(panel)
    panel.port.setValue(free_port())
    panel.start()
    wait(lambda: bool(panel.url) or panel.process is None)
    applications = traffic.applications_of_day(demo.seed_of(window.state.home), traffic.DAYS)
    inputs = applications.drop(columns=["approved"]).astype(object)
    _send(panel.local_url, inputs.where(inputs.notna(), None).head(120))
    tried = panel.try_it()
    if tried is not None:
        wait_for(tried.finished)
    with contextlib.suppress(urllib.error.HTTPError):
        _send(panel.local_url, inputs.head(1).drop(columns=["region"]))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        r["source"] == "refused" for r in panel.recent.records
    ):
        settle(1)
        time.sleep(0.05)
    grab("4-models-serving")
    grab("11-serving-traffic")
    panel.stop(wait=True)
    settle()
    models.tabs.setCurrentIndex(0)


def _monitoring_screens(window: "MainWindow", grab: Grab) -> None:
    """The served version's month: the newest day's report, one column, the trends, the
    thresholds, the last week as one window, and Retrain on its labelled predictions."""
    from mlops_desktop.core.demo import story

    window.state.monitoring_changed.emit()
    window.show_pane("Monitoring")
    pane = window.monitoring_pane
    pane.select(f"{story.MODEL}@2")
    pane.tabs.setCurrentIndex(0)
    newest = next(key for key, _report in pane.windows if key.startswith("day:"))
    pane.window_shown.setCurrentIndex(pane.window_shown.findData(newest))
    grab("5-monitoring-report")
    grab("11-monitoring-report")
    rows = [
        pane.report_view.table_model.record(r)["_label"]
        for r in range(pane.report_view.table_model.rowCount())
    ]
    pane.report_view.table.selectRow(rows.index("region"))
    grab("11-monitoring-column")
    pane.tabs.setCurrentIndex(1)
    grab("11-monitoring-trends")
    grab("11-monitoring-trends-all", pane.trends.widget())
    pane.tabs.setCurrentIndex(0)
    thresholds = pane.open_thresholds_dialog()
    grab("11-monitoring-thresholds", thresholds)
    thresholds.reject()
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("week"))  # to the newest day
    week = pane.check_now()
    assert week is not None
    wait_for(week.finished)
    grab("11-monitoring-week")
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("day"))
    pane.retrain_button.click()
    retrain = pane.retrain_dialog
    assert retrain is not None
    retrain.train_button.click()  # Train challenger, on the labelled predictions
    assert retrain.task is not None
    wait_for(retrain.task.finished)
    grab("11-monitoring-retrain", retrain)
    retrain.reject()


def _audit_screens(window: "MainWindow", grab: Callable[..., None]) -> None:
    """The whole trail the screens above left, its chain checked; then one model's stage
    changes, found with the filters."""
    from mlops_desktop.core.demo import story

    window.show_pane("Audit")
    pane = window.audit_pane
    wait_for(pane.verify().finished)
    grab("14-audit")
    pane.action.setCurrentIndex(pane.action.findData("model.stage"))
    pane.object.setText(f"model:{story.MODEL}")
    pane.apply_filters()
    pane.view.selectRow(0)
    grab("14-audit-filtered")
    pane.clear_filters()


def _run_chart_shown(pane: Any) -> None:
    """Until the Experiments pane's chart of the selected run is shown (built on a thread)."""
    chart = pane.chart
    wait(lambda: not pane.chart_timer.isActive() and chart.drawing is None and chart.canvas)


def _predictions_screens(window: Any, grab: Callable[..., None]) -> None:
    """The runs table with its recommended run, that run's Predictions, and the rows behind a
    confusion matrix cell of the run with the most mistakes."""
    pane = window.experiments_pane
    if pane.recommending is not None:
        wait_for(pane.recommending.finished)
    records = pane.model.records
    recommended = next(r for r in records if r["run_id"] in pane.recommended)
    pane.select_run(recommended["run_id"])
    wait(lambda: pane.listing is None)  # selected once every run is read again
    _run_chart_shown(pane)
    grab("3-experiments-recommended")
    pane.run_tabs.setCurrentWidget(pane.predictions)
    if pane.predictions.task is not None:
        wait_for(pane.predictions.task.finished)
    grab("3-experiments-predictions")
    worst = min(
        (r for r in records if r["task"] == "classification" and r["status"] == "finished"),
        key=lambda r: r["metrics"]["accuracy"],
    )
    pane.select_run(worst["run_id"])
    pane.chart_choice.setCurrentText("Confusion matrix")
    _run_chart_shown(pane)
    if pane.predictions.task is not None:
        wait_for(pane.predictions.task.finished)
    evaluation = pane.selected["evaluation"]
    confusion, classes = evaluation["confusion"], evaluation["classes"]
    row, column = max(
        ((i, j) for i in range(len(classes)) for j in range(len(classes)) if i != j),
        key=lambda cell: confusion[cell[0]][cell[1]],
    )
    pane.predictions.show_cell(classes[row], classes[column])
    grab("3-experiments-predictions-cell")
    pane.run_tabs.setCurrentWidget(pane.details)


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


def _governance_screens(window: "MainWindow", out_dir: Path, grab: Grab) -> list[Path]:
    """The lineage of the demo's production model (served, monitored, retrained) and its
    compliance report."""
    from mlops_desktop.core.demo import story
    from mlops_desktop.core.governance import compliance

    ref = f"{story.MODEL}@2"
    window.show_pane("Models")
    models = window.models_pane
    models.refresh(select=ref)
    grab("15-models-governance-buttons")
    dialog = models.show_lineage()
    assert dialog is not None
    wait_for(dialog.shown)
    dialog.resize(*SIZE)
    grab("15-lineage", dialog)
    assert dialog.canvas is not None
    grab("15-lineage-whole", dialog.canvas)
    dialog.close()
    page = compliance.report_html(window.state.workspace, ref)
    return [_html_png(page, out_dir / "15-compliance-report.png")]


def _credit_file(rows: int, seed: int) -> "pd.DataFrame":
    """Shaped like the credit file of issue 15: the answer (Status, good / bad, 72 / 28) first,
    a number (Price) last, gaps in Income."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = rng.gamma(4, 35, rows).round(0)
    income[rng.random(rows) < 0.086] = np.nan
    amount = rng.gamma(5, 200, rows).round(-1)
    risk = 0.9 - 0.004 * np.nan_to_num(income, nan=140) + 0.0004 * amount
    return pd.DataFrame(
        {
            "Status": np.where(
                rng.random(rows) < 1 / (1 + np.exp(-risk * 2.2 + 0.6)), "good", "bad"
            ),
            "Seniority": rng.integers(0, 30, rows),
            "Home": rng.choice(["rent", "owner", "parents", "priv", "other"], rows),
            "Marital": rng.choice(["married", "single", "widow", "separated"], rows),
            "Job": rng.choice(["fixed", "partime", "freelance", "others"], rows),
            "Income": income,
            "Amount": amount,
            "Price": (amount * rng.uniform(1.1, 2.5, rows)).round(0),
        }
    )


def _planned_training_dialog(window: "MainWindow", dataset: str) -> "TrainingDialog":
    """The training dialog on ``dataset``, once it shows its plan."""
    dialog = window.experiments_pane.open_training_dialog(dataset)
    assert dialog is not None
    while dialog.plan is None:
        settle(1)
    return dialog


def _wait_for_warnings(window: "MainWindow") -> None:
    while window.datasets_pane.warnings_task is not None:
        settle(1)


def _honest_defaults_screens(
    window: "MainWindow", workspace: "Workspace", scratch: Path, grab: Callable[..., None]
) -> None:
    """Issue 15: a credit file whose last column is a number; its proposed target, warnings and
    Prepare… link in the Datasets pane; the training dialog's task sentence; the fill-missing
    column list and the preview of a fill."""
    from PySide6.QtWidgets import QComboBox

    from mlops_desktop.core.data import datasets

    source = scratch / "credit.csv"
    _credit_file(4454, seed=15).to_csv(source, index=False)
    datasets.import_file(workspace, source, "credit")
    window.state.datasets_changed.emit("credit")
    window.show_pane("Datasets")
    window.datasets_pane.tabs.setCurrentIndex(0)
    _wait_for_warnings(window)
    grab("13-datasets-roles-warnings")
    dialog = _planned_training_dialog(window, "credit")
    grab("13-training-dialog-target", dialog)
    dialog.reject()
    window.show_pane("Datasets")
    editor = window.datasets_pane.prepare_current()
    assert editor is not None
    step = editor.add_step("fill_missing")
    column = step.fields["column"]
    assert isinstance(column, QComboBox)
    column.showPopup()  # the list drops down in a window of its own: grab that
    grab("13-fill-missing-columns", column.view().window())
    column.hidePopup()
    step.reject()
    editor.set_steps([{"op": "fill_missing", "column": "Income", "strategy": "median"}])
    grab("13-recipe-editor-fill-preview", editor)
    editor.reject()


def render(out_dir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings, samples_dir, setup_logging
    from mlops_desktop.core.demo import building
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.help import show_help
    from mlops_desktop.ui.main_window import PANES

    out_dir.mkdir(parents=True, exist_ok=True)
    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while rendering
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "demo"
        building.create(home)
        workspace = Workspace(home)
        setup_logging(home)
        settings = Settings(Path(scratch) / "settings.json")
        window = show_window(workspace, settings)
        state = window.state
        grab = grabber(window, out_dir, written)

        for number, pane in enumerate(PANES, start=1):
            window.show_pane(pane)
            grab(f"{number}-{pane.lower()}")
        _dataset_screens(window, grab)
        _honest_defaults_screens(window, workspace, Path(scratch), grab)
        dialog = window.open_import_dialog(samples_dir() / "iris.csv")
        dialog.resize(900, 640)
        while dialog.preview is None:
            settle(1)
        grab("6-import-dialog", dialog)
        dialog.reject()
        _experiment_screens(window, grab)
        _model_screens(window, grab)
        _monitoring_screens(window, grab)
        _audit_screens(window, grab)
        written += _governance_screens(window, out_dir, grab)
        window.show_pane("Home")
        grab("1-home-monitoring")
        for section in ("monitoring", "glossary"):
            help_window = show_help(window, section)
            grab(f"14-help-{section}", help_window)
            help_window.close()

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
