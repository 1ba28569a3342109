"""A monitoring report as one self-contained HTML page for colleagues: inline CSS, charts embedded
as PNG data, no scripts and nothing loaded from elsewhere (the house style of the model card,
``registry.card_html``)."""

import base64
import html
import io
import math
import re
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mlops_desktop.core import formatting
from mlops_desktop.core.monitoring import drift
from mlops_desktop.core.monitoring.plots import (
    COLUMN_COLOURS,
    column_verdict,
    distribution_figure,
    trend_figures,
)
from mlops_desktop.core.vocabulary import (
    LOWER_IS_BETTER,
    STATUS_COLOURS,
    STATUS_WORDS,
    counted,
    measure_text,
)
from mlops_desktop.core.writing import write_text

MAX_DISTRIBUTIONS = 20  # drifted columns charted; beyond, the ones that changed most
UNDRIFTED_DISTRIBUTIONS = 5  # charted when no column drifted: the ones that changed most
TRAINING = "training"  # the reference named by ``monitoring.TRAINING``

STATUS_MEANINGS = {
    "healthy": "Nothing meaningful changed in the data the model sees or in its predictions.",
    "watch": "Something is worth watching (a column that moved, a data-quality finding or a "
    "measure outside its normal range), but not enough to call the data drifted.",
    "drift": "The data the model sees, or its predictions, drifted: check that the model still "
    "fits before trusting its predictions.",
    "not enough data": "This window holds too few rows to judge.",
}
METRIC_NAMES = {
    "accuracy": "accuracy (share predicted right)",
    "f1": "F1 score",
    "roc_auc": "ROC AUC (how well it ranks)",
    "mae": "mean absolute error",
    "rmse": "root mean squared error",
    "r2": "R² (share of the variation explained)",
}
THRESHOLD_MEANINGS = {
    "p_value": "A change is significant below this p-value (adjusted for testing many columns).",
    "numeric_effect": "Numbers: the smallest change that counts (Wasserstein distance ÷ the "
    "reference's standard deviation, or the share of rows that crossed some value if larger).",
    "categorical_effect": "Categories: the smallest change that counts (Jensen–Shannon distance "
    "beyond chance).",
    "drift_share": "Dataset drift when at least this share of the columns drift.",
    "min_rows": "Fewer values than this: not enough data to judge.",
    "warn_rows": "Fewer values than this: the verdict is less sure.",
    "missing_change": "Missing values: a change of at least this share of rows is reported.",
    "new_category_share": "Categories never seen in the reference: reported when they cover at "
    "least this share of rows.",
    "out_of_range_share": "Numbers outside the reference's range: reported when they cover at "
    "least this share of rows.",
}
SHARE_THRESHOLDS = {"drift_share", "missing_change", "new_category_share", "out_of_range_share"}
TREND_HEADINGS = {
    "drift_share": "Columns that drifted",
    "columns": "Change per column",
    "predictions": "Predictions",
    "volume": "Predictions per day",
    "performance": "Performance",
}
TREND_CAPTIONS = {
    "drift_share": "Each dot is a day, coloured by its verdict; above the dashed line the "
    "whole dataset counts as drifted.",
    "columns": "Red cells changed more than the threshold, blue ones less; a cross marks a "
    "column that drifted that day (a change both large and significant).",
    "predictions": "What the model predicted each day, against what it predicted on the "
    "reference data.",
    "volume": "Days with fewer predictions than the dashed line are not judged.",
    "performance": "Only days with uploaded true outcomes are measured; the shaded bar is the "
    "range the measure normally takes with that many labelled rows.",
}

STYLE = """body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;
vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:1px 10px;border-radius:10px;color:#fff;font-weight:bold}
img{max-width:100%;height:auto}.note{color:#555;font-size:90%}"""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


BROKEN_RULE_WORDS = {  # the rules the server checks, as a request breaks them
    "not_null": "was empty",
    "range": "was outside its range",
    "allowed": "had a label not allowed",
}


def escaped(value: Any) -> str:
    """Text from the data, escaped (control characters, which HTML cannot hold, dropped)."""
    return html.escape(_CONTROL.sub("", str(value)))


def figure_image(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escaped(alt)}">'


