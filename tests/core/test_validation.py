"""Validation rules: reading them, proposing them from a profile, checking tables and requests
against them, and the rules and reports the import keeps for each dataset and version."""

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mlops_desktop.core.data import dataset_rules, datasets, validation
from mlops_desktop.core.data.profiling import profile
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store.models import AuditEvent, DatasetRules, DatasetVersion
from mlops_desktop.core.workspace import Workspace
from tests.core.conftest import ImportAndLoad

# --- reading rules -------------------------------------------------------------------------------

TWO_GOOD = [{"column": "id", "rule": "unique"}, {"column": "age", "rule": "not_null"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"column": "age", "rule": "not_null"},
            'The rules must be a JSON list, such as [{"column": "age", "rule": "not_null"}].',
        ),
        (["age"], "Rule 1 must be an object with a 'column' and a 'rule'."),
        (
            [{"column": "age", "rule": "between"}],
            "Rule 1 (on 'age') has an unknown rule 'between'; use one of not_null, unique, "
            "range, allowed, type.",
        ),
        (
            [{"column": "age"}],
            "Rule 1 (on 'age') has no 'rule'; use one of not_null, unique, range, allowed, type.",
        ),
        (
            [*TWO_GOOD, {"rule": "range", "min": 1}],
            "Rule 3 (range) needs the name of a column in 'column'.",
        ),
        (
            [{"column": " ", "rule": "unique"}],
            "Rule 1 (unique) needs the name of a column in 'column'.",
        ),
        (
            [*TWO_GOOD, {"column": "age", "rule": "range", "min": "18"}],
            "Rule 3 (range on 'age') needs a number for 'min'.",
        ),
        (
            [{"column": "age", "rule": "range", "max": True}],
            "Rule 1 (range on 'age') needs a number for 'max'.",
        ),
        (
            [{"column": "age", "rule": "range", "min": math.nan}],
            "Rule 1 (range on 'age') needs a number for 'min'.",
        ),
        (
            [{"column": "age", "rule": "range", "min": None}],
            "Rule 1 (range on 'age') needs a 'min', a 'max' or both.",
        ),
        (
            [{"column": "age", "rule": "range", "min": 90, "max": 18}],
            "Rule 1 (range on 'age') has a 'min' above its 'max'.",
        ),
        (
            [{"column": "color", "rule": "allowed", "values": "red"}],
            "Rule 1 (allowed on 'color') needs a list of labels (texts or numbers) for 'values'.",
        ),
        (
            [{"column": "color", "rule": "allowed", "values": []}],
            "Rule 1 (allowed on 'color') needs a list of labels (texts or numbers) for 'values'.",
        ),
        (
            [{"column": "color", "rule": "allowed", "values": ["red", None]}],
            "Rule 1 (allowed on 'color') needs a list of labels (texts or numbers) for 'values'.",
        ),
        (
            [{"column": "age", "rule": "type", "type": "number"}],
            "Rule 1 (type on 'age') needs one of numeric, categorical, boolean, datetime, text "
            "for 'type'.",
        ),
        (
            [{"column": "age", "rule": "not_null", "min": 1}],
            "Rule 1 (not_null on 'age') has an unexpected field 'min'; a not_null rule takes "
            "only 'column' and 'rule'.",
        ),
        (
            [{"column": "age", "rule": "range", "minimum": 1}],
            "Rule 1 (range on 'age') has an unexpected field 'minimum'; a range rule takes "
            "'column', 'rule', 'min' and 'max'.",
        ),
        (
            [*TWO_GOOD, {"column": "age", "rule": "not_null"}],
            "Rule 3 (not_null on 'age') repeats rule 2; keep one of them.",
        ),
    ],
)
def test_bad_rules_are_refused_with_one_sentence_naming_the_rule(data: Any, message: str) -> None:
    with pytest.raises(UserError) as refused:
        validation.parse_rules(data)
    assert refused.value.message == message


