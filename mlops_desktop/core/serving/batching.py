"""Micro-batching: one predictor thread turns whatever requests are waiting into one predict call.

A request thread hands its rows over as a ``Job`` and waits. The predictor takes the first waiting
job, plus every other job that queued up meanwhile, checks all their rows at once (``checked``)
and predicts them with one ``scoring.predict`` call, then gives each job
its own slice. A lone request is taken at once (no added wait); under load, requests that arrive
while a batch is predicting form the next batch, and once requests come together the predictor
lingers briefly for the rest of them, so eight clients cost about one predict call.

If the combined rows fail the check, each job is checked on its own, so a bad request gets its
own message (with its own row numbers) and does not fail the others. Rows are independent in
``predict``, so a batched row gets exactly the prediction it would get alone.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.serving.parsing import Rows
from mlops_desktop.core.store.models import TRAFFIC

log = logging.getLogger(__name__)

# How long the predictor may wait for concurrent clients' next requests (see ``_next_batch``): a
# quarter of the last predict call's time, at most 10 ms, so waiting costs little of what it saves.
LINGER_SHARE = 0.25
MAX_LINGER_SECONDS = 0.010
MAX_BATCH_ROWS = 20_000  # more rows than this wait for the next batch (one big request goes alone)
UNSCORABLE = "The model could not score these rows; check their values against /metadata."
STOPPING = "The server is stopping; try again once it is back."
PLAIN_ROWS = 256  # up to this many rows are prepared value by value (``checked``)
UNREADABLE = "Some values could not be read as the model's columns; check them against /metadata."


class Job:
    """One request's rows on their way through the predictor; ``wait`` returns once done."""

    __slots__ = (
        "_done",
        "created_at",
        "error",
        "latency_ms",
        "offset",
        "predictions",
        "probabilities",
        "request_id",
        "rows",
        "source",
        "started",
        "unavailable",
    )

    def __init__(
        self,
        rows: Rows,
        request_id: str,
        started: float,
        source: str = TRAFFIC,
        created_at: datetime | None = None,
    ) -> None:
        self.rows = rows
        self.request_id = request_id
        self.source = source  # what the prediction log records: PredictionLog.source
        self.started = started  # time.perf_counter() when the request arrived
        self.created_at = created_at or datetime.now(UTC)  # the time the log records
        self.error: str | None = None
        self.unavailable = False
        self.predictions: list[Any] = []
        self.probabilities: list[list[float]] | None = None
        self.offset = 0  # where the job's rows start in its batch
        self.latency_ms = 0.0
        self._done = threading.Lock()
        self._done.acquire()  # released once by ``finish``: a one-shot latch cheaper than an Event

    def finish(self) -> None:
        self._done.release()

    def wait(self, timeout: float) -> bool:
        return self._done.acquire(timeout=timeout)


@dataclass(slots=True)
class Batch:
    """What one predict call produced, for the prediction log: ``jobs`` share ``inputs``."""

    jobs: list[Job]
    inputs: list[list[Any]]  # the prepared rows as the model saw them, in the schema's order
    predictions: list[Any]
    probabilities: list[list[float]] | None


