"""Engine, sessions and schema upgrades for a workspace's records: its ``store.db``, or a team store.

SQLite runs in WAL mode with a busy timeout so the GUI, the CLI and a serving process can share one
workspace; within a process all writes go through one lock (one writer), in short transactions. A team
store is a PostgreSQL database (``postgres``) whose writers take turns the same way; everything that
differs between the two lives in this package, so the rest of the app never asks which one it is on.
"""

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store import postgres
from mlops_desktop.core.store.models import Base

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision. Opening a current workspace compares against it and so never
# loads Alembic (a third of a second); a test checks it equals Alembic's head.
SCHEMA_HEAD = "0013"
BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "mlops_write"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # The driver's own transaction handling is off; ``_on_begin`` starts transactions instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection: Any) -> None:
    """Writes take the write lock when they begin (BEGIN IMMEDIATE): a deferred transaction that
    read first could not upgrade to writing once another process had written ("database is
    locked"), whereas BEGIN IMMEDIATE simply waits its turn within the busy timeout."""
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _busy(error: DBAPIError) -> bool:
    if isinstance(error.orig, sqlite3.OperationalError):
        return "locked" in str(error.orig)
    return postgres.is_busy(error)


@contextmanager
def _busy_said_plainly() -> Iterator[None]:
    """A write waits up to the busy timeout for another process's write to finish (SQLite tries
    again and again meanwhile, PostgreSQL queues it); past it, the analyst reads why, not
    "database is locked"."""
    try:
        yield
    except DBAPIError as exc:
        if not _busy(exc):
            raise
        raise UserError(
            "The workspace is busy: another program is writing to it; try again."
        ) from exc


def insert_many(
    session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` through the driver's own executemany, skipping SQLAlchemy's per-value
    conversion (most of a large insert's cost): values must already be as the store keeps them
    (UTC times without a zone, JSON as text). Each driver marks its parameters its own way."""
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)})",
        rows,
    )


def in_write_transaction(session: Session) -> bool:
    """Whether ``session`` is a ``Store.write`` transaction: it began with BEGIN IMMEDIATE, so it
    holds the database's write lock, against every process, until it ends."""
    return bool(session.connection().get_execution_options().get(WRITE_OPTION, False))


def _upgrade_to_head(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    command.upgrade(config, "head")


def head_revision() -> str:
    """Alembic's own idea of the newest revision (reads the migration scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


class Store:
    """One workspace database: opens it, upgrades its schema, hands out sessions.

    ``location`` is the SQLite file (a path) or a team store's ``postgresql://`` address."""

    def __init__(self, location: Path | str) -> None:
        # The PostgreSQL address as given (to hand to the processes this one starts), else None.
        self.url = str(location) if isinstance(location, str) else None
        self.db_path = location if isinstance(location, Path) else None
        if self.url is not None:
            self.engine = postgres.create(self.url, lock_timeout_ms=BUSY_TIMEOUT_MS)
            self.description = f"PostgreSQL {postgres.shown(self.url)}"
        else:
            self.engine = create_engine(
                f"sqlite:///{location}",
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            )
            event.listen(self.engine, "connect", _on_connect)
            event.listen(self.engine, "begin", _on_begin)
            self.description = f"SQLite {location}"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._write_lock = threading.RLock()
        self._upgrade()

    def _current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            revision: str | None = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar()
            return revision

    def _upgrade(self) -> None:
        head = SCHEMA_HEAD
        try:
            current = self._current_revision()
        except Exception as exc:
            if self.url is not None:
                raise postgres.unreachable(self.url, exc) from exc
            raise UserError(
                f"The workspace database {self.db_path} cannot be read; it may be damaged."
            ) from exc
        if current == head:
            return
        # PostgreSQL changes a schema in one transaction (a failed upgrade leaves nothing behind);
        # its backups are the server's business.
        if current is not None and self.db_path is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            backup = self.db_path.with_name(f"store.db.before-{head}-{stamp}.bak")
            self.backup_to(backup)
            log.info("Upgrading workspace schema %s -> %s (backup %s)", current, head, backup)
        _upgrade_to_head(self.engine)

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the live database (WAL included) via SQLite's backup API: taken in
        one step, it is the database as of one moment, while other processes go on writing."""
        if self.db_path is None:
            raise UserError(
                "A team store on PostgreSQL is backed up with the database server's own tools "
                "(pg_dump); this backs up workspaces whose records are in store.db."
            )
        source = sqlite3.connect(self.db_path)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction; commits on success, rolls back on any exception."""
        with (
            _busy_said_plainly(),
            self._write_lock,
            self._write_sessions() as session,
            session.begin(),
        ):
            if self.url is not None:
                postgres.take_write_turn(session.connection())
            yield session

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (PostgreSQL's: the app's tables at the app's schema):
        "ok", or the problems it found, one per line."""
        with self.engine.connect() as connection:
            if self.url is not None:
                revision = connection.execute(text("SELECT version_num FROM alembic_version"))
                return postgres.integrity_check(
                    connection, Base.metadata.tables, revision.scalar(), SCHEMA_HEAD
                )
            return "\n".join(connection.execute(text("PRAGMA integrity_check")).scalars())

    def integrity_ok(self) -> bool:
        return self.integrity_check() == "ok"

    def close(self) -> None:
        self.engine.dispose()
