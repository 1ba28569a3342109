"""The two stores the tests run on: SQLite (always) and a real PostgreSQL server (when one is given).

``MLOPS_TEST_POSTGRES`` is the address of a server's maintenance database, e.g.
``postgresql://postgres@127.0.0.1:55432/postgres`` (``.ci/run`` starts a server and sets it). Each
test on PostgreSQL gets a database of its own, copied from a template that already holds the schema at
its newest revision (a copy takes milliseconds; running the migrations would take a second). Without
the variable the PostgreSQL half skips, saying why; in CI (``CI`` set) it fails instead, so a CI
machine that lost its server cannot pass by skipping.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.engine import make_url

SERVER_ENV = "MLOPS_TEST_POSTGRES"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
TEMPLATE = f"mlops_template_{os.getpid()}"

# Runs a test once on each store: ``@both_stores`` on a test whose workspace comes from the
# ``workspace`` fixture or opens the ``store_url`` fixture's store.
both_stores = pytest.mark.parametrize("store_kind", [SQLITE, POSTGRESQL], indirect=True)


def server_address() -> str:
    """The maintenance database's address; skips (fails in CI) when no server is given."""
    address = os.environ.get(SERVER_ENV)
    if address:
        return address
    reason = f"no PostgreSQL server: set {SERVER_ENV}=postgresql://…/postgres (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the PostgreSQL half", pytrace=False)
    pytest.skip(reason)


def _at(address: str, database: str) -> str:
    return make_url(address).set(database=database).render_as_string(hide_password=False)


@contextmanager
def _maintenance(address: str) -> Iterator[Any]:
    import psycopg

    url = _at(address, "postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        yield connection


class Databases:
    """Makes and drops the tests' databases on one server."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.template_ready = False
        self.made: list[str] = []

    def _make_template(self) -> None:
        from mlops_desktop.core.store.db import Store

        with _maintenance(self.address) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            connection.execute(f"CREATE DATABASE {TEMPLATE}")
        Store(_at(self.address, TEMPLATE)).close()  # runs every migration once
        self.template_ready = True

    def new(self, copy_of: str | None = None) -> str:
        """A new database: a copy of ``copy_of`` (a database no one is connected to), else one
        holding the schema at its newest revision and no records."""
        if copy_of is None and not self.template_ready:
            self._make_template()
        template = TEMPLATE if copy_of is None else make_url(copy_of).database
        name = f"mlops_test_{uuid.uuid4().hex[:12]}"
        with _maintenance(self.address) as connection:
            connection.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        self.made.append(name)
        return _at(self.address, name)

    def drop(self, url: str) -> None:
        with _maintenance(self.address) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def close(self) -> None:
        """Drop every database made here that is still there, and the template."""
        with _maintenance(self.address) as connection:
            for name in [*self.made, TEMPLATE]:
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
