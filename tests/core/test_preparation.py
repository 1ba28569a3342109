"""Data preparation: each step on known rows, recipes refused with the step named, prepared
versions with their lineage, recipes applied again, saved recipes."""

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mlops_desktop.core.data import datasets, preparation, recipes
from mlops_desktop.core.data.column_steps import ColumnSteps
from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.store.models import AuditEvent, DatasetVersion
from mlops_desktop.core.workspace import Workspace

SCHEMA = [
    {"name": "income", "type": "numeric"},
    {"name": "debt", "type": "numeric"},
    {"name": "signup", "type": "datetime"},
    {"name": "region", "type": "categorical"},
    {"name": "member", "type": "boolean"},
    {"name": "note", "type": "text"},
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income": [10.0, np.nan, 30.0, 40.0, 1000.0, 10.0],
            "debt": [1.0, 2.0, 0.0, 4.0, 5.0, 1.0],
            "signup": pd.to_datetime(
                [
                    "2024-01-01 00:00",
                    "2024-02-15 13:00",
                    None,
                    "2023-12-31 00:00",
                    "2024-03-03 00:00",
                    "2024-01-01 00:00",
                ]
            ),
            "region": ["north", "south", "north", "isle", None, "north"],
            "member": pd.Series([True, False, None, True, False, True], dtype=object),
            "note": ["a", "b", "c", "d", "e", "a"],
        }
    )


def _run(*steps: dict[str, Any]) -> preparation.Prepared:
    return preparation.run(_frame(), SCHEMA, preparation.parse(list(steps), SCHEMA))


# --- each step ----------------------------------------------------------------------------------


def test_drop_duplicates_keeps_the_first_of_identical_rows() -> None:
    prepared = _run({"op": "drop_duplicates"})
    assert prepared.positions.tolist() == [0, 1, 2, 3, 4]


def test_drop_missing_drops_rows_missing_a_value_in_the_chosen_columns() -> None:
    prepared = _run({"op": "drop_missing", "columns": ["income", "region"]})
    assert prepared.positions.tolist() == [0, 2, 3, 5]


@pytest.mark.parametrize(
    ("column", "operator", "value", "kept"),
    [
        ("income", ">", 20, [2, 3, 4]),  # the gap in row 1 does not match
        ("income", "<=", 10, [0, 5]),
        ("region", "==", "north", [0, 2, 5]),
        ("region", "!=", "north", [1, 3]),  # a missing region matches no condition
        ("signup", ">=", "2024-01-01", [0, 1, 4, 5]),
        ("member", "==", True, [0, 3, 5]),
    ],
)
def test_filter_keeps_the_rows_that_match(
    column: str, operator: str, value: Any, kept: list[int]
) -> None:
    prepared = _run({"op": "filter", "column": column, "operator": operator, "value": value})
    assert prepared.positions.tolist() == kept


def test_remove_outliers_by_iqr_drops_values_beyond_the_fences_and_keeps_gaps() -> None:
    prepared = _run({"op": "remove_outliers", "column": "income", "method": "iqr"})
    values = _frame()["income"].dropna()
    q1, q3 = np.quantile(values, [0.25, 0.75])
    assert prepared.fitted[0]["high"] == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert prepared.positions.tolist() == [0, 1, 2, 3, 5]  # 1000 is out; the gap stays


def test_remove_outliers_by_zscore_uses_three_standard_deviations() -> None:
    frame = pd.DataFrame({"x": [0.0] * 30 + [100.0]})
    schema = [{"name": "x", "type": "numeric"}]
    step = [{"op": "remove_outliers", "column": "x", "method": "zscore"}]
    prepared = preparation.run(frame, schema, preparation.parse(step, schema))
    assert len(prepared.frame) == 30
    assert prepared.fitted[0]["high"] == pytest.approx(
        frame["x"].mean() + 3 * frame["x"].std(ddof=0)
    )


@pytest.mark.parametrize(
    ("step", "filled"),
    [
        ({"strategy": "median"}, 30.0),
        ({"strategy": "mean"}, (10 + 30 + 40 + 1000 + 10) / 5),
        ({"strategy": "most_frequent"}, 10.0),
        ({"strategy": "constant", "value": -1}, -1),
    ],
)
def test_fill_missing_fills_the_gap_with_what_the_strategy_learns(
    step: dict[str, Any], filled: float
) -> None:
    prepared = _run({"op": "fill_missing", "column": "income", **step})
    assert prepared.frame["income"].tolist()[1] == pytest.approx(filled)
    assert prepared.frame["income"].notna().all()


