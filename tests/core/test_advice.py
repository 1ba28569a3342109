"""Warnings that matter to a novice: gaps with counts, a minority class, a leak, an ID."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.data import advice, datasets, roles
from mlops_desktop.core.vocabulary import share_text
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES

ROWS = 3000


def _credit() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    status = np.where(rng.random(ROWS) < 0.28, "bad", "good")
    decision = np.where(
        rng.random(ROWS) < 0.005, "refused", np.where(status == "bad", "refused", "granted")
    )
    income = rng.normal(130, 40, ROWS).round(1)
    income[2000] = np.nan  # one gap in 3,000 rows: 0.03 %
    return pd.DataFrame(
        {
            "customer_id": rng.permutation(ROWS) + 100_000,
            "Status": status,
            "Seniority": rng.integers(0, 30, ROWS),
            "Income": income,
            "Decision": decision,  # written once the outcome was known
            "Price": rng.normal(1400, 600, ROWS).round(2),
        }
    )


@pytest.fixture
def credit(workspace: Workspace, tmp_path: Path) -> list[advice.Advice]:
    path = tmp_path / "credit.csv"
    _credit().to_csv(path, index=False)
    datasets.import_file(workspace, path, "credit")
    return advice.dataset_warnings(workspace, datasets.get_version(workspace, "credit"))


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [
        (0, 10, "0.0 %"),
        (1, 3000, "<0.1 %"),
        (2, 3000, "0.1 %"),
        (381, 4454, "8.6 %"),
        (4453, 4454, ">99.9 %"),
    ],
)
def test_a_share_has_one_decimal_and_is_never_zero_for_a_gap(
    count: int, total: int, text: str
) -> None:
    assert share_text(count, total) == text


def test_a_column_with_one_gap_is_warned_about_with_its_count(
    credit: list[advice.Advice],
) -> None:
    missing = [item for item in credit if item.kind == "missing"]
    assert [(item.column, item.text) for item in missing] == [
        (
            "Income",
            "'Income' is missing in 1 row (<0.1 %): fill the gaps or leave the column out.",
        )
    ]


def test_the_minority_class_of_the_likely_target_is_named(credit: list[advice.Advice]) -> None:
    share = (_credit()["Status"] == "bad").mean()
    assert 0.25 < share < 0.3
    [minority] = [item for item in credit if item.kind == "minority"]
    bad = int((_credit()["Status"] == "bad").sum())
    assert minority.text.startswith(
        f"The class 'bad' is only {share_text(bad, ROWS)} of 'Status' ({bad:,} of 3,000 rows): "
        "a model can look accurate by mostly saying 'good'"
    )


def test_a_column_that_gives_the_answer_away_is_a_leak(credit: list[advice.Advice]) -> None:
    leaks = [item.column for item in credit if item.kind == "leak"]
    assert leaks == ["Decision"]  # not Seniority, Income or Price, which carry no answer


def test_an_id_column_is_warned_about(credit: list[advice.Advice]) -> None:
    assert any(item.column == "customer_id" and "like an ID" in item.text for item in credit)


def test_the_likely_target_follows_the_dataset_s_chosen_target(
    workspace: Workspace, credit: list[advice.Advice]
) -> None:
    roles.set_target(workspace, "credit", "Decision")
    again = advice.dataset_warnings(workspace, datasets.get_version(workspace, "credit"))
    assert [item.column for item in again if item.kind == "leak"] == ["Status"]


def test_a_regression_target_s_copy_is_a_leak(workspace: Workspace, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    price = rng.normal(100, 20, 500)
    frame = pd.DataFrame(
        {"size": rng.normal(50, 10, 500), "price_with_tax": price * 1.2, "y": price}
    )
    schema = [{"name": name, "type": "numeric"} for name in frame]
    leaks = [item.column for item in advice.target_warnings(frame, schema, "y")]
    assert leaks == ["price_with_tax"]


@pytest.mark.parametrize("sample", ["iris", "wine", "breast_cancer", "diabetes"])
def test_no_false_alarm_on_the_sample_datasets(workspace: Workspace, sample: str) -> None:
    name = datasets.import_file(workspace, SAMPLES / f"{sample}.csv").name
    roles.set_target(workspace, name, datasets.get_version(workspace, name).schema[-1]["name"])
    found = advice.dataset_warnings(workspace, datasets.get_version(workspace, name))
    assert found == []  # no gaps, no IDs, no leaks; their classes are balanced enough
