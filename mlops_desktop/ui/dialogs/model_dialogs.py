"""Small questions about models: the name to register a run under, and the stage to move a version
to with the note that goes into its history."""

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.registry.model_registry import STAGE_LABELS, STAGES


def _buttons(dialog: QDialog, action: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    accept = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, accept


class RegisterDialog(QDialog):
    """Which model this run becomes a version of, and what the model is for."""

    def __init__(self, run_label: str, existing: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register as a model")
        self.setObjectName("registerDialog")
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.addItems(existing)
        self.name.setCurrentText(existing[0] if existing else "")
        self.name.setToolTip(
            "A new name starts a new model; an existing name adds the next version to it"
        )
        self.purpose = QLineEdit()
        self.purpose.setPlaceholderText("What it is for, e.g. 'Flags customers likely to leave'")
        self.purpose.setToolTip("Shown on the model card")
        form = QFormLayout()
        form.addRow("Model name:", self.name)
        form.addRow("Purpose:", self.purpose)
        self.buttons, self.accept_button = _buttons(self, "Register")
        self.name.currentTextChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Register {run_label} as the next version of a model."))
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._check(self.name.currentText())

    def _check(self, text: str) -> None:
        self.accept_button.setEnabled(bool(text.strip()))


class StageDialog(QDialog):
    """The stage to move a version to, with a short note saying why (kept in the history)."""

    def __init__(
        self, title: str, current: str, four_eyes: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.four_eyes = four_eyes
        self.setWindowTitle("Change stage")
        self.setObjectName("stageDialog")
        self.stage = QComboBox()
        for stage in STAGES:
            if stage != current:
                self.stage.addItem(STAGE_LABELS[stage].capitalize(), stage)
        self.stage.setCurrentIndex(max(self.stage.findData("staging"), 0))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Why, in a sentence (for example: 'approved after review')")
        self.note.setFixedHeight(70)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Move to:", self.stage)
        form.addRow("Note:", self.note)
        self.buttons, self.accept_button = _buttons(self, "Move")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{title} is now <b>{STAGE_LABELS[current]}</b>."))
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.buttons)
        self.note.textChanged.connect(self._check)
        self.stage.currentIndexChanged.connect(self._check)
        self._check()

    def chosen(self) -> tuple[str, str]:
        return self.stage.currentData(), self.note.toPlainText().strip()

    def _check(self) -> None:
        stage, note = self.chosen()
        asks = stage == "production" and self.four_eyes
        if asks:
            self.warning.setText(
                "This model needs a second person's approval for production: your move waits "
                "until another user approves it (Approve… in the Models pane)."
            )
        else:
            self.warning.setText(
                "The version now in production, if any, will be archived."
                if stage == "production"
                else ""
            )
        self.accept_button.setText("Ask for approval" if asks else "Move")
        self.accept_button.setEnabled(bool(note))
