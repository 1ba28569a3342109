"""The first rows of a data file, read off the GUI thread, for the dialogs that read files."""

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtWidgets import QTableView, QWidget

from mlops_desktop.core.data import datasets
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.workers import Task, Workers

COLUMN_MAX = 320  # pixels: a column of long texts leaves room for the others


class PreviewReader(QObject):
    """Reads previews one after another as the user changes the file or how to read it: only
    the newest reading counts, an older one is cancelled and its answer dropped."""

    read = Signal(object)  # a datasets.Preview
    failed = Signal(str)  # the sentence saying why the file cannot be read

    def __init__(self, workers: Workers, description: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers, self.description = workers, description
        self.task: Task | None = None  # the newest reading, while it runs

    def start(self, reading: Callable[[], datasets.Preview]) -> None:
        if self.task is not None:
            self.task.cancel()
        task = self.workers.run_in_thread(self.description, reading, owner=self)
        task.succeeded.connect(lambda preview: self._answer(task, self.read, preview))
        task.failed.connect(lambda message: self._answer(task, self.failed, message))
        self.task = task

    def _answer(self, task: Task, signal: SignalInstance, answer: object) -> None:
        if task is self.task and shiboken6.isValid(self):  # not once its dialog has closed
            self.task = None
            signal.emit(answer)


class PreviewTable(QTableView):
    """A preview's first rows, each column as wide as its name (and values) allow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_model = RecordsModel([], self)
        self.setModel(self.rows_model)
        self.horizontalHeader().setMaximumSectionSize(COLUMN_MAX)
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().setDefaultSectionSize(22)

    def show_rows(self, preview: datasets.Preview) -> None:
        names = [guess.name for guess in preview.columns]
        old_model, old_selection = self.rows_model, self.selectionModel()
        self.rows_model = RecordsModel(
            [Column(name, lambda record, i=i: record["cells"][i]) for i, name in enumerate(names)],
            self,
        )
        self.rows_model.set_records([{"cells": row} for row in preview.rows])
        self.setModel(self.rows_model)
        old_model.deleteLater()
        old_selection.deleteLater()
        for column in range(len(names)):  # one by one: the last one still stretches to the edge
            self.resizeColumnToContents(column)

    def clear_rows(self) -> None:
        self.rows_model.set_records([])
