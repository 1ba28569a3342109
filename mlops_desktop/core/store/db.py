"""Engine, sessions and schema upgrades for a workspace's ``store.db``.

SQLite runs in WAL mode with a busy timeout so the GUI, the CLI and a serving process can share one
workspace; within a process all writes go through one lock (one writer), in short transactions.
"""

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mlops_desktop.core.errors import UserError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision. Opening a current workspace compares against it and so never
# loads Alembic (a third of a second); a test checks it equals Alembic's head.
SCHEMA_HEAD = "0015_roles"
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


@contextmanager
def _busy_said_plainly() -> Iterator[None]:
    """A write waits up to the busy timeout for another process's write to finish (SQLite tries
    again and again meanwhile); past it, the analyst reads why, not "database is locked"."""
    try:
        yield
    except OperationalError as exc:
        if not isinstance(exc.orig, sqlite3.OperationalError) or "locked" not in str(exc.orig):
            raise
        raise UserError(
            "The workspace is busy: another program is writing to it; try again."
        ) from exc


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
    """One workspace database: opens it, upgrades its schema, hands out sessions."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.engine = create_engine(
            f"sqlite:///{db_path}",
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
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
            raise UserError(
                f"The workspace database {self.db_path} cannot be read; it may be damaged."
            ) from exc
        if current == head:
            return
        if current is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            backup = self.db_path.with_name(f"store.db.before-{head}-{stamp}.bak")
            self._backup_to(backup)
            log.info("Upgrading workspace schema %s -> %s (backup %s)", current, head, backup)
        _upgrade_to_head(self.engine)

    def _backup_to(self, target: Path) -> None:
        """A consistent copy of the live database (WAL included) via SQLite's backup API."""
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
            yield session

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: "ok", or the problems it found, one per line."""
        with self.engine.connect() as connection:
            return "\n".join(connection.execute(text("PRAGMA integrity_check")).scalars())

    def integrity_ok(self) -> bool:
        return self.integrity_check() == "ok"

    def close(self) -> None:
        self.engine.dispose()