def test_fill_missing_labels_and_yes_no() -> None:
    prepared = _run(
        {"op": "fill_missing", "column": "region", "strategy": "most_frequent"},
        {"op": "fill_missing", "column": "member", "strategy": "constant", "value": False},
    )
    assert prepared.frame["region"].tolist()[4] == "north"
    assert prepared.frame["member"].tolist()[2] is False


@pytest.mark.parametrize(
    ("column", "kind", "expected"),
    [
        ("income", "categorical", ["10", None, "30", "40", "1000", "10"]),
        ("member", "numeric", [1.0, 0.0, None, 1.0, 0.0, 1.0]),
        ("member", "categorical", ["True", "False", None, "True", "False", "True"]),
        ("note", "numeric", [None] * 6),  # no note reads as a number: each becomes a gap
    ],
)
def test_cast_changes_the_type_and_what_does_not_read_becomes_missing(
    column: str, kind: str, expected: list[Any]
) -> None:
    prepared = _run({"op": "cast", "column": column, "type": kind})
    values = [None if pd.isna(v) else v for v in prepared.frame[column]]
    assert values == expected
    assert prepared.columns[column] == kind


def test_cast_texts_to_dates_and_yes_no() -> None:
    frame = pd.DataFrame({"when": ["2024-05-31", "soon"], "ok": ["yes", "maybe"]})
    schema = [{"name": "when", "type": "text"}, {"name": "ok", "type": "text"}]
    steps = [
        {"op": "cast", "column": "when", "type": "datetime"},
        {"op": "cast", "column": "ok", "type": "boolean"},
    ]
    prepared = preparation.run(frame, schema, preparation.parse(steps, schema))
    assert prepared.frame["when"][0] == pd.Timestamp("2024-05-31")
    assert pd.isna(prepared.frame["when"][1])
    assert prepared.frame["ok"][0] is True and pd.isna(prepared.frame["ok"][1])


def test_rename_and_drop_columns() -> None:
    prepared = _run(
        {"op": "rename", "column": "income", "to": "salary"},
        {"op": "drop_columns", "columns": ["note", "debt"]},
    )
    assert list(prepared.frame.columns) == ["salary", "signup", "region", "member"]
    assert list(prepared.columns) == ["salary", "signup", "region", "member"]


def test_date_parts_adds_a_number_column_per_part() -> None:
    prepared = _run(
        {"op": "date_parts", "column": "signup", "parts": ["year", "month", "dayofweek", "hour"]}
    )
    row = prepared.frame.iloc[1]
    assert (
        row["signup_year"],
        row["signup_month"],
        row["signup_dayofweek"],
        row["signup_hour"],
    ) == (
        2024,
        2,
        3,  # 15 February 2024 was a Thursday (Monday is 0)
        13,
    )
    assert math.isnan(prepared.frame["signup_year"][2])
    assert prepared.columns["signup_hour"] == "numeric"


def test_bin_groups_numbers_into_ranges_of_about_equal_counts() -> None:
    frame = pd.DataFrame({"age": np.arange(1.0, 101.0)})
    schema = [{"name": "age", "type": "numeric"}]
    prepared = preparation.run(
        frame, schema, preparation.parse([{"op": "bin", "column": "age", "bins": 4}], schema)
    )
    counts = prepared.frame["age"].value_counts()
    assert counts.to_dict() == {
        "≤ 25.75": 25,
        "25.75 – 50.5": 25,
        "50.5 – 75.25": 25,
        "> 75.25": 25,
    }
    # As pandas' qcut cuts them: the same row in the same range.
    codes = pd.qcut(frame["age"], 4).cat.codes.tolist()
    order = ["≤ 25.75", "25.75 – 50.5", "50.5 – 75.25", "> 75.25"]
    assert [order.index(label) for label in prepared.frame["age"]] == codes
    assert prepared.columns["age"] == "categorical"
    # A value outside the training range still falls in the first or last range.
    outside = ColumnSteps(prepared.fitted, schema, [{"name": "age", "type": "categorical"}])
    assert outside.transform(pd.DataFrame({"age": [-5.0, 500.0, np.nan]}))["age"].tolist()[:2] == [
        "≤ 25.75",
        "> 75.25",
    ]


def test_ratio_divides_and_a_zero_denominator_gives_a_gap() -> None:
    prepared = _run({"op": "ratio", "numerator": "debt", "denominator": "income", "to": "share"})
    shares = prepared.frame["share"].tolist()
    assert shares[0] == pytest.approx(0.1) and math.isnan(shares[1])
    zero = _run({"op": "ratio", "numerator": "income", "denominator": "debt", "to": "r"})
    assert math.isnan(zero.frame["r"][2])  # 30 / 0


