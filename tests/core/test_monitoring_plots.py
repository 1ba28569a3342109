"""The Monitoring pane's figures and the HTML report, drawn from reports made by the real
monitoring code: a classifier and a regressor served for a few days, one day of each shifted,
some days labelled."""

import base64
import html
import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import drift, drift_reference, html_report, labels, plots, trends
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import Deployment, PredictionLog
from mlops_desktop.core.vocabulary import measure_text
from mlops_desktop.core.workspace import Workspace

DAY_1 = date(2026, 11, 1)
TREND_KEYS = ["drift_share", "columns", "predictions", "volume", "performance"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _applicants(n: int, seed: int, shift: float = 0.0, new_region: bool = False) -> pd.DataFrame:
    """Loan applicants: income (moved by ``shift`` standard deviations), region, a yes/no, whether
    they repaid and the amount they borrowed (both depend on income and region)."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50.0 + 10.0 * shift, 10.0, n).round(2)
    region = rng.choice(["north", "south", "east", "west"] + (["island"] if new_region else []), n)
    owner = rng.random(n) < 0.4
    score = (income - 50.0) / 10.0 + (region == "north") * 0.8 + rng.normal(0, 1, n)
    amount = 3.0 * income + (region == "north") * 20.0 + rng.normal(0, 8, n)
    return pd.DataFrame(
        {
            "income": income,
            "region": region,
            "owner": owner,
            "repaid": np.where(score > 0, "yes", "no"),
            "amount": amount.round(1),
        }
    )


@dataclass
class Served:
    """The day reports of a served model, and its latest day's report."""

    history: list[dict[str, Any]]

    @property
    def latest(self) -> dict[str, Any]:
        return self.history[-1]


def _log(ws: Workspace, ref: str, frame: pd.DataFrame, day: date) -> list[str]:
    """Log ``ref``'s predictions of ``frame`` as the server does, spread over ``day``."""
    record, pipeline = model_registry.load(ws, ref)
    inputs = scoring.prepare(frame, record["inputs"])
    predicted, probabilities = scoring.predict(pipeline, record["task"], inputs)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ids = [f"{ref}-{day.isoformat()}-{i}" for i in range(len(frame))]
    raw = frame[[c["name"] for c in record["inputs"]]].to_dict("records")
    with ws.store.write() as session:
        version = model_registry.resolve(session, ref)[1]
        deployment = session.scalar(
            select(Deployment.id).where(Deployment.model_version_id == version.id)
        )
        if deployment is None:
            added = Deployment(model_version_id=version.id, host="127.0.0.1", port=8765)
            session.add(added)
            session.flush()
            deployment = added.id
        for i, row in enumerate(raw):
            session.add(
                PredictionLog(
                    deployment_id=deployment,
                    request_id=ids[i],
                    created_at=start + timedelta(seconds=i * 86_000 / len(frame)),
                    inputs={
                        k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()
                    },
                    prediction=predicted[i],
                    probabilities=dict(zip(record["classes"], probabilities[i], strict=True))
                    if probabilities
                    else None,
                    latency_ms=5.0,
                )
            )
    return ids


def _label(
    ws: Workspace, ref: str, ids: list[str], outcomes: "pd.Series[Any]", folder: Path
) -> None:
    path = folder / f"{ids[0]}.csv"
    pd.DataFrame({"request": ids, "outcome": outcomes.to_numpy()}).to_csv(path, index=False)
    labels.import_labels(ws, ref, path, key="request", label="outcome")


def _serve(ws: Workspace, ref: str, target: str, folder: Path) -> Served:
    """Five days of traffic for ``ref``: two like the training data, a slightly moved one, a
    strongly moved one with a new region (its outcomes partly wrong), a gap, and a day with too
    few rows. Days 1, 3 and 4 get labels."""
    days = [
        (DAY_1, _applicants(400, seed=11)),
        (DAY_1 + timedelta(1), _applicants(400, seed=12)),
        (DAY_1 + timedelta(2), _applicants(400, seed=13, shift=0.3)),
        (DAY_1 + timedelta(3), _applicants(400, seed=14, shift=1.2, new_region=True)),
        (DAY_1 + timedelta(5), _applicants(60, seed=15)),
    ]
    for number, (day, frame) in enumerate(days):
        ids = _log(ws, ref, frame, day)
        if number in (0, 2, 3):
            outcomes = frame[target].iloc[:300].copy()
            if number == 3:  # the world changed: the model is often wrong on this day
                if target == "repaid":
                    outcomes.iloc[::3] = outcomes.iloc[::3].map({"yes": "no", "no": "yes"})
                else:
                    outcomes = outcomes * 1.4
            _label(ws, ref, ids[:300], outcomes, folder)
    trends.update_days(ws, ref)
    return Served(trends.history(ws, ref))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Served]:
    """A classifier 'loans' and a regressor 'amounts' trained on 3,000 applicants, each served
    for five days: their stored day reports."""
    folder = tmp_path_factory.mktemp("monitoring_plots")
    csv = folder / "applicants.csv"
    _applicants(3000, seed=1).to_csv(csv, index=False)
    ws = Workspace(folder / "workspace")
    try:
        datasets.import_file(ws, csv, "applicants")
        for name, target, other, algorithm in (
            ("loans", "repaid", "amount", "logistic_regression"),
            ("amounts", "amount", "repaid", "linear_regression"),
        ):
            recipe = training.Recipe(
                dataset="applicants", target=target, algorithm=algorithm, exclude=[other]
            )
            model_registry.register(ws, training.train(ws, recipe)[0]["run_id"], name)
        return {
            "classification": _serve(ws, "loans", "repaid", folder),
            "regression": _serve(ws, "amounts", "amount", folder),
        }
    finally:
        ws.close()