def test_rules_are_normalised_and_reading_them_again_changes_nothing() -> None:
    rules = validation.parse_rules(
        [
            {"rule": "allowed", "column": "size", "values": [3, 3.0, "3", 2.5, "L"]},
            {"column": "age", "rule": "range", "min": 18, "max": None},
            {"column": "age", "rule": "type", "type": "numeric"},
        ]
    )
    assert rules == [
        {"column": "size", "rule": "allowed", "values": ["3", "2.5", "L"]},
        {"column": "age", "rule": "range", "min": 18},
        {"column": "age", "rule": "type", "type": "numeric"},
    ]
    assert validation.parse_rules(rules) == rules
    assert validation.parse_rules([]) == []


def test_a_rule_file_that_is_not_json_or_missing_is_refused_plainly(tmp_path: Path) -> None:
    broken = tmp_path / "rules.json"
    broken.write_text('[{"column": "age", "rule": ', encoding="utf-8")
    with pytest.raises(
        UserError, match=r"^rules\.json is not valid JSON: Expecting value at line 1"
    ):
        validation.read_rules(broken)
    with pytest.raises(UserError, match=r"^There is no file .*missing\.json\.$"):
        validation.read_rules(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(TWO_GOOD), encoding="utf-8")
    assert validation.read_rules(good) == TWO_GOOD


# --- proposing rules -----------------------------------------------------------------------------


def _customers(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    age = rng.integers(18, 90, n).astype(float)
    age[3] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(101, 101 + n),
            "code": [f"C-{i:04d}" for i in range(n)],
            "age": age,
            "price": rng.normal(20, 5, n).round(3),
            "color": rng.choice(["red", "green", "blue"], n),
            "city": [f"city {i % 12}" for i in range(n)],
            "member": rng.choice(["yes", "no"], n),
            "joined": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        }
    )


def test_rules_proposed_from_a_real_profile(tmp_path: Path, import_and_load: ImportAndLoad) -> None:
    path = tmp_path / "customers.csv"
    _customers().to_csv(path, index=False)
    imported = import_and_load(path, "customers")
    schema = [{"name": name, "type": kind} for name, kind in imported.types.items()]
    proposed = validation.propose(schema, imported.profile)
    by_column: dict[str, list[dict[str, Any]]] = {}
    for rule in proposed:
        by_column.setdefault(rule["column"], []).append(rule)

    def kinds(column: str) -> list[str]:
        return [rule["rule"] for rule in by_column[column]]

    assert [rule["column"] for rule in proposed if rule["rule"] == "type"] == list(imported.types)
    assert kinds("id") == ["type", "not_null", "unique", "range"]  # numbered 101, 102, …
    assert kinds("code") == ["type", "not_null", "unique"]
    assert kinds("age") == ["type", "range"]  # one age is missing
    assert kinds("price") == ["type", "not_null", "range"]  # all different, but a measurement
    assert kinds("color") == ["type", "not_null", "allowed"]
    assert by_column["color"][-1]["values"] == ["blue", "green", "red"]
    assert kinds("city") == ["type", "not_null"]  # 12 labels: the profile lists the top 10 only
    assert by_column["member"] == [
        {"column": "member", "rule": "type", "type": "boolean"},
        {"column": "member", "rule": "not_null"},
    ]
    assert kinds("joined") == ["type", "not_null"]
    age = imported.frame["age"]
    assert by_column["age"][1] == {
        "column": "age",
        "rule": "range",
        "min": float(age.min()),
        "max": float(age.max()),
    }
    assert validation.parse_rules(proposed) == proposed  # what a rule file may hold
    assert validation.check(imported.frame, schema, proposed)["passed"]


# --- checking a table ----------------------------------------------------------------------------

SCHEMA = [
    {"name": "id", "type": "numeric"},
    {"name": "age", "type": "numeric"},
    {"name": "color", "type": "categorical"},
    {"name": "score", "type": "categorical"},
]
FRAME = pd.DataFrame(
    {
        "id": [1, 2, 2, 4, 1, 6],
        "age": [30.0, np.nan, 17.0, 45.0, 120.0, np.nan],
        "color": pd.Series(["red", "blue", None, "pink", "red", "teal"], dtype="str"),
        "score": pd.Series(["10", "n/a", "7.5", None, "unknown", "3"], dtype="str"),
    }
)


