"""One way to write numbers, for every pane, dialog, card, report and command: counts grouped
(1,419), measured values with four significant digits and grouped from 1,000 on (55.57, 1,039),
scores with three decimals (0.972), durations in seconds or minutes (0.67 s, 2 min 05 s), shares
as percentages with one decimal that never round a gap away (8.6 %, <0.1 %).

A data value shown in a table of rows is the value as stored (``ui.models.tables.format_value``);
everything the app computes or summarises is written here.
"""

import math
import numbers
from typing import Any

SCORE_DECIMALS = 3  # scores as people read them: enough to tell runs apart, few enough to read
SIGNIFICANT = 4  # digits of a measured value below 1,000
MISSING = "—"


def count(value: int) -> str:
    """1 → "1", 1419 → "1,419"."""
    return f"{int(value):,}"


def number(value: Any) -> str:
    """A measured or summarised number: whole numbers and anything from 1,000 on grouped with no
    decimals (1,039), smaller ones with four significant digits (55.57, 0.004512)."""
    if value is None or isinstance(value, bool):
        return MISSING if value is None else ("yes" if value else "no")
    if isinstance(value, numbers.Integral):
        return count(int(value))
    if not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        return MISSING
    value = float(value)
    if abs(value) >= 1000 or value.is_integer():
        return f"{value:,.0f}"
    text = f"{value:.{SIGNIFICANT}g}"
    return text if "e" not in text else f"{value:.{SIGNIFICANT - 1}e}"


def score(value: float | None) -> str:
    """A score from 0 to 1 (accuracy, F1, ROC AUC…): three decimals, 0.972."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:.{SCORE_DECIMALS}f}"


def duration(seconds: float | None) -> str:
    """0.667501 → "0.67 s", 12.4 → "12 s", 125 → "2 min 05 s"."""
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes:,} min {rest:02d} s"


def percent(share: float | None, decimals: int = 1) -> str:
    """A share from 0 to 1 as a percentage: 0.0857 → "8.6 %"; a share above 0 never shows as 0
    ("<0.1 %"), nor one below 1 as 100."""
    if share is None or not math.isfinite(share):
        return MISSING
    step = 10.0**-decimals
    shown = round(100 * share, decimals)
    if share > 0 and shown < step:
        return f"<{step:.{decimals}f} %"
    if share < 1 and shown >= 100:
        return f">{100 - step:.{decimals}f} %"
    return f"{shown:.{decimals}f} %"
