"""Words shared by the command line, the GUI and core, in a module with no heavy imports.

The command line builds its argument parser from these before it knows whether it will open the
app, so they must not pull in pandas or pyarrow.
"""

from typing import Literal

from mlops_desktop.core import formatting

ColumnType = Literal["numeric", "categorical", "boolean", "datetime", "text"]
COLUMN_TYPES: tuple[ColumnType, ...] = ("numeric", "categorical", "boolean", "datetime", "text")
TYPE_DESCRIPTIONS: dict[ColumnType, str] = {
    "numeric": "numbers that can be compared and averaged",
    "categorical": "a limited set of labels, such as a country or a product type",
    "boolean": "yes/no values",
    "datetime": "dates or times",
    "text": "free text, too varied to treat as labels",
}
# The words a yes/no column reads as yes or as no (lower case).
TRUE_WORDS = frozenset({"true", "yes", "1", "1.0", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "0.0", "n", "f"})
ALGORITHM_NAMES: tuple[str, ...] = (
    "logistic_regression",
    "linear_regression",
    "random_forest",
    "gradient_boosting",
    "decision_tree",
    "knn",
    "naive_bayes",
)
# The measures monitoring follows, as the app names them, and those where lower is better.
MEASURE_WORDS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1 score",
    "roc_auc": "ROC AUC",
    "mae": "average error (MAE)",
    "rmse": "typical error (RMSE)",
    "r2": "R²",
    "log_loss": "log loss",
}
LOWER_IS_BETTER = frozenset({"mae", "rmse", "log_loss"})


CROSS_VALIDATION_WORDS = {"mean": "mean", "std": "spread"}


def _cross_validated(name: str) -> tuple[str, str | None]:
    """("accuracy", "mean") for "cv_accuracy_mean"; (name, None) for any other measure."""
    measure, _, statistic = name.removeprefix("cv_").rpartition("_")
    if name.startswith("cv_") and statistic in CROSS_VALIDATION_WORDS:
        return measure, statistic
    return name, None


def measure_title(name: str) -> str:
    """A measure's name to start a sentence or a table row with ("ROC AUC", "Average error…"),
    a cross-validated one's too ("Accuracy, cross-validation mean", "… spread")."""
    measure, statistic = _cross_validated(name)
    if statistic is not None:
        return f"{measure_title(measure)}, cross-validation {CROSS_VALIDATION_WORDS[statistic]}"
    words = MEASURE_WORDS.get(name, name)
    return words[:1].upper() + words[1:]


def measure_text(name: str, value: float) -> str:
    """A measure's value as people read it: a score from 0 to 1 with three decimals (0.972,
    1.000); an error, in the target's own units, with four significant digits (54.35, 0.00045)
    or whole and grouped from 1,000 on."""
    if _cross_validated(name)[0] in LOWER_IS_BETTER:
        return formatting.number(value)
    return formatting.score(value)


def share_text(count: int, total: int) -> str:
    """ "8.6 %": ``count`` of ``total`` as a percentage with one decimal, never "0.0 %" for a
    count above zero ("<0.1 %") nor "100.0 %" for one below the total (">99.9 %")."""
    return formatting.percent(count / total if total else 0.0)


def counted(count: int, noun: str) -> str:
    """ "1 run", "2 runs", "12,000 rows": a count with its noun in the right number."""
    return f"{formatting.count(count)} {noun if count == 1 else noun + 's'}"


def version_words(ref: str) -> str:
    """ "Loan approval version 1" for the reference "Loan approval@1"."""
    name, _, number = ref.rpartition("@")
    return f"{name} version {number}" if name and number.isdigit() else ref


# A monitored version's status (its latest check's) in words, and the colour it is shown in.
NOT_CHECKED = "not checked"  # a card's status before its first check
STATUS_COLOURS = {
    "healthy": "#2e7d32",
    "watch": "#9a5b00",
    "drift": "#b3261e",
    "not enough data": "#5f6368",
}
STATUS_WORDS = {
    "healthy": "Healthy",
    "watch": "Worth watching",
    "drift": "Drifting",
    "not enough data": "Too few rows",
}


def status_word(status: str) -> str:
    """A window's or a card's status in the analyst's words (those of the charts)."""
    return STATUS_WORDS.get(status, "Not checked yet" if status == NOT_CHECKED else status)
