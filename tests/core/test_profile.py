"""Column profiles agree with pandas' own statistics on the same data, and the plain-language warnings
fire on constant, ID-like, mostly-missing and empty columns — and not on ordinary ones."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def _assert_matches_pandas(entry: dict, series: pd.Series) -> None:
    assert entry["missing"] == int(series.isna().sum())
    assert entry["missing_share"] == pytest.approx(series.isna().mean())
    assert entry["unique"] == series.nunique(dropna=True)
    if entry["type"] == "numeric":
        values = series.astype(float)
        assert entry["min"] == pytest.approx(values.min(), rel=1e-12)
        assert entry["max"] == pytest.approx(values.max(), rel=1e-12)
        assert entry["mean"] == pytest.approx(values.mean(), rel=1e-9)
        assert entry["median"] == pytest.approx(values.median(), rel=1e-12)
        assert entry["std"] == pytest.approx(values.std(), rel=1e-9)  # pandas: ddof=1
        histogram = entry["histogram"]
        assert sum(histogram["counts"]) == values.notna().sum()
        assert histogram["edges"][0] == pytest.approx(values.min())
        assert histogram["edges"][-1] == pytest.approx(values.max())


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.csv")))
def test_sample_profiles_match_pandas(sample: str, import_and_load) -> None:
    imported = import_and_load(SAMPLES / sample)
    expected = pd.read_csv(SAMPLES / sample)
    assert imported.profile["rows"] == len(expected)
    assert imported.record["rows"] == len(expected)
    assert [c["name"] for c in imported.record["columns"]] == list(expected.columns)
    for column in expected.columns:
        _assert_matches_pandas(imported.profiled(column), expected[column])


def test_profile_with_missing_values_matches_pandas(tmp_path: Path, import_and_load) -> None:
    rng = np.random.default_rng(7)
    n = 200
    frame = pd.DataFrame(
        {
            "x": rng.normal(50, 12, n).round(3),
            "k": rng.integers(-5, 30, n),
            "grade": rng.choice(["A", "B", "C", "D"], n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    frame.loc[rng.choice(n, 23, replace=False), "x"] = np.nan
    frame.loc[rng.choice(n, 11, replace=False), "grade"] = None
    path = tmp_path / "frame.csv"
    frame.to_csv(path, index=False)

    imported = import_and_load(path)
    for column in frame.columns:
        _assert_matches_pandas(imported.profiled(column), frame[column])
    top = {t["value"]: t["count"] for t in imported.column("grade")["top"]}
    assert top == frame["grade"].value_counts().to_dict()
    assert imported.column("x")["missing"] == 23


def test_datetime_profile_has_the_range(tmp_path: Path, import_and_load) -> None:
    path = tmp_path / "d.csv"
    path.write_text("day\n2024-03-01\n2023-12-31\n\n2024-07-15\n")
    entry = import_and_load(path).column("day")
    assert entry["type"] == "datetime"
    assert entry["min"].startswith("2023-12-31")
    assert entry["max"].startswith("2024-07-15")
    assert entry["unique"] == 3


def _warnings_for(tmp_path: Path, import_and_load, frame: pd.DataFrame) -> dict[str, list[str]]:
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    imported = import_and_load(path)
    return {c["name"]: c["warnings"] for c in imported.record["columns"]}


def test_warnings_in_plain_words(tmp_path: Path, import_and_load) -> None:
    n = 50
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "code": [f"C{i:04d}" for i in range(n)],
            "country": ["NL"] * n,
            "income": [None if i % 5 < 2 else 1000.0 + i for i in range(n)],
            "height": rng.normal(170, 10, n).round(4),  # a measurement: unique per row, not an ID
            "segment": [["a", "b"][i % 2] for i in range(n)],
            "nothing": [None] * n,
        }
    )
    warnings = _warnings_for(tmp_path, import_and_load, frame)

    assert any("same value in every row" in w for w in warnings["country"])
    assert any("like an ID" in w for w in warnings["customer_id"])
    assert any("like an ID" in w for w in warnings["code"])
    assert any("missing in 20 rows (40.0 %)" in w for w in warnings["income"])
    assert any("every value is missing" in w for w in warnings["nothing"])
    assert warnings["height"] == []
    assert warnings["segment"] == []
    # each warning names its column so it reads on its own
    for name, found in warnings.items():
        assert all(f"'{name}'" in w for w in found)


def test_no_id_warning_on_small_tables_or_with_repeats(tmp_path: Path, import_and_load) -> None:
    frame = pd.DataFrame({"id": list(range(10)), "v": [1, 2] * 5})
    assert _warnings_for(tmp_path, import_and_load, frame)["id"] == []
    frame = pd.DataFrame({"id": [*range(39), 0], "v": [1, 2] * 20})
    assert _warnings_for(tmp_path, import_and_load, frame)["id"] == []


def test_a_few_missing_values_warn_too_with_their_count(tmp_path: Path, import_and_load) -> None:
    """Issue 15: a novice must hear of every gap, not only of columns a third empty."""
    frame = pd.DataFrame({"x": [None if i < 5 else float(i % 7) for i in range(50)]})
    warnings = _warnings_for(tmp_path, import_and_load, frame)
    assert warnings["x"] == [
        "'x' is missing in 5 rows (10.0 %): fill the gaps or leave the column out."
    ]


@pytest.mark.parametrize(
    "values",
    [
        [1_700_000_000_000] * 30,  # the same export time in milliseconds on every row
        [2**53, 2**53 + 2, 2**53],  # large numbers closer together than 20 float bins allow
        [123_456_789_012.5],  # a single row
        [-1.7e308, 1.7e308],  # a range wider than a float can hold
    ],
)
@pytest.mark.filterwarnings("error")  # a warning would reach the analyst's terminal
def test_large_nearly_constant_numbers_profile_without_error(
    tmp_path: Path, import_and_load, values: list[float]
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("n,k\n" + "".join(f"{v},{i % 2}\n" for i, v in enumerate(values)))
    imported = import_and_load(path)
    entry = imported.profiled("n")
    assert entry["min"] == pytest.approx(float(min(values)))
    assert entry["max"] == pytest.approx(float(max(values)))
    assert sum(entry["histogram"]["counts"]) == len(values)
    edges = entry["histogram"]["edges"]
    assert edges[0] <= entry["min"] and edges[-1] >= entry["max"]
    if len(set(values)) == 1 and len(values) >= 20:
        assert any("same value in every row" in w for w in entry["warnings"])


def test_64_bit_integer_ids_import_and_profile(tmp_path: Path, import_and_load) -> None:
    """Order or message IDs of 19 digits exceed what a float holds exactly; import must not fail."""
    ids = [1_790_000_000_000_000_000 + 7 * i for i in range(25)]
    path = tmp_path / "orders.csv"
    path.write_text("order_id,qty\n" + "".join(f"{v},{i % 3}\n" for i, v in enumerate(ids)))
    imported = import_and_load(path)
    assert imported.frame["order_id"].tolist() == ids  # stored exactly
    entry = imported.profiled("order_id")
    assert entry["min"] == pytest.approx(float(ids[0]))
    assert entry["max"] == pytest.approx(float(ids[-1]))
    assert entry["unique"] == len(ids)
    assert any("like an ID" in w for w in entry["warnings"])
