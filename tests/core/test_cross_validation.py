"""Cross-validation (issue 15, point 2): every algorithm scored on the same seeded folds of the
training part, the held-out part still giving the final scores, each fold's score kept."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.preparation import feature_frame
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES


def test_the_dialog_s_default_folds_depend_on_the_rows() -> None:
    assert training.default_folds(4_454) == 5
    assert training.default_folds(49_999) == 5
    assert training.default_folds(50_000) == 0  # one split of many rows is informative enough


@pytest.mark.parametrize("algorithm", ["logistic_regression", "decision_tree"])
def test_every_algorithm_is_scored_on_the_same_seeded_folds(
    workspace: Workspace, algorithm: str
) -> None:
    datasets.import_file(workspace, SAMPLES / "wine.csv")
    recipe = training.Recipe("wine", "cultivar", algorithm, cv=5, seed=11)
    [run] = training.train(workspace, recipe)

    version = datasets.get_version(workspace, "wine")
    frame = datasets.load_frame(workspace, version)
    plan = training.plan(frame, version.schema, "cultivar", [])
    X, y = feature_frame(frame, plan.features), frame["cultivar"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=11, stratify=y
    )
    chosen = algorithms.ALGORITHMS[algorithm]
    params = algorithms.resolve_params(chosen, {})
    by_hand = cross_validate(
        training.build_pipeline(chosen, plan.task, plan.features, params, 11),
        X_train,
        y_train,
        cv=StratifiedKFold(5, shuffle=True, random_state=11),
        scoring=["accuracy", "balanced_accuracy"],
    )
    assert run["folds"]["accuracy"] == pytest.approx(list(by_hand["test_accuracy"]))
    assert run["metrics"]["cv_accuracy_std"] == pytest.approx(np.std(by_hand["test_accuracy"]))
    assert run["folds"]["balanced_accuracy"] == pytest.approx(
        list(by_hand["test_balanced_accuracy"])
    )
    final = training.build_pipeline(chosen, plan.task, plan.features, params, 11)
    final.fit(X_train, y_train)
    held_out = float(np.mean(final.predict(X_test) == y_test))
    assert run["metrics"]["accuracy"] == pytest.approx(held_out)  # the final score: held out
    low, high = run["intervals"]["accuracy"]  # and its bootstrap interval beside the folds
    assert low <= held_out <= high
