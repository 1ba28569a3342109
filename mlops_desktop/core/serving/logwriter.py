"""The prediction log writer: one background thread, one short transaction per flush.

The predictor hands each predicted batch over (``add`` only appends to a list, so a request never
waits for the database). The thread turns batches into rows and inserts them every
``flush_seconds`` or as soon as ``flush_rows`` rows wait, whichever comes first. A failed write
(say the disk is full, or another program holds the database past the busy timeout) is retried;
the rows stay in memory meanwhile. ``stop`` writes whatever is left, so a graceful stop loses no
row.

The thread also checks each row against the rules about the model's inputs (``RowChecker``) and
logs the rules it broke (null when none): there, off the requests' path, the check (a few
microseconds a row) never delays an answer.

Each row records its source (``PredictionLog.source``): real traffic, the Serve tab's Try-it form,
or a refused request (``refuse``: its values as far as they were read, no prediction), so
monitoring can leave the last two out.
"""

import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlops_desktop.core.data.validation import RowChecker
from mlops_desktop.core.serving.batching import Batch
from mlops_desktop.core.serving.parsing import Rows
from mlops_desktop.core.store.db import Store, insert_many
from mlops_desktop.core.store.models import REFUSED, PredictionLog

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
FLUSH_ROWS = 2000
RETRY_SECONDS = 1.0
FINAL_ATTEMPTS = 3


@dataclass(slots=True)
class _Refused:
    """A refused request, for the log: its rows as read (None when the body could not be)."""

    request_id: str
    created_at: datetime
    rows: Rows | None
    latency_ms: float


