"""The words of the Monitoring pane: statuses, windows, references, numbers and performance, as
the cards, the report and the trends write them."""

import html
from datetime import datetime, timedelta
from typing import Any

from mlops_desktop.core import formatting
from mlops_desktop.core.monitoring import html_report, plots, windows
from mlops_desktop.core.vocabulary import (
    MEASURE_WORDS,
    NOT_CHECKED,
    STATUS_COLOURS,
    counted,
    measure_title,
)

DAY, WEEK, RANGE, DATASET = "day", "week", "range", "dataset"
STATUS_MEANINGS = {
    "healthy": "The latest check found no meaningful change in the inputs or predictions.",
    "watch": "Something changed a little: a column drifted, a data-quality problem appeared, or "
    "performance fell outside its expected range.",
    "drift": "The inputs (or the predictions) have changed clearly since training: the model may "
    "no longer be reliable. Look at the report; consider retraining (Retrain…).",
    "not enough data": "The latest window held too few rows to judge.",
    NOT_CHECKED: "Its predictions have not been checked yet: press Check now (F5).",
}
BACKGROUNDS = {  # a light background under each status colour (banners)
    "healthy": "#e7f4e8",
    "watch": "#fff3dc",
    "drift": "#fdeceb",
}
GREY = STATUS_COLOURS["not enough data"]
GREY_BACKGROUND = "#eeeeee"
TREND_CAPTIONS = {
    "drift_share": "Each dot is one day of predictions, coloured by that day's verdict. At or "
    "above the dashed red line, enough columns changed to count as dataset drift. A hollow dot: "
    "too few rows that day to judge.",
    "columns": "One row per input column (the predictions on top), one square per day. Blue: "
    "little change; red: a change large enough to count (1 is the threshold). ✕ marks the days "
    "a column drifted; grey: not compared.",
    "predictions": "How the model's answers were spread each day, against the dashed lines of "
    "the training data. A sudden change often shows that the world changed, before any true "
    "outcome is known.",
    "volume": "How many predictions were checked each day. Below the dashed line a day has too "
    "few rows to judge.",
    "performance": "How well the model did on the days whose true outcomes you imported (Import "
    "labels…), with the range expected from the training data for that many outcomes. A red dot "
    "is worse than normal.",
}


def status_colours(status: str) -> tuple[str, str]:
    """A status's colour, and the light background it is shown on."""
    return STATUS_COLOURS.get(status, GREY), BACKGROUNDS.get(status, GREY_BACKGROUND)


def verdict_text(column: dict[str, Any]) -> str:
    """A column's verdict (or the predictions'), as a table cell or a sentence starts it."""
    verdict = plots.column_verdict(column)
    return verdict[:1].upper() + verdict[1:]


def sentence_case(text: str) -> str:
    return text[:1].lower() + text[1:]


def dataset_words(ref: str) -> str:
    name, _, number = ref.rpartition("@")
    return f"dataset {name} version {number}" if name else f"dataset {ref}"


def reference_words(reference: str | None) -> str:
    if reference in (None, windows.TRAINING):
        return "the training data (the part held out)"
    return dataset_words(reference)


def p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def missing_change(value: float | None) -> str:
    if value is None:
        return "—"
    points = 100 * value
    return "0" if abs(points) < 0.05 else f"{points:+.1f} points"


def _window_words(kind: str | None, name: str) -> str:
    if kind == DAY:
        return f"Day {name}"
    if kind == DATASET:
        return "D" + dataset_words(name)[1:]  # "Dataset …", the name as written
    since, _, until = name.partition("/")
    start = since[:10] if since else "the first prediction"
    if until:
        end = datetime.fromisoformat(until)
        last = (end - timedelta(days=1)).date() if end.time() == datetime.min.time() else end
        end_day = str(last)[:10]
        return (
            f"Predictions of {start}"
            if end_day == start
            else f"Predictions from {start} to {end_day}"
        )
    return f"Predictions from {start} on"


def window_title(report: dict[str, Any]) -> str:
    """Which rows a report checked, in a few words."""
    window = report.get("window") or {}
    return _window_words(window.get("kind"), str(window.get("name", "")))


def window_name_words(name: str) -> str:
    """A window known only by its stored name (a card's): an ISO day, a dataset version
    "name@N", or a time range "start/end"."""
    _dataset, at, number = name.rpartition("@")
    if at and number.isdigit():
        return sentence_case(_window_words(DATASET, name))
    if "/" in name:
        return sentence_case(_window_words(RANGE, name))
    return name


def window_key(report: dict[str, Any]) -> str:
    """What tells a checked window from the others in "Report on:"."""
    window = report.get("window") or {}
    return f"{window.get('kind')}:{window.get('name')}|{window.get('reference')}"


def performance_text(performance: dict[str, Any] | None) -> str:
    """The measured performance of a window, with what the training data leads one to expect."""
    if not performance:
        return ""
    parts = []
    for name, value in performance["metrics"].items():
        text = f"{MEASURE_WORDS.get(name, name)} {value:.3f}"
        interval = html_report.interval_text(performance, name)
        expected = performance["reference"].get(name)
        band = performance["band"].get(name)
        said = [f"95% interval {interval}"] if interval else []
        if expected is not None and band:
            said.append(f"expected {band[0]:.3f} to {band[1]:.3f}")
        elif expected is not None:
            said.append(f"on the training data {expected:.3f}")
        if said:
            text += f" ({'; '.join(said)})"
        parts.append(text)
    worse = [MEASURE_WORDS.get(name, name) for name in performance["worse"]]
    sentence = (
        f"Measured on {performance['labelled']:,} predictions with a known outcome: "
        + "; ".join(parts)
        + "."
    )
    if worse:
        sentence += f" Worse than expected: {', '.join(worse)}."
    return sentence


def card_performance(card: dict[str, Any]) -> str:
    """A card's performance line: the main measure of the newest window with true outcomes."""
    performance = card.get("performance")
    if not performance or not performance["metrics"]:
        return "No true outcomes imported yet"
    metrics = performance["metrics"]
    name = next((m for m in plots.MAIN_METRICS if m in metrics), next(iter(metrics)))
    value = f"{metrics[name]:.0%}" if name == "accuracy" else f"{metrics[name]:,.3f}"
    window = window_name_words(str(card.get("performance_window") or ""))
    return f"{measure_title(name)} {value} on {window} ({counted(performance['labelled'], 'known outcome')})"


def column_html(column: dict[str, Any]) -> str:
    """What a column's check found, as plain sentences."""
    escape = html.escape
    verdict = plots.column_verdict(column)
    findings = "".join(f"<li>{escape(f['message'])}</li>" for f in column["findings"])
    quality = (
        f"<p><b>Data quality</b></p><ul>{findings}</ul>"
        if findings
        else "<p>No data-quality problems: no unusual missing values, unseen categories or "
        "values outside the reference range.</p>"
    )
    numbers = (
        f"Compared {column['n_reference']:,} values of the reference with "
        f"{column['n_current']:,} of this window."
    )
    if column.get("p_adjusted") is not None:
        numbers += (
            f" Test: {escape(column['test'])}, p-value {escape(p_value(column['p_adjusted']))} "
            f"(adjusted for checking several columns); size of the change "
            f"{formatting.score(column['effect'])} ({escape(column['effect_name'])}); PSI "
            f"{formatting.score(column.get('psi'))} (shown for comparison with other tools, not used "
            "to decide)."
        )
    return (
        f"<h3>{escape(column['_label'])} — {escape(verdict)}</h3>"
        f"<p>{escape(column['explanation'])}</p>{quality}"
        f"<p><small>{numbers}</small></p>"
    )
