"""Every step of the guided tour as PNG: the tour walked by clicking the real widgets, offscreen, on
a workspace holding only the four sample datasets (as a newcomer's default one does).

python -m mlops_desktop.tools.screenshots OUT_DIR --tour
"""

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.tools.offscreen import free_port, grabber, settle, show_window, wait, wait_for

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractItemView

    from mlops_desktop.ui.main_window import MainWindow
    from mlops_desktop.ui.tour import Tour


def _click(widget: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _click_cell(view: "QAbstractItemView", row: int, column: int = 0) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    rect = view.visualRect(view.model().index(row, column))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _walk(window: "MainWindow", tour: "Tour", grab: Callable[..., None]) -> None:
    """Grab each step as the user first sees it, then do what it asks."""
    from PySide6.QtCore import QItemSelectionModel, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    from mlops_desktop.ui.dialogs.model_dialogs import RegisterDialog
    from mlops_desktop.ui.main_window import PANES

    def step(name: str, action: Callable[[], object]) -> None:
        grab(f"tour-{tour.index + 1:02d}-{name}")
        wait_for(tour.advanced, action)

    def open_pane(pane: str) -> None:
        """A step on another pane first points at it in the sidebar; the user opens it."""
        grab(f"tour-{tour.index + 1:02d}-open-{pane.lower()}")
        rect = window.sidebar.visualItemRect(window.sidebar.item(PANES.index(pane)))
        QTest.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    open_pane("Datasets")
    datasets = window.datasets_pane
    names = [record["name"] for record in datasets.list_model.records]
    step("dataset", lambda: _click_cell(datasets.list_view, names.index("iris")))
    step("profile", lambda: _click_cell(datasets.profile_view, 2))

    open_pane("Experiments")
    experiments = window.experiments_pane
    wait(lambda: experiments.listing is None)  # the runs are read on a worker thread

    def train() -> None:
        _click(window.findChild(QWidget, "emptyNewTrainingButton"))
        dialog = experiments.dialog
        assert dialog is not None
        wait(lambda: dialog.plan is not None)
        dialog.try_all.setChecked(False)
        for algorithm, box in dialog.algorithm_boxes.items():
            box.setChecked(algorithm in ("decision_tree", "naive_bayes"))
        grab(f"tour-{tour.index + 1:02d}-train-dialog", dialog)
        dialog.train_button.click()

    step("train", train)
    wait(lambda: experiments.listing is None)  # the new runs are read

    def compare() -> None:
        experiments.view.selectRow(0)
        experiments.view.selectionModel().select(
            experiments.model.index(1, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
        _click(experiments.compare_button)

    step("compare", compare)
    if experiments.comparing is not None:
        wait_for(experiments.comparing.finished)
    if experiments.compare_dialog is not None:
        experiments.compare_dialog.close()
    settle()

    def register() -> None:
        experiments.view.selectRow(0)
        _click(experiments.register_button)
        dialog = experiments.findChild(RegisterDialog)
        assert dialog is not None
        dialog.name.setCurrentText("Iris species")
        dialog.accept_button.click()

    step("register", register)

    open_pane("Models")
    models = window.models_pane

    def approve() -> None:
        _click(models.stage_button)
        dialog = models.stage_dialog
        dialog.stage.setCurrentIndex(dialog.stage.findData("production"))
        dialog.note.setPlainText("Checked on the held-out rows")
        dialog.accept_button.click()

    step("stage", approve)
    models.serve_panel.port.setValue(free_port())
    step("serve", lambda: _click(models.serve_production_button))
    panel = models.serve_panel
    step("try-it", lambda: _click(panel.try_button))
    wait(lambda: "Prediction" in panel.try_result.text(), seconds=30)
    open_pane("Monitoring")
    monitoring = window.monitoring_pane
    step("check-now", lambda: _click(monitoring.check_button))
    step("retrain", lambda: _click(monitoring.retrain_button))
    if monitoring.retrain_dialog is not None:
        monitoring.retrain_dialog.close()
    grab("tour-11-finished")
    _click(tour.overlay.bubble.close_button)
    panel.stop(wait=True)


def render_tour(out_dir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings, samples_dir, setup_logging
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui import tour as tours

    out_dir.mkdir(parents=True, exist_ok=True)
    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while rendering
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(Path(scratch) / "settings.json")
        window = show_window(Workspace(Path(scratch) / "empty"), settings)
        state = window.state
        grab = grabber(window, out_dir, written)

        offer = window.offer_tour()
        assert offer is not None
        grab("tour-00-offer", offer)
        offer.reject()

        # The own-data tour on an empty workspace: its first step, then the import it asks for.
        own = tours.start(window, tours.OWN_DATA)
        window.show_pane("Datasets")
        grab("tour-own-01-import")
        dialog = window.open_import_dialog(samples_dir() / "wine.csv")
        wait(lambda: dialog.preview is not None)
        wait_for(own.advanced, dialog.import_button.click)
        grab("tour-own-02-profile")
        own.close()

        home = Path(scratch) / "workspace"
        window.open_workspace(home)
        wait(lambda: state.home == home.resolve())
        setup_logging(home)
        datasets.import_samples(state.workspace, samples_dir())
        state.datasets_changed.emit("")
        _walk(window, tours.start(window, tours.SAMPLE), grab)
        tours.start(window, tours.SAMPLE, 4, "iris").close()  # left at step 5
        choice = window.choose_tour()
        grab("tour-00-resume", choice)
        choice.reject()
        window.close()
        state.workspace.close()
    return written
