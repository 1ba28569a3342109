"""`models` and `predict` on the command line: DESIGN.md's JSON shapes, stages with notes, and
scoring a file that agrees with the model; bad input fails in one line and changes nothing."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from mlops_desktop.core.store.models import AuditEvent, PredictionLog
from mlops_desktop.core.workspace import Workspace
from tests.cli.conftest import ok_json
from tests.conftest import REPO, SAMPLES

REQUESTS = 25
TIMEOUT = 60


@pytest.fixture
def trained(in_home) -> str:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    run = ok_json(
        in_home(
            "train",
            "--dataset",
            "iris",
            "--target",
            "species",
            "--algorithm",
            "decision_tree",
            "--json",
        )
    )
    return run["run_id"]


def test_register_list_show_and_stage_a_model(in_home, trained: str) -> None:
    registered = ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    assert {"name", "version", "stage", "run_id", "inputs"} <= set(registered)
    assert (registered["name"], registered["version"], registered["stage"]) == (
        "Flowers",
        1,
        "none",
    )

    staged = ok_json(
        in_home("models", "stage", "Flowers", "1", "production", "--note", "approved", "--json")
    )
    assert staged["stage"] == "production"
    assert [(h["from"], h["to"], h["note"]) for h in staged["history"]] == [
        ("none", "production", "approved")
    ]
    shown = ok_json(in_home("models", "show", "Flowers@production", "--json"))
    assert shown["version"] == 1 and shown["run_id"] == trained
    listed = ok_json(in_home("models", "list", "--json"))
    assert [(m["name"], m["version"], m["stage"]) for m in listed] == [("Flowers", 1, "production")]
    text = in_home("models", "list")
    assert text.code == 0 and "Flowers" in text.out and "production" in text.out


def test_predict_writes_the_input_columns_with_predictions_and_probabilities(
    in_home, trained: str, tmp_path: Path
) -> None:
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    output = tmp_path / "scored.csv"
    result = ok_json(
        in_home("predict", "Flowers", SAMPLES / "iris.csv", "--output", output, "--json")
    )
    assert result == {"rows": 150, "output": str(output)}
    scored = pd.read_csv(output)
    original = pd.read_csv(SAMPLES / "iris.csv")
    assert list(scored.columns[: len(original.columns)]) == list(original.columns)
    assert {"prediction", "probability_setosa"} <= set(scored.columns)
    assert (scored["prediction"] == original["species"]).mean() > 0.9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("models", "show", "Nope"), "error: There is no model named 'Nope'."),
        (("models", "register", "zzz", "--name", "X"), "error: There is no run with the id 'zzz'."),
        (
            ("models", "stage", "Flowers", "1", "live"),
            "error: 'live' is not a stage; choose one of none, staging, production, archived.",
        ),
        (("predict", "Flowers", "missing.csv", "--output", "out.csv"), "error: "),
    ],
)
def test_bad_model_commands_fail_in_one_line_and_change_nothing(
    in_home, trained: str, args, message: str
) -> None:
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    before = in_home("models", "show", "Flowers", "--json").out
    outcome = in_home(*args)
    assert outcome.code == 1
    assert len(outcome.err_lines) == 1 and outcome.err_lines[0].startswith(message)
    assert "Traceback" not in outcome.err
    assert in_home("models", "show", "Flowers", "--json").out == before


def test_serve_reads_its_token_from_a_file(
    in_home, trained: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token on the command line shows in the process list; a file keeps it private. The
    server itself is replaced here: what matters is the token it is given."""
    from mlops_desktop.core import serving

    given = {}

    def serve(workspace, ref, host, port, token, on_ready):
        given.update(ref=ref, host=host, token=token)
        return {"requests": 0, "predicted_rows": 0}

    monkeypatch.setattr(serving, "serve", serve)
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    secret = tmp_path / "token"
    secret.write_text("s3cret-token-from-a-file\n")
    result = in_home("serve", "Flowers", "--host", "0.0.0.0", "--token-file", secret)
    assert result.code == 0, result.err
    assert given == {"ref": "Flowers", "host": "0.0.0.0", "token": "s3cret-token-from-a-file"}
    both = in_home("serve", "Flowers", "--token", "x" * 20, "--token-file", secret)
    assert both.code == 2  # one or the other


