"""Render every pane and dialog to PNG, offscreen, on a throwaway workspace with the sample data.

python -m mlops_desktop.tools.screenshots OUT_DIR
"""

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 800)
SETTLE_PAUSE_S = 0.02  # longer than the pane's deferred chart drawing, over a few rounds


def _settle(rounds: int = 5) -> None:
    """Let the window finish what it has scheduled (layouts, deferred charts) before a grab."""
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()
        time.sleep(SETTLE_PAUSE_S)
    QApplication.processEvents()


def render(out_dir: Path) -> list[Path]:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings, samples_dir, setup_logging
    from mlops_desktop.core import datasets, registry, training
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import PANES, MainWindow
    from mlops_desktop.ui.state import AppState

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
        state = AppState(workspace, settings)
        window = MainWindow(settings)
        window.attach(state)
        window.resize(*SIZE)
        window.show()
        _settle()

        def grab(name: str, widget: object = window) -> None:
            _settle()
            path = out_dir / f"{name}.png"
            widget.grab().save(str(path))  # type: ignore[attr-defined]
            written.append(path)

        for number, pane in enumerate(PANES, start=1):
            window.show_pane(pane)
            grab(f"{number}-{pane.lower()}")
        window.show_pane("Datasets")
        for index, tab in enumerate(["profile", "data", "versions"]):
            window.datasets_pane.tabs.setCurrentIndex(index)
            grab(f"2-datasets-{tab}")
        window.datasets_pane.tabs.setCurrentIndex(0)

        sample = samples_dir() / "iris.csv"
        dialog = window.open_import_dialog(sample)
        dialog.resize(900, 640)
        while dialog.preview is None:
            _settle(1)
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
        compare = pane.compare_selected()
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
            registry.register(
                workspace, run["run_id"], "Wine cultivar", "Tells the three cultivars apart"
            )
        registry.set_stage(workspace, "Wine cultivar", 1, "production", "approved after review")
        registry.set_stage(workspace, "Wine cultivar", 2, "staging", "candidate with fewer errors")
        state.models_changed.emit()
        window.show_pane("Models")
        models = window.models_pane
        models.view.selectRow(1)  # version 1, in production
        grab("4-models-card")
        panel = models.serve_panel
        models.tabs.setCurrentWidget(panel)
        with socket.socket() as probe:  # a free port, so a running app elsewhere is no problem
            probe.bind(("127.0.0.1", 0))
            panel.port.setValue(probe.getsockname()[1])
        panel.start()
        while not panel.url and panel.process is not None:
            _settle(1)
            time.sleep(0.05)
        try_task = panel.try_it()
        while try_task is not None and not panel.try_result.text().startswith("<b>"):
            _settle(1)
            time.sleep(0.05)
        deadline = time.monotonic() + 10
        while panel.recent.rowCount() == 0 and time.monotonic() < deadline:
            _settle(1)
            time.sleep(0.05)
        grab("4-models-serving")
        panel.stop(wait=True)
        _settle()
        models.tabs.setCurrentIndex(0)
        training_dialog = window.experiments_pane.open_training_dialog("breast cancer")
        assert training_dialog is not None
        while training_dialog.plan is None:
            _settle(1)
        grab("9-training-dialog", training_dialog)
        training_dialog.reject()

        empty_home = Path(scratch) / "empty"
        window.open_workspace(empty_home)
        while state.home != empty_home.resolve():
            _settle(1)
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
    args = parser.parse_args()
    for path in render(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
