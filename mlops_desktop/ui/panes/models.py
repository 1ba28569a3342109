"""The Models pane: registered models and their versions, stages with notes, model cards, batch
scoring, serving, and bundles to move a version to another computer."""

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.formatting import SCORE_DECIMALS
from mlops_desktop.core.governance import audit, compliance
from mlops_desktop.core.registry import bundles, model_registry
from mlops_desktop.core.registry.bundle_files import SUFFIX as BUNDLE_SUFFIX
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.vocabulary import measure_title
from mlops_desktop.ui.dialogs.lineage_dialog import LineageDialog
from mlops_desktop.ui.dialogs.model_dialogs import StageDialog
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.help import tip
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.panes.serving import ServePanel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

MODEL_COLUMNS = [
    Column("Model", lambda m: m["name"]),
    Column("Version", lambda m: m["version"], "Each registration adds the next version", True),
    Column(
        "Stage",
        lambda m: model_registry.STAGE_LABELS[m["stage"]],
        tip("stage"),
    ),
    Column("Algorithm", lambda m: algorithms.ALGORITHMS[m["algorithm"]].label),
    Column(
        "Main score",
        lambda m: training.main_metric(m["task"], m["metrics"]),
        "ROC AUC (or accuracy) for classes, R² for numbers, on held-out rows",
        True,
        decimals=SCORE_DECIMALS,
    ),
    Column(
        "Measured by",
        lambda m: measure_title(training.main_metric_name(m["task"], m["metrics"])),
        "Which measure the main score is: 1 is perfect for each of them",
    ),
    Column("Run", lambda m: m["run_id"][:8], "The training run this version came from"),
    Column("Dataset", lambda m: m["dataset"], "The exact dataset version it learned from"),
    Column("Registered", lambda m: m["created"][:16].replace("T", " ") + " UTC"),
]


