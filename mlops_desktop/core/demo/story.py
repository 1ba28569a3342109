"""The demo's story, built through the core services as an analyst would click it.

A bank's loan team learns to predict the loan officers' decisions:

1. Data: "loan applications" version 1 (the first file: a few blank incomes, a few forms sent
   twice), the team's validation rules, version 2 (the next file, which fails its checks: ages
   under 18, a region the bank does not serve) and "loan applications prepared" version 1, made
   from version 1 by the saved recipe "Clean loan applications".
2. Train: the experiment "Loan approval" (a decision tree, logistic regression, a random forest on
   version 1) and "Loan approval, prepared data" (logistic regression, gradient boosting on the
   prepared version).
3. Register: "Loan approval" version 1 (the tree) went to staging and production, then was
   archived when version 2 (logistic regression) replaced it; each move has its note.
4. Serve: version 2 served a month through the real server (``traffic``); a campaign changes the
   applicants from day 18; the officers' decisions for days 1–25 are imported as labels.
5. Monitor: every day of the month checked and stored (the trends), and the last week as one
   window; then Retrain trains a challenger on the training data plus the labelled predictions
   (stored as "loan applications" version 3), registered as version 3 in staging, waiting for
   someone to decide whether it replaces version 2.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

from mlops_desktop.core.data import dataset_rules, datasets, recipes
from mlops_desktop.core.demo import traffic
from mlops_desktop.core.demo.applicants import (
    REGIONS,
    TARGET,
    applications,
    generator,
    with_gaps,
    with_repeats,
)
from mlops_desktop.core.demo.facts import MODEL
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks, labels, retraining, trends
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import measure_text
from mlops_desktop.core.workspace import Workspace

DATASET = "loan applications"
PREPARED = f"{DATASET}{recipes.PREPARED}"
RECIPE = "Clean loan applications"
EXPERIMENT = "Loan approval"
PREPARED_EXPERIMENT = "Loan approval, prepared data"
FIRST_FILE, NEXT_FILE = "applications 2026-07.csv", "applications 2026-09.csv"
FIRST_ROWS, NEXT_ROWS = 2400, 900
STEPS: list[dict[str, Any]] = [
    {"op": "drop_duplicates"},
    {"op": "fill_missing", "column": "income", "strategy": "median"},
    {"op": "ratio", "numerator": "loan_amount", "denominator": "income", "to": "loan_to_income"},
    {"op": "bin", "column": "age", "bins": 4},
]
# What the team knows valid applications look like, beside the types proposed from version 1.
TEAM_RULES: list[dict[str, Any]] = [
    {"column": "age", "rule": "range", "min": 18, "max": 100},
    {"column": "income", "rule": "range", "min": 0},
    {"column": "credit_score", "rule": "range", "min": 300, "max": 850},
    {"column": "loan_amount", "rule": "range", "min": 100},
    {"column": "region", "rule": "allowed", "values": sorted(REGIONS)},
    {"column": TARGET, "rule": "allowed", "values": ["no", "yes"]},
]
FIRST_MODELS = ("decision_tree", "logistic_regression", "random_forest")
PREPARED_MODELS = ("logistic_regression", "decision_tree")
PARAMS: dict[str, dict[str, Any]] = {
    "decision_tree": {"max_depth": 5},
    "random_forest": {"n_estimators": 40},
}
CV_FOLDS = 3


def _data(workspace: Workspace, seed: int, folder: Path, progress: Progress) -> None:
    rng = generator(seed, 1)
    first = with_repeats(rng, with_gaps(rng, applications(rng, FIRST_ROWS), 0.03), 24)
    first.to_csv(folder / FIRST_FILE, index=False)
    progress(0.1, "Importing the first file")
    datasets.import_file(workspace, folder / FIRST_FILE, DATASET)
    proposed = [r for r in dataset_rules.rules_of(workspace, DATASET) if r["rule"] == "type"]
    dataset_rules.set_rules(workspace, DATASET, proposed + TEAM_RULES)
    rng = generator(seed, 2)
    later = with_gaps(rng, applications(rng, NEXT_ROWS), 0.03)
    typos = rng.choice(NEXT_ROWS, 14, replace=False)
    later.loc[typos[:8], "age"] = [16, 17, 17, 16, 17, 15, 17, 16]  # typed wrongly
    later.loc[typos[8:], "region"] = "harbour"  # a branch the bank does not have
    later.to_csv(folder / NEXT_FILE, index=False)
    progress(0.5, "Importing the next file")
    datasets.import_file(workspace, folder / NEXT_FILE, DATASET)
    progress(0.8, "Preparing the first file")
    recipes.save(workspace, RECIPE, STEPS)
    recipes.prepare(workspace, f"{DATASET}@1", STEPS, recipe_name=RECIPE)


def _train(workspace: Workspace, progress: Progress, cancel: CancelCheck) -> list[dict[str, Any]]:
    plan = [(f"{DATASET}@1", EXPERIMENT, a) for a in FIRST_MODELS] + [
        (f"{PREPARED}@1", PREPARED_EXPERIMENT, a) for a in PREPARED_MODELS
    ]
    runs = []
    for index, (dataset, experiment, algorithm) in enumerate(plan):
        check_cancel(cancel)
        recipe = training.Recipe(
            dataset=dataset,
            target=TARGET,
            algorithm=algorithm,
            params=PARAMS.get(algorithm, {}),
            experiment=experiment,
            cv=CV_FOLDS,
        )
        step = sub_progress(progress, index / len(plan), (index + 1) / len(plan))
        runs += training.train(workspace, recipe, step, cancel)
    return runs


def _register(workspace: Workspace, runs: list[dict[str, Any]]) -> str:
    """Versions 1 (the tree: staging, production, archived) and 2 (logistic regression, in
    production); returns the reference of the one served."""
    tree, regression = runs[0], runs[1]
    model_registry.register(
        workspace, tree["run_id"], MODEL, "Predicts the loan officers' decision on an application."
    )
    model_registry.set_stage(
        workspace, MODEL, 1, "staging", "First candidate: a tree anyone can read."
    )
    model_registry.set_stage(workspace, MODEL, 1, "production", "Pilot in the north branch.")
    model_registry.register(
        workspace,
        regression["run_id"],
        MODEL,
        "Predicts the loan officers' decision on an application; scores every branch.",
    )
    model_registry.set_stage(
        workspace,
        MODEL,
        2,
        "staging",
        "Higher ROC AUC than version 1 on the same held-out rows.",
    )
    model_registry.set_stage(
        workspace, MODEL, 2, "production", "Approved by the credit committee for every branch."
    )
    return f"{MODEL}@2"


def _challenger(workspace: Workspace, served: str, progress: Progress, cancel: CancelCheck) -> None:
    """Retrain the served version on its training data plus the labelled predictions, and
    register the challenger in staging, its comparison in the note: the decision is left to
    whoever opens the demo."""
    result = retraining.retrain(workspace, served, progress=progress, cancel=cancel)
    main = result["main_metric"]
    theirs, ours = (
        measure_text(main, result["metrics"][s][main]) for s in ("challenger", "current")
    )
    version = model_registry.register(
        workspace,
        result["challenger"]["run_id"],
        MODEL,
        f"Retrained from {result['retrained_from']} on {result['dataset']}.",
    )
    model_registry.set_stage(
        workspace,
        MODEL,
        version["version"],
        "staging",
        f"Challenger from Retrain: {main} {theirs} against {ours} for version 2 on "
        f"{result['held_out_rows']:,} rows neither trained on. Waiting for a decision: promote "
        "it, or keep version 2.",
    )


def build_story(
    workspace: Workspace,
    seed: int,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> None:
    """Every step of the story into ``workspace`` (empty), in order."""
    with workspace.artifacts.scratch_folder() as folder:
        _data(workspace, seed, folder, sub_progress(progress, 0.0, 0.08))
        check_cancel(cancel)
        runs = _train(workspace, sub_progress(progress, 0.08, 0.4), cancel)
        served = _register(workspace, runs)
        check_cancel(cancel)
        month = traffic.serve_month(
            workspace, served, seed, sub_progress(progress, 0.4, 0.7), cancel
        )
        progress(0.7, "Importing the officers' decisions")
        outcomes = traffic.outcomes_file(month, folder)
        labels.import_labels(workspace, served, outcomes, key="request_id", label=TARGET)
    check_cancel(cancel)
    trends.update_days(
        workspace, served, progress=sub_progress(progress, 0.72, 0.88), cancel=cancel
    )
    last_day = traffic.day_start(traffic.DAYS)
    checks.check(
        workspace,
        served,
        since=last_day - timedelta(days=6),
        until=last_day + timedelta(days=1),
        progress=sub_progress(progress, 0.88, 0.9),
        cancel=cancel,
    )
    _challenger(workspace, served, sub_progress(progress, 0.9, 1.0), cancel)
