"""Retrain's verdict: the challenger against the version it would replace, with the paired test
Compare uses (``uncertainty.compare``: both scored on the same redraws of the same labelled rows),
so a gap the rows cannot tell from chance is called "no real difference", never "better" (F1
0.882 against 0.882 once read "better"). The sentence the Monitoring pane and the ``retrain``
command show is written here, once."""

from typing import Any

from mlops_desktop.core.experiments import uncertainty
from mlops_desktop.core.registry.model_registry import STAGE_LABELS
from mlops_desktop.core.vocabulary import MEASURE_WORDS, counted, measure_text, version_words

NO_REAL_DIFFERENCE = "no real difference"


def paired_verdict(
    challenger: uncertainty.HeldOut, current: uncertainty.HeldOut, metric: str, seed: int
) -> dict[str, Any]:
    """The challenger against the current version on ``metric``: "better", "worse" or "no real
    difference", with the difference of their scores and its 95 % interval (None where the rows
    cannot give the measure)."""
    compared = uncertainty.compare(challenger, current, metric, seed)
    verdict = compared["verdict"]
    return {
        "verdict": NO_REAL_DIFFERENCE if verdict == "not distinguishable" else verdict,
        "difference": compared["difference"],
        "interval": compared["interval"],
    }


def verdict_sentence(result: dict[str, Any]) -> str:
    """What ``retraining.retrain`` found, in the analyst's words, e.g. "No real difference on
    accuracy: 0.882 for the challenger against 0.882 for loans version 1 (production), on 350
    rows neither model trained on (difference +0.000, 95 % interval -0.014 to +0.014). Keep the
    current version." """
    metric = result["main_metric"]
    current = result["metrics"]["current"].get(metric)
    challenger = result["metrics"]["challenger"].get(metric)
    measure = MEASURE_WORDS[metric]
    rows = f"{counted(result['held_out_rows'], 'row')} neither model trained on"
    rival = f"{version_words(result['current'])} ({STAGE_LABELS[result['current_stage']]})"
    if current is None or challenger is None or result["interval"] is None:
        text = f"Compared on {rows}; {measure} could not be measured on them."
    else:
        low, high = result["interval"]
        scores = (
            f"{measure_text(metric, challenger)} for the challenger against "
            f"{measure_text(metric, current)} for {rival}, on {rows} (difference "
            f"{result['difference']:+.3f}, 95 % interval {low:+.3f} to {high:+.3f})"
        )
        if result["verdict"] == NO_REAL_DIFFERENCE:
            text = f"No real difference on {measure}: {scores}. Keep the current version."
        elif result["verdict"] == "better":
            text = f"The challenger is better on {measure}: {scores}."
        else:
            text = f"The challenger is worse on {measure}: {scores}. Keep the current version."
    if result["passed_over"]:
        text += (
            f" It is compared with {version_words(result['current'])} because "
            f"{result['passed_over']}."
        )
    return text
