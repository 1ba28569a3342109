"""A "File:" row for dialogs that read a data file: the chosen file's path, read-only, and a
Choose… button that opens the file picker; and the data file a drag and drop carries."""

from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

DATA_FILE_FILTER = "Data files (*.csv *.tsv *.txt *.xlsx *.xlsm *.parquet *.pq);;All files (*)"
DATA_SUFFIXES = {
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".parquet",
    ".pq",
}  # .xls: to say why not


def dropped_file(event: QDragEnterEvent | QDropEvent, suffixes: Collection[str]) -> Path | None:
    """The one local file a drag carries, if its suffix is one of ``suffixes``; else None
    (several files, a link, another kind)."""
    urls = event.mimeData().urls()
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in suffixes else None


def dropped_data_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local data file a drag carries, or None."""
    return dropped_file(event, DATA_SUFFIXES)


class FileField(QWidget):
    chosen = Signal(Path)  # a file picked with Choose…

    def __init__(
        self, placeholder: str, tip: str, caption: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setReadOnly(True)
        self.edit.setPlaceholderText(placeholder)
        choose = QPushButton("Choose…")
        choose.setToolTip(tip)
        choose.clicked.connect(self.choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("File:"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(choose)

    def choose(self) -> None:
        picked, _ = QFileDialog.getOpenFileName(self, self.caption, "", DATA_FILE_FILTER)
        if picked:
            self.chosen.emit(Path(picked))

    def show_path(self, path: Path) -> None:
        self.edit.setText(str(path))