def badge(words: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour}">{escaped(words)}</span>'


def band_text(name: str, band: list[float]) -> str:
    return f"{measure_text(name, band[0])} to {measure_text(name, band[1])}"


def interval_text(performance: dict[str, Any], name: str) -> str:
    """A measured figure's 95 % interval as "0.781 to 0.862"; empty when it has none (stored
    before intervals were measured, or too few outcomes)."""
    interval = (performance.get("interval") or {}).get(name)
    return (
        f"{measure_text(name, interval[0])} to {measure_text(name, interval[1])}"
        if interval
        else ""
    )


def _p_value(value: Any) -> str:
    if value is None:
        return "—"
    return "&lt; 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _points(change: Any) -> str:
    """A change of a share, in percentage points."""
    if change is None:
        return "—"
    return f"{100 * float(change):+.1f} points"


def window_words(window: dict[str, Any]) -> tuple[str, str]:
    """The window in a title's few words, and in a sentence's."""
    kind, name = window.get("kind"), str(window.get("name", ""))
    if kind == "day":
        return name, f"the predictions logged on {name} (UTC)"
    if kind == "dataset":
        return f"dataset {name}", f"the rows of dataset version {name}"
    since, _, until = name.partition("/")
    start = since[:16].replace("T", " ") or "the start"
    end = until[:16].replace("T", " ") or "now"
    return f"{start} to {end}", f"the predictions logged from {start} to {end} (UTC)"


def _reference_words(window: dict[str, Any]) -> str:
    reference = str(window.get("reference") or TRAINING)
    if reference == TRAINING:
        return "the held-out part of the training data (the rows its scores were measured on)"
    return f"dataset version {reference}"


def left_out_text(left_out: dict[str, Any] | None) -> str:
    """What the window left out of the log, as a sentence: "12 Try-it rows and 3 refused rows
    were left out (not real traffic)."; empty when nothing was."""
    left_out = left_out or {}
    parts = [
        counted(int(left_out[key]), noun)
        for key, noun in (("try_it", "Try-it row"), ("refused", "refused row"))
        if left_out.get(key)
    ]
    if not parts:
        return ""
    verb = "was" if len(parts) == 1 and parts[0].startswith("1 ") else "were"
    return f"{' and '.join(parts)} {verb} left out (not real traffic)."


