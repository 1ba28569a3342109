"""A small workspace with a whole governed life, for lineage, report and backup tests: a file
imported and prepared by a recipe, a run registered, staged with notes, served, monitored,
retrained, and replaced in production by the challenger's version. Names, a column and a note
hold markup, so every page that shows them must escape them."""

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from mlops_desktop.core.data import datasets, recipes
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks, retraining
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.store.models import Deployment, PredictionLog
from mlops_desktop.core.workspace import Workspace

MARKUP = "<script>alert('x')</script>"
DATASET = "applicants<script>"
PREPARED = f"{DATASET} prepared"
COLUMN = "<script>region"
MODEL = "loans"
RECIPE = [
    {"op": "drop_duplicates"},
    {"op": "fill_missing", "column": "income", "strategy": "median"},
]


def applicants(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.normal(50.0 + 10.0 * shift, 10.0, n).round(2)
    income[rng.random(n) < 0.05] = np.nan
    region = rng.choice(["north", "south", "east"], n)
    score = (
        (np.nan_to_num(income, nan=50.0) - 50.0) / 10.0 + (region == "north") + rng.normal(0, 1, n)
    )
    return pd.DataFrame(
        {"income": income, COLUMN: region, "repaid": np.where(score > 0, "yes", "no")}
    )


def build(home: Path) -> None:
    """Make the governed workspace in ``home`` (a folder that does not exist yet)."""
    ws = Workspace(home)
    try:
        for seed, rows in ((1, 600), (2, 700)):
            csv = home.parent / f"applicants {seed}.csv"
            applicants(rows, seed, shift=0.5 * (seed - 1)).to_csv(csv, index=False)
            datasets.import_file(ws, csv, DATASET)
            recipes.prepare(ws, f"{DATASET}@{seed}", RECIPE)
        run = training.train(
            ws,
            training.Recipe(
                dataset=f"{PREPARED}@1", target="repaid", algorithm="logistic_regression", seed=7
            ),
        )[0]
        model_registry.register(ws, run["run_id"], MODEL, f"Decides loans {MARKUP}")
        model_registry.set_stage(ws, MODEL, 1, "staging", f"Checked by {MARKUP}")
        model_registry.set_stage(ws, MODEL, 1, "production", "Approved by the board")
        _serve_a_little(ws)
        checks.check(ws, MODEL, current=f"{PREPARED}@2")
        result = retraining.retrain(ws, MODEL, dataset=f"{PREPARED}@2")
        model_registry.register(ws, result["challenger"]["run_id"], MODEL, "Retrained")
        model_registry.set_stage(ws, MODEL, 2, "production", "The challenger is better")
    finally:
        ws.close()


def _serve_a_little(ws: Workspace) -> None:
    """A serving session of version 1 that logged three predictions, as the server records one."""
    with ws.store.write() as session:
        version = model_registry.resolve(session, f"{MODEL}@1")[1]
        deployment = Deployment(model_version_id=version.id, host="127.0.0.1", port=8765)
        session.add(deployment)
        session.flush()
        for number in range(3):
            session.add(
                PredictionLog(
                    deployment_id=deployment.id,
                    request_id=f"request-{number}",
                    inputs={"income": 50.0 + number, COLUMN: "north"},
                    prediction="yes",
                    probabilities={"no": 0.2, "yes": 0.8},
                    latency_ms=3.0,
                )
            )
        session.execute(select(Deployment.id))
