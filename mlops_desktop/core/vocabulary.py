"""Words shared by the command line, the GUI and core, in a module with no heavy imports.

The command line builds its argument parser from these before it knows whether it will open the
app, so they must not pull in pandas or pyarrow.
"""

from typing import Literal

ColumnType = Literal["numeric", "categorical", "boolean", "datetime", "text"]
COLUMN_TYPES: tuple[ColumnType, ...] = ("numeric", "categorical", "boolean", "datetime", "text")
TYPE_DESCRIPTIONS: dict[ColumnType, str] = {
    "numeric": "numbers that can be compared and averaged",
    "categorical": "a limited set of labels, such as a country or a product type",
    "boolean": "yes/no values",
    "datetime": "dates or times",
    "text": "free text, too varied to treat as labels",
}
ALGORITHM_NAMES: tuple[str, ...] = (
    "logistic_regression",
    "linear_regression",
    "random_forest",
    "gradient_boosting",
    "decision_tree",
    "knn",
    "naive_bayes",
)