def _readable(build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``build()``, with any failure (a lone surrogate in a text, …) a ``UserError``."""
    try:
        return build()
    except UserError:
        raise
    except Exception as error:
        log.info("Request values could not be read: %r", error)
        raise UserError(UNREADABLE) from None


def frame_of(rows: Rows) -> pd.DataFrame:
    """A request's rows as a frame, each column's type inferred as for a file's column.

    ``scoring.prepare`` converts value by value (a number, a yes/no word, a category label), so
    a value converts the same whether its column came alone or batched with other requests."""
    return _readable(lambda: pd.DataFrame(rows.columns, index=pd.RangeIndex(rows.count)))


def checked(rows: Rows, schema: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows prepared for the model (``scoring.prepare``), refusing numbers beyond
    ``scoring.LARGEST_NUMBER`` (infinite ones included) too, with any failure a ``UserError``.
    A few rows of plain values take ``scoring.prepare_values``, which gives the same frame
    without pandas' cost per column."""
    if rows.count <= PLAIN_ROWS:
        plain = scoring.prepare_values(rows.columns, rows.count, schema)
        if plain is not None:
            return plain  # it never holds a number beyond the largest
    frame = frame_of(rows)
    # Values pandas cannot convert (a number beyond float range, …) get the plain message too.
    prepared = _readable(lambda: scoring.prepare(frame, schema))
    for column in schema:
        if column["type"] != "numeric":
            continue
        values = prepared[column["name"]].to_numpy()
        beyond = np.abs(values) > scoring.LARGEST_NUMBER
        if beyond.any():
            row = int(np.flatnonzero(beyond)[0])
            name, value = column["name"], values[row]
            if np.isinf(value):
                message = f"'{name}' must be a finite number, but row {row + 1} holds '{value}'."
            else:
                message = (
                    f"'{name}' in row {row + 1} holds {value:g}, which is too large for the "
                    f"model; send numbers between {-scoring.LARGEST_NUMBER:.4g} and "
                    f"{scoring.LARGEST_NUMBER:.4g}."
                )
            raise UserError(message)
    return prepared


class Predictor:
    """The predictor thread and its queue of jobs."""

    def __init__(
        self,
        pipeline: Pipeline,
        task: str,
        schema: list[dict[str, Any]],
        on_batch: Callable[[Batch], None] | None = None,
        max_batch_rows: int = MAX_BATCH_ROWS,
        max_linger_seconds: float = MAX_LINGER_SECONDS,
    ) -> None:
        self._pipeline = pipeline
        self._task = task
        self._schema = schema
        self._on_batch = on_batch
        self._max_rows = max_batch_rows
        self._max_linger = max_linger_seconds
        self._linger = 0.0  # updated after each predict call
        self._last_batch = 0  # jobs in the last batch (see ``_next_batch``)
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._carry: Job | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.batches = 0  # predict calls made (batch sizes show in /health as rows per batch)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="predictor", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if self._stopped:
            job.error, job.unavailable = STOPPING, True
            job.finish()
            return
        self._queue.put(job)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish every job already submitted, then end the thread."""
        self._stopped = True
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _next_batch(self) -> list[Job] | None:
        """The next batch: the first job waiting (blocking), plus every job queued meanwhile.

        A lone request is never held back. Once requests come together, the predictor lingers a
        little (a quarter of the last predict call's time, at most ``max_linger_seconds``) until
        it has as many jobs as were in play during the last call: that call's own jobs, whose
        clients are about to send their next rows, plus the jobs that queued up meanwhile. So
        clients that once fell into two alternating groups merge again into one predict call,
        which costs about what a call for one group costs."""
        expected = self._last_batch + self._queue.qsize() + (self._carry is not None)
        first = self._carry if self._carry is not None else self._queue.get()
        self._carry = None
        if first is None:
            return None
        jobs, rows = [first], first.rows.count
        deadline: float | None = None
        while rows < self._max_rows:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                if len(jobs) >= expected:
                    break
                if deadline is None:
                    deadline = time.perf_counter() + self._linger
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    break
                try:
                    job = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if job is None:
                self._queue.put(None)  # stop after this batch
                break
            if rows + job.rows.count > self._max_rows:
                self._carry = job
                break
            jobs.append(job)
            rows += job.rows.count
        self._last_batch = len(jobs)
        return jobs

    def _run(self) -> None:
        while True:
            jobs = self._next_batch()
            if jobs is None:
                break
            try:
                self._process(jobs)
            except Exception:  # a bug here must not leave requests waiting forever
                log.exception("The predictor failed on a batch of %d requests", len(jobs))
                for job in jobs:
                    job.error, job.unavailable = UNSCORABLE, True
            finally:
                for job in jobs:
                    job.finish()
        # Jobs submitted after the stop marker (a race with ``stop``) are told the server stops.
        while True:
            try:
                late = self._queue.get_nowait()
            except queue.Empty:
                break
            if late is not None:
                late.error, late.unavailable = STOPPING, True
                late.finish()

    def _process(self, jobs: list[Job]) -> None:
        good, frame = self._prepare(jobs)
        if good:
            self._predict(good, frame)

    def _combined(self, jobs: list[Job]) -> Rows:
        if len(jobs) == 1:
            return jobs[0].rows
        names = [
            column["name"]
            for column in self._schema
            if any(column["name"] in job.rows.columns for job in jobs)
        ]
        columns = {
            name: [
                value
                for job in jobs
                for value in job.rows.columns.get(name, [None] * job.rows.count)
            ]
            for name in names
        }
        return Rows(columns, sum(job.rows.count for job in jobs))

    def _prepare(self, jobs: list[Job]) -> tuple[list[Job], pd.DataFrame]:
        """The jobs whose rows pass the check, and those rows prepared. All jobs' rows are
        checked together; on a failure each job is checked alone, so a bad request gets its own
        message (with its own row numbers) and the good ones go on."""
        try:
            return jobs, checked(self._combined(jobs), self._schema)
        except UserError as error:
            if len(jobs) == 1:
                jobs[0].error = error.message
                return [], pd.DataFrame()
        good, frames = [], []
        for job in jobs:
            try:
                frames.append(checked(job.rows, self._schema))
                good.append(job)
            except UserError as error:
                job.error = error.message
        if not good:
            return [], pd.DataFrame()
        return good, pd.concat(frames, ignore_index=True)

    def _predict(self, jobs: list[Job], frame: pd.DataFrame) -> None:
        began = time.perf_counter()
        try:
            predictions, probabilities = scoring.predict(self._pipeline, self._task, frame)
        except Exception:
            if len(jobs) == 1:
                log.info("The model could not score request %s", jobs[0].request_id, exc_info=True)
                jobs[0].error = UNSCORABLE
                return
            # One request's rows broke the call: score each request alone to find it.
            offset = 0
            for job in jobs:
                end = offset + job.rows.count
                self._predict([job], frame.iloc[offset:end].reset_index(drop=True))
                offset = end
            return
        now = time.perf_counter()
        self._linger = min(self._max_linger, LINGER_SHARE * (now - began))
        self.batches += 1
        offset = 0
        for job in jobs:
            end = offset + job.rows.count
            job.offset = offset
            job.predictions = predictions[offset:end]
            job.probabilities = None if probabilities is None else probabilities[offset:end]
            job.latency_ms = (now - job.started) * 1000.0
            offset = end
        if self._on_batch is not None:
            # Logged before any response goes out, so a graceful stop can flush every row.
            # Plain values, so the frame is freed now rather than kept until the log's next write.
            rows = frame.to_numpy(dtype=object).tolist()
            self._on_batch(Batch(jobs, rows, predictions, probabilities))
