"""Type detection: the five column types are guessed the way an analyst would name them, a type can be
overridden (values that do not fit become missing and are counted), and mixed columns are flagged."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.column_types import guess_type
from mlops_desktop.core.data.reading import FormatChoices
from mlops_desktop.core.errors import UserError

N = 40


def _mixed_table(path: Path) -> dict[str, list[object]]:
    """A 40-row table with one column of each kind; returns the values it was written from."""
    start = dt.date(2024, 1, 1)
    columns: dict[str, list[object]] = {
        "amount": [round(i * 1.25 + 0.5, 2) for i in range(N)],
        "quantity": [i % 7 for i in range(N)],
        "segment": [["retail", "wholesale", "online"][i % 3] for i in range(N)],
        "active": [["true", "false"][i % 2] for i in range(N)],
        "iso_day": [(start + dt.timedelta(days=3 * i)).isoformat() for i in range(N)],
        "eu_day": [(start + dt.timedelta(days=5 * i)).strftime("%d/%m/%Y") for i in range(N)],
        "stamp": [
            (dt.datetime(2024, 3, 1, 8, 0) + dt.timedelta(hours=7 * i)).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            for i in range(N)
        ],
        "comment": [
            f"Customer {i} wrote a long free-text remark about delivery number {i * 17}"
            for i in range(N)
        ],
    }
    lines = [",".join(columns)] + [
        ",".join(str(columns[name][row]) for name in columns) for row in range(N)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return columns


EXPECTED_TYPES = {
    "amount": "numeric",
    "quantity": "numeric",
    "segment": "categorical",
    "active": "boolean",
    "iso_day": "datetime",
    "eu_day": "datetime",
    "stamp": "datetime",
    "comment": "text",
}


def test_preview_and_import_detect_each_type(tmp_path: Path, import_and_load) -> None:
    path = tmp_path / "mixed.csv"
    _mixed_table(path)

    shown = datasets.preview(path)
    assert {c.name: c.type for c in shown.columns} == EXPECTED_TYPES
    imported = import_and_load(path)
    assert imported.types == EXPECTED_TYPES
    assert [c["type"] for c in imported.record["columns"]] == list(EXPECTED_TYPES.values())


def test_detected_types_are_stored_with_the_right_values(tmp_path: Path, import_and_load) -> None:
    path = tmp_path / "mixed.csv"
    written = _mixed_table(path)

    frame = import_and_load(path).frame
    assert frame["amount"].tolist() == written["amount"]
    assert frame["quantity"].tolist() == written["quantity"]
    assert frame["segment"].tolist() == written["segment"]
    assert frame["active"].tolist() == [value == "true" for value in written["active"]]
    assert frame["comment"].tolist() == written["comment"]
    assert pd.api.types.is_datetime64_any_dtype(frame["iso_day"])
    assert [d.date().isoformat() for d in frame["iso_day"]] == written["iso_day"]
    # day-first dates: 05/01/2024 is the 5th of January, not the 1st of May
    assert [d.strftime("%d/%m/%Y") for d in frame["eu_day"]] == written["eu_day"]
    assert [d.strftime("%Y-%m-%d %H:%M:%S") for d in frame["stamp"]] == written["stamp"]


def test_day_first_dates_read_day_first_even_when_the_first_rows_are_ambiguous(
    tmp_path: Path, import_and_load
) -> None:
    path = tmp_path / "days.csv"
    path.write_text("day,v\n01/02/2024,1\n03/04/2024,2\n25/12/2024,3\n", encoding="utf-8")

    imported = import_and_load(path)
    assert imported.types["day"] == "datetime"
    assert imported.frame["day"].tolist() == [
        pd.Timestamp(2024, 2, 1),
        pd.Timestamp(2024, 4, 3),
        pd.Timestamp(2024, 12, 25),
    ]


def test_month_first_dates_read_month_first(tmp_path: Path, import_and_load) -> None:
    path = tmp_path / "us_days.csv"
    path.write_text("day,v\n01/02/2024,1\n12/25/2024,2\n", encoding="utf-8")

    imported = import_and_load(path)
    assert imported.frame["day"].tolist() == [pd.Timestamp(2024, 1, 2), pd.Timestamp(2024, 12, 25)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pa.chunked_array([[1, 2, 3]]), "numeric"),
        (pa.chunked_array([[1.5, None]]), "numeric"),
        (pa.chunked_array([[True, False, None]]), "boolean"),
        (pa.chunked_array([[dt.datetime(2024, 1, 1)]]), "datetime"),
        (pa.chunked_array([[dt.date(2024, 1, 1)]]), "datetime"),
        (pa.chunked_array([["a", "b", "a", "b", "a", "b"]]), "categorical"),
        (pa.chunked_array([[None, None]], pa.string()), "categorical"),
        (pa.chunked_array([["2024-01-01", "2024-02-01"]]), "datetime"),
    ],
)
def test_guess_type_from_arrow_columns(values: pa.ChunkedArray, expected: str) -> None:
    assert guess_type("c", values).type == expected


def test_many_distinct_short_strings_are_text_and_few_are_categorical() -> None:
    assert guess_type("id", pa.chunked_array([[f"id-{i}" for i in range(100)]])).type == "text"
    labels = [["low", "mid", "high"][i % 3] for i in range(100)]
    assert guess_type("level", pa.chunked_array([labels])).type == "categorical"


class TestOverride:
    TEXT = "x,code,answer,when\n1,10,yes,2024-01-01\n2,20,no,2024-01-02\nthree,30,maybe,soon\n4,40,yes,2024-01-04\n"

    def test_override_to_numeric_counts_values_that_became_missing(
        self, tmp_path: Path, import_and_load
    ) -> None:
        path = tmp_path / "o.csv"
        path.write_text(self.TEXT)

        choices = FormatChoices(column_types={"x": "numeric"})
        assert {c.name: c.type for c in datasets.preview(path, choices).columns}["x"] == "numeric"
        imported = import_and_load(path, choices=choices)
        assert imported.types["x"] == "numeric"
        assert imported.result.converted_to_missing == {"x": 1}
        values = imported.frame["x"].tolist()
        assert values[:2] == [1.0, 2.0] and pd.isna(values[2]) and values[3] == 4.0
        assert imported.column("x")["missing"] == 1

    def test_override_to_boolean_and_datetime(self, tmp_path: Path, import_and_load) -> None:
        path = tmp_path / "o.csv"
        path.write_text(self.TEXT)

        choices = FormatChoices(column_types={"answer": "boolean", "when": "datetime"})
        imported = import_and_load(path, choices=choices)
        assert imported.types["answer"] == "boolean"
        assert imported.types["when"] == "datetime"
        assert imported.result.converted_to_missing == {"answer": 1, "when": 1}
        answers = imported.frame["answer"].tolist()
        assert answers[:2] == [True, False]
        assert pd.isna(answers[2])
        assert imported.frame["when"].iloc[3] == pd.Timestamp(2024, 1, 4)
        assert pd.isna(imported.frame["when"].iloc[2])

    def test_override_numbers_to_categorical_keeps_their_text(
        self, tmp_path: Path, import_and_load
    ) -> None:
        path = tmp_path / "o.csv"
        path.write_text(self.TEXT)

        imported = import_and_load(
            path, choices=FormatChoices(column_types={"code": "categorical"})
        )
        assert imported.types["code"] == "categorical"
        assert imported.frame["code"].tolist() == ["10", "20", "30", "40"]
        assert imported.result.converted_to_missing == {}

    def test_numbers_cannot_become_dates(self, tmp_path: Path, workspace) -> None:
        path = tmp_path / "o.csv"
        path.write_text(self.TEXT)

        with pytest.raises(UserError, match="code"):
            datasets.import_file(
                workspace, path, "o", FormatChoices(column_types={"code": "datetime"})
            )
        assert datasets.list_datasets(workspace) == []

    @pytest.mark.parametrize(
        ("types", "fragment"),
        [
            ({"nope": "numeric"}, "no column named 'nope'"),
            ({"x": "money"}, "'money' is not a column type"),
        ],
    )
    def test_bad_overrides_are_refused(self, tmp_path: Path, workspace, types, fragment) -> None:
        path = tmp_path / "o.csv"
        path.write_text(self.TEXT)

        with pytest.raises(UserError, match=fragment):
            datasets.preview(path, FormatChoices(column_types=types))
        with pytest.raises(UserError, match=fragment):
            datasets.import_file(workspace, path, "o", FormatChoices(column_types=types))
        assert datasets.list_datasets(workspace) == []


def test_a_mostly_numeric_column_with_stray_text_is_flagged(
    tmp_path: Path, import_and_load
) -> None:
    values = [str(i) for i in range(30)] + ["n/d", "unknown"]
    path = tmp_path / "mixed.csv"
    path.write_text("reading\n" + "\n".join(values) + "\n")

    shown = datasets.preview(path)
    note = shown.columns[0].note
    assert note is not None and "mixed types" in note
    assert "'unknown'" in note or "'n/d'" in note

    imported = import_and_load(path)
    warnings = imported.column("reading")["warnings"]
    assert any("mixed types" in w for w in warnings)
    # nothing is silently dropped: the stray values are still there
    assert "unknown" in imported.frame["reading"].tolist()


def test_clean_columns_get_no_mixed_types_note(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    _mixed_table(path)
    assert all(column.note is None for column in datasets.preview(path).columns)
