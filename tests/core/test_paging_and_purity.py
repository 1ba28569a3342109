"""The lazy table view's pager returns exactly the stored values, across row-group boundaries; and the
core imports without Qt (the GUI is optional for every core service)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.paging import ParquetPager

REPO = Path(__file__).resolve().parents[2]


def test_pager_cells_match_the_stored_rows(tmp_path: Path, workspace) -> None:
    n = 40_000  # several row groups
    frame = pd.DataFrame(
        {
            "i": range(n),
            "x": [None if i % 11 == 0 else i / 4 for i in range(n)],
            "label": [None if i % 13 == 0 else f"L{i % 5}" for i in range(n)],
        }
    )
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(workspace, path, "rows")
    version = datasets.get_version(workspace, "rows")

    pager = ParquetPager(datasets.parquet_path(workspace, version))
    try:
        assert pager.n_rows == n
        assert pager.columns == ["i", "x", "label"]
        rows = [0, 1, 16_383, 16_384, 16_385, 32_767, 32_768, n - 1, 12_345, 39_000, 0]
        for row in rows:
            assert pager.cell(row, 0) == row
            expected_x = frame.at[row, "x"]
            assert pager.cell(row, 1) == (None if pd.isna(expected_x) else expected_x)
            expected_label = frame.at[row, "label"]
            assert pager.cell(row, 2) == (None if pd.isna(expected_label) else expected_label)
    finally:
        pager.close()


def _runs_cleanly(code: str) -> None:
    """``code`` in a fresh interpreter (so no module is imported already) exits without error."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_core_services_import_without_qt() -> None:
    code = (
        "import sys\n"
        "import mlops_desktop.core.data.datasets, mlops_desktop.core.workspace, "
        "mlops_desktop.core.data.profiling, mlops_desktop.core.data.paging, mlops_desktop.core.experiments.plots\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', "
        "'mlops_desktop.ui')) or m == 'matplotlib.pyplot')\n"
        "assert not bad, bad\n"
    )
    _runs_cleanly(code)


def test_datasets_import_without_scikit_learn() -> None:
    """Importing, preparing and checking data needs no scikit-learn, whose import alone takes
    about 0.7 s: the command line's dataset commands and the worker processes start without it."""
    code = (
        "import sys\n"
        "import mlops_desktop.core.data.datasets, mlops_desktop.core.data.recipes, "
        "mlops_desktop.core.data.validation\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    _runs_cleanly(code)
