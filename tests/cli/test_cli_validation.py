"""The validation commands as a black box: `datasets validate` and `datasets rules`, their JSON
shapes, text for a person, exit codes, and rule files that are refused without changing the store."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mlops_desktop.core.store.models import AuditEvent, DatasetRules
from mlops_desktop.core.workspace import Workspace
from tests.cli.conftest import Cli, ok_json

pytestmark = [
    pytest.mark.filterwarnings("error::UserWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "resources" / "samples" / "iris.csv"
CHECK_KEYS = {"column", "rule", "passed", "failures", "examples", "explanation"}


def _rules_file(tmp_path: Path, content: Any, name: str = "rules.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def _store(home: Path) -> tuple[Any, ...]:
    """What a refused command must leave as it was: the rules and the audit log."""
    ws = Workspace(home)
    try:
        with ws.store.read() as session:
            rules = [list(r) for r in session.scalars(select(DatasetRules.rules))]
            events = session.scalar(select(func.count()).select_from(AuditEvent))
        return rules, events
    finally:
        ws.close()


@pytest.fixture
def iris(in_home: Cli) -> Cli:
    ok_json(in_home("datasets", "import", IRIS, "--json"))
    return in_home


def test_validate_prints_the_report_and_exits_0_whether_or_not_it_passes(
    iris: Cli, tmp_path: Path, home: Path
) -> None:
    report = ok_json(iris("datasets", "validate", "iris", "--json"))
    assert report["passed"] is True
    assert (report["name"], report["version"], report["rules_from"]) == ("iris", 1, "dataset")
    assert len(report["checks"]) == 15  # type and not_null for 5 columns, 4 ranges, 1 allowed
    assert all(set(check) >= CHECK_KEYS and check["passed"] for check in report["checks"])

    before = _store(home)
    rules = _rules_file(
        tmp_path,
        [
            {"column": "species", "rule": "allowed", "values": ["setosa", "virginica"]},
            {"column": "sepal_length_cm", "rule": "range", "max": 7},
            {"column": "petal_width_cm", "rule": "not_null"},
        ],
    )
    outcome = iris("datasets", "validate", "iris@1", "--rules", rules, "--json")
    report = ok_json(outcome)
    assert report["passed"] is False and report["rules_from"] == "given"
    assert [(c["column"], c["rule"], c["passed"], c["failures"]) for c in report["checks"]] == [
        ("species", "allowed", False, 50),
        ("sepal_length_cm", "range", False, 12),
        ("petal_width_cm", "not_null", True, 0),
    ]
    assert report["checks"][1]["examples"][0] == {"row": 103, "value": 7.1}
    assert _store(home) == before  # a rule file is only checked against

    text = iris("datasets", "validate", "iris", "--rules", rules)
    assert text.code == 0 and text.err == ""
    lines = text.out.splitlines()
    assert lines[0] == "iris version 1 failed 2 of 3 checks against the rules in rules.json:"
    assert lines[1].split() == ["COLUMN", "RULE", "ROWS", "WHY", "EXAMPLES"]
    assert "12 values of 'sepal_length_cm' are above 7." in lines[3]
    assert "row 103: 7.1" in lines[3]
    passed = iris("datasets", "validate", "iris")
    assert passed.out == "iris version 1 passed all 15 checks against its dataset's rules.\n"


BAD_FILES = [
    ('[{"column": "species", "rule": ', "rules.json is not valid JSON: Expecting value at line 1"),
    ({"column": "species", "rule": "not_null"}, "The rules must be a JSON list"),
    (
        [{"column": "species", "rule": "not_null"}, {"column": "species", "rule": "sorted"}],
        "Rule 2 (on 'species') has an unknown rule 'sorted'; use one of",
    ),
    ([{"rule": "not_null"}], "Rule 1 (not_null) needs the name of a column in 'column'."),
    (
        [{"column": "sepal_length_cm", "rule": "range", "min": "4"}],
        "Rule 1 (range on 'sepal_length_cm') needs a number for 'min'.",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
@pytest.mark.parametrize("command", [("validate", "iris", "--rules"), ("rules", "iris", "--set")])
def test_a_malformed_rule_file_is_refused_in_one_line_and_changes_nothing(
    iris: Cli, tmp_path: Path, home: Path, content: Any, message: str, command: tuple[str, ...]
) -> None:
    before = _store(home)
    outcome = iris("datasets", *command, _rules_file(tmp_path, content))
    assert outcome.code == 1
    assert outcome.out == ""
    assert len(outcome.err_lines) == 1
    assert outcome.err_lines[0].startswith(f"error: {message}")
    assert "Traceback" not in outcome.err
    assert _store(home) == before


def test_unknown_datasets_and_missing_files_are_refused_plainly(
    iris: Cli, tmp_path: Path, home: Path
) -> None:
    before = _store(home)
    for args in (
        ("validate", "nothing"),
        ("validate", "iris@7"),
        ("rules", "nothing"),
        ("validate", "iris", "--rules", tmp_path / "absent.json"),
        ("rules", "iris", "--set", tmp_path / "absent.json"),
    ):
        outcome = iris("datasets", *args)
        assert outcome.code == 1 and len(outcome.err_lines) == 1, (args, outcome)
        assert outcome.err_lines[0].startswith("error: "), args
    assert (
        iris("datasets", "validate", "nothing").err
        == "error: There is no dataset named 'nothing'.\n"
    )
    assert _store(home) == before


def test_rules_shows_them_as_text_and_json_and_set_replaces_them(
    iris: Cli, tmp_path: Path, home: Path
) -> None:
    proposed = ok_json(iris("datasets", "rules", "iris", "--json"))
    assert proposed[:3] == [
        {"column": "sepal_length_cm", "rule": "type", "type": "numeric"},
        {"column": "sepal_length_cm", "rule": "not_null"},
        {"column": "sepal_length_cm", "rule": "range", "min": 4.3, "max": 7.9},
    ]
    text = iris("datasets", "rules", "iris")
    assert text.code == 0
    lines = text.out.splitlines()
    assert lines[0] == "Rules of iris; new versions are checked against them:"
    assert lines[1].split() == ["COLUMN", "RULE", "EXPECTS"]
    assert lines[4].split() == ["sepal_length_cm", "range", "between", "4.3", "and", "7.9"]
    assert lines[-1].split() == [
        "species",
        "allowed",
        "one",
        "of",
        "setosa,",
        "versicolor,",
        "virginica",
    ]
    assert len(lines) == 2 + len(proposed)

    new = [{"column": "species", "rule": "allowed", "values": ["setosa"]}]
    saved = iris("datasets", "rules", "iris", "--set", _rules_file(tmp_path, new))
    assert saved.out == "Saved 1 rule for iris; new versions are checked against them.\n"
    assert ok_json(iris("datasets", "rules", "iris", "--json")) == new
    assert _store(home)[0] == [new]
    report = ok_json(iris("datasets", "validate", "iris", "--json"))
    assert report["passed"] is False and report["checks"][0]["failures"] == 100
    shown = iris("datasets", "show", "iris")
    assert "rules: 1 check failed; see mlops-desktop datasets validate iris@1" in shown.out
    assert ok_json(iris("datasets", "show", "iris", "--json"))["validation"]["failed_checks"] == 1

    cleared = iris("datasets", "rules", "iris", "--set", _rules_file(tmp_path, []), "--json")
    assert ok_json(cleared) == []
    assert iris("datasets", "rules", "iris").out == (
        "iris has no rules. Set some with: mlops-desktop datasets rules iris --set RULES.json\n"
    )
