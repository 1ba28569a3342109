"""Reading the audit trail: filtered pages for the Audit pane, ``audit list``, CSV export and
``audit verify``.

Every filter is answered from an index: object, action and user have one each, time has one, and
the id (the order events were appended in) is the table's own key, so a page of the newest
matching events is found without reading the others. Only the free-text search reads each
event's object and details (``bench/bench_audit.py`` times both on 100,000 events).
"""

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, func, or_, select, text, type_coerce
from sqlalchemy.orm import Session

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import chain
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.store.models import AuditEvent
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.core.workspace import Workspace

# The kinds of object events are about, as their references start ("dataset:iris@2").
KINDS = ("dataset", "recipe", "experiment", "run", "model", "deployment")
# Each action in the analyst's words; an action not listed here is shown as it is stored.
ACTION_WORDS = {
    "dataset.import": "Imported a dataset version",
    "dataset.prepare": "Prepared a dataset version",
    "dataset.export": "Exported a dataset version",
    "dataset.delete": "Deleted a dataset",
    "dataset.rules.proposed": "Proposed data checks",
    "dataset.rules": "Changed data checks",
    "dataset.validate": "Checked a dataset version",
    "recipe.save": "Saved a recipe",
    "recipe.delete": "Deleted a recipe",
    "experiment.create": "Started an experiment",
    "experiment.archive": "Archived an experiment",
    "experiment.restore": "Restored an experiment",
    "run.finished": "Training finished",
    "run.failed": "Training failed",
    "run.cancelled": "Training cancelled",
    "run.delete": "Deleted a run",
    "model.create": "Named a new model",
    "model.register": "Registered a model version",
    "model.stage": "Changed a version's stage",
    "model.describe": "Edited a version's purpose",
    "labels.import": "Imported true outcomes",
    "deployment.start": "Started serving",
    "deployment.stop": "Stopped serving",
}
PAGE = 200  # events read at a time, for a page of the pane, the list or an export
_LAST_CHARACTER = chr(0x10FFFF)  # sorts after any text: "x@" ≤ "x@…" < "x@" + this


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show; empty fields do not filter."""

    since: datetime | None = None  # from this time on
    until: datetime | None = None  # before this time
    entity: str = ""  # an object reference: dataset:iris, iris@2, model:Loans, run:3f2a…
    action: str = ""  # an action ("model.stage") or its group ("model")
    user: str = ""
    text: str = ""  # found anywhere in the object or the details, in any case
    newest_id: int | None = None  # leave out events appended after this one (a stable listing)

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.newest_id is not None:
            conditions.append(AuditEvent.id <= self.newest_id)
        if self.since is not None:
            conditions.append(AuditEvent.created_at >= self.since)
        if self.until is not None:
            conditions.append(AuditEvent.created_at < self.until)
        if self.entity.strip():
            conditions.append(_object_condition(self.entity.strip()))
        if self.action.strip():
            action = self.action.strip()
            conditions.append(
                or_(AuditEvent.action == action, _starts(AuditEvent.action, f"{action}."))
            )
        if self.user.strip():
            conditions.append(AuditEvent.user == self.user.strip())
        if self.text.strip():
            pattern = "%" + _escape_like(self.text.strip()) + "%"
            conditions.append(
                or_(
                    AuditEvent.entity.like(pattern, escape="\\"),
                    type_coerce(AuditEvent.details, Text).like(pattern, escape="\\"),
                )
            )
        return conditions


def _starts(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range its index answers (LIKE would not use it)."""
    return and_(column >= prefix, column < prefix + _LAST_CHARACTER)