def _png(figure: Figure) -> bytes:
    """The figure drawn as the pane and the report draw it."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    data = buffer.getvalue()
    assert data.startswith(PNG_SIGNATURE)
    return data


def _words(figure: Figure) -> str:
    """Every text of the figure (titles, labels, legends, notes), its white space collapsed."""
    return " ".join(" ".join(t.get_text() for t in figure.findobj(Text)).split())


def _legend(figure: Figure) -> list[str]:
    legend = figure.axes[0].get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend else []


EMPTY_STATES = [
    plots.NO_DAYS,
    plots.NO_COLUMNS,
    plots.NO_PREDICTIONS,
    plots.NO_LABELS,
    plots.NO_VALUES,
]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_trend_figure_draws_days_with_drift_and_labels(
    served: dict[str, Served], task: str
) -> None:
    history = served[task].history
    figures = plots.trend_figures(history, history[0]["thresholds"])
    assert list(figures) == TREND_KEYS
    for key, figure in figures.items():
        _png(figure)
        assert not any(sentence in _words(figure) for sentence in EMPTY_STATES), key
        assert tuple(figure.get_size_inches()) == plots.PANE_SIZE
    assert "dataset drift from 50%" in _legend(figures["drift_share"])
    assert {"day: healthy", "day: drifting"} <= set(_legend(figures["drift_share"]))
    heatmap = figures["columns"]
    assert len(heatmap.axes) == 2  # the map and its colour bar
    names = [label.get_text() for label in heatmap.axes[0].get_yticklabels()]
    assert names == ["(the predictions)", "income", "region", "owner"]
    assert "Nov" in heatmap.axes[0].get_xticklabels()[0].get_text()  # short dates: "1 Nov"
    performance = _words(figures["performance"])
    if task == "classification":
        assert "Accuracy on the days with known outcomes" in performance
        assert "Mix of predicted classes" in _words(figures["predictions"])
    else:
        assert "Typical error (RMSE)" in performance
        assert "this day: worse than normal" in _legend(figures["performance"])  # the 1.4× day
        assert "median" in _words(figures["predictions"])
    assert "300 labelled" in performance


def test_a_single_day_draws_every_trend_and_says_trends_need_more_days(
    served: dict[str, Served],
) -> None:
    first, second = served["classification"].history[:2]  # the first day is labelled
    figures = plots.trend_figures([first], {})
    for key, figure in figures.items():
        _png(figure)
        assert plots.ONE_DAY in _words(figure), key
        assert not any(sentence in _words(figure) for sentence in EMPTY_STATES), key
    unlabelled = plots.trend_figures([second], {})["performance"]
    _png(unlabelled)
    assert plots.NO_LABELS in _words(unlabelled)


def test_an_empty_history_says_so_inside_every_figure() -> None:
    figures = plots.trend_figures([], drift.Thresholds().as_dict())
    assert list(figures) == TREND_KEYS
    for figure in figures.values():
        _png(figure)
        assert plots.NO_DAYS in _words(figure)
        assert figure.axes[0].get_title(loc="left")  # still says what it would show


def test_days_that_compared_nothing_say_so() -> None:
    reference = drift_reference.Reference.of(pd.DataFrame({"x": np.arange(300.0)}), [_spec("x")])
    day = drift.check_drift(reference, pd.DataFrame({"x": np.arange(40.0)}))
    day.update(
        status="not enough data", performance=None, window={"kind": "day", "name": "2026-11-02"}
    )
    figures = plots.trend_figures([day], {})
    assert plots.NO_COLUMNS in _words(figures["columns"])
    assert plots.NO_PREDICTIONS in _words(figures["predictions"])
    assert "day: too few rows (not judged)" in _legend(figures["drift_share"])
    for figure in figures.values():
        _png(figure)


def _spec(name: str, kind: str = "numeric") -> dict[str, Any]:
    return {"name": name, "type": kind}


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_distributions_compare_reference_and_window_in_plain_words(
    served: dict[str, Served], task: str
) -> None:
    latest = served[task].history[3]  # the moved day
    shown = {c["name"]: c for c in [*latest["columns"], latest["prediction_drift"]]}
    for name, column in shown.items():
        figure = plots.distribution_figure(column)
        _png(figure)
        title = figure.axes[0].get_title(loc="left")
        assert title.startswith(name) and plots.column_verdict(column) in title
        assert _legend(figure) == ["Reference (training data)", "Current window"]
        assert figure.axes[0].get_ylabel() == "share of values"
        legend = figure.axes[0].get_legend().get_window_extent()
        bars = [patch.get_window_extent() for patch in figure.axes[0].patches]
        assert not any(legend.overlaps(bar) for bar in bars), name  # the legend hides no bar
    assert "changed (drift)" in plots.distribution_figure(shown["income"]).axes[0].get_title(
        loc="left"
    )
    region = plots.distribution_figure(shown["region"])
    assert "island (new)" in [label.get_text() for label in region.axes[0].get_xticklabels()]
    too_few = served[task].history[-1]["columns"][0]  # 60 rows: drawn, and said to be too few
    assert "too few rows to judge" in _words(plots.distribution_figure(too_few))


def test_an_empty_column_says_there_is_nothing_to_show() -> None:
    empty = pd.DataFrame({"gone": np.full(200, np.nan)})
    report = drift.check_drift(drift_reference.Reference.of(empty, [_spec("gone")]), empty)
    figure = plots.distribution_figure(report["columns"][0])
    _png(figure)
    assert plots.NO_VALUES in _words(figure)
    assert "cannot be compared" in figure.axes[0].get_title(loc="left")


# --- the HTML report -------------------------------------------------------------------------


def _images(page: str) -> list[bytes]:
    return [
        base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]


def _assert_self_contained(page: str) -> None:
    lowered = page.lower()
    assert "http://" not in lowered and "https://" not in lowered
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    sources = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert all(image.startswith(PNG_SIGNATURE) for image in _images(page))


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_report_page_is_self_contained_with_the_verdict_and_every_column(
    served: dict[str, Served], task: str
) -> None:
    history = served[task].history
    report = history[3]
    page = html_report.report_html(report, history)
    _assert_self_contained(page)
    assert page.startswith("<!DOCTYPE html>")
    assert html.escape(report["summary"]) in page
    assert report["model"] in page and "2026-11-04" in page
    for column in report["columns"]:
        assert f"<td>{html.escape(column['name'])}</td>" in page
        for finding in column["findings"]:
            assert html.escape(finding["message"]) in page
    assert page.index("<h2>Predictions</h2>") < page.index("<h2>Columns</h2>")
    # prediction, the two drifted columns, five trends
    assert len(_images(page)) == 1 + 2 + len(TREND_KEYS)
    assert "worse than normal" in page  # roc_auc, or the regression's errors
    for name in report["performance"]["metrics"]:  # each figure with its 95 % interval
        low, high = report["performance"]["interval"][name]
        interval = f"{measure_text(name, low)} to {measure_text(name, high)}"  # the one format
        assert f"<td class='n'>{interval}</td>" in page
    assert "Thresholds used" in page and "Trends by day" in page
    alone = html_report.report_html(history[0])  # no history: no trends
    _assert_self_contained(alone)
    assert "Trends by day" not in alone
    assert "No column drifted; these changed most." in alone
    assert "Too few rows" in html_report.report_html(history[-1])


def test_text_from_the_data_is_escaped() -> None:
    hostile = "<b>&x"
    rng = np.random.default_rng(5)
    reference_frame = pd.DataFrame(
        {hostile: rng.normal(0, 1, 600), "kind": rng.choice(["a", "b"], 600)}
    )
    current = pd.DataFrame(
        {hostile: rng.normal(2, 1, 600), "kind": rng.choice(["a", "<script>x</script>"], 600)}
    )
    schema = [_spec(hostile), _spec("kind", "categorical")]
    report = drift.check_drift(drift_reference.Reference.of(reference_frame, schema), current)
    report.update(
        status="drift",
        performance=None,
        model="<i>loans</i>@1",
        window={"kind": "dataset", "name": "march<&>", "reference": "training"},
    )
    page = html_report.report_html(report, [])
    _assert_self_contained(page)
    assert hostile not in page and "&lt;b&gt;&amp;x" in page
    assert "<i>" not in page and "&lt;i&gt;loans&lt;/i&gt;@1" in page
    assert "march&lt;&amp;&gt;" in page


@pytest.fixture
def a_report(served: dict[str, Served]) -> dict[str, Any]:
    return served["classification"].history[3]


def test_export_writes_the_page_through_a_temporary_file(
    a_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "loans report.html"
    target.write_text("an older report", encoding="utf-8")
    expected = html_report.report_html(a_report)
    replaced: list[tuple[str, str, str]] = []
    original = Path.replace

    def spy(self: Path, destination: Any) -> Path:
        replaced.append((self.name, self.read_text(encoding="utf-8"), target.read_text()))
        return original(self, destination)

    monkeypatch.setattr(Path, "replace", spy)
    assert html_report.export_report(a_report, target) == target
    # The whole page was in the temporary file while the old one was still in place.
    assert replaced == [("loans report.html.part", expected, "an older report")]
    assert target.read_text(encoding="utf-8") == expected
    assert os.listdir(tmp_path) == ["loans report.html"]


def test_export_refuses_an_unwritable_path_with_one_sentence(
    a_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    folder = tmp_path / "a folder.html"
    folder.mkdir()
    for path in (tmp_path / "missing" / "r.html", not_a_folder / "r.html", folder):
        with pytest.raises(UserError) as caught:
            html_report.export_report(a_report, path)
        assert re.fullmatch(r"Cannot write .+: [^.\n]+\.", str(caught.value)), str(caught.value)
    assert sorted(os.listdir(tmp_path)) == ["a folder.html", "notes.txt"]  # no half page left

    kept = tmp_path / "kept.html"
    kept.write_text("the previous report")

    def refuse(self: Path, destination: Any) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(UserError, match="Permission denied"):
        html_report.export_report(a_report, kept)
    assert kept.read_text() == "the previous report"
    assert not kept.with_name("kept.html.part").exists()


def test_the_page_says_how_many_requests_broke_the_rules(a_report: dict[str, Any]) -> None:
    broken = {
        **a_report,
        "violations": {"rows": 12, "by_rule": [{"column": "age", "rule": "range", "rows": 12}]},
    }
    page = html_report.report_html(broken)
    assert "<h2>Validation rules</h2>" in page
    assert "12 of " in page and "age was outside its range (12 rows)" in page
    clean = html_report.report_html({**a_report, "violations": {"rows": 0, "by_rule": []}})
    assert "Validation rules" not in clean
