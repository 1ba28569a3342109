"""A dataset's validation rules in the workspace: read and replace them, check a stored version
again, and the checker a serving process runs on a model's inputs.

The rules themselves and the checks of a table against them are in ``validation``, which
``datasets`` uses as each version is recorded.
"""

from typing import Any

from mlops_desktop.core.data import datasets, recipes
from mlops_desktop.core.data.validation import (
    RowChecker,
    Rule,
    check,
    parse_rules,
    rule_name,
    rules_for_version,
    save_rules,
)
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.workspace import Workspace


def rules_of(workspace: Workspace, dataset: str) -> list[Rule]:
    """The current rules of a dataset (by name; a reference NAME@2 names its dataset too): its
    own, or, when it has none (made before rules existed), those proposed from its first
    version."""
    with workspace.store.read() as session:
        found = datasets.resolve(session, dataset).dataset
        first = found.versions[0]
        return rules_for_version(session, found, first.schema, first.profile)


def set_rules(workspace: Workspace, dataset: str, rules: Any) -> list[Rule]:
    """Replace a dataset's rules (checked first: bad rules change nothing); returns them as
    stored. New versions are checked against them; versions already recorded keep their reports
    until checked again (``validate``)."""
    checked = parse_rules(rules)
    with workspace.store.write() as session:
        latest = datasets.resolve(session, datasets.parse_ref(dataset)[0])
        _check_columns_exist(checked, latest.dataset.name, [c["name"] for c in latest.schema])
        save_rules(session, latest.dataset, checked, "dataset.rules")
    return checked


def _check_columns_exist(rules: list[Rule], dataset: str, columns: list[str]) -> None:
    """A rule about a column the dataset's latest version lacks is most likely a typo."""
    for number, rule in enumerate(rules, 1):
        if rule["column"] not in columns:
            shown = ", ".join(f"'{c}'" for c in columns[:8]) + (", …" if len(columns) > 8 else "")
            raise UserError(
                f"{rule_name(number, rule['rule'], rule['column'])} is about a column "
                f"'{dataset}' does not have; its columns are {shown}."
            )


def validate(
    workspace: Workspace,
    ref: str,
    rules: Any = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Check the dataset version ``ref`` against its dataset's rules, or against ``rules`` (say,
    read from a file; checked first). The report (see ``check``) with ``name``, ``version`` and
    ``rules_from`` ("dataset" or "given"). Checked against the dataset's own rules, the report
    replaces the one stored with the version (and the audit log says so); given rules change
    nothing in the store."""
    given = parse_rules(rules) if rules is not None else None
    progress(0.0, "Reading the data")
    version = datasets.get_version(workspace, ref)
    name, number = version.dataset.name, version.version
    if given is not None:  # a file's rule about a column this version lacks: most likely a typo
        _check_columns_exist(given, f"{name}@{number}", [c["name"] for c in version.schema])
    checked = given if given is not None else rules_of(workspace, f"{name}@{number}")
    frame = datasets.load_frame(workspace, version)
    check_cancel(cancel)
    report = check(frame, version.schema, checked, sub_progress(progress, 0.3, 1.0), cancel)
    if given is None:
        with workspace.store.write() as session:
            stored = datasets.resolve(session, f"{name}@{number}")
            stored.validation = report
            audit.record(
                session,
                "dataset.validate",
                f"dataset:{name}@{number}",
                passed=report["passed"],
                failed_checks=sum(not c["passed"] for c in report["checks"]),
            )
    return {
        "name": name,
        "version": number,
        "rules_from": "dataset" if given is None else "given",
        **report,
    }


def model_rules(workspace: Workspace, record: dict[str, Any]) -> list[Rule]:
    """The current rules of the dataset a registered model version's run trained on (its record).
    A model trained on a prepared version takes the raw columns, so the rules are those of the
    dataset the preparation started from."""
    trained_on = datasets.get_version(workspace, record["dataset"])
    found = recipes.lineage(workspace, trained_on)
    return rules_of(workspace, found.root.dataset.name if found else trained_on.dataset.name)


def model_checker(workspace: Workspace, record: dict[str, Any]) -> RowChecker:
    """A ``RowChecker`` of a model version's rules (``model_rules``) about its input columns."""
    rules = model_rules(workspace, record)
    return RowChecker(rules, [column["name"] for column in record["inputs"]])