def _one(rule: dict[str, Any], frame: pd.DataFrame = FRAME) -> dict[str, Any]:
    report = validation.check(frame, SCHEMA, [rule])
    assert report["rows"] == len(frame)
    [result] = report["checks"]
    assert report["passed"] is result["passed"]
    assert {"column", "rule", "passed", "failures", "examples", "explanation"} <= set(result)
    assert result["explanation"].endswith(".") and "\n" not in result["explanation"]
    json.dumps(result, allow_nan=False)
    return result


@pytest.mark.parametrize(
    ("rule", "failures", "examples", "explanation"),
    [
        (
            {"column": "age", "rule": "not_null"},
            2,
            [(2, None), (6, None)],
            "'age' is empty in 2 rows of 6.",
        ),
        (
            {"column": "id", "rule": "unique"},
            2,
            [(3, 2), (5, 1)],
            "2 rows of 'id' repeat a value of an earlier row.",
        ),
        (
            {"column": "age", "rule": "range", "min": 18, "max": 90},
            2,
            [(3, 17.0), (5, 120.0)],
            "2 values of 'age' are outside 18 to 90.",
        ),
        (
            {"column": "age", "rule": "range", "max": 100},
            1,
            [(5, 120.0)],
            "1 value of 'age' is above 100.",
        ),
        (
            {"column": "color", "rule": "allowed", "values": ["red", "blue"]},
            2,
            [(4, "pink"), (6, "teal")],
            "2 values of 'color' are not one of red, blue.",
        ),
        (
            {"column": "id", "rule": "allowed", "values": ["1", "2", "4"]},
            1,
            [(6, 6)],
            "1 value of 'id' is not one of 1, 2, 4.",
        ),
        (
            {"column": "score", "rule": "type", "type": "numeric"},
            2,
            [(2, "n/a"), (5, "unknown")],
            "'score' was read as categorical instead of numeric: 2 values are not numbers.",
        ),
        (
            {"column": "age", "rule": "type", "type": "categorical"},
            4,
            [(1, 30.0), (3, 17.0), (4, 45.0), (5, 120.0)],
            "'age' was read as numeric instead of categorical (4 values).",
        ),
    ],
)
def test_each_rule_counts_the_rows_breaking_it_with_examples(
    rule: dict[str, Any], failures: int, examples: list[tuple[int, Any]], explanation: str
) -> None:
    result = _one(rule)
    assert result["passed"] is False
    assert result["failures"] == failures
    assert [(e["row"], e["value"]) for e in result["examples"]] == examples
    assert result["explanation"] == explanation


@pytest.mark.parametrize(
    ("rule", "explanation"),
    [
        ({"column": "color", "rule": "not_null"}, None),
        ({"column": "id", "rule": "not_null"}, "'id' has a value in every row."),
        ({"column": "color", "rule": "unique"}, None),
        ({"column": "age", "rule": "range", "min": 0}, "Every value of 'age' is at least 0."),
        (
            {"column": "color", "rule": "allowed", "values": ["red", "blue", "pink", "teal"]},
            "Every value of 'color' is one of red, blue, pink, teal.",
        ),
        ({"column": "age", "rule": "type", "type": "numeric"}, "Every value of 'age' is a number."),
    ],
)
def test_a_rule_the_data_keeps_passes(rule: dict[str, Any], explanation: str | None) -> None:
    result = _one(rule)
    if explanation is None:  # the column breaks it: the kept rule is checked on the rows below
        result = _one(rule, FRAME.iloc[[0, 1]])
    else:
        assert result["explanation"] == explanation
    assert (result["passed"], result["failures"], result["examples"]) == (True, 0, [])