class ModelsPane(QWidget):
    register_requested = Signal()  # the empty state's "go to Experiments"
    run_requested = Signal(str)  # a lineage link on the card: the run's id
    dataset_requested = Signal(str)  # … or the dataset version (NAME@VERSION)
    open_requested = Signal(str, str)  # a box of the lineage view: a pane and what to show in it

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.selected: dict[str, Any] | None = None
        self.scoring: Task | None = None
        self.reporting: Task | None = None
        self.lineage_dialog: LineageDialog | None = None
        self.moving: Task | None = None  # a bundle being exported or imported

        self.model = RecordsModel(MODEL_COLUMNS, self)
        self.view = QTableView()
        self.view.setObjectName("modelsTable")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._version_selected)

        self.stage_button = QPushButton("Change stage…")
        self.stage_button.setObjectName("stageButton")
        self.stage_button.setToolTip("Move this version to staging, production or the archive")
        self.stage_button.clicked.connect(self.change_stage)
        self.approve_button = QPushButton("Approve…")
        self.approve_button.setToolTip(
            "Approve the move to production another person asked for (four-eyes rule)"
        )
        self.approve_button.clicked.connect(self.approve)
        self.four_eyes_box = QCheckBox("Production needs a second person's approval")
        self.four_eyes_box.setObjectName("fourEyes")
        self.four_eyes_box.setToolTip(
            "Four-eyes rule for this model: a move to production asked for by one person is made "
            "only when another person approves it; both names are kept in its history"
        )
        self.four_eyes_box.toggled.connect(self._four_eyes_toggled)
        self.approval_line = QLabel()
        self.approval_line.setObjectName("approvalLine")
        self.approval_line.setWordWrap(True)
        self.approval_line.hide()
        self.purpose_button = QPushButton("Edit purpose…")
        self.purpose_button.setToolTip("Say what this model is for; it is shown on its card")
        self.purpose_button.clicked.connect(self.edit_purpose)
        self.export_button = QPushButton("Export card…")
        self.export_button.setToolTip("Save the model card as one HTML file to share")
        self.export_button.clicked.connect(self.export_card)
        self.lineage_button = QPushButton("Lineage…")
        self.lineage_button.setToolTip(
            "See where this version came from (file, data, recipe, run) and what happened to it "
            "since (stages, serving, monitoring, retraining)"
        )
        self.lineage_button.clicked.connect(self.show_lineage)
        self.report_button = QPushButton("Compliance report…")
        self.report_button.setToolTip(
            "Save one HTML page for a reviewer: card, lineage, data and its hashes, settings, "
            "stages, serving, monitoring and every audit event of this version"
        )
        self.report_button.clicked.connect(self.choose_report_file)
        self.score_button = QPushButton("Score a file…")
        self.score_button.setToolTip(
            "Predict every row of a CSV, Excel or Parquet file with this version; "
            "the result is a CSV with the predictions added"
        )
        self.score_button.clicked.connect(self.choose_file_to_score)
        self.serve_production_button = QPushButton("Serve production")
        self.serve_production_button.setObjectName("serveProductionButton")
        self.serve_production_button.setToolTip(
            "Serve the version of this model that is in production, with one click"
        )
        self.serve_production_button.clicked.connect(self.serve_production)
        self.bundle_button = QPushButton("Export bundle")
        self.bundle_button.setToolTip(
            "Save this version as one verified file, to move it to another computer "
            "(one without a network, say) and import it there"
        )
        bundle_menu = QMenu(self.bundle_button)
        self.bundle_action = bundle_menu.addAction("Model only…", lambda: self.export_bundle(False))
        self.bundle_with_data_action = bundle_menu.addAction(
            "Model and its held-out rows (for monitoring there)…",
            lambda: self.export_bundle(True),
        )
        self.bundle_button.setMenu(bundle_menu)
        self.import_bundle_button = QPushButton("Import bundle…")
        self.import_bundle_button.setToolTip(
            "Add a model from a bundle file exported on another computer; it is checked before "
            f"anything in it is used (you can also drop a {BUNDLE_SUFFIX} file on the window)"
        )
        self.import_bundle_button.clicked.connect(self.choose_bundle_to_import)
        self.task_panel = TaskPanel()
        # Two rows: the version's life (serve, stage, approve, describe, score), then its records
        # and moving it elsewhere (lineage, reports, cards, bundles).
        actions = QHBoxLayout()
        for button in (
            self.serve_production_button,
            self.stage_button,
            self.approve_button,
            self.purpose_button,
            self.score_button,
        ):
            actions.addWidget(button)
        actions.addWidget(self.task_panel, 1)
        actions.addStretch(0)
        records = QHBoxLayout()
        for button in (
            self.lineage_button,
            self.report_button,
            self.export_button,
            self.bundle_button,
            self.import_bundle_button,
        ):
            records.addWidget(button)
        records.addStretch(1)

        self.card = QTextBrowser()
        self.card.setObjectName("modelCard")
        self.card.setOpenLinks(False)
        self.card.anchorClicked.connect(self._follow_link)
        self.serve_panel = ServePanel(state)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.card, "Model card")
        self.tabs.addTab(self.serve_panel, "Serve")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.tabs)
        splitter.setSizes([220, 520])
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(actions)
        content_layout.addLayout(records)
        content_layout.addWidget(self.four_eyes_box)
        content_layout.addWidget(self.approval_line)
        content_layout.addWidget(splitter, 1)

        self.empty = EmptyState(
            "No registered models yet",
            "In Experiments, select your best run and press Register…: it becomes version 1 of "
            "a named model you can approve, serve and monitor here. A model exported on another "
            "computer comes in with Import bundle….",
            [
                ("Open Experiments", self.register_requested.emit),
                ("Import bundle…", self.choose_bundle_to_import),
            ],
        )
        self.stack = pane_layout(self, self.empty, content, "Models")

        state.models_changed.connect(self.refresh)
        state.workspace_changed.connect(self.refresh)
        state.serving_changed.connect(lambda _url: self._update_buttons())
        self.refresh()

    def refresh(self, select: str = "") -> None:
        """Reload the list, selecting ``select`` (NAME@VERSION) or keeping the selection."""
        keep = select or (self.selected["ref"] if self.selected else "")
        listed = model_registry.list_models(self.state.workspace)
        self.model.set_records(listed)
        self.stack.setCurrentIndex(1 if listed else 0)
        self.view.resizeColumnsToContents()
        refs = [f"{m['name']}@{m['version']}" for m in self.model.records]
        if refs:
            self.view.selectRow(refs.index(keep) if keep in refs else 0)
        else:
            self._version_selected()

    def _version_selected(self, *_selection: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        self.selected = None
        if rows:
            listed = self.model.record(rows[0].row())
            self.selected = model_registry.model_card(
                self.state.workspace, f"{listed['name']}@{listed['version']}"
            )
        self._update_buttons()
        self.card.setHtml(
            model_registry.card_html(self.selected, links=True) if self.selected else ""
        )
        self.serve_panel.show_version(self.selected)

    def _update_buttons(self) -> None:
        for button in (
            self.stage_button,
            self.purpose_button,
            self.export_button,
            self.lineage_button,
        ):
            button.setEnabled(self.selected is not None)
        pending = self.selected["pending"] if self.selected else None
        own = pending is not None and pending["user"] == audit.current_user()
        self.approve_button.setEnabled(pending is not None and not own)
        self.approve_button.setToolTip(
            "You asked for this move yourself: another person approves it"
            if own
            else "Approve the move to production another person asked for (four-eyes rule)"
        )
        self.four_eyes_box.setEnabled(self.selected is not None)
        self.four_eyes_box.blockSignals(True)
        self.four_eyes_box.setChecked(bool(self.selected and self.selected["four_eyes"]))
        self.four_eyes_box.blockSignals(False)
        self.approval_line.setVisible(pending is not None)
        if pending is not None:
            note = f" Their note: “{pending['note']}”." if pending["note"] else ""
            self.approval_line.setText(
                f"<b>Waiting for approval:</b> {html.escape(pending['user'])} asked on "
                f"{pending['time'][:10]} to move this version to production; another person "
                f"approves it with Approve….{html.escape(note)}"
            )
        self.report_button.setEnabled(self.selected is not None and self.reporting is None)
        self.score_button.setEnabled(self.selected is not None and self.scoring is None)
        self.bundle_button.setEnabled(self.selected is not None and self.moving is None)
        self.import_bundle_button.setEnabled(self.moving is None)
        self.empty.buttons["Import bundle…"].setEnabled(self.moving is None)
        self.serve_production_button.setEnabled(
            self.selected is not None
            and self.serve_panel.process is None
            and any(
                m["name"] == self.selected["name"] and m["stage"] == "production"
                for m in self.model.records
            )
        )

    def serve_production(self) -> None:
        """Select the production version of the selected model and start serving it."""
        if self.selected is None:
            return
        for row, listed in enumerate(self.model.records):
            if listed["name"] == self.selected["name"] and listed["stage"] == "production":
                self.view.selectRow(row)
                self.tabs.setCurrentWidget(self.serve_panel)
                self.serve_panel.start()
                return

    def _follow_link(self, url: QUrl) -> None:
        scheme, _, target = url.toString().partition(":")
        if scheme == "run":
            self.run_requested.emit(target)
        elif scheme == "dataset":
            self.dataset_requested.emit(target)

    def change_stage(self) -> None:
        version = self.selected
        if version is None:
            return
        dialog = StageDialog(
            f"{version['name']} version {version['version']}",
            version["stage"],
            version["four_eyes"],
            self,
        )
        dialog.accepted.connect(lambda: self._move(version, *dialog.chosen()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.stage_dialog = dialog

    def _move(self, version: dict[str, Any], stage: str, note: str) -> None:
        try:
            moved = model_registry.set_stage(
                self.state.workspace, version["name"], version["version"], stage, note
            )
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(
            f"Asked for {version['name']} version {version['version']} to go to production: "
            "it waits for another person's approval."
            if moved["pending"] is not None
            else f"{version['name']} version {version['version']} is now in "
            f"{model_registry.STAGE_LABELS[stage]}."
        )
        self.state.models_changed.emit()

    def _four_eyes_toggled(self, required: bool) -> None:
        if self.selected is None:
            return
        name = self.selected["name"]
        try:
            model_registry.set_four_eyes(self.state.workspace, name, required)
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(
            f"A move of {name} to production now needs a second person's approval."
            if required
            else f"{name} moves to production without a second person's approval."
        )
        self.state.models_changed.emit()

    def approve(self) -> QInputDialog | None:
        """Ask for an optional note, then approve the pending move (``model_registry.approve``
        refuses, in one sentence, the person who asked for it)."""
        version = self.selected
        if version is None or version["pending"] is None:
            return None
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Approve the move to production")
        dialog.setLabelText(
            f"Approve moving {version['name']} version {version['version']} to production, "
            f"asked for by {version['pending']['user']}? A note (optional):"
        )
        dialog.setOkButtonText("Approve")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda note: self._approved(version, note))
        dialog.open()
        return dialog

    def _approved(self, version: dict[str, Any], note: str) -> None:
        try:
            model_registry.approve(self.state.workspace, version["name"], version["version"], note)
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(
            f"{version['name']} version {version['version']} is now in production."
        )
        self.state.models_changed.emit()

    def edit_purpose(self) -> None:
        version = self.selected
        if version is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Purpose")
        dialog.setLabelText(f"What is {version['name']} version {version['version']} for?")
        dialog.setTextValue(version["description"])
        dialog.textValueSelected.connect(lambda text: self._describe(version, text))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.purpose_dialog = dialog

    def _describe(self, version: dict[str, Any], text: str) -> None:
        model_registry.set_description(
            self.state.workspace, version["name"], version["version"], text
        )
        self.state.models_changed.emit()

    def export_card(self) -> None:
        version = self.selected
        if version is None:
            return
        suggested = Path.home() / f"{version['name']} v{version['version']} model card.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export model card", str(suggested), "Web page (*.html)"
        )
        if path:
            self.write_card(Path(path))

    def write_card(self, path: Path) -> None:
        assert self.selected is not None
        try:
            model_registry.export_card(self.state.workspace, self.selected["ref"], path)
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(f"Saved the model card to {path}.")

    def show_lineage(self) -> LineageDialog | None:
        """Open the Lineage view of the selected version (one at a time)."""
        if self.selected is None:
            return None
        if self.lineage_dialog is not None:
            self.lineage_dialog.close()
            self.lineage_dialog.deleteLater()
        dialog = LineageDialog(self.state, self.selected["ref"], self)
        dialog.open_requested.connect(self.open_requested)
        dialog.show()
        self.lineage_dialog = dialog
        return dialog

    def choose_report_file(self) -> None:
        version = self.selected
        if version is None:
            return
        suggested = Path.home() / f"{version['name']} v{version['version']} compliance report.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the compliance report", str(suggested), "Web page (*.html)"
        )
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> Task | None:
        """Write the selected version's compliance report to ``path``, in a worker process."""
        if self.selected is None:
            return None
        task = self.state.workers.run_in_workspace(
            f"Writing the compliance report of {self.selected['ref']}",
            self.state.home,
            compliance.export_report,
            self.selected["ref"],
            path,
        )
        self.reporting = task
        self.task_panel.follow(task)
        task.succeeded.connect(
            lambda result: self.state.status_message.emit(
                f"Saved the compliance report to {result['output']}."
            )
        )
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._reporting_finished)
        self._update_buttons()
        return task

    def _reporting_finished(self) -> None:
        self.reporting = None
        self._update_buttons()

    def choose_file_to_score(self) -> None:
        source, _ = QFileDialog.getOpenFileName(
            self,
            "Score a file",
            str(Path.home()),
            "Data files (*.csv *.tsv *.txt *.xlsx *.parquet);;All files (*)",
        )
        if not source:
            return
        suggested = Path(source).with_name(f"{Path(source).stem} scored.csv")
        output, _ = QFileDialog.getSaveFileName(
            self, "Save the predictions as", str(suggested), "CSV (*.csv)"
        )
        if output:
            self.score(Path(source), Path(output))

    def score(self, source: Path, output: Path) -> Task | None:
        """Score ``source`` into ``output`` with the selected version, in a worker process."""
        if self.selected is None:
            return None
        task = self.state.workers.run_in_workspace(
            f"Scoring {source.name}",
            self.state.home,
            scoring.score_file,
            self.selected["ref"],
            source,
            output,
        )
        self.scoring = task
        self.score_button.setEnabled(False)
        self.task_panel.follow(task)
        task.succeeded.connect(
            lambda result: show_message(
                self, f"Scored {result['rows']:,} rows. The predictions are in {result['output']}."
            )
        )
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._scoring_finished)
        return task

    def _scoring_finished(self) -> None:
        self.scoring = None
        self._update_buttons()

    # --- bundles: a version to and from another computer -----------------------------------------

    def export_bundle(self, with_data: bool) -> None:
        version = self.selected
        if version is None:
            return
        suggested = Path.home() / f"{version['name']} v{version['version']}{BUNDLE_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export model bundle", str(suggested), f"Model bundle (*{BUNDLE_SUFFIX})"
        )
        if path:
            self.write_bundle(Path(path), with_data)

    def write_bundle(self, path: Path, with_data: bool) -> Task | None:
        """Export the selected version to ``path`` in a worker process, with progress."""
        if self.selected is None:
            return None
        task = self._move_bundle(
            f"Exporting {self.selected['ref']}",
            bundles.export_bundle,
            self.selected["ref"],
            path,
            with_data,
        )
        task.succeeded.connect(
            lambda result: show_message(
                self,
                f"Saved the bundle to {result['output']}.\n\nIts SHA-256, to check on the other "
                f"computer that it arrived unaltered:\n{result['sha256']}",
                QMessageBox.Icon.Information,
            )
        )
        return task

    def choose_bundle_to_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import model bundle", str(Path.home()), f"Model bundle (*{BUNDLE_SUFFIX})"
        )
        if path:
            self.import_bundle(Path(path))

    def import_bundle(self, path: Path) -> Task | None:
        """Check and import the bundle at ``path`` in a worker process, with progress; the new
        version is selected once it is in."""
        if self.moving is not None:
            show_message(self, "A bundle is being exported or imported; wait until it is done.")
            return None
        task = self._move_bundle(f"Importing {path.name}", bundles.import_bundle, path)
        task.succeeded.connect(self._imported)
        return task

    def _imported(self, record: dict[str, Any]) -> None:
        self.state.models_changed.emit()
        self.refresh(select=record["ref"])
        origin = record["imported_from"]
        text = (
            f"Imported {origin['source']} as {record['name']} version {record['version']}. "
            f"Every file in {origin['file']} matched its manifest (SHA-256 "
            f"{origin['bundle_sha256']})."
        )
        warnings = origin["warnings"]
        icon = QMessageBox.Icon.Warning if warnings else QMessageBox.Icon.Information
        show_message(self, "\n\n".join([text, *warnings]), icon)

    def _move_bundle(self, description: str, work: Any, *args: Any) -> Task:
        task = self.state.workers.run_in_workspace(description, self.state.home, work, *args)
        self.moving = task
        self._update_buttons()
        self.task_panel.follow(task)
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._moving_finished)
        return task

    def _moving_finished(self) -> None:
        self.moving = None
        self._update_buttons()
