"""One number format (issue 15, point 8): the numbers the issue saw written three ways, written
one way."""

import pytest

from mlops_desktop.core import formatting
from mlops_desktop.core.vocabulary import counted, measure_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (55.5734, "55.57"),
        (1038.92, "1,039"),
        (11140, "11,140"),
        (1419, "1,419"),
        (0.004512345, "0.004512"),
        (-3.0, "-3"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_measured_values_have_four_significant_digits_and_grouped_thousands(
    value: float | None, text: str
) -> None:
    assert formatting.number(value) == text


def test_scores_durations_counts_and_shares() -> None:
    assert formatting.score(0.97234) == "0.972"
    assert measure_text("accuracy", 0.97234) == "0.972"
    assert measure_text("rmse", 1038.92) == "1,039"  # an error: in the target's units
    assert formatting.duration(0.667501) == "0.67 s"
    assert formatting.duration(12.4) == "12 s"
    assert formatting.duration(125) == "2 min 05 s"
    assert counted(1419, "row") == "1,419 rows"
    assert formatting.percent(0.0857) == "8.6 %"
    assert formatting.percent(0.0004) == "<0.1 %"  # a column with gaps never reads 0 %
    assert formatting.percent(0.0) == "0.0 %"
    assert formatting.percent(0.99999) == ">99.9 %"
