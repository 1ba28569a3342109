"""Opening an imported 1,000,000-row dataset in the table view, and jumping around in it.

    python bench/bench_table.py [--rows N]

Imports the generated 1,000,000 × 25 CSV once (through the CLI, into a temporary workspace), then, each
in a fresh child process with QT_QPA_PLATFORM=offscreen:

- view: a QTableView set up like the Datasets pane's data table (fixed 22 px rows, 110 px columns)
  over ``DatasetRowsModel`` + ``ParquetPager``; time from creating the pager and model to the end of
  the view's first paint (a Paint event on its viewport, processed by the event loop). Then a jump to
  row 500,000, 20 random jumps, and 200 page-downs from there, each timed to the end of its repaint.
- pane: the real ``MainWindow`` with its Datasets pane on the Data tab, another (small) dataset
  selected; time from selecting the 1M-row dataset in the list to the end of the data table's first
  paint (includes loading the version record, profile table, versions list and opening the pager).
- baseline: the same view over a naive in-memory model (``pq.read_table(...).to_pandas()`` first,
  cells from ``DataFrame.iat``), which is what a non-lazy table would do; printed as a ratio.

Goal (issue 2): first paint ≤ 0.5 s. Scrolling: the longest single repaint is printed (≤ 50 ms keeps
the event loop bound of DESIGN.md).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

FIRST_PAINT_GOAL_S = 0.5
REPAINT_GOAL_S = 0.05
DATASET = "million"


# --- children ------------------------------------------------------------------------------------


class _PaintWatch:
    """Counts Paint events of a widget (its viewport), so a caller can run the loop until one is done."""

    def __init__(self, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        outer = self

        class Filter(QObject):
            def eventFilter(self, watched: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    outer.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)

    def wait(self, app: Any, since: int, timeout_s: float = 10.0) -> float:
        """Process events until a paint after ``since`` has been handled; returns the time then."""
        deadline = time.perf_counter() + timeout_s
        while self.count <= since:
            _common.process_events()
            if time.perf_counter() > deadline:
                raise TimeoutError("the view was never painted")
        return time.perf_counter()


def _setup_view(view: Any) -> None:
    from PySide6.QtWidgets import QHeaderView

    # As DatasetsPane sets up its data table.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setDefaultSectionSize(110)
    view.resize(1280, 800)


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _jump(app: Any, view: Any, watch: _PaintWatch, row: int) -> float:
    from PySide6.QtWidgets import QAbstractItemView

    model = view.model()
    before = watch.count
    started = time.perf_counter()
    view.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    return watch.wait(app, before) - started


def child_view(home: Path) -> dict[str, Any]:
    from PySide6.QtWidgets import QTableView

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.data.paging import ParquetPager
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.models.tables import DatasetRowsModel

    app = _app()
    workspace = Workspace(home)
    version = datasets.get_version(workspace, DATASET)
    path = datasets.parquet_path(workspace, version)
    types = [column["type"] for column in version.schema]

    started = time.perf_counter()
    model = DatasetRowsModel()
    model.set_pager(ParquetPager(path), types)
    view = QTableView()
    _setup_view(view)
    view.setModel(model)
    watch = _PaintWatch(view.viewport())
    view.show()
    first_paint = watch.wait(app, 0) - started

    middle = _jump(app, view, watch, 500_000)
    rng = random.Random(7)
    jumps = [_jump(app, view, watch, rng.randrange(model.rowCount() - 40)) for _ in range(20)]
    _jump(app, view, watch, 500_000)
    bar = view.verticalScrollBar()
    pages = []
    for _ in range(200):
        before = watch.count
        begun = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        pages.append(watch.wait(app, before) - begun)
    begun = time.perf_counter()
    view.grab()
    grab = time.perf_counter() - begun
    view.close()
    model.set_pager(None)
    workspace.close()
    return {
        "first_paint": first_paint,
        "middle": middle,
        "jumps": jumps,
        "pages": pages,
        "grab": grab,
        "rows": version.n_rows,
    }


def child_baseline(home: Path) -> dict[str, Any]:
    import pandas as pd
    import pyarrow.parquet as pq
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.models.tables import format_value

    class FrameModel(QAbstractTableModel):
        def __init__(self, frame: pd.DataFrame) -> None:
            super().__init__()
            self.frame = frame

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.frame)

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else self.frame.shape[1]

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            value = self.frame.iat[index.row(), index.column()]
            return format_value(None if pd.isna(value) else value)

        def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            if orientation == Qt.Orientation.Horizontal:
                return str(self.frame.columns[section])
            return str(section + 1)

    app = _app()
    workspace = Workspace(home)
    version = datasets.get_version(workspace, DATASET)
    path = datasets.parquet_path(workspace, version)
    started = time.perf_counter()
    model = FrameModel(pq.read_table(path).to_pandas())
    view = QTableView()
    _setup_view(view)
    view.setModel(model)
    watch = _PaintWatch(view.viewport())
    view.show()
    first_paint = watch.wait(app, 0) - started
    middle = _jump(app, view, watch, 500_000)
    view.close()
    workspace.close()
    return {"first_paint": first_paint, "middle": middle}


def child_pane(home: Path, config: Path) -> dict[str, Any]:
    from mlops_desktop.config import Settings
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import MainWindow
    from mlops_desktop.ui.state import AppState

    app = _app()
    settings = Settings(config / "settings.json")
    state = AppState(Workspace(home), settings)
    if hasattr(MainWindow, "attach"):  # frame first, panes once the workspace is open
        window = MainWindow(settings)
        window.attach(state)
    else:
        window = MainWindow(state)
    window.resize(1280, 800)
    window.show_pane("Datasets")
    pane = window.datasets_pane
    names = [record["name"] for record in pane.list_model.records]
    small = next(index for index, name in enumerate(names) if name != DATASET)
    pane.list_view.selectRow(small)
    pane.tabs.setCurrentWidget(pane.rows_view)
    watch = _PaintWatch(pane.rows_view.viewport())
    window.show()
    watch.wait(app, 0)
    for _ in range(5):
        _common.process_events()

    before = watch.count
    started = time.perf_counter()
    pane.list_view.selectRow(names.index(DATASET))
    first_paint = watch.wait(app, before) - started
    assert pane.rows_model.rowCount() > 1_000, "the big dataset was not shown"
    state.workers.shutdown()
    window.close()
    state.workspace.close()
    return {"first_paint": first_paint}


# --- parent --------------------------------------------------------------------------------------


def _child(mode: str, *args: str) -> dict[str, Any]:
    out = _common.run_child([__file__, "--child", mode, *args])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=_common.DEFAULT_ROWS)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--child", choices=["view", "pane", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "view":
        print(json.dumps(child_view(Path(args.dir))))
        return 0
    if args.child == "baseline":
        print(json.dumps(child_baseline(Path(args.dir))))
        return 0
    if args.child == "pane":
        print(json.dumps(child_pane(Path(args.dir), Path(args.config))))
        return 0

    csv = _common.generated_csv(args.rows)
    scratch = _common.temp_dir("table")
    home = scratch / "workspace"
    config = scratch / "config"
    env = _common.child_env(MLOPS_DESKTOP_CONFIG_DIR=str(config))
    started = time.perf_counter()
    _common.run_child(
        [
            "-m",
            "mlops_desktop",
            "datasets",
            "import",
            str(csv),
            "--name",
            DATASET,
            "--home",
            str(home),
        ],
        env=env,
    )
    samples = _common.REPO / "resources" / "samples"
    small = sorted(samples.glob("*.csv"))[0]
    _common.run_child(
        ["-m", "mlops_desktop", "datasets", "import", str(small), "--home", str(home)], env=env
    )
    print(
        f"imported {csv.name} into a temporary workspace in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"method: each measurement in a fresh child process (offscreen Qt), {args.runs} runs, "
        "median; a paint counts when the event loop has handled the viewport's Paint event"
    )

    views, panes, baselines = [], [], []
    for _ in range(args.runs):
        views.append(_child("view", "--dir", str(home)))
        panes.append(_child("pane", "--dir", str(home), "--config", str(config)))
        baselines.append(_child("baseline", "--dir", str(home)))
    shutil.rmtree(scratch, ignore_errors=True)

    view_first = _common.median([r["first_paint"] for r in views])
    pane_first = _common.median([r["first_paint"] for r in panes])
    base_first = _common.median([r["first_paint"] for r in baselines])
    middle = _common.median([r["middle"] for r in views])
    base_middle = _common.median([r["middle"] for r in baselines])
    jumps = [j for r in views for j in r["jumps"]]
    pages = [p for r in views for p in r["pages"]]
    repaints = sorted([*jumps, *pages, *(r["middle"] for r in views)], reverse=True)
    longest = repaints[0]
    over = sum(1 for seconds in repaints if seconds > REPAINT_GOAL_S)

    print()
    print(f"== first paint of {views[0]['rows']:,} rows ==")
    print(
        f"DatasetRowsModel + ParquetPager in a QTableView: median {_ms(view_first)} "
        f"[{', '.join(_ms(r['first_paint']) for r in views)}]  (goal ≤ {_ms(FIRST_PAINT_GOAL_S)})  "
        f"{_common.verdict(view_first <= FIRST_PAINT_GOAL_S)}"
    )
    print(
        f"Datasets pane, select the dataset → data table painted: median {_ms(pane_first)} "
        f"[{', '.join(_ms(r['first_paint']) for r in panes)}]  "
        f"{_common.verdict(pane_first <= FIRST_PAINT_GOAL_S)}"
    )
    print(
        f"baseline, whole table read into pandas first: median {_ms(base_first)}; "
        f"ratio ours/baseline {view_first / base_first:.3f}"
    )
    print()
    print("== scrolling ==")
    print(
        f"jump to row 500,000: median {_ms(middle)} (baseline in-memory model {_ms(base_middle)})"
    )
    print(
        f"20 random jumps × {args.runs}: median {_ms(_common.median(jumps))}, longest {_ms(max(jumps))}"
    )
    print(
        f"200 page-downs × {args.runs}: median {_ms(_common.median(pages))}, "
        f"longest {_ms(max(pages))}"
    )
    print(
        f"longest single repaint: {_ms(longest)} (≤ {_ms(REPAINT_GOAL_S)}); {over} of "
        f"{len(repaints)} over; 5 longest: {', '.join(_ms(x) for x in repaints[:5])}  "
        f"{_common.verdict(longest <= REPAINT_GOAL_S)}"
    )
    print(
        f"grab() of the whole view after scrolling: {_ms(_common.median([r['grab'] for r in views]))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
