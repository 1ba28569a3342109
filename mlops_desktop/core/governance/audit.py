"""Append-only audit events: every change anyone makes, recorded in the change's own transaction.

Each event is chained to the one before it (``governance.chain``). The chain's order must be one
order for every process that writes (the app, the command line, a serving process): an event is
linked inside a ``Store.write`` transaction, which holds the database's write lock from its
first statement (BEGIN IMMEDIATE) to its commit, so the hash read as "the last one" is still the
last when this event is stored after it, and its id (SQLite's next rowid) follows it.
"""

import getpass
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlops_desktop.core.governance import chain
from mlops_desktop.core.store.db import in_write_transaction
from mlops_desktop.core.store.models import AuditEvent, utcnow

_TIP = "audit_chain_tip"  # session.info: (transaction, hash of the last event it added)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def record(session: Session, action: str, entity: str, **details: Any) -> None:
    if not in_write_transaction(session):
        raise RuntimeError("audit events are recorded only in a Store.write transaction")
    # Details as they will read back from the JSON column (tuples become lists …), so the hash
    # computed now is the one ``verify`` computes later.
    stored_details = json.loads(json.dumps(details))
    content = chain.Content(utcnow(), current_user(), action, entity, stored_details)
    digest = chain.link(_last_hash(session), content)
    session.add(
        AuditEvent(
            created_at=content.time,
            user=content.user,
            action=action,
            entity=entity,
            details=stored_details,
            hash=digest,
        )
    )
    session.info[_TIP] = (session.get_transaction(), digest)


def _last_hash(session: Session) -> str:
    """The hash of the newest event: one this transaction added and has not stored yet, or the
    newest stored one (read without storing the caller's unfinished objects)."""
    transaction, digest = session.info.get(_TIP, (None, ""))
    if transaction is not None and transaction is session.get_transaction():
        return str(digest)
    with session.no_autoflush:
        stored = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return stored or chain.GENESIS