def test_group_rare_puts_rare_categories_under_other() -> None:
    prepared = _run({"op": "group_rare", "column": "region", "min_share": 0.25})
    assert [None if pd.isna(v) else v for v in prepared.frame["region"]] == [
        "north",
        "other",
        "north",
        "other",
        None,
        "north",
    ]
    assert prepared.fitted[0]["keep"] == ["north"]


# --- refused recipes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ({"op": "drop_duplicates"}, "A recipe is a list of steps"),
        ([{"op": "explode"}], "Step 1 (explode): 'explode' is not a step"),
        ([{"column": "income"}], "Step 1: it has no 'op'"),
        ([{"op": "fill_missing", "column": "salary", "strategy": "median"}], "no column 'salary'"),
        (
            [{"op": "fill_missing", "column": "region", "strategy": "median"}],
            "Step 1 (fill_missing): the median of 'region' does not exist",
        ),
        (
            [{"op": "fill_missing", "column": "income", "strategy": "constant", "value": "x"}],
            "'value' must be a number",
        ),
        (
            [{"op": "fill_missing", "column": "income", "strategy": "median", "valu": 1}],
            "'valu' is not one of its settings",
        ),
        (
            [{"op": "filter", "column": "region", "operator": "<", "value": "a"}],
            "only == and != compare",
        ),
        (
            [{"op": "filter", "column": "income", "operator": "~", "value": 1}],
            "'~' is not a comparison",
        ),
        ([{"op": "bin", "column": "income", "bins": 1}], "'bins' must be a whole number from 2"),
        ([{"op": "bin", "column": "region", "bins": 3}], "'region' holds categorical values"),
        (
            [{"op": "cast", "column": "signup", "type": "numeric"}],
            "datetime values cannot become numeric",
        ),
        ([{"op": "cast", "column": "income", "type": "money"}], "'type' must be one of"),
        ([{"op": "rename", "column": "income", "to": "debt"}], "there is already a column 'debt'"),
        ([{"op": "drop_columns", "columns": [c["name"] for c in SCHEMA]}], "drop every column"),
        ([{"op": "date_parts", "column": "signup", "parts": ["week"]}], "'parts' must be a list"),
        ([{"op": "group_rare", "column": "region", "min_share": 2}], "'min_share' must be a share"),
        (
            [{"op": "ratio", "numerator": "income", "denominator": "region", "to": "r"}],
            "'region' holds categorical",
        ),
        (
            [
                {"op": "drop_columns", "columns": ["income"]},
                {"op": "fill_missing", "column": "income", "strategy": "median"},
            ],
            "Step 2 (fill_missing): there is no column 'income' at this point of the recipe.",
        ),
    ],
)
def test_a_bad_recipe_is_refused_with_one_sentence_naming_the_step(
    steps: Any, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        preparation.parse(steps, SCHEMA)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_step_that_learns_nothing_is_refused_when_the_recipe_runs() -> None:
    frame = _frame().assign(income=np.nan)
    steps = preparation.parse(
        [{"op": "fill_missing", "column": "income", "strategy": "mean"}], SCHEMA
    )
    with pytest.raises(UserError, match=r"Step 1 \(fill_missing\): 'income' has no values"):
        preparation.run(frame, SCHEMA, steps)


def test_each_step_has_a_title_and_a_description() -> None:
    assert set(preparation.OP_TITLES) == set(preparation.STEP_SETTINGS)
    assert set(preparation.ROW_OPS) | set(preparation.COLUMN_OPS) == set(preparation.STEP_SETTINGS)
    assert preparation.describe(
        {"op": "fill_missing", "column": "income", "strategy": "median"}
    ) == ("Fill missing 'income' with the median")


# --- prepared versions in the workspace -----------------------------------------------------------

RECIPE = [
    {"op": "drop_duplicates"},
    {"op": "fill_missing", "column": "income", "strategy": "median"},
    {"op": "ratio", "numerator": "debt", "denominator": "income", "to": "debt_ratio"},
    {"op": "group_rare", "column": "region", "min_share": 0.25},
    {"op": "drop_columns", "columns": ["note"]},
]


@pytest.fixture
def loans(workspace: Workspace, tmp_path: Path) -> Path:
    path = tmp_path / "loans.csv"
    _frame().to_csv(path, index=False)
    datasets.import_file(workspace, path, name="loans")
    return path


def _versions(workspace: Workspace) -> int:
    with workspace.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(DatasetVersion)) or 0)