class PredictionLogWriter:
    def __init__(
        self,
        store: Store,
        schema: list[dict[str, Any]],
        classes: list[str] | None,
        flush_seconds: float = FLUSH_SECONDS,
        flush_rows: int = FLUSH_ROWS,
        checker: RowChecker | None = None,
    ) -> None:
        self._store = store
        self._schema = schema
        self._classes = classes
        self._checker = checker if checker is not None else RowChecker([], [])
        self._flush_seconds = flush_seconds
        self._flush_rows = flush_rows
        self.deployment_id: int | None = None  # set once the deployment is recorded
        self._cond = threading.Condition()
        self._pending: list[Batch | _Refused] = []
        self._pending_rows = 0
        self._first_pending_at = 0.0
        self._unwritten: list[dict[str, Any]] = []  # built rows whose write failed
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.logged_rows = 0
        self.failed_writes = 0

    def start(self) -> None:
        if self.deployment_id is None:
            raise RuntimeError("the deployment must be recorded before logging starts")
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def add(self, batch: Batch) -> None:
        self._hand_over(batch, sum(job.rows.count for job in batch.jobs))

    def refuse(
        self, request_id: str, created_at: datetime, rows: Rows | None, latency_ms: float
    ) -> None:
        """Log a refused request: a row for each of its ``rows`` (their values as sent), or one
        empty row when its body could not be read."""
        refused = _Refused(request_id, created_at, rows, latency_ms)
        self._hand_over(refused, rows.count if rows is not None and rows.count else 1)

    def _hand_over(self, item: "Batch | _Refused", rows: int) -> None:
        with self._cond:
            first = not self._pending
            if first:
                self._first_pending_at = time.monotonic()
            self._pending.append(item)
            self._pending_rows += rows
            if first or self._pending_rows >= self._flush_rows:
                self._cond.notify()  # the writer sets its flush time, or flushes now

    def stop(self, timeout: float = 60.0) -> None:
        """Write every row added so far, then end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("The prediction log writer did not finish within %.0f s", timeout)

    @property
    def backlog(self) -> int:
        """Rows waiting to be written."""
        return self._pending_rows + len(self._unwritten)

    def _take(self) -> tuple[list["Batch | _Refused"], bool]:
        """Wait until there is something to write (or the stop), then take it all."""
        with self._cond:
            while True:
                if self._stopping:
                    break
                if self._pending:
                    due = self._first_pending_at + self._flush_seconds - time.monotonic()
                    if due <= 0 or self._pending_rows >= self._flush_rows:
                        break
                    self._cond.wait(due)
                elif self._unwritten:
                    self._cond.wait(RETRY_SECONDS)
                    break
                else:
                    self._cond.wait()
            batches, self._pending = self._pending, []
            self._pending_rows = 0
            return batches, self._stopping

    def _run(self) -> None:
        while True:
            batches, stopping = self._take()
            rows = self._unwritten
            self._unwritten = []
            for item in batches:
                rows.extend(self._rows(item) if isinstance(item, Batch) else self._refused(item))
            attempts = FINAL_ATTEMPTS if stopping else 1
            for attempt in range(attempts):
                if not rows or self._write(rows):
                    rows = []
                    break
                if attempt + 1 < attempts:
                    time.sleep(RETRY_SECONDS)
            if stopping:
                with self._cond:
                    more = bool(self._pending)
                if more:
                    self._unwritten = rows
                    continue
                if rows:
                    log.error("%d prediction log rows could not be written and are lost", len(rows))
                return
            self._unwritten = rows

    def _write(self, rows: list[dict[str, Any]]) -> bool:
        try:
            with self._store.write() as session:
                insert_many(
                    session,
                    PredictionLog.__tablename__,
                    _COLUMNS,
                    [_row_values(row) for row in rows],
                )
        except Exception:
            self.failed_writes += 1
            log.exception("Writing %d prediction log rows failed; will retry", len(rows))
            return False
        self.logged_rows += len(rows)
        return True

    def _inputs(self, batch: Batch) -> list[dict[str, Any]]:
        """Each row's inputs as the model saw them: numbers, yes/no, category labels, or null."""
        names = [column["name"] for column in self._schema]
        loggable = [_LOGGABLE.get(column["type"], _label) for column in self._schema]
        return [
            {
                name: convert(value)
                for name, convert, value in zip(names, loggable, row, strict=True)
            }
            for row in batch.inputs
        ]

    def _rows(self, batch: Batch) -> list[dict[str, Any]]:
        inputs = self._inputs(batch)
        violations = self._checker.check_rows(batch.inputs)
        classes = self._classes
        rows = []
        for job in batch.jobs:
            for index in range(job.offset, job.offset + job.rows.count):
                probabilities = None
                if batch.probabilities is not None and classes is not None:
                    probabilities = dict(zip(classes, batch.probabilities[index], strict=False))
                rows.append(
                    {
                        "deployment_id": self.deployment_id,
                        "request_id": job.request_id,
                        "created_at": job.created_at,
                        "inputs": inputs[index],
                        "prediction": batch.predictions[index],
                        "probabilities": probabilities,
                        "latency_ms": job.latency_ms,
                        "violations": violations[index],
                        "source": job.source,
                    }
                )
        return rows

    def _refused(self, refused: _Refused) -> list[dict[str, Any]]:
        if refused.rows is None or not refused.rows.count:
            values: list[dict[str, Any]] = [{}]
        else:
            columns = refused.rows.columns
            values = [
                {name: _raw(cells[index]) for name, cells in columns.items()}
                for index in range(refused.rows.count)
            ]
        return [
            {
                "deployment_id": self.deployment_id,
                "request_id": refused.request_id,
                "created_at": refused.created_at,
                "inputs": inputs,
                "prediction": None,
                "probabilities": None,
                "latency_ms": refused.latency_ms,
                "violations": None,
                "source": REFUSED,
            }
            for inputs in values
        ]


def _number(value: Any) -> float | None:
    return None if not isinstance(value, float) or math.isnan(value) else value


def _yes_no(value: Any) -> bool | None:
    return None if not isinstance(value, float) or math.isnan(value) else value == 1.0


def _label(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _raw(value: Any) -> Any:
    """A value as a refused request sent it, as JSON can keep it: a number that is not finite,
    a date or anything else as its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


_LOGGABLE = {"numeric": _number, "boolean": _yes_no}


_COLUMNS = (
    "deployment_id",
    "request_id",
    "created_at",
    "inputs",
    "prediction",
    "probabilities",
    "latency_ms",
    "violations",
    "source",
)


def _row_values(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's values as the store keeps them (what ``PredictionLog``'s column types write:
    UTC times without a zone, JSON as text; no violations as NULL, so a query finds the rows
    with some cheaply), for the driver's own executemany: the log's rows skip the ORM's
    per-value conversion, most of a write's cost."""
    created: datetime = row["created_at"]
    return (
        row["deployment_id"],
        row["request_id"],
        created.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
        json.dumps(row["inputs"]),
        json.dumps(row["prediction"]),
        json.dumps(row["probabilities"]),
        row["latency_ms"],
        None if row["violations"] is None else json.dumps(row["violations"]),
        row["source"],
    )
