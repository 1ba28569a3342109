"""Measures are named and scores written the same way on every screen and page."""

import pytest

from mlops_desktop.core.vocabulary import counted, measure_title, score_text


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("roc_auc", "ROC AUC"),
        ("balanced_accuracy", "Balanced accuracy"),
        ("rmse", "Typical error (RMSE)"),
        ("cv_accuracy_mean", "Accuracy, cross-validation mean"),
        ("cv_log_loss_std", "Log loss, cross-validation spread"),
        ("something_new", "Something_new"),  # an unknown measure keeps its name
    ],
)
def test_measures_are_named_in_words(key: str, title: str) -> None:
    assert measure_title(key) == title


def test_scores_have_three_decimals() -> None:
    assert [score_text(v) for v in (1, 0.9722222, 54.34721)] == ["1.000", "0.972", "54.347"]


def test_counts_take_the_right_number() -> None:
    assert [counted(n, "run") for n in (0, 1, 2, 12_000)] == [
        "0 runs",
        "1 run",
        "2 runs",
        "12,000 runs",
    ]