def test_preparing_makes_a_new_version_that_names_its_parent_and_recipe(
    workspace: Workspace, loans: Path
) -> None:
    record = recipes.prepare(workspace, "loans@1", RECIPE, recipe_name="tidy")
    assert (record["name"], record["version"], record["rows"], record["parent"]) == (
        "loans prepared",
        1,
        5,
        "loans@1",
    )
    assert record["recipe"]["name"] == "tidy"
    assert record["recipe"]["steps"] == RECIPE
    assert [c["name"] for c in record["columns"]] == [
        "income",
        "debt",
        "signup",
        "region",
        "member",
        "debt_ratio",
    ]
    assert record["created"] is True
    stored = datasets.load_frame(workspace, datasets.get_version(workspace, "loans prepared@1"))
    assert stored["income"].tolist()[1] == 35.0  # the median of 10, 30, 40 and 1000
    with workspace.store.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dataset.prepare")
        ).one()
    assert event.entity == "dataset:loans prepared@1" and event.details["parent"] == "loans@1"


def test_preparing_into_another_dataset(workspace: Workspace, loans: Path) -> None:
    record = recipes.prepare(workspace, "loans", RECIPE, name="loans clean")
    assert (record["name"], record["version"], record["parent"]) == ("loans clean", 1, "loans@1")


def test_a_refused_recipe_leaves_the_store_as_it_was(workspace: Workspace, loans: Path) -> None:
    before = _versions(workspace)
    with pytest.raises(UserError, match="Step 2"):
        recipes.prepare(
            workspace,
            "loans",
            [{"op": "drop_duplicates"}, {"op": "cast", "column": "nope", "type": "text"}],
        )
    with pytest.raises(UserError, match="leaves no rows"):
        recipes.prepare(
            workspace,
            "loans",
            [{"op": "filter", "column": "income", "operator": ">", "value": 1e9}],
        )
    assert _versions(workspace) == before


def test_a_cancelled_preparation_stores_nothing(
    workspace: Workspace, loans: Path, artifact_files: Any
) -> None:
    before, files = _versions(workspace), artifact_files()
    with pytest.raises(Cancelled):
        recipes.prepare(workspace, "loans", RECIPE, cancel=lambda: True)
    assert _versions(workspace) == before and artifact_files() == files


def test_the_same_recipe_on_the_same_version_makes_no_second_version(
    workspace: Workspace, loans: Path
) -> None:
    first = recipes.prepare(workspace, "loans@1", RECIPE)
    again = recipes.prepare(workspace, "loans@1", RECIPE)
    assert again["version"] == first["version"] and again["created"] is False
    assert again["content_hash"] == first["content_hash"]


def test_a_recipe_applied_again_to_a_new_file_learns_from_that_file(
    workspace: Workspace, loans: Path, tmp_path: Path
) -> None:
    recipes.prepare(workspace, "loans", RECIPE)
    newer = _frame().assign(income=[np.nan, 100.0, 100.0, 100.0, 100.0, 5.0])
    newer.to_csv(tmp_path / "loans2.csv", index=False)
    datasets.import_file(workspace, tmp_path / "loans2.csv", name="loans")  # version 2
    record = recipes.prepare(workspace, "loans@2", RECIPE)
    assert (record["name"], record["version"], record["parent"]) == ("loans prepared", 2, "loans@2")
    fitted = datasets.get_version(workspace, "loans prepared@2").recipe
    assert fitted is not None and fitted["fitted"][1]["fill"] == 100.0


def test_a_prepared_version_can_be_prepared_again(workspace: Workspace, loans: Path) -> None:
    recipes.prepare(workspace, "loans", RECIPE)
    again = recipes.prepare(
        workspace, "loans prepared@1", [{"op": "rename", "column": "debt_ratio", "to": "dr"}]
    )
    assert (again["name"], again["version"]) == ("loans prepared", 2)
    found = recipes.lineage(workspace, datasets.get_version(workspace, "loans prepared@2"))
    assert found is not None and found.root.version == 1
    assert [step["op"] for step in found.steps] == [s["op"] for s in RECIPE] + ["rename"]
    raw = recipes.raw_rows(workspace, datasets.get_version(workspace, "loans prepared@2"))
    assert raw is not None and raw["note"].tolist() == ["a", "b", "c", "d", "e"]


