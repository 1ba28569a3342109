"""A team store: a workspace whose records live in PostgreSQL. The command line says which store it is
on, a store that cannot be opened is one sentence, writers from several programs take turns (and past
the timeout read the busy sentence, keeping nothing), two programs opening a new database upgrade it
once, writers and a busy server at once lose no record and no logged row, and another computer's
server is never taken for a process here."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from mlops_desktop.cli import main
from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.governance import audit
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import control
from mlops_desktop.core.serving.history import running_servers
from mlops_desktop.core.store import db
from mlops_desktop.core.store.models import AuditEvent, Dataset, Deployment
from mlops_desktop.core.store.upkeep import this_computer
from mlops_desktop.core.workspace import Workspace
from tests import concurrent_writes
from tests.conftest import SAMPLES
from tests.stores import POSTGRESQL, Databases, both_stores

on_postgresql = pytest.mark.parametrize("store_kind", [POSTGRESQL], indirect=True)


@both_stores
def test_workspace_info_names_the_store_given_by_option_or_environment(
    home: Path, store_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:

    option = [] if store_url is None else ["--store", store_url]  # the fixture also sets the env
    for words in (
        ["workspace", "info", "--json", "--home", str(home), *option],
        ["workspace", "info", "--json", "--home", str(home)],
    ):
        assert main(words) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["home"] == str(home.resolve())
        assert info["artifacts"] == str(home.resolve() / "artifacts")
        if store_url is None:
            assert info["store"] == f"SQLite {home.resolve() / 'store.db'}"
        else:
            assert info["store"] == f"PostgreSQL {store_url}"
            assert not (home / "store.db").exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("address", "said"),
    [
        (
            "postgresql://analyst:secret@127.0.0.1:{port}/team",
            "The team store postgresql://analyst:***@127.0.0.1:{port}/team cannot be opened "
            "(Connection refused); check that its PostgreSQL server runs and the address is right.",
        ),
        (
            "mysql://analyst@127.0.0.1/team",
            "The store 'mysql://analyst@127.0.0.1/team' is not a PostgreSQL address; write it as "
            "postgresql://user@host:port/database.",
        ),
        (
            "postgresql://analyst@127.0.0.1:{port}",
            "The store address postgresql://analyst@127.0.0.1:{port} names no database; end it "
            "with /database.",
        ),
    ],
)
def test_a_store_that_cannot_be_opened_is_one_sentence_and_hides_the_password(
    home: Path, capsys: pytest.CaptureFixture[str], address: str, said: str
) -> None:
    pytest.importorskip("psycopg")
    port = _closed_port()
    assert (
        main(["datasets", "list", "--home", str(home), "--store", address.format(port=port)]) == 1
    )
    assert capsys.readouterr().err == f"error: {said.format(port=port)}\n"


@on_postgresql
def test_writers_take_turns_and_one_kept_waiting_too_long_reads_busy_and_keeps_nothing(
    workspace: Workspace, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program's store: while one write transaction runs, the other's waits (seen in
    PostgreSQL's own lock table), then goes through; one that waits past the timeout stops with
    the busy sentence and nothing of it is kept."""
    other = db.Store(store_url)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        with workspace.store.write() as session:
            session.add(Dataset(name="first"))
            session.flush()
            holding.set()
            release.wait(30)

    def second() -> None:
        try:
            with other.write() as session:
                session.add(Dataset(name="second"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert holding.wait(30)
    threads[1].start()
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    with workspace.store.engine.connect() as connection:
        for _ in range(3000):
            if connection.execute(waiting).scalar():
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the second writer never waited for the first")
    release.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with workspace.store.read() as session:
        assert sorted(session.scalars(select(Dataset.name))) == ["first", "second"]

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    impatient = db.Store(store_url)
    with workspace.store.write() as session:
        session.add(Dataset(name="third"))
        session.flush()
        with (
            pytest.raises(UserError, match=r"^The workspace is busy: another program is writing"),
            impatient.write() as late,
        ):
            late.add(Dataset(name="never"))
    with workspace.store.read() as session:
        assert sorted(session.scalars(select(Dataset.name))) == ["first", "second", "third"]
    other.close()
    impatient.close()


@on_postgresql
def test_two_programs_opening_a_new_database_at_once_build_its_schema_once(
    store_url: str, postgres_databases: Databases
) -> None:
    empty = postgres_databases.new(copy_of=store_url.rsplit("/", 1)[0] + "/template0")
    opening = (
        "import sys; from mlops_desktop.core.store.db import Store; Store(sys.argv[1]).close()"
    )
    programs = [subprocess.Popen([sys.executable, "-c", opening, empty]) for _ in range(2)]
    assert [program.wait(120) for program in programs] == [0, 0]
    store = db.Store(empty)
    assert store.integrity_check() == "ok"
    store.close()


@on_postgresql
def test_writers_and_a_busy_server_at_once_lose_no_record_and_no_logged_row(
    tmp_path: Path, store_url: str
) -> None:
    """The bounded version of bench/bench_postgres_concurrency.py: two writer processes importing,
    training, registering into one model and staging, while four clients keep a serving process
    busy; every write they report is stored, version numbers are 1..n without a gap or a twin, one
    version at most is in production, and every answered row is logged."""
    home = tmp_path / "team"
    concurrent_writes.prepare(home, store_url)
    outcome = concurrent_writes.run(home, store_url, writers=2, seconds=3, clients=4)
    assert outcome.problems == []
    assert outcome.missing == []
    assert min(outcome.writes[kind] for kind in ("import", "train", "register", "stage")) >= 1
    assert outcome.rows_logged == outcome.rows_answered > 0


@both_stores
def test_a_server_on_another_computer_is_never_taken_for_a_process_here(
    workspace: Workspace,
) -> None:
    """Its process id means nothing here: even when a process here has that id (this one), the
    Serve tab must not offer to stop it."""
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    recipe = training.Recipe(dataset="iris", target="species", algorithm="decision_tree")
    model_registry.register(workspace, training.train(workspace, recipe)[0]["run_id"], "flowers")
    with workspace.store.write() as session:
        version = model_registry.resolve(session, "flowers")[1]
        deployments = [
            Deployment(
                model_version_id=version.id,
                host="127.0.0.1",
                port=port,
                pid=os.getpid(),
                computer=computer,
            )
            for port, computer in ((8001, this_computer()), (8002, "elsewhere"), (8003, None))
        ]
        session.add_all(deployments)
    with contextlib.ExitStack() as locks:  # each held as its server holds it while it runs
        for deployment in deployments:
            locks.enter_context(control.running(workspace, deployment.id))
        listed = [server["url"] for server in running_servers(workspace)]
    assert listed == ["http://127.0.0.1:8001", "http://127.0.0.1:8003"]


@on_postgresql
def test_a_number_that_is_not_finite_is_stored_as_null_not_refused(workspace: Workspace) -> None:
    """PostgreSQL's JSON has no NaN or Infinity (SQLite keeps Python's): a measure that could not
    be computed must not make the write fail."""
    with workspace.store.write() as session:
        audit.record(session, "test.nan", "test", score=float("nan"), scores=[1.0, float("inf")])
    with workspace.store.read() as session:
        details = session.scalar(select(AuditEvent.details).where(AuditEvent.action == "test.nan"))
    assert details == {"score": None, "scores": [1.0, None]}
