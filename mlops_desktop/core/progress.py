"""The progress/cancel protocol that every long core function takes.

``progress(fraction, message)`` reports work done as a fraction between 0 and 1 with a short phrase
in the analyst's words. ``cancel()`` returns True once the user has asked to stop; long functions call
``check_cancel`` between steps and raise ``Cancelled``.
"""

from collections.abc import Callable

from mlops_desktop.core.errors import Cancelled

Progress = Callable[[float, str], None]
CancelCheck = Callable[[], bool]


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores reports (for callers that show none)."""


def never_cancel() -> bool:
    """A cancel check for callers that cannot cancel."""
    return False


def check_cancel(cancel: CancelCheck) -> None:
    """Raise ``Cancelled`` if the user asked to stop."""
    if cancel():
        raise Cancelled()


def sub_progress(progress: Progress, start: float, end: float) -> Progress:
    """Map a step's own 0..1 progress onto the [start, end] part of the whole operation."""

    def report(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

    return report