def test_saved_recipes(workspace: Workspace) -> None:
    steps = preparation.parse(RECIPE, SCHEMA)
    recipes.save(workspace, "tidy loans", steps)
    recipes.save(workspace, "tidy loans", steps[:2])  # saving again replaces it
    assert [r["name"] for r in recipes.saved(workspace)] == ["tidy loans"]
    assert recipes.load(workspace, "tidy loans") == RECIPE[:2]
    recipes.delete(workspace, "tidy loans")
    assert recipes.saved(workspace) == []
    with pytest.raises(UserError, match="no saved recipe named 'tidy loans'"):
        recipes.load(workspace, "tidy loans")
    with workspace.store.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "recipe:tidy loans")
        )
        assert list(actions) == ["recipe.save", "recipe.save", "recipe.delete"]


def test_a_saved_recipe_keeps_the_steps_not_what_they_learned(
    workspace: Workspace, loans: Path
) -> None:
    version = datasets.get_version(workspace, "loans")
    fitted = preparation.run(
        datasets.load_frame(workspace, version),
        version.schema,
        preparation.parse(RECIPE, version.schema),
    ).fitted
    recipes.save(workspace, "tidy", fitted)
    assert recipes.load(workspace, "tidy") == RECIPE


# --- properties -------------------------------------------------------------------------------------

_values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-1000, 1000))


@st.composite
def _data_and_recipe(draw: st.DrawFn) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows = draw(st.integers(1, 40))
    frame = pd.DataFrame(
        {
            "x": draw(st.lists(_values, min_size=rows, max_size=rows)),
            "y": draw(st.lists(_values, min_size=rows, max_size=rows)),
            "c": draw(
                st.lists(st.sampled_from(["a", "b", "c", None]), min_size=rows, max_size=rows)
            ),
        }
    ).astype({"x": "float64", "y": "float64"})
    frame.loc[0, "x"] = 1.0  # every column keeps a value, so every fill has one to learn
    frame.loc[0, "c"] = "a"
    pool = [
        {"op": "drop_duplicates"},
        {
            "op": "fill_missing",
            "column": "x",
            "strategy": draw(st.sampled_from(["median", "mean", "most_frequent"])),
        },
        {"op": "ratio", "numerator": "x", "denominator": "y", "to": "xy"},
        {"op": "group_rare", "column": "c", "min_share": draw(st.floats(0.05, 0.6))},
        {"op": "bin", "column": "y", "bins": draw(st.integers(2, 6))},
        {
            "op": "remove_outliers",
            "column": "x",
            "method": draw(st.sampled_from(["iqr", "zscore"])),
        },
        {
            "op": "filter",
            "column": "x",
            "operator": draw(st.sampled_from(list(preparation.OPERATORS))),
            "value": draw(st.integers(-5, 5)),
        },
    ]
    # In the pool's order, so each step meets the columns it needs, and fills come before
    # filters that could leave them nothing to learn from.
    chosen = draw(st.lists(st.sampled_from(range(len(pool))), min_size=1, max_size=5, unique=True))
    return frame, [pool[index] for index in sorted(chosen)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_data_and_recipe())
def test_a_recipe_applied_twice_to_the_same_data_gives_identical_content_hashes(
    drawn: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    from mlops_desktop.core.data.profiling import content_hash

    frame, steps = drawn
    schema = [
        {"name": "x", "type": "numeric"},
        {"name": "y", "type": "numeric"},
        {"name": "c", "type": "categorical"},
    ]
    parsed = preparation.parse(steps, schema)
    first = preparation.run(frame, schema, parsed)
    second = preparation.run(frame.copy(), schema, parsed)
    refit = preparation.run(frame, schema, first.fitted)  # the learned steps give the same rows

    def digest(prepared: preparation.Prepared) -> str:
        table = preparation.to_table(prepared.frame, prepared.columns)
        return content_hash(table, list(prepared.columns.values()))

    assert digest(first) == digest(second) == digest(refit)
    assert first.fitted == second.fitted
    assert first.positions.tolist() == refit.positions.tolist()


def test_a_step_preview_names_the_rows_it_changes() -> None:
    """The recipe editor shows these rows first, so a fill is visible (issue 15, point 4)."""
    sample = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0, np.nan], "y": ["a", "b", "a", "b", "a"]})
    schema = [{"name": "x", "type": "numeric"}, {"name": "y", "type": "categorical"}]
    steps = preparation.parse([{"op": "fill_missing", "column": "x", "strategy": "mean"}], schema)
    shown = preparation.preview(sample, schema, steps, 0)
    assert shown.changed == [2, 4]
    assert shown.summary.endswith("The rows it changes are shown first.")
    dropped = preparation.parse([{"op": "drop_columns", "columns": ["y"]}], schema)
    assert preparation.preview(sample, schema, dropped, 0).changed == []
