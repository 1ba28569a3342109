"""Every table model passes Qt's model tester, and the data model reads lazily."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pytestqt.modeltest import ModelTester

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.paging import ParquetPager
from mlops_desktop.ui.dialogs.import_dialog import ColumnTypesModel
from mlops_desktop.ui.models.tables import Column, DatasetRowsModel, RecordsModel
from mlops_desktop.ui.panes.datasets import PROFILE_COLUMNS, VERSION_COLUMNS
from mlops_desktop.ui.state import AppState
from tests.conftest import SAMPLES


def test_records_models_pass_the_model_tester(
    qtmodeltester: ModelTester, state: AppState, iris: object
) -> None:
    version = datasets.get_version(state.workspace, "iris")
    profile = RecordsModel(PROFILE_COLUMNS)
    profile.set_records(version.profile["columns"])
    qtmodeltester.check(profile)
    versions = RecordsModel(VERSION_COLUMNS)
    versions.set_records(datasets.versions(state.workspace, "iris"))
    qtmodeltester.check(versions)
    empty = RecordsModel([Column("Name", lambda r: r["name"])])
    qtmodeltester.check(empty)


def test_dataset_rows_model_passes_the_model_tester(
    qtmodeltester: ModelTester, state: AppState, iris: object
) -> None:
    version = datasets.get_version(state.workspace, "iris")
    model = DatasetRowsModel()
    model.set_pager(
        ParquetPager(datasets.parquet_path(state.workspace, version)),
        [c["type"] for c in version.schema],
    )
    qtmodeltester.check(model)
    model.set_pager(None)
    qtmodeltester.check(model)


def test_column_types_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = ColumnTypesModel()
    model.set_guesses(datasets.preview(SAMPLES / "wine.csv").columns)
    qtmodeltester.check(model)


def test_rows_are_read_one_column_of_one_row_group_at_a_time(tmp_path: Path) -> None:
    n = 100_000
    table = pa.table({"i": np.arange(n), "s": [f"row {k}" for k in range(n)]})
    path = tmp_path / "rows.parquet"
    pq.write_table(table, path, row_group_size=datasets.ROW_GROUP_ROWS)
    pager = ParquetPager(path)
    model = DatasetRowsModel()
    model.set_pager(pager, ["numeric", "text"])
    assert model.rowCount() == n
    assert model.index(n - 1, 1).data() == f"row {n - 1}"
    assert model.index(54_321, 0).data() == "54321"
    assert len(pager._cache) == 2  # only the two (row group, column) pieces that were looked at


def test_missing_values_are_shown_as_a_dash_in_grey(tmp_path: Path) -> None:
    path = tmp_path / "gaps.parquet"
    pd.DataFrame({"x": [1.0, None], "y": ["a", None]}).to_parquet(path)
    model = DatasetRowsModel()
    model.set_pager(ParquetPager(path), ["numeric", "categorical"])
    assert [model.index(1, c).data() for c in range(2)] == ["—", "—"]
    assert model.index(0, 1).data() == "a"


def test_columns_with_decimals_group_thousands_and_keep_gaps() -> None:
    rows = Column("Rows", lambda r: r["rows"], decimals=0)
    score = Column("Accuracy", lambda r: r["accuracy"], decimals=3)
    assert [rows.text({"rows": n}) for n in (7, 2110, 1_000_000)] == ["7", "2,110", "1,000,000"]
    assert [score.text({"accuracy": v}) for v in (1, 0.9722222, None)] == ["1.000", "0.972", "—"]


def test_the_filter_matches_what_the_cells_show() -> None:
    model = RecordsModel([Column("ROC AUC", lambda r: r["auc"], decimals=3)])
    model.set_records([{"auc": 1.0}, {"auc": 0.9722}])
    model.set_filter("1.000")  # as shown, though 1.0 is stored
    assert model.rowCount() == 1 and model.index(0, 0).data() == "1.000"
