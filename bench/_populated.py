"""A workspace with a history, for start-up benchmarks: 50 datasets, 1,000 runs, 10 model versions
(one in production) and 100,000 logged predictions over 30 days, each day checked.

    populated_workspace(folder) -> Path   (built once, then reused from the bench's scratch folder)

Built through the core services where that is quick (imports, a training, registering, a stage
move, the day checks); the 999 further runs are copies of the trained one and the log rows are
written straight into the store as the server's log writer writes them (bench_monitoring_pane).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import _common
import bench_monitoring_pane

DATASETS = 50
RUNS = 1_000
MODEL_VERSIONS = 10
PREDICTIONS = 100_000
DAYS = 30
DESCRIPTION = (
    f"populated workspace ({DATASETS} datasets, {RUNS:,} runs, {MODEL_VERSIONS} model versions, "
    f"{PREDICTIONS:,} logged predictions)"
)


def populated_workspace(home: Path) -> Path:
    if (home / "store.db").exists() and (home / ".populated").exists():
        return home
    from sqlalchemy import insert, select

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.monitoring import trends
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.store.models import Run
    from mlops_desktop.core.workspace import Workspace

    began = time.perf_counter()
    home.parent.mkdir(parents=True, exist_ok=True)
    bench_monitoring_pane.setup(home, home.parent)  # applicants, a trained run, the model "loans"
    workspace = Workspace(home)
    try:
        samples = sorted((_common.REPO / "resources" / "samples").glob("*.csv"))
        for number in range(DATASETS - 1):
            sample = samples[number % len(samples)]
            datasets.import_file(workspace, sample, f"{sample.stem}_{number + 1:02d}")
        with workspace.store.read() as session:
            template = session.scalars(select(Run)).one()
            columns = {c.name: getattr(template, c.key) for c in Run.__table__.columns}
        copies = []
        for index in range(RUNS - 1):
            row = dict(columns, id=uuid.uuid4().hex)
            row["metrics"] = {
                k: v * (0.5 + (index % 97) / 194) for k, v in template.metrics.items()
            }
            copies.append(row)
        with workspace.store.write() as session:
            session.execute(insert(Run), copies)
        for row in copies[: MODEL_VERSIONS - 1]:
            model_registry.register(workspace, row["id"], "loans")
        model_registry.set_stage(workspace, "loans", MODEL_VERSIONS, "production")
    finally:
        workspace.close()
    bench_monitoring_pane.log_days(home, PREDICTIONS, 0, DAYS, DAYS, seed=100)
    workspace = Workspace(home)
    try:
        trends.update_days(workspace, "loans")
    finally:
        workspace.close()
    (home / ".populated").write_text("")
    print(f"{DESCRIPTION} built in {_common.fmt_s(time.perf_counter() - began)}")
    return home