def test_servers_stop_stops_a_server_gracefully_with_every_answered_row_logged(
    in_home, trained: str, home: Path
) -> None:
    """`servers stop` asks through the server's stop file (as on Windows, where there is no
    SIGTERM to send): every prediction answered before it is in the log afterwards."""
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    command = [sys.executable, "-m", "mlops_desktop", "serve", "Flowers", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--json", "--home", str(home)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = json.loads(server.stdout.readline())["url"]
        row = {"sepal_length_cm": 5.1, "sepal_width_cm": 3.5}
        row |= {"petal_length_cm": 1.4, "petal_width_cm": 0.2}
        body = json.dumps({"dataframe_records": [row]}).encode()
        answered = 0
        for _ in range(REQUESTS):
            request = urllib.request.Request(
                f"{url}/invocations", data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answered += response.status == 200
        [listed] = ok_json(in_home("servers", "list", "--json"))
        assert (listed["ref"], listed["url"], listed["pid"]) == ("Flowers@1", url, server.pid)
        [stopped] = ok_json(in_home("servers", "stop", str(listed["deployment"]), "--json"))
        assert stopped["result"] == "stopped"
        assert server.wait(TIMEOUT) == 0
    finally:
        server.kill()
        server.wait()
    assert answered == REQUESTS
    workspace = Workspace(home)
    try:
        with workspace.store.read() as session:
            assert session.scalar(select(func.count(PredictionLog.id))) == REQUESTS
        assert workspace.store.integrity_check() == "ok"
    finally:
        workspace.close()
    assert ok_json(in_home("servers", "list", "--json")) == []
    again = in_home("servers", "stop", str(listed["deployment"]))
    assert again.code == 1 and again.err_lines == [
        f"error: No server of deployment {listed['deployment']} is running; "
        "'mlops-desktop servers list' shows those that are."
    ]


def test_four_eyes_a_move_to_production_needs_another_persons_approval(
    in_home, trained: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17, point 6: with the rule on, the OS user who asks cannot approve; another can,
    and the stage history and the audit trail name both."""
    monkeypatch.setenv("LOGNAME", "ana")  # getpass.getuser() reads LOGNAME first
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    assert ok_json(in_home("models", "four-eyes", "Flowers", "on", "--json"))["four_eyes"]
    asked = in_home("models", "stage", "Flowers", "1", "production", "--note", "ready")
    assert asked.code == 0 and "another person approves it" in asked.out
    shown = ok_json(in_home("models", "show", "Flowers@1", "--json"))
    assert shown["stage"] == "none"
    assert shown["pending"]["user"] == "ana" and shown["pending"]["note"] == "ready"

    refused = in_home("models", "approve", "Flowers", "1")
    assert refused.code == 1
    assert refused.err_lines == [
        "error: You asked for Flowers version 1 to go to production yourself; another person "
        "must approve it (the model's four-eyes rule)."
    ]
    assert ok_json(in_home("models", "show", "Flowers@1", "--json"))["stage"] == "none"

    monkeypatch.setenv("LOGNAME", "ben")
    approved = ok_json(in_home("models", "approve", "Flowers", "1", "--note", "checked", "--json"))
    assert approved["stage"] == "production" and approved["pending"] is None
    last = approved["history"][-1]
    assert (last["to"], last["user"], last["requested_by"], last["note"]) == (
        "production",
        "ben",
        "ana",
        "ready; checked",
    )
    shown_text = in_home("models", "show", "Flowers@production").out
    assert "ben: none -> production ready; checked (asked for by ana)" in shown_text
    workspace = Workspace(home)
    with workspace.store.read() as session:
        trail = [
            (event.action, event.user, event.details)
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if event.entity == "model:Flowers@1" and event.action.startswith("model.stage")
        ]
    workspace.close()
    assert [(action, user) for action, user, _details in trail] == [
        ("model.stage.request", "ana"),
        ("model.stage", "ben"),
    ]
    assert trail[1][2]["requested_by"] == "ana"


def test_four_eyes_off_moves_at_once_and_a_pending_move_can_be_withdrawn(
    in_home, trained: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "ana")
    ok_json(in_home("models", "register", trained, "--name", "Flowers", "--json"))
    ok_json(in_home("models", "four-eyes", "Flowers", "on", "--json"))
    in_home("models", "stage", "Flowers", "1", "production")
    again = in_home("models", "stage", "Flowers", "1", "production")
    assert again.code == 1 and "already asked for" in again.err
    withdrawn = ok_json(in_home("models", "withdraw", "Flowers", "1", "--json"))
    assert withdrawn["pending"] is None and withdrawn["stage"] == "none"
    nothing = in_home("models", "approve", "Flowers", "1")
    assert nothing.code == 1 and "there is nothing to approve" in nothing.err
    ok_json(in_home("models", "four-eyes", "Flowers", "off", "--json"))
    moved = ok_json(in_home("models", "stage", "Flowers", "1", "production", "--json"))
    assert moved["stage"] == "production" and moved["four_eyes"] is False
