"""Times as people write them on the command line, read as UTC (no heavy imports)."""

from datetime import UTC, datetime

from mlops_desktop.core.errors import UserError


def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; a time without a zone is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """A time given on the command line: ISO 8601 (a date alone means its midnight, UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"'{text}' is not a time; write it as 2026-11-29 or 2026-11-29T14:30."
        ) from None
    result = as_utc(moment)
    assert result is not None
    return result