def test_no_more_than_five_examples_are_kept() -> None:
    frame = pd.DataFrame({"age": [200.0] * 12})
    result = validation.check(
        frame,
        [{"name": "age", "type": "numeric"}],
        [{"column": "age", "rule": "range", "max": 100}],
    )["checks"][0]
    assert result["failures"] == 12
    assert [e["row"] for e in result["examples"]] == [1, 2, 3, 4, 5]


def test_a_rule_about_a_missing_column_fails_and_says_so() -> None:
    report = validation.check(
        FRAME,
        SCHEMA,
        [{"column": "age", "rule": "not_null"}, {"column": "income", "rule": "not_null"}],
    )
    missing = report["checks"][1]
    assert report["passed"] is False
    assert missing == {
        "column": "income",
        "rule": "not_null",
        "passed": False,
        "failures": 6,
        "examples": [],
        "explanation": "'income' is not in this version, so its not_null rule cannot be checked.",
    }


def test_an_empty_table_passes_every_rule_about_its_columns() -> None:
    rules = [
        {"column": "id", "rule": "unique"},
        {"column": "age", "rule": "not_null"},
        {"column": "age", "rule": "range", "min": 0, "max": 1},
        {"column": "color", "rule": "allowed", "values": ["red"]},
        {"column": "score", "rule": "type", "type": "numeric"},
    ]
    report = validation.check(FRAME.iloc[0:0], SCHEMA, rules)
    assert report["passed"] is True and report["rows"] == 0
    assert [c["failures"] for c in report["checks"]] == [0] * 5
    assert validation.check(FRAME, SCHEMA, []) == {"passed": True, "rows": 6, "checks": []}


def test_a_million_rows_check_in_well_under_a_second_per_rule() -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "label": pd.Series(rng.choice(["a", "b", "c", "d"], n), dtype="str"),
        }
    )
    schema = [
        {"name": "id", "type": "numeric"},
        {"name": "x", "type": "numeric"},
        {"name": "label", "type": "categorical"},
    ]
    rules = validation.parse_rules(
        [
            {"column": "id", "rule": "unique"},
            {"column": "x", "rule": "not_null"},
            {"column": "x", "rule": "range", "min": -3, "max": 3},
            {"column": "label", "rule": "allowed", "values": ["a", "b", "c"]},
            {"column": "label", "rule": "type", "type": "numeric"},
        ]
    )
    for rule in rules:
        began = time.perf_counter()
        result = validation.check(frame, schema, [rule])["checks"][0]
        elapsed = time.perf_counter() - began
        assert elapsed < 1.0, (rule, elapsed)
    assert result["failures"] == n  # not one label is a number


# --- properties ----------------------------------------------------------------------------------

_numbers = st.one_of(st.none(), st.integers(-(10**6), 10**6))
_floats = st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False))
_labels = st.one_of(st.none(), st.sampled_from(["red", "green", "blue", "x", "ü", ""]))
_flags = st.one_of(st.none(), st.booleans())


@st.composite
def _tables(draw: st.DrawFn) -> tuple[pa.Table, list[dict[str, str]]]:
    n = draw(st.integers(0, 40))
    first = draw(st.integers(-5, 5))
    columns = {
        "count": pa.array(draw(st.lists(_numbers, min_size=n, max_size=n)), pa.int64()),
        "serial": pa.array(draw(st.permutations(range(first, first + n))), pa.int64()),
        "amount": pa.array(draw(st.lists(_floats, min_size=n, max_size=n)), pa.float64()),
        "color": pa.array(draw(st.lists(_labels, min_size=n, max_size=n)), pa.string()),
        "flag": pa.array(draw(st.lists(_flags, min_size=n, max_size=n)), pa.bool_()),
    }
    schema = [
        {"name": "count", "type": "numeric"},
        {"name": "serial", "type": "numeric"},
        {"name": "amount", "type": "numeric"},
        {"name": "color", "type": "categorical"},
        {"name": "flag", "type": "boolean"},
    ]
    return pa.table(columns), schema


