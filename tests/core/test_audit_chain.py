"""The audit trail is tamper-evident: every event is chained by SHA-256 to the one before, so an
event edited, removed or slipped in with ``sqlite3`` behind the app's back is found and named, and
writers in several processes at once still leave one intact chain."""

import multiprocessing
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from mlops_desktop.core.data import datasets
from mlops_desktop.core.governance import audit, audit_log, chain
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES
from tests.core.audit_writers import append, write_after
from tests.core.conftest import store_at


@pytest.fixture
def trail(workspace: Workspace) -> Workspace:
    """A workspace with real events (two imports) and a few more: ten in all."""
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    datasets.import_file(workspace, SAMPLES / "wine.csv")
    append(workspace, 6)
    assert audit_log.count(workspace) == 10
    return workspace


def _sql(workspace: Workspace, statement: str, *parameters: Any) -> None:
    """Change the database as someone with sqlite3 would, behind the app's back."""
    connection = sqlite3.connect(workspace.store.db_path)
    with connection:
        connection.execute(statement, parameters)
    connection.close()


def test_an_untouched_trail_verifies_intact(trail: Workspace) -> None:
    result = audit_log.verify(trail)
    assert result == {"events": 10, "intact": True, "first_broken": None}
    assert audit_log.verdict(result) == (
        "10 events, chain intact: none was edited, removed or added outside the app."
    )
    assert all(len(event["hash"]) == 64 for event in audit_log.events(trail))


@pytest.mark.parametrize(
    "change",
    [
        'UPDATE audit_events SET details = \'{"number": 99, "writer": "test"}\' WHERE id = 6',
        "UPDATE audit_events SET user = 'mallory' WHERE id = 6",
        "UPDATE audit_events SET created_at = '2026-01-01 00:00:00.000000' WHERE id = 6",
        "UPDATE audit_events SET action = 'recipe.delete' WHERE id = 6",
        "UPDATE audit_events SET entity = 'recipe:other' WHERE id = 6",
    ],
    ids=["details", "user", "time", "action", "object"],
)
def test_an_edited_event_is_named(trail: Workspace, change: str) -> None:
    _sql(trail, change)
    result = audit_log.verify(trail)
    assert result["intact"] is False
    assert result["first_broken"]["position"] == 6
    assert "broken at event 6" in audit_log.verdict(result)


def test_an_edit_with_a_recomputed_hash_still_breaks_the_next_event(trail: Workspace) -> None:
    """Someone who rehashes the changed event leaves the one after it pointing at the old hash."""
    _sql(trail, "UPDATE audit_events SET user = 'mallory' WHERE id = 6")
    connection = sqlite3.connect(trail.store.db_path)
    previous = connection.execute("SELECT hash FROM audit_events WHERE id = 5").fetchone()[0]
    connection.close()
    event = next(e for e in audit_log.events(trail) if e["user"] == "mallory")
    forged = chain.link(
        previous,
        chain.Content(
            datetime.fromisoformat(event["time"]),
            event["user"],
            event["action"],
            event["object"],
            event["details"],
        ),
    )
    _sql(trail, "UPDATE audit_events SET hash = ? WHERE id = 6", forged)
    assert audit_log.verify(trail)["first_broken"]["position"] == 7


def test_a_deleted_event_is_found_at_the_event_after_it(trail: Workspace) -> None:
    after = list(audit_log.events(trail))[5]  # the 6th event, which followed the 5th
    _sql(trail, "DELETE FROM audit_events WHERE id = 5")
    result = audit_log.verify(trail)
    assert result["events"] == 9 and result["intact"] is False
    broken = result["first_broken"]
    assert broken["position"] == 5
    assert (broken["hash"], broken["time"]) == (after["hash"], after["time"])


def test_an_inserted_event_is_named(trail: Workspace) -> None:
    """A forged event copying a genuine one's hash, put at the end as an appended one would be."""
    genuine = list(audit_log.events(trail))[-1]
    _sql(
        trail,
        "INSERT INTO audit_events (created_at, user, action, entity, details, hash) "
        "VALUES ('2026-12-01 09:00:00.000000', 'mallory', 'model.stage', 'model:Loans@1', "
        '\'{"to": "production"}\', ?)',
        genuine["hash"],
    )
    result = audit_log.verify(trail)
    assert result["events"] == 11
    assert result["first_broken"]["position"] == 11
    assert result["first_broken"]["user"] == "mallory"


def test_an_inserted_event_without_a_hash_is_named(trail: Workspace) -> None:
    _sql(
        trail,
        "INSERT INTO audit_events (created_at, user, action, entity, details) "
        "VALUES ('2026-12-01 09:00:00.000000', 'mallory', 'dataset.delete', 'dataset:iris', '{}')",
    )
    assert audit_log.verify(trail)["first_broken"]["position"] == 11


