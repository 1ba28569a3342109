"""The algorithms a run can use: each one's name, words, the tasks it fits, its settings (with
defaults and plain-language help) and how its scikit-learn estimator is made, seeded."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mlops_desktop.core.errors import UserError


@dataclass(frozen=True)
class Parameter:
    name: str  # scikit-learn's, as recorded and as the command line's --param takes it
    label: str  # what the form calls it
    default: Any
    help: str
    kind: type = float


@dataclass(frozen=True)
class Algorithm:
    name: str
    label: str
    tasks: tuple[str, ...]
    make: Callable[[str, dict[str, Any], int], Any]
    parameters: tuple[Parameter, ...] = ()
    scales: bool = False  # needs features on one scale (distance- or gradient-based)


def _forest(task: str, p: dict[str, Any], seed: int) -> Any:
    model = RandomForestClassifier if task == "classification" else RandomForestRegressor
    return model(
        n_estimators=int(p["n_estimators"]),
        max_depth=p["max_depth"],
        min_samples_leaf=int(p["min_samples_leaf"]),
        random_state=seed,
        n_jobs=1,
    )


def _boosting(task: str, p: dict[str, Any], seed: int) -> Any:
    model = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )
    return model(
        learning_rate=float(p["learning_rate"]),
        max_iter=int(p["max_iter"]),
        max_depth=p["max_depth"],
        random_state=seed,
    )


def _tree(task: str, p: dict[str, Any], seed: int) -> Any:
    model = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return model(
        max_depth=p["max_depth"], min_samples_leaf=int(p["min_samples_leaf"]), random_state=seed
    )


def _knn(task: str, p: dict[str, Any], seed: int) -> Any:
    model = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return model(n_neighbors=int(p["n_neighbors"]))


_DEPTH = Parameter(
    "max_depth",
    "Depth limit",
    None,
    "How many questions deep a tree may go; empty means no limit.",
    int,
)
_LEAF = Parameter(
    "min_samples_leaf",
    "Smallest group",
    1,
    "The fewest rows a final group may hold; larger is smoother.",
    int,
)

ALGORITHMS: dict[str, Algorithm] = {  # in the order of vocabulary.ALGORITHM_NAMES
    algorithm.name: algorithm
    for algorithm in [
        Algorithm(
            "logistic_regression",
            "Logistic regression",
            ("classification",),
            lambda task, p, seed: LogisticRegression(
                C=float(p["C"]), max_iter=int(p["max_iter"]), random_state=seed
            ),
            (
                Parameter("C", "Flexibility", 1.0, "Lower values keep the model simpler."),
                Parameter(
                    "max_iter", "Improvement rounds", 1000, "How many rounds it may take.", int
                ),
            ),
            scales=True,
        ),
        Algorithm(
            "linear_regression",
            "Linear regression",
            ("regression",),
            lambda task, p, seed: LinearRegression(),
            scales=True,
        ),
        Algorithm(
            "random_forest",
            "Random forest",
            ("classification", "regression"),
            _forest,
            (
                Parameter(
                    "n_estimators",
                    "Number of trees",
                    100,
                    "How many trees vote; more is steadier but slower.",
                    int,
                ),
                _DEPTH,
                _LEAF,
            ),
        ),
        Algorithm(
            "gradient_boosting",
            "Gradient boosting",
            ("classification", "regression"),
            _boosting,
            (
                Parameter(
                    "learning_rate",
                    "Step size",
                    0.1,
                    "How big each correction step is; smaller is more careful.",
                ),
                Parameter("max_iter", "Improvement rounds", 100, "How many rounds it runs.", int),
                _DEPTH,
            ),
        ),
        Algorithm(
            "decision_tree",
            "Decision tree",
            ("classification", "regression"),
            _tree,
            (_DEPTH, _LEAF),
        ),
        Algorithm(
            "knn",
            "k-nearest neighbours",
            ("classification", "regression"),
            _knn,
            (
                Parameter(
                    "n_neighbors",
                    "Neighbours asked",
                    5,
                    "How many similar rows are asked for each prediction.",
                    int,
                ),
            ),
            scales=True,
        ),
        Algorithm(
            "naive_bayes",
            "Naive Bayes",
            ("classification",),
            lambda task, p, seed: GaussianNB(var_smoothing=float(p["var_smoothing"])),
            (
                Parameter(
                    "var_smoothing",
                    "Safety margin",
                    1e-9,
                    "A tiny margin for columns with little spread.",
                ),
            ),
        ),
    ]
}
PARAMETER_LABELS = {  # one label per setting, whichever algorithm has it
    parameter.name: parameter.label
    for algorithm in ALGORITHMS.values()
    for parameter in algorithm.parameters
}


def resolve_params(algorithm: Algorithm, given: dict[str, Any]) -> dict[str, Any]:
    known = {p.name: p for p in algorithm.parameters}
    unknown = [name for name in given if name not in known]
    if unknown:
        allowed = ", ".join(known) or "none"
        raise UserError(
            f"{algorithm.label} has no setting '{unknown[0]}' (its settings: {allowed})."
        )
    params: dict[str, Any] = {}
    for name, parameter in known.items():
        value = given.get(name, parameter.default)
        if value in (None, "", "none", "None"):
            if parameter.default is not None:
                raise UserError(f"{algorithm.label} needs a value for {parameter.label} ({name}).")
            params[name] = None
            continue
        try:
            params[name] = (
                parameter.kind(float(value)) if parameter.kind is int else parameter.kind(value)
            )
        except (TypeError, ValueError):
            raise UserError(
                f"'{value}' is not a valid value for {parameter.label} ({name})."
            ) from None
    return params