def _object_condition(ref: str) -> ColumnElement[bool]:
    """Events about ``ref`` and its versions: ``dataset:iris`` takes in ``dataset:iris@2``; a
    reference without a kind (``iris``, ``Loans@2``) matches any kind; a run by the start of
    its id, as lists show it."""
    kind, colon, rest = ref.partition(":")
    targets = [(kind, rest)] if colon and kind in KINDS else [(k, ref) for k in KINDS]
    terms: list[ColumnElement[bool]] = []
    for target_kind, name in targets:
        entity = f"{target_kind}:{name}"
        if target_kind == "run":
            terms.append(_starts(AuditEvent.entity, entity))
        else:
            terms.append(AuditEvent.entity == entity)
            if "@" not in name:
                terms.append(_starts(AuditEvent.entity, f"{entity}@"))
    return or_(*terms)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


COLUMNS = (
    AuditEvent.id,
    AuditEvent.created_at,
    AuditEvent.user,
    AuditEvent.action,
    AuditEvent.entity,
    AuditEvent.details,
    AuditEvent.hash,
)


def _query(audit_filter: AuditFilter) -> Select[Any]:
    return select(*COLUMNS).where(*audit_filter.where())


def _record(row: Any) -> dict[str, Any]:
    """An event as the command line and the pane show it (``audit list --json``)."""
    return {
        "time": row.created_at.isoformat(),
        "user": row.user,
        "action": row.action,
        "object": row.entity,
        "details": row.details,
        "hash": row.hash,
    }


def count_query(audit_filter: AuditFilter) -> Select[Any]:
    return select(func.count()).select_from(AuditEvent).where(*audit_filter.where())


def count(workspace: Workspace, audit_filter: AuditFilter = AuditFilter()) -> int:
    with workspace.store.read() as session:
        return int(session.scalar(count_query(audit_filter)) or 0)