@settings(max_examples=150, deadline=None)
@given(_tables())
def test_rules_proposed_from_a_table_always_pass_on_that_table(
    drawn: tuple[pa.Table, list[dict[str, str]]],
) -> None:
    table, schema = drawn
    summary = profile(table, [c["type"] for c in schema], {})
    rules = validation.propose(schema, summary)
    report = validation.check(table.to_pandas(), schema, rules)
    assert report["passed"], [c for c in report["checks"] if not c["passed"]]


@st.composite
def _any_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rules of every kind about the columns of ``_tables``, some of them kept, some broken."""
    bound = st.one_of(st.none(), st.integers(-(10**6), 10**6))
    rules: list[dict[str, Any]] = []
    for column in ("count", "serial", "amount", "color", "flag"):
        rules.append({"column": column, "rule": "not_null"})
        rules.append({"column": column, "rule": "unique"})
        rules.append(
            {
                "column": column,
                "rule": "type",
                "type": draw(st.sampled_from(list(validation.TYPE_WORDS))),
            }
        )
        low, high = draw(bound), draw(bound)
        if column != "color" and (low is not None or high is not None):
            limits = {"min": low, "max": high}
            rules.append(
                {
                    "column": column,
                    "rule": "range",
                    **{k: v for k, v in limits.items() if v is not None},
                }
            )
    labels = draw(st.lists(st.sampled_from(["red", "green", "blue", "x", "ü", ""]), unique=True))
    rules.append({"column": "color", "rule": "allowed", "values": labels})
    return [rule for rule in rules if draw(st.booleans())]


@settings(max_examples=200, deadline=None)
@given(_tables(), _any_rules())
def test_an_import_table_is_checked_exactly_as_its_frame_is(
    drawn: tuple[pa.Table, list[dict[str, str]]], rules: list[dict[str, Any]]
) -> None:
    """An import checks its Arrow table, skipping columns that surely keep a rule; a stored
    version is checked as a pandas frame. Both give the same report."""
    table, schema = drawn
    rules = [r for r in rules if "min" not in r or "max" not in r or r["min"] <= r["max"]]
    summary = profile(table, [c["type"] for c in schema], {})
    expected = validation.check(table.to_pandas(), schema, rules)
    assert validation.check(table, schema, rules) == expected
    assert validation.check(table, schema, rules, profile=summary) == expected


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.just(math.nan), st.floats(-100, 100)), max_size=60),
    low=st.one_of(st.none(), st.floats(-50, 50)),
    high=st.one_of(st.none(), st.floats(0, 80)),
)
def test_range_failures_are_the_values_outside_counted_by_pandas(
    values: list[float | None], low: float | None, high: float | None
) -> None:
    if (low is None and high is None) or (low is not None and high is not None and low > high):
        return
    rule = validation.parse_rules([{"column": "v", "rule": "range", "min": low, "max": high}])
    frame = pd.DataFrame({"v": pd.Series(values, dtype="float64")})
    result = validation.check(frame, [{"name": "v", "type": "numeric"}], rule)["checks"][0]
    series = frame["v"]
    outside = series.notna() & (
        (series < (low if low is not None else -math.inf))
        | (series > (high if high is not None else math.inf))
    )
    assert result["failures"] == int(outside.sum())
    assert [e["row"] for e in result["examples"]] == [i + 1 for i in np.flatnonzero(outside)[:5]]


# --- checking requests ---------------------------------------------------------------------------


def test_request_rows_are_checked_against_the_rules_about_the_model_inputs() -> None:
    rules = validation.parse_rules(
        [
            {"column": "age", "rule": "not_null"},
            {"column": "age", "rule": "range", "min": 18, "max": 90},
            {"column": "age", "rule": "type", "type": "numeric"},  # enforced by the schema
            {"column": "id", "rule": "unique"},  # about a whole table, not a request
            {"column": "color", "rule": "allowed", "values": ["red", "blue"]},
            {"column": "income", "rule": "not_null"},  # not a model input
        ]
    )
    checker = validation.RowChecker(rules, ["color", "age", "id"])
    assert len(checker) == 3
    rows = [
        ["red", 30.0, 1.0],
        ["pink", 120.0, 1.0],
        [math.nan, math.nan, 2.0],
        [None, 17.5, 3.0],
    ]
    assert checker.check_rows(rows) == [
        None,
        [{"column": "age", "rule": "range"}, {"column": "color", "rule": "allowed"}],
        [{"column": "age", "rule": "not_null"}],
        [{"column": "age", "rule": "range"}],
    ]
    assert validation.RowChecker([], ["age"]).check_rows(rows) == [None] * 4


def test_violations_are_tallied_by_rule() -> None:
    age, color = {"column": "age", "rule": "range"}, {"column": "color", "rule": "allowed"}
    assert validation.tally([None, [age, color], [age], None, [color], [age]]) == {
        "rows": 4,
        "by_rule": [
            {"column": "age", "rule": "range", "rows": 3},
            {"column": "color", "rule": "allowed", "rows": 2},
        ],
    }
    assert validation.tally([]) == {"rows": 0, "by_rule": []}


# --- the store -----------------------------------------------------------------------------------


def _audit(ws: Workspace, action: str) -> list[dict[str, Any]]:
    with ws.store.read() as session:
        return [
            {"entity": e.entity, **e.details}
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def _stored_rules(ws: Workspace) -> list[list[dict[str, Any]]]:
    with ws.store.read() as session:
        return [list(r) for r in session.scalars(select(DatasetRules.rules))]


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_import_stores_the_proposed_rules_and_each_version_report(
    workspace: Workspace, tmp_path: Path
) -> None:
    first = _customers()
    datasets.import_file(workspace, _write(first, tmp_path / "v1.csv"), "customers")
    rules = dataset_rules.rules_of(workspace, "customers")
    assert _stored_rules(workspace) == [rules]
    assert _audit(workspace, "dataset.rules.proposed") == [
        {"entity": "dataset:customers", "rules": len(rules)}
    ]
    assert datasets.show(workspace, "customers")["validation"] == {
        "passed": True,
        "failed_checks": 0,
        "failed": [],
    }

    second = first.copy()
    second.loc[4, "color"] = "purple"
    second.loc[7, "id"] = 101  # the ID of the first row again
    second = pd.concat([second, first.iloc[[0]].assign(price=1e6)], ignore_index=True)
    result = datasets.import_file(workspace, _write(second, tmp_path / "v2.csv"), "customers")
    assert (result.created, result.version) == (True, 2)  # a failed check never blocks
    assert dataset_rules.rules_of(workspace, "customers") == rules  # the first version's, kept
    shown = datasets.show(workspace, "customers@2")["validation"]
    assert (shown["passed"], shown["failed_checks"]) == (False, 4)
    failed = {(c["column"], c["rule"]): c for c in shown["failed"]}
    assert set(failed) == {
        ("color", "allowed"),
        ("id", "unique"),
        ("code", "unique"),
        ("price", "range"),
    }
    assert failed["color", "allowed"]["examples"] == [{"row": 5, "value": "purple"}]
    assert [e["row"] for e in failed["id", "unique"]["examples"]] == [8, 31]
    assert failed["code", "unique"]["examples"] == [{"row": 31, "value": "C-0000"}]
    assert failed["price", "range"]["examples"] == [{"row": 31, "value": 1e6}]
    imports = _audit(workspace, "dataset.import")
    assert [(e["entity"], e["validation_passed"]) for e in imports] == [
        ("dataset:customers@1", True),
        ("dataset:customers@2", False),
    ]
    assert len(_audit(workspace, "dataset.rules.proposed")) == 1


def test_rules_changed_while_a_version_is_checked_are_the_ones_its_report_uses(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _customers()
    datasets.import_file(workspace, _write(first, tmp_path / "v1.csv"), "customers")
    stale = validation.parse_rules([{"column": "code", "rule": "not_null"}])
    monkeypatch.setattr(validation, "rules_for_version", lambda *args: stale)
    second = first.assign(age=first["age"] + 100)
    datasets.import_file(workspace, _write(second, tmp_path / "v2.csv"), "customers")
    shown = datasets.show(workspace, "customers@2")["validation"]
    assert [(c["column"], c["rule"]) for c in shown["failed"]] == [("age", "range")]


def test_set_rules_checks_them_first_and_audits_the_change(
    workspace: Workspace, tmp_path: Path
) -> None:
    datasets.import_file(workspace, _write(_customers(), tmp_path / "v1.csv"), "customers")
    before = _stored_rules(workspace)
    bad = [{"column": "age", "rule": "not_null"}, {"column": "age", "rule": "range", "min": "x"}]
    with pytest.raises(UserError, match=r"^Rule 2 \(range on 'age'\) needs a number for 'min'\.$"):
        dataset_rules.set_rules(workspace, "customers", bad)
    assert _stored_rules(workspace) == before
    assert _audit(workspace, "dataset.rules") == []
    with pytest.raises(UserError, match=r"^There is no dataset named 'nobody'\.$"):
        dataset_rules.set_rules(workspace, "nobody", [])

    saved = dataset_rules.set_rules(
        workspace, "customers@1", [{"column": "age", "rule": "not_null"}]
    )
    assert saved == [{"column": "age", "rule": "not_null"}]
    assert dataset_rules.rules_of(workspace, "customers") == saved
    assert _audit(workspace, "dataset.rules") == [{"entity": "dataset:customers", "rules": 1}]


def test_validate_with_given_rules_changes_nothing_and_with_the_dataset_rules_updates_the_report(
    workspace: Workspace, tmp_path: Path
) -> None:
    datasets.import_file(workspace, _write(_customers(), tmp_path / "v1.csv"), "customers")

    def store_state() -> tuple[Any, ...]:
        with workspace.store.read() as session:
            return (
                session.scalar(select(DatasetVersion.validation)),
                session.scalar(select(func.count()).select_from(AuditEvent)),
                _stored_rules(workspace),
            )

    before = store_state()
    given = dataset_rules.validate(workspace, "customers", [{"column": "age", "rule": "not_null"}])
    assert (given["name"], given["version"], given["rules_from"]) == ("customers", 1, "given")
    assert given["passed"] is False
    assert given["checks"][0]["examples"] == [{"row": 4, "value": None}]
    assert store_state() == before

    dataset_rules.set_rules(workspace, "customers", [{"column": "age", "rule": "not_null"}])
    checked = dataset_rules.validate(workspace, "customers")
    assert checked["rules_from"] == "dataset" and checked["passed"] is False
    assert datasets.show(workspace, "customers")["validation"]["failed_checks"] == 1
    assert _audit(workspace, "dataset.validate") == [
        {"entity": "dataset:customers@1", "passed": False, "failed_checks": 1}
    ]


def test_a_dataset_from_before_rules_gets_them_proposed_from_its_first_version(
    workspace: Workspace, tmp_path: Path
) -> None:
    first = _customers()
    datasets.import_file(workspace, _write(first, tmp_path / "v1.csv"), "customers")
    proposed = dataset_rules.rules_of(workspace, "customers")
    with workspace.store.write() as session:  # as a workspace made before rules existed
        session.execute(DatasetRules.__table__.delete())
        session.execute(DatasetVersion.__table__.update().values(validation=None))
    assert datasets.show(workspace, "customers")["validation"] is None
    assert dataset_rules.rules_of(workspace, "customers") == proposed
    assert _stored_rules(workspace) == []  # reading them stores nothing

    second = first.assign(price=first["price"] * 100)
    datasets.import_file(workspace, _write(second, tmp_path / "v2.csv"), "customers")
    assert _stored_rules(workspace) == [proposed]  # the first version's, not the new one's
    failed = datasets.show(workspace, "customers@2")["validation"]["failed"]
    assert [(c["column"], c["rule"]) for c in failed] == [("price", "range")]