def report_html(report: dict[str, Any], history: list[dict[str, Any]] | None = None) -> str:
    """One self-contained HTML page of ``report`` (a stored monitoring report) and, when given,
    the trends of ``history`` (``monitoring.history``)."""
    window = report.get("window") or {}
    model = str(report.get("model") or "model")
    short, sentence = window_words(window)
    status = str(report.get("status", ""))
    thresholds = {**drift.DEFAULT_THRESHOLDS.as_dict(), **(report.get("thresholds") or {})}
    columns = list(report.get("columns") or [])
    meaning = STATUS_MEANINGS.get(status, "")
    if status == "not enough data":
        meaning += f" At least {int(thresholds['min_rows']):,} are needed."
    trends = ""
    if history is not None:
        figures = trend_figures(history, thresholds)
        trends = "<h2>Trends by day</h2>" + "".join(
            f"<h3>{escaped(TREND_HEADINGS[key])}</h3>{figure_image(figure, TREND_HEADINGS[key])}"
            f"<p class='note'>{escaped(TREND_CAPTIONS[key])}</p>"
            for key, figure in figures.items()
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Monitoring report: {escaped(model)} — {escaped(short)}</title>
<style>{STYLE}</style></head><body>
<h1>Monitoring report: {escaped(model)} — {escaped(short)}</h1>
<p>{escaped(sentence[:1].upper() + sentence[1:])}, compared with {escaped(_reference_words(window))}.</p>
<p>{badge(STATUS_WORDS.get(status, status), STATUS_COLOURS.get(status, "#555555"))}
<b>{escaped(report.get("summary", ""))}</b></p>
<p>{escaped(meaning)} {int(report.get("n_current") or 0):,} rows in this window,
{int(report.get("n_reference") or 0):,} in the reference. {escaped(left_out_text(report.get("left_out")))}</p>
{_predictions_section(report.get("prediction_drift"))}
{_performance_section(report.get("performance"))}
{_rules_section(report)}
{_columns_section(columns, thresholds)}
{_findings_section(report)}
{_distributions_section(columns)}
{trends}
{_thresholds_section(thresholds)}
<p class="note">Made with MLOps Desktop. This page is self-contained: nothing in it is loaded
from elsewhere.</p>
</body></html>
"""


def _predictions_section(prediction: dict[str, Any] | None) -> str:
    if not prediction:
        return "<h2>Predictions</h2><p>The predictions were not compared.</p>"
    return f"""<h2>Predictions</h2>
<p>{badge(column_verdict(prediction), COLUMN_COLOURS.get(prediction["status"], "#555555"))}
{escaped(prediction.get("explanation", ""))}</p>
<p class="note">{escaped(prediction.get("test", ""))} test: p-value {_p_value(prediction.get("p_adjusted"))};
size of change {formatting.score(prediction.get("effect"))} ({escaped(prediction.get("effect_name", ""))});
PSI {formatting.score(prediction.get("psi"))}.</p>
{figure_image(distribution_figure(prediction), "The predictions: reference against this window")}"""


def _performance_section(performance: dict[str, Any] | None) -> str:
    if not performance:
        return (
            "<h2>Performance</h2><p>No true outcomes (labels) for this window yet: upload them "
            "to measure how well the model does.</p>"
        )
    rows = []
    for name, value in performance.get("metrics", {}).items():
        reference = performance.get("reference", {}).get(name)
        band = performance.get("band", {}).get(name)
        if name in performance.get("worse", []):
            verdict = "<b>worse than normal</b>"
        elif not band:
            verdict = "no normal range (too few reference rows)"
        elif band[0] <= value <= band[1]:
            verdict = "within the normal range"
        else:
            verdict = "better than normal"
        rows.append(
            f"<tr><td>{escaped(METRIC_NAMES.get(name, name))}"
            f"{' (lower is better)' if name in LOWER_IS_BETTER else ''}</td>"
            f"<td class='n'>{measure_text(name, value)}</td>"
            f"<td class='n'>{interval_text(performance, name) or '—'}</td>"
            f"<td class='n'>{'—' if reference is None else measure_text(name, reference)}</td>"
            f"<td class='n'>{band_text(name, band) if band else '—'}</td>"
            f"<td>{verdict}</td></tr>"
        )
    return f"""<h2>Performance</h2>
<p>Measured on {int(performance.get("labelled", 0)):,} rows whose true outcome is known. The 95 %
interval is where the measure would fall for 95 of 100 windows like this one (a bootstrap over its
rows). The normal range is ±3 standard deviations of the measure on samples of the reference of
the same size, kept within what the measure can take.</p>
<table><tr><th>measure</th><th>this window</th><th>95 % interval</th><th>reference</th>
<th>normal range</th>
<th>verdict</th></tr>{"".join(rows)}</table>"""


def violations_text(violations: dict[str, Any] | None, rows: int) -> str:
    """How many predicted rows broke the rules of the model's training data, and which rules:
    "12 of 800 predicted rows broke …"; empty when none did (or for a dataset window)."""
    if not violations or not violations["rows"]:
        return ""
    broken = ", ".join(
        f"{entry['column']} {BROKEN_RULE_WORDS.get(entry['rule'], 'broke a rule')} "
        f"({entry['rows']:,} rows)"
        for entry in violations["by_rule"]
    )
    return (
        f"{violations['rows']:,} of {rows:,} predicted rows broke the rules of the training "
        f"data: {broken}. The model still answered them."
    )


def _rules_section(report: dict[str, Any]) -> str:
    """The requests that broke the training data's validation rules (logged windows only)."""
    broken = violations_text(report.get("violations"), int(report.get("n_current") or 0))
    return f"<h2>Validation rules</h2><p>{escaped(broken)}</p>" if broken else ""


def _effect_order(column: dict[str, Any]) -> tuple[bool, float]:
    effect = column.get("effect")
    return column.get("status") != "drift", -float(effect) if effect is not None else math.inf


def _columns_section(columns: list[dict[str, Any]], thresholds: dict[str, Any]) -> str:
    if not columns:
        return "<h2>Columns</h2><p>No input column was checked.</p>"
    rows = "".join(
        f"<tr><td>{escaped(c['name'])}</td>"
        f"<td style='color:{COLUMN_COLOURS.get(c['status'], '#555555')}'>"
        f"<b>{escaped(column_verdict(c))}</b></td>"
        f"<td>{escaped(c.get('test') or '—')}</td><td class='n'>{_p_value(c.get('p_adjusted'))}</td>"
        f"<td class='n'>{formatting.score(c.get('effect'))}</td><td class='n'>{formatting.score(c.get('psi'))}</td>"
        f"<td class='n'>{_points(c.get('missing_change'))}</td>"
        f"<td class='n'>{int(c.get('n_reference') or 0):,} / {int(c.get('n_current') or 0):,}</td>"
        f"<td>{escaped(c.get('explanation', ''))}</td></tr>"
        for c in sorted(columns, key=_effect_order)
    )
    return f"""<h2>Columns</h2>
<table><tr><th>column</th><th>verdict</th><th>test</th><th>p-value</th><th>size of change</th>
<th>PSI</th><th>missing values</th><th>values (reference / window)</th><th>explanation</th></tr>
{rows}</table>
<p class="note">A column drifts when its change is both significant (adjusted p-value below
{formatting.number(thresholds["p_value"])}) and large: a size of change of at least
{formatting.number(thresholds["numeric_effect"])} for numbers (the Wasserstein distance divided by the
reference's standard deviation, or the share of rows that crossed some value when that is larger) and {formatting.number(thresholds["categorical_effect"])} for categories
(the Jensen–Shannon distance, less the part that chance alone gives a window of this size). The
p-values, the predictions' included, are adjusted for testing many columns together
(Benjamini–Hochberg). PSI (population stability index) is shown for those used to it; it does not
decide. "Missing values" is the change in the share of rows with no value.</p>"""


def _findings_section(report: dict[str, Any]) -> str:
    entries = [report["prediction_drift"]] if report.get("prediction_drift") else []
    messages = [
        finding["message"]
        for column in [*entries, *(report.get("columns") or [])]
        for finding in column.get("findings") or []
    ]
    if not messages:
        return "<h2>Data quality</h2><p>No data-quality problems found.</p>"
    items = "".join(f"<li>{escaped(message)}</li>" for message in messages)
    return f"<h2>Data quality</h2><ul>{items}</ul>"


def _distributions_section(columns: list[dict[str, Any]]) -> str:
    drifted = [c for c in columns if c.get("status") == "drift"]
    changed = sorted((c for c in columns if c.get("effect") is not None), key=_effect_order)
    if drifted:
        chosen = sorted(drifted, key=_effect_order)[:MAX_DISTRIBUTIONS]
        intro = (
            "The columns that drifted."
            if len(drifted) <= MAX_DISTRIBUTIONS
            else f"The {MAX_DISTRIBUTIONS} drifted columns that changed most, of {len(drifted)}."
        )
    elif changed:
        chosen = changed[:UNDRIFTED_DISTRIBUTIONS]
        intro = "No column drifted; these changed most."
    else:
        return ""
    charts = "".join(
        f"<h3>{escaped(c['name'])}</h3>"
        f"{figure_image(distribution_figure(c), 'Distribution of ' + str(c['name']))}"
        f"<p>{escaped(c.get('explanation', ''))}</p>"
        for c in chosen
    )
    return f"<h2>Distributions</h2><p>{escaped(intro)}</p>{charts}"


def _thresholds_section(thresholds: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escaped(THRESHOLD_MEANINGS.get(name, name))}</td><td class='n'>"
        + (
            f"{float(value):.0%}"
            if name in SHARE_THRESHOLDS
            else f"{int(value):,}"
            if name in ("min_rows", "warn_rows")
            else escaped(value)
        )
        + "</td></tr>"
        for name, value in thresholds.items()
    )
    return f"<h2>Thresholds used</h2><table><tr><th>setting</th><th>value</th></tr>{rows}</table>"


def export_report(
    report: dict[str, Any], path: Path, history: list[dict[str, Any]] | None = None
) -> Path:
    """Write the report's page to ``path`` (through a temporary file, so a failed write leaves
    no half page behind)."""
    return write_text(path, report_html(report, history))
