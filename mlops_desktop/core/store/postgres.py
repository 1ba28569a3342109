"""What a team store on PostgreSQL needs beyond SQLAlchemy: its address, its engine, its turn-taking.

A workspace's records may live in a PostgreSQL database that several analysts share (``--store
postgresql://user@host:port/db``); the artifacts stay in the workspace folder. The address is written
as PostgreSQL's own tools write it: the driver (psycopg 3) is chosen here, never by the user.

Writers take turns. Every write transaction first takes one transaction-scoped advisory lock of the
database, so two processes write one after the other exactly as SQLite's ``BEGIN IMMEDIATE`` makes
them: a new version number read as "highest plus one" cannot be taken twice, and no write fails with a
serialization error that would need the caller's whole block run again. Readers never wait (each
statement reads the latest committed state, PostgreSQL's READ COMMITTED). Waiting for the lock is
bounded by the same timeout as SQLite's busy timeout; past it the analyst reads the same sentence.
Schema upgrades take the same lock, so two programs opening a new database at once upgrade it once.
"""

import json
import math
import re
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from mlops_desktop.core.errors import UserError

SCHEMES = ("postgresql", "postgres")
DRIVER = "postgresql+psycopg"
# The one advisory lock every writer of a database takes (any fixed 64-bit number; this is "mlops").
WRITE_LOCK_KEY = 0x6D6C6F7073
CONNECT_TIMEOUT_S = 10
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock wait that ran past lock_timeout


def is_address(store: str) -> bool:
    """Whether ``store`` is written as a PostgreSQL address (any other text is refused by
    ``engine_url``)."""
    return store.partition("://")[0].partition("+")[0].lower() in SCHEMES


def engine_url(address: str) -> URL:
    """The SQLAlchemy URL for a ``postgresql://…`` address, with psycopg 3 as its driver."""
    try:
        url = make_url(address)
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() not in SCHEMES:
        raise UserError(
            f"The store {address!r} is not a PostgreSQL address; write it as "
            "postgresql://user@host:port/database."
        )
    if not url.database:
        raise UserError(
            f"The store address {shown(address)} names no database; end it with /database."
        )
    try:
        import psycopg  # noqa: F401  (only to say plainly when it is missing)
    except ImportError as exc:
        raise UserError(
            "PostgreSQL support is not installed; install it with "
            "pip install 'mlops-desktop[postgres]'."
        ) from exc
    return url.set(drivername=DRIVER)


def shown(address: str) -> str:
    """The address as the app shows it: the password, if one was written in it, hidden."""
    try:
        return make_url(address).set(drivername="postgresql").render_as_string(hide_password=True)
    except ArgumentError:
        return address


def create(address: str, lock_timeout_ms: int) -> Engine:
    """An engine for the database at ``address``: connections checked before use (a server that
    restarted since is reconnected to), and lock waits bounded by ``lock_timeout_ms``."""
    return create_engine(
        engine_url(address),
        json_serializer=json_text,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c lock_timeout={lock_timeout_ms} -c timezone=UTC",
            "application_name": "mlops-desktop",
        },
    )


def json_text(value: Any) -> str:
    """A JSON column's text. PostgreSQL refuses the NaN and Infinity that Python's json writes
    (and SQLite keeps): a number that is not finite is stored as null, as JSON itself has it."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def take_write_turn(connection: Connection) -> None:
    """Wait for this database's write lock; it is released when the transaction ends."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def is_busy(error: DBAPIError) -> bool:
    """Whether ``error`` is a wait for another writer that ran past the timeout."""
    return getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


def unreachable(address: str, error: Exception) -> UserError:
    """The sentence for a store that cannot be opened: the server's own reason, in one line."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    reason = re.sub(r"^.*failed: ", "", reason)
    reason = re.sub(r"^FATAL:\s+", "", reason).rstrip(".")
    return UserError(
        f"The team store {shown(address)} cannot be opened ({reason}); check that its "
        "PostgreSQL server runs and the address is right."
    )


def integrity_check(connection: Connection, tables: Any, revision: str | None, head: str) -> str:
    """PostgreSQL keeps its own files consistent; what can go wrong here is a database that is not
    (or no longer) this app's: a table missing, or a schema of another version. "ok" or the
    problems, one per line."""
    present = set(inspect(connection).get_table_names())
    problems = [f"the table {name} is missing" for name in sorted(set(tables) - present)]
    if revision != head:
        problems.append(f"the schema is at revision {revision}, not {head}")
    return "\n".join(problems) or "ok"
