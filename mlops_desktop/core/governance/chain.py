"""Tamper evidence for the audit trail: each event's hash covers its content and the hash before it.

An event's content is a canonical JSON of its time, user, action, object and details (keys sorted,
no spaces, UTC time with microseconds), so the same event always gives the same text. Its hash is
the SHA-256 of the previous event's hash followed by that text; the first event follows
``GENESIS``. Changing, removing or slipping in an event by hand therefore leaves an event whose
stored hash no longer matches: ``verify`` walks the chain in the order the events were appended
(their ids) and names the first such event.

What a chain cannot show: someone who knows this recipe and rewrites every hash after a change,
or who removes the newest events, leaves a chain that still matches. It is evidence against
edits behind the app's back, not a signature.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

GENESIS = "0" * 64


class Content(NamedTuple):
    time: datetime  # UTC; a naive one is read as UTC (as SQLite hands it back)
    user: str
    action: str
    entity: str
    details: dict[str, Any]


def canonical(content: Content) -> str:
    time = content.time if content.time.tzinfo is None else content.time.astimezone(UTC)
    stamp = time.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return json.dumps(
        {
            "action": content.action,
            "details": content.details,
            "object": content.entity,
            "time": stamp,
            "user": content.user,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def link(previous: str, content: Content) -> str:
    """The hash of an event whose predecessor's hash is ``previous``."""
    return hashlib.sha256(f"{previous}\n{canonical(content)}".encode()).hexdigest()


class Broken(NamedTuple):
    position: int  # 1 for the first event appended
    event_id: int


def first_broken(events: Iterable[tuple[int, Content, str | None]]) -> Broken | None:
    """Walk ``(id, content, stored hash)`` in appending order; the first event whose stored hash
    does not match its content and the stored hash before it, or None for an intact chain."""
    previous = GENESIS
    for position, (event_id, content, stored) in enumerate(events, start=1):
        if stored is None or stored != link(previous, content):
            return Broken(position, event_id)
        previous = stored
    return None
