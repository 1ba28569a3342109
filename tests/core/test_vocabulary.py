"""Measures are named and scores written the same way on every screen and page."""

import pytest

from mlops_desktop.core.vocabulary import counted, measure_text, measure_title


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


def test_scores_have_three_decimals_and_errors_four_digits() -> None:
    assert [measure_text("accuracy", v) for v in (1, 0.9722222)] == ["1.000", "0.972"]
    assert measure_text("cv_roc_auc_std", 0.0259451) == "0.026"
    errors = [
        ("rmse", 54.34721),
        ("mae", 0.000451),
        ("rmse", 123456.7),
        ("cv_log_loss_mean", 0.0292384),
    ]
    assert [measure_text(n, v) for n, v in errors] == ["54.35", "0.000451", "123,457", "0.02924"]


def test_counts_take_the_right_number() -> None:
    assert [counted(n, "run") for n in (0, 1, 2, 12_000)] == [
        "0 runs",
        "1 run",
        "2 runs",
        "12,000 runs",
    ]
