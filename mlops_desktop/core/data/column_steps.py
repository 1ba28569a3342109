"""The first step of the pipeline of a model trained on a prepared version.

In a module of its own because it is a scikit-learn transformer: the rest of data preparation
needs no scikit-learn, so importing datasets (and the command line's quick commands) stays fast.
"""

from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from mlops_desktop.core.data.preparation import Step, apply_columns, feature_frame


class ColumnSteps(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """A model's fitted column steps, which turn the raw columns a client sends (``inputs``)
    into the model's ``features``. It learns nothing more when the pipeline is fitted: the steps
    learned when the data was prepared."""

    def __init__(
        self,
        steps: list[Step],
        inputs: list[dict[str, Any]],
        features: list[dict[str, Any]],
    ) -> None:
        self.steps = steps
        self.inputs = inputs
        self.features = features

    def fit(self, X: pd.DataFrame, y: Any = None) -> "ColumnSteps":
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return feature_frame(apply_columns(X, self.inputs, self.steps), self.features)

    def __sklearn_is_fitted__(self) -> bool:
        return True
