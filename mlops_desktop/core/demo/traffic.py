"""The demo's month of served traffic, through the real server (``serving.serve``: waitress, the
predictor, the prediction log writer), sent over loopback HTTP like any client's requests.

The story's days are fixed dates, so the same seed gives the same log on any day it is built. The
server's ``clock`` is the story's clock, moved to each request's time before it is sent, so the log
holds a month while the build takes seconds: every row is still predicted and logged by the code
that serves any model. Drift starts on ``DRIFT_FROM_DAY``; the officers' decisions (the true
outcomes) are known up to ``LABELLED_DAYS``.
"""

import http.client
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from mlops_desktop.core.demo.applicants import TARGET, applications, generator, with_gaps
from mlops_desktop.core.demo.facts import DRIFT_FROM_DAY, STORY_START
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import CancelCheck, Progress, check_cancel
from mlops_desktop.core.serving import serve
from mlops_desktop.core.workspace import Workspace

DAYS = 30
LABELLED_DAYS = 25  # the officers' decisions are known up to this day
NEW_REGION = "online"  # where the campaign's applicants apply from: unseen in training
OPENING_HOURS = (8, 18)
REQUEST_ROWS = 100  # rows per request, as a branch's system sends them
WEEKDAY_ROWS, WEEKEND_ROWS = 520, 180
SERVER_SECONDS = 60.0  # the longest wait for the server to start or stop
TRAFFIC_STREAM = 100  # the generator streams of the days: 101, 102, …


@dataclass
class StoryClock:
    """What the server reads as the time: moved by the demo before each request."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ServedDay:
    number: int  # 1 … DAYS
    start: datetime
    rows: pd.DataFrame  # the applications sent, with the officers' decision
    request_ids: list[str] = field(default_factory=list)  # each row's request


def day_start(number: int) -> datetime:
    return STORY_START + timedelta(days=number - 1)


def drift_shift(number: int) -> float:
    """How far the day's applicants have moved: none before the campaign, then growing."""
    if number < DRIFT_FROM_DAY:
        return 0.0
    return 0.3 + 0.7 * (number - DRIFT_FROM_DAY) / (DAYS - DRIFT_FROM_DAY)


def applications_of_day(seed: int, number: int) -> pd.DataFrame:
    """The day's applications: fewer at weekends; from the campaign on, younger applicants with
    lower incomes asking for more, some from a region the model never saw, and officers who
    became stricter."""
    rng = generator(seed, TRAFFIC_STREAM + number)
    weekend = day_start(number).weekday() >= 5
    rows = WEEKEND_ROWS if weekend else WEEKDAY_ROWS
    shift = drift_shift(number)
    frame = applications(
        rng,
        rows,
        shift=shift,
        strict=1.5 * shift,
        new_region=NEW_REGION if shift else None,
    )
    return with_gaps(rng, frame, 0.02)


def _post(
    connection: http.client.HTTPConnection, rows: list[dict[str, Any]], request_id: str
) -> int:
    body = json.dumps({"dataframe_records": rows}).encode()
    headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
    connection.request("POST", "/invocations", body, headers)
    response = connection.getresponse()
    response.read()
    return response.status


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as a client sends them: a blank value as null."""
    inputs = frame.drop(columns=[TARGET]).astype(object)
    rows = inputs.where(inputs.notna(), None).to_dict("records")
    return [{str(name): value for name, value in row.items()} for row in rows]


def _send_day(connection: http.client.HTTPConnection, clock: StoryClock, day: ServedDay) -> None:
    """The day's applications in requests of ``REQUEST_ROWS`` over opening hours, each logged
    at its time; the last day also gets a form sent without its region, which the server
    refuses (and logs as refused)."""
    opens, closes = (day.start + timedelta(hours=hour) for hour in OPENING_HOURS)
    records = _records(day.rows)
    starts = range(0, len(records), REQUEST_ROWS)
    step = (closes - opens) / len(starts)
    for index, first in enumerate(starts):
        request_id = f"{day.start:%Y%m%d}-{index + 1:03d}"
        clock.now = opens + index * step
        chunk = records[first : first + REQUEST_ROWS]
        status = _post(connection, chunk, request_id)
        if status != 200:
            raise RuntimeError(f"the demo server answered {status} to {request_id}")
        day.request_ids.extend([request_id] * len(chunk))
    if day.number == DAYS:
        clock.now = closes
        incomplete = {k: v for k, v in records[0].items() if k != "region"}
        if _post(connection, [incomplete], f"{day.start:%Y%m%d}-refused") != 400:
            raise RuntimeError("the demo server accepted a form without its region")


def serve_month(
    workspace: Workspace, ref: str, seed: int, progress: Progress, cancel: CancelCheck
) -> list[ServedDay]:
    """Serve ``ref`` with the real server for the story's month and send it each day's
    applications; returns what was sent, day by day."""
    clock = StoryClock(STORY_START + timedelta(hours=OPENING_HOURS[0]) - timedelta(minutes=5))
    ready = threading.Event()
    stop = threading.Event()
    urls: list[str] = []
    failures: list[BaseException] = []

    def ready_at(url: str) -> None:
        urls.append(url)
        ready.set()

    def run() -> None:
        try:
            serve(workspace, ref, port=0, on_ready=ready_at, stop=stop, clock=clock)
        except BaseException as error:
            failures.append(error)
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="demo-server", daemon=True)
    thread.start()
    ready.wait(SERVER_SECONDS)
    if failures:
        raise failures[0]
    if not urls:
        stop.set()  # should it start after all, it stops at once
        raise UserError("The demo's server did not start in time; the log has the details.")
    address = urlsplit(urls[0])
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port)
    served: list[ServedDay] = []
    try:
        for number in range(1, DAYS + 1):
            check_cancel(cancel)
            progress((number - 1) / DAYS, f"Serving day {number} of {DAYS}")
            day = ServedDay(number, day_start(number), applications_of_day(seed, number))
            _send_day(connection, clock, day)
            served.append(day)
    finally:
        connection.close()
        clock.now = day_start(DAYS) + timedelta(hours=OPENING_HOURS[1], minutes=5)
        stop.set()
        thread.join(SERVER_SECONDS)
    if failures:
        raise failures[0]
    return served


def outcomes_file(served: list[ServedDay], folder: Path) -> Path:
    """The officers' decisions on the labelled days, one row per prediction, keyed by request
    id (a request's rows in order), as a CSV the labels import reads."""
    known = [day for day in served if day.number <= LABELLED_DAYS]
    path = folder / "officers' decisions.csv"
    pd.DataFrame(
        {
            "request_id": [i for day in known for i in day.request_ids],
            TARGET: [v for day in known for v in day.rows[TARGET]],
        }
    ).to_csv(path, index=False)
    return path
