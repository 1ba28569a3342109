"""File → Open Workspace…: the folder, and where its records live.

Alone, a workspace keeps its records in the folder's ``store.db``. A team's workspace keeps them in a
PostgreSQL database every member reaches (its address, ``postgresql://user@host:port/database``) and
its files in the folder, which is then a shared one. The address last used with a folder is offered
again; a password is better kept in PostgreSQL's own password file than in the address.
"""

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.config import Settings


class OpenWorkspaceDialog(QDialog):
    def __init__(self, settings: Settings, current: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open Workspace")
        self.setObjectName("openWorkspaceDialog")
        self.settings = settings
        self.folder = QLineEdit(str(current))
        self.folder.setToolTip("The folder that holds the workspace's files")
        self.folder.textChanged.connect(self._folder_changed)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        self.store = QLineEdit(settings.workspace_store(current) or "")
        self.store.setPlaceholderText("Empty: the folder's own store.db (just you)")
        self.store.setToolTip(
            "A team store: postgresql://user@host:port/database, shared by everyone who opens "
            "this folder; keep the password in PostgreSQL's password file (pgpass)"
        )
        form = QFormLayout()
        form.addRow("Folder:", folder_row)
        form.addRow("Team store (PostgreSQL):", self.store)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("A workspace is a folder; a team's keeps its records in PostgreSQL.")
        )
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open a workspace folder", self.folder.text()
        )
        if folder:
            self.folder.setText(folder)

    def _folder_changed(self, text: str) -> None:
        self.open_button.setEnabled(bool(text.strip()))
        remembered = self.settings.workspace_store(Path(text.strip()).expanduser())
        if remembered:
            self.store.setText(remembered)

    def chosen(self) -> tuple[Path, str | None]:
        """The folder, and the team store's address (None: the folder's store.db)."""
        return Path(self.folder.text().strip()).expanduser(), self.store.text().strip() or None
