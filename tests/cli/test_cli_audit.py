"""``audit list`` and ``audit verify``: every change with its hash, filtered by time, object and
action, in the JSON shapes of DESIGN.md's command table; a change made behind the app's back is
named."""

import sqlite3
from pathlib import Path

from tests.cli.conftest import Cli, ok_json
from tests.conftest import SAMPLES

EVENT_KEYS = {"time", "user", "action", "object", "details", "hash"}


def _fill(in_home: Cli) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    ok_json(in_home("datasets", "import", SAMPLES / "wine.csv", "--json"))
    train = ("train", "--dataset", "iris", "--target", "species", "--algorithm", "decision_tree")
    run = ok_json(in_home(*train, "--json"))
    ok_json(in_home("models", "register", run["run_id"], "--name", "Flowers", "--json"))
    ok_json(in_home("models", "stage", "Flowers", "1", "production", "--note", "ok", "--json"))


def test_audit_list_gives_every_change_oldest_first_with_its_hash(in_home: Cli) -> None:
    _fill(in_home)
    listed = ok_json(in_home("audit", "list", "--json"))
    assert all(set(event) == EVENT_KEYS for event in listed)
    assert [event["time"] for event in listed] == sorted(event["time"] for event in listed)
    actions = [event["action"] for event in listed]
    assert actions.index("dataset.import") < actions.index("model.register")
    assert actions[-1] == "model.stage"
    assert listed[-1]["object"] == "model:Flowers@1"
    assert listed[-1]["details"] == {"from": "none", "to": "production", "note": "ok"}
    assert len({event["hash"] for event in listed}) == len(listed)


def test_audit_list_filters_by_object_action_and_time(in_home: Cli) -> None:
    _fill(in_home)
    everything = ok_json(in_home("audit", "list", "--json"))

    iris = ok_json(in_home("audit", "list", "--object", "dataset:iris", "--json"))
    assert {e["object"] for e in iris} == {"dataset:iris", "dataset:iris@1"}
    assert ok_json(in_home("audit", "list", "--object", "iris@1", "--json")) == [
        e for e in iris if e["object"] == "dataset:iris@1"
    ]
    run = next(e for e in everything if e["action"] == "run.finished")
    short = run["object"][: len("run:") + 8]  # a run as lists show it
    assert ok_json(in_home("audit", "list", "--object", short, "--json")) == [run]

    stage = ok_json(in_home("audit", "list", "--action", "model.stage", "--json"))
    assert [e["action"] for e in stage] == ["model.stage"]
    group = ok_json(in_home("audit", "list", "--action", "model", "--json"))
    assert {e["action"] for e in group} == {"model.create", "model.register", "model.stage"}

    middle = everything[len(everything) // 2]["time"]
    since = ok_json(in_home("audit", "list", "--since", middle, "--json"))
    until = ok_json(in_home("audit", "list", "--until", middle, "--json"))
    assert until + since == everything
    assert since[0]["time"] == middle
    assert ok_json(in_home("audit", "list", "--until", "2000-01-01", "--json")) == []


def test_audit_list_in_words(in_home: Cli) -> None:
    _fill(in_home)
    outcome = in_home("audit", "list", "--action", "model.stage")
    assert outcome.code == 0
    header, line = outcome.out.splitlines()
    assert header.split() == ["time", "(UTC)", "user", "action", "object", "details"]
    assert "model:Flowers@1" in line and "from: none; to: production; note: ok" in line
    assert in_home("audit", "list", "--object", "nothing").out == "No recorded changes match.\n"


def test_audit_verify_reports_an_intact_chain_then_the_first_edited_event(
    in_home: Cli, home: Path
) -> None:
    _fill(in_home)
    count = len(ok_json(in_home("audit", "list", "--json")))
    assert ok_json(in_home("audit", "verify", "--json")) == {
        "events": count,
        "intact": True,
        "first_broken": None,
    }
    assert in_home("audit", "verify").out.startswith(f"{count} events, chain intact:")

    connection = sqlite3.connect(home / "store.db")
    with connection:
        connection.execute(
            "UPDATE audit_events SET details = json_set(details, '$.note', 'approved by me') "
            "WHERE action = 'model.stage'"
        )
    connection.close()
    result = ok_json(in_home("audit", "verify", "--json"))
    assert result["intact"] is False
    broken = result["first_broken"]
    assert broken["position"] == count and broken["action"] == "model.stage"
    assert broken["details"]["note"] == "approved by me"
    assert f"broken at event {count}" in in_home("audit", "verify").out


def test_a_time_that_is_not_one_is_said_plainly(in_home: Cli) -> None:
    outcome = in_home("audit", "list", "--since", "last week")
    assert outcome.code == 1
    assert outcome.err_lines == [
        "error: 'last week' is not a time; write it as 2026-11-29 or 2026-11-29T14:30."
    ]
