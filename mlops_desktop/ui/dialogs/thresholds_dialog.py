"""When a change counts as drift: the monitoring thresholds in plain words, saved to the user's
settings (the command line reads the same settings)."""

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.config import MONITORING_SETTINGS, Settings
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.monitoring import drift
from mlops_desktop.ui import errors


@dataclass(frozen=True)
class Field:
    """One threshold as the dialog shows it. ``scale`` turns the stored share into the number
    shown (100 for a percentage)."""

    name: str
    label: str
    tooltip: str
    minimum: float
    maximum: float
    decimals: int = 2
    scale: float = 1.0
    suffix: str = ""
    whole: bool = False


FIELDS = [
    Field(
        "p_value",
        "Certainty needed (p-value below):",
        "How sure the app must be that a change is real and not chance. A change counts only when "
        "its p-value, adjusted for checking many columns at once, is below this number. Smaller: "
        "fewer false alarms, but a real change may be missed. The usual value is 0.05.",
        0.0001,
        0.5,
        decimals=4,
    ),
    Field(
        "numeric_effect",
        "Smallest change that matters, numbers:",
        "How far the values of a number column must move to matter, in standard deviations of "
        "the reference (the Wasserstein distance divided by the reference's spread), or the share "
        "of the rows that crossed some value when that is larger. 0.1 means about a tenth of the "
        "usual spread, or a tenth of the rows.",
        0.01,
        5.0,
    ),
    Field(
        "categorical_effect",
        "Smallest change that matters, categories:",
        "How much the mix of a category column must change to matter, from 0 (the same mix) to 1 "
        "(nothing in common), measured as the Jensen–Shannon distance beyond what chance gives a "
        "window of that size. 0.07 is a category going from 20 % to 27 % of the rows.",
        0.01,
        1.0,
    ),
    Field(
        "drift_share",
        "Columns that must drift for dataset drift:",
        "The whole input is said to drift when at least this share of its columns drift.",
        1.0,
        100.0,
        decimals=0,
        scale=100.0,
        suffix=" %",
    ),
    Field(
        "min_rows",
        "Fewest rows to judge:",
        "A window (or column) with fewer values than this is marked 'not enough data' instead of "
        "judged: small samples give unreliable answers.",
        1,
        1_000_000,
        whole=True,
        suffix=" rows",
    ),
    Field(
        "warn_rows",
        "Rows for a sure answer:",
        "Below this many values a verdict is given but marked as less sure. Must be at least the "
        "fewest rows to judge.",
        1,
        1_000_000,
        whole=True,
        suffix=" rows",
    ),
    Field(
        "missing_change",
        "Change in missing values that matters:",
        "A column is flagged when its share of missing values moves by at least this many "
        "percentage points (and the change is not chance).",
        0.0,
        100.0,
        decimals=1,
        scale=100.0,
        suffix=" points",
    ),
    Field(
        "new_category_share",
        "Unseen categories that matter:",
        "A column is flagged when categories never seen in the reference make up at least this "
        "share of the rows.",
        0.0,
        100.0,
        decimals=1,
        scale=100.0,
        suffix=" % of rows",
    ),
    Field(
        "out_of_range_share",
        "Values outside the reference range that matter:",
        "A number column is flagged when at least this share of the rows hold values below the "
        "reference's smallest or above its largest value.",
        0.0,
        100.0,
        decimals=1,
        scale=100.0,
        suffix=" % of rows",
    ),
]


def saved_thresholds(settings: Settings) -> drift.Thresholds:
    """The thresholds the user saved; the defaults where they changed nothing (or saved values
    this version cannot use)."""
    try:
        return drift.Thresholds.from_dict(settings.get(MONITORING_SETTINGS, {}) or {})
    except UserError:
        return drift.Thresholds()


class ThresholdsDialog(QDialog):
    saved = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("When does a change count?")
        self.setObjectName("thresholdsDialog")
        self.settings = settings
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        form = QFormLayout()
        for field in FIELDS:
            box: QSpinBox | QDoubleSpinBox
            if field.whole:
                box = QSpinBox()
                box.setRange(int(field.minimum), int(field.maximum))
                box.setGroupSeparatorShown(True)
            else:
                box = QDoubleSpinBox()
                box.setDecimals(field.decimals)
                box.setRange(field.minimum, field.maximum)
                box.setSingleStep(10**-field.decimals if field.scale == 1 else 1.0)
            box.setSuffix(field.suffix)
            box.setToolTip(field.tooltip)
            label = QLabel(field.label)
            label.setToolTip(field.tooltip)
            form.addRow(label, box)
            self.fields[field.name] = box
        # "Rows for a sure answer" can never be set below "fewest rows to judge".
        minimum_rows = self.fields["min_rows"]
        assert isinstance(minimum_rows, QSpinBox)
        minimum_rows.valueChanged.connect(self.fields["warn_rows"].setMinimum)
        intro = QLabel(
            "A column drifts only when its change is both <b>certain</b> (not chance) and "
            "<b>large enough to matter</b>. Hover over a setting to read what it does."
        )
        intro.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("thresholdsError")
        self.error.setStyleSheet(errors.ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip("Use these settings for every check from now on")
        self.restore_button = self.buttons.addButton(
            "Restore defaults", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.restore_button.setToolTip("Put every setting back to its recommended value")
        self.save_button.clicked.connect(self.save)
        self.restore_button.clicked.connect(lambda: self.show_thresholds(drift.Thresholds()))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.show_thresholds(saved_thresholds(settings))

    def show_thresholds(self, thresholds: drift.Thresholds) -> None:
        values = thresholds.as_dict()
        for field in FIELDS:
            box = self.fields[field.name]
            if isinstance(box, QSpinBox):
                box.setValue(int(values[field.name]))
            else:
                box.setValue(values[field.name] * field.scale)
        self.error.hide()

    def chosen(self) -> dict[str, float]:
        """The settings shown, as stored (shares, not percentages)."""
        values: dict[str, float] = {}
        for field in FIELDS:
            box = self.fields[field.name]
            if isinstance(box, QSpinBox):
                values[field.name] = box.value()
            else:
                values[field.name] = round(box.value() / field.scale, 10)
        return values

    def save(self) -> None:
        try:
            thresholds = drift.Thresholds.from_dict(self.chosen())
        except UserError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        defaults = drift.Thresholds().as_dict()
        changed = {k: v for k, v in thresholds.as_dict().items() if defaults[k] != v}
        self.settings.set(MONITORING_SETTINGS, changed)
        self.saved.emit()
        self.accept()