def test_events_recorded_in_one_transaction_chain_in_the_order_recorded(
    workspace: Workspace,
) -> None:
    with workspace.store.write() as session:
        for number in range(3):
            audit.record(session, "recipe.save", f"recipe:r{number}", steps=(1, 2))
    assert [e["object"] for e in audit_log.events(workspace)] == [
        "recipe:r0",
        "recipe:r1",
        "recipe:r2",
    ]
    assert audit_log.verify(workspace)["intact"] is True


def test_events_after_a_rolled_back_transaction_chain_to_the_stored_ones(
    workspace: Workspace,
) -> None:
    append(workspace, 2)
    with pytest.raises(RuntimeError), workspace.store.write() as session:
        audit.record(session, "recipe.save", "recipe:lost")
        raise RuntimeError("the change failed")
    append(workspace, 2)
    assert audit_log.verify(workspace) == {"events": 4, "intact": True, "first_broken": None}


def test_recording_outside_a_write_transaction_is_refused(workspace: Workspace) -> None:
    """Only a write transaction holds the lock that keeps the chain's order unambiguous."""
    with workspace.store.read() as session, pytest.raises(RuntimeError, match=r"Store\.write"):
        audit.record(session, "recipe.save", "recipe:r")


def test_upgrading_chains_the_events_a_workspace_already_holds(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = store_at(path, "0008")
    with engine.begin() as connection:
        for number, when in enumerate(["2026-11-01 10:00:00", "2026-11-02 11:30:00.250000"]):
            connection.execute(
                text(
                    "INSERT INTO audit_events (created_at, user, action, entity, details) "
                    "VALUES (:when, 'ana', 'dataset.import', :entity, :details)"
                ),
                {"when": when, "entity": f"dataset:old@{number + 1}", "details": '{"rows": 3}'},
            )
    engine.dispose()
    workspace = Workspace(tmp_path)
    try:
        assert audit_log.verify(workspace) == {"events": 2, "intact": True, "first_broken": None}
        append(workspace, 1)  # new events chain on from the upgraded ones
        assert audit_log.verify(workspace)["intact"] is True
        _sql(workspace, "UPDATE audit_events SET user = 'bob' WHERE id = 1")
        assert audit_log.verify(workspace)["first_broken"]["position"] == 1
    finally:
        workspace.close()


def test_writers_in_three_processes_at_once_leave_one_intact_chain(home: Path) -> None:
    Workspace(home).close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    writers = [
        context.Process(target=write_after, args=(home, f"writer {n}", 40, start)) for n in range(3)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    workspace = Workspace(home)
    try:
        assert audit_log.verify(workspace) == {"events": 120, "intact": True, "first_broken": None}
        recorded = list(audit_log.events(workspace))
        for n in range(3):  # each writer's events in the order it wrote them
            numbers = [
                e["details"]["number"] for e in recorded if e["object"] == f"recipe:writer {n}"
            ]
            assert numbers == list(range(40))
    finally:
        workspace.close()


@pytest.mark.parametrize(
    "audit_filter",
    [
        audit_log.AuditFilter(),
        audit_log.AuditFilter(entity="dataset:iris"),
        audit_log.AuditFilter(entity="iris@2"),
        audit_log.AuditFilter(entity="run:3f2a"),
        audit_log.AuditFilter(action="model.stage"),
        audit_log.AuditFilter(action="model"),
        audit_log.AuditFilter(user="ana"),
        audit_log.AuditFilter(since=datetime(2026, 6, 1, tzinfo=UTC)),
        audit_log.AuditFilter(action="model", user="ana", until=datetime(2026, 7, 1, tzinfo=UTC)),
    ],
    ids=repr,
)
def test_each_filter_reads_an_index_not_the_whole_table(
    trail: Workspace, audit_filter: audit_log.AuditFilter
) -> None:
    """The pane stays quick at 100,000 events only if no filter walks the table (the free-text
    search is the one that must read the events' text): counting reads an index alone, and a
    page reads whole only its own events, by id."""
    connection = sqlite3.connect(trail.store.db_path)

    def plan(query: Any) -> list[str]:
        compiled = query.compile(trail.store.engine, compile_kwargs={"literal_binds": True})
        return [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {compiled}")]

    counting = plan(audit_log.count_query(audit_filter))
    assert all("INDEX" in step for step in counting if step.startswith(("SCAN", "SEARCH")))
    paging = plan(audit_log.page_query(audit_filter, 400))
    assert paging[0] == "SEARCH audit_events USING INTEGER PRIMARY KEY (rowid=?)", paging
    connection.close()