def page_query(audit_filter: AuditFilter, offset: int, limit: int = PAGE) -> Select[Any]:
    """Matching events newest first, ``limit`` of them from the ``offset``-th on. The page's ids
    are found first, from the filter's index alone (sorting thousands of ids is quick, sorting
    thousands of whole events is not); then only those events are read."""
    ids = (
        select(AuditEvent.id)
        .where(*audit_filter.where())
        .order_by(AuditEvent.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return (
        select(*COLUMNS)
        .where(AuditEvent.id.in_(ids.scalar_subquery()))
        .order_by(AuditEvent.id.desc())
    )


class Matches:
    """The events a filter lets through, newest first: counted at once, read a page at a time.

    The first page is read straight away (the table shows it next); when it is not full it is
    every match, and counting would only read the same events again: for a search, which must
    read every event's text, that would read them all twice."""

    def __init__(self, workspace: Workspace, audit_filter: AuditFilter) -> None:
        self.workspace = workspace
        with workspace.store.read() as session:
            newest = session.scalar(select(func.max(AuditEvent.id)))
        # Events appended while the pages are read (a server, another window) would shift them.
        self.audit_filter = replace(audit_filter, newest_id=newest or 0)
        self._first = self._read(0)
        full = len(self._first) == PAGE
        self.count = count(workspace, self.audit_filter) if full else len(self._first)

    def page(self, number: int) -> list[dict[str, Any]]:
        """The ``number``-th ``PAGE`` of matches (0: the newest)."""
        return self._first if number == 0 else self._read(number)

    def _read(self, number: int) -> list[dict[str, Any]]:
        with self.workspace.store.read() as session:
            query = page_query(self.audit_filter, number * PAGE)
            return [_record(row) for row in session.execute(query)]


def events(
    workspace: Workspace, audit_filter: AuditFilter = AuditFilter()
) -> Iterator[dict[str, Any]]:
    """Matching events oldest first (the order they were appended), read a page at a time."""
    return (_record(row) for row in _rows(workspace, audit_filter, PAGE))


def _rows(workspace: Workspace, audit_filter: AuditFilter, chunk: int) -> Iterator[Any]:
    """Matching rows in appending order, ``chunk`` at a time, each chunk its own short read (so
    a long walk never keeps the database from being tidied)."""
    after = 0
    while True:
        query = _query(audit_filter).where(AuditEvent.id > after).order_by(AuditEvent.id)
        with workspace.store.read() as session:
            rows = session.execute(query.limit(chunk)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def choices(workspace: Workspace) -> dict[str, list[str]]:
    """The actions and users that occur, for the pane's filter lists."""
    with workspace.store.read() as session:
        return {"actions": _distinct(session, "action"), "users": _distinct(session, "user")}


def _distinct(session: Session, column: str) -> list[str]:
    """The distinct values of an indexed column, in order, each found by one seek in its index
    (the next value after the last one found), instead of reading the whole index."""
    query = text(
        f"WITH RECURSIVE found(value) AS (SELECT min({column}) FROM audit_events "
        f"UNION ALL SELECT (SELECT min({column}) FROM audit_events WHERE {column} > value) "
        "FROM found WHERE value IS NOT NULL) SELECT value FROM found WHERE value IS NOT NULL"
    )
    return list(session.scalars(query))


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action)


def details_text(details: Any) -> str:
    """An event's details as one line: "from: staging; to: production; note: approved"."""
    if not isinstance(details, dict):
        return "" if details is None else json.dumps(details)
    return "; ".join(
        f"{key.replace('_', ' ')}: {_value_text(value)}" for key, value in details.items()
    )


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def export_csv(
    workspace: Workspace,
    audit_filter: AuditFilter,
    output: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Write the matching events, oldest first, to a CSV file (details as JSON); a cancelled or
    failed export leaves no file behind."""
    total = count(workspace, audit_filter)
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["time", "user", "action", "object", "details", "hash"])
            for written, event in enumerate(events(workspace, audit_filter), start=1):
                writer.writerow(
                    [
                        event["time"],
                        event["user"],
                        event["action"],
                        event["object"],
                        json.dumps(event["details"], ensure_ascii=False),
                        event["hash"],
                    ]
                )
                if written % PAGE == 0:
                    check_cancel(cancel)
                    progress(written / max(total, 1), f"Wrote {counted(written, 'event')}")
        os.replace(partial, output)
    except OSError as exc:
        raise UserError(
            f"The events cannot be written to {output} ({exc.strerror or exc})."
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    return {"output": str(output), "events": total}


VERIFY_CHUNK = 5_000


def verify(
    workspace: Workspace, progress: Progress = no_progress, cancel: CancelCheck = never_cancel
) -> dict[str, Any]:
    """Recompute every event's hash from its content and the stored hash before it:
    ``{"events": N, "intact": bool, "first_broken": the first event that does not match, with
    its "position" in the chain (1 = the first appended), or None}``."""
    total = count(workspace)
    broken = chain.first_broken(_links(workspace, total, progress, cancel))
    if broken is None:
        return {"events": total, "intact": True, "first_broken": None}
    with workspace.store.read() as session:
        row = session.execute(select(*COLUMNS).where(AuditEvent.id == broken.event_id)).one()
    return {
        "events": total,
        "intact": False,
        "first_broken": {"position": broken.position, **_record(row)},
    }


def _links(
    workspace: Workspace, total: int, progress: Progress, cancel: CancelCheck
) -> Iterator[tuple[int, chain.Content, str | None]]:
    """Every event's id, content and stored hash, in the order they were appended."""
    for read, row in enumerate(_rows(workspace, AuditFilter(), VERIFY_CHUNK), start=1):
        content = chain.Content(row.created_at, row.user, row.action, row.entity, row.details)
        yield row.id, content, row.hash
        if read % VERIFY_CHUNK == 0:
            check_cancel(cancel)
            progress(read / max(total, 1), f"Checked {counted(read, 'event')}")


def verdict(result: dict[str, Any]) -> str:
    """``verify``'s result in a sentence, for the pane and the command line."""
    if result["intact"]:
        return (
            f"{counted(result['events'], 'event')}, chain intact: none was edited, removed or "
            "added outside the app."
        )
    event = result["first_broken"]
    return (
        f"{counted(result['events'], 'event')}; the chain is broken at event "
        f"{event['position']:,} ({event['time'][:19].replace('T', ' ')} UTC, {event['action']} "
        f"{event['object']}): it, or an event just before it, was changed, removed or added "
        "outside the app."
    )
