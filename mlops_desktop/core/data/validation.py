"""Validation rules: what valid data looks like for a dataset, and checks of data against them.

A dataset's rules are a list of small records, each about one column::

    {"column": "age", "rule": "not_null"}
    {"column": "id", "rule": "unique"}
    {"column": "age", "rule": "range", "min": 18, "max": 90}      (either bound may be left out)
    {"column": "color", "rule": "allowed", "values": ["red", "green"]}
    {"column": "age", "rule": "type", "type": "numeric"}

A dataset with no rules of its own gets those ``propose`` reads from its first version's profile,
stored when a version of it is recorded. Every new version is checked against the rules as it is
recorded (``datasets``), and the report stored with it: a failed check warns, it never blocks.
``dataset_rules.validate`` checks any version again, against the dataset's rules or against rules
from a file.

The serving process checks each predicted row against the rules about the model's inputs
(``RowChecker``), compiled once at start into a few comparisons per rule, and logs what each row
broke; it still predicts.

This module works on tables and sessions; ``dataset_rules`` holds what needs the workspace (reading
a dataset's rules, replacing them, checking a stored version again), so that ``datasets`` can check
each version as it is recorded without the two importing each other.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlops_desktop.core.data.profiling import ID_LIKE_MIN_ROWS
from mlops_desktop.core.data.reading import read_json
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.store.models import Dataset, DatasetRules, utcnow
from mlops_desktop.core.vocabulary import COLUMN_TYPES

RULE_KINDS = ("not_null", "unique", "range", "allowed", "type")
FIELDS = {  # what each kind of rule holds besides its column
    "not_null": (),
    "unique": (),
    "range": ("min", "max"),
    "allowed": ("values",),
    "type": ("type",),
}
MAX_EXAMPLES = 5  # example rows kept for each check
MAX_LABELS_SHOWN = 8  # allowed labels named in a sentence
# Rules a single request cannot break, so the server does not check them: "unique" is about a
# whole table (one request's rows say nothing about the rows the model saw before), and "type" is
# already enforced (a value that does not read as the model's column type gets a 400).
NOT_CHECKED_WHEN_SERVING = ("unique", "type")
TYPE_WORDS = {
    "numeric": "a number",
    "categorical": "a label",
    "boolean": "a yes/no value",
    "datetime": "a date or time",
    "text": "a text",
}

Rule = dict[str, Any]
Violation = dict[str, str]


# --- reading rules -------------------------------------------------------------------------------


def rule_name(number: int, kind: Any, column: Any) -> str:
    """How a sentence names rule ``number``: "Rule 3 (range on 'age')"."""
    words = " ".join(
        [
            *([kind] if kind in RULE_KINDS else []),
            *([f"on '{column}'"] if isinstance(column, str) and column.strip() else []),
        ]
    )
    return f"Rule {number} ({words})" if words else f"Rule {number}"


def _is_number(value: Any) -> bool:
    """A finite JSON number (not true or false, which Python counts as numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _label_of(value: Any) -> str:
    """A value as a category label, the way the app shows labels: 3 and 3.0 as "3", booleans as
    yes/no, texts as they are."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _fields(name: str, kind: str, rule: dict[str, Any]) -> Rule:
    """The fields of one rule of a known kind, checked and normalised."""
    if kind == "range":
        bounds = {key: rule[key] for key in ("min", "max") if rule.get(key) is not None}
        for key, value in bounds.items():
            if not _is_number(value):
                raise UserError(f"{name} needs a number for '{key}'.")
        if not bounds:
            raise UserError(f"{name} needs a 'min', a 'max' or both.")
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            raise UserError(f"{name} has a 'min' above its 'max'.")
        return bounds
    if kind == "allowed":
        values = rule.get("values")
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) or _is_number(v) for v in values)
        ):
            raise UserError(f"{name} needs a list of labels (texts or numbers) for 'values'.")
        return {"values": list(dict.fromkeys(_label_of(value) for value in values))}
    if kind == "type":
        if rule.get("type") not in COLUMN_TYPES:
            raise UserError(f"{name} needs one of {', '.join(COLUMN_TYPES)} for 'type'.")
        return {"type": rule["type"]}
    return {}


def _takes(kind: str) -> str:
    """The fields a kind of rule takes, for a sentence: "'column', 'rule', 'min' and 'max'"."""
    names = [f"'{field}'" for field in ("column", "rule", *FIELDS[kind])]
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    return f"only {listed}" if len(names) == 2 else listed


def parse_rules(data: Any) -> list[Rule]:
    """Rules as read from JSON, checked and normalised (allowed values as labels, no empty
    fields). Anything wrong is refused with one sentence naming the rule, counted from 1."""
    if not isinstance(data, list):
        raise UserError(
            'The rules must be a JSON list, such as [{"column": "age", "rule": "not_null"}].'
        )
    rules: list[Rule] = []
    seen: dict[tuple[str, str], int] = {}
    for number, rule in enumerate(data, start=1):
        if not isinstance(rule, dict):
            raise UserError(f"Rule {number} must be an object with a 'column' and a 'rule'.")
        kind, column = rule.get("rule"), rule.get("column")
        name = rule_name(number, kind, column)
        if kind not in RULE_KINDS:
            unknown = f"an unknown rule '{kind}'" if isinstance(kind, str) else "no 'rule'"
            raise UserError(f"{name} has {unknown}; use one of {', '.join(RULE_KINDS)}.")
        if not isinstance(column, str) or not column.strip():
            raise UserError(f"{name} needs the name of a column in 'column'.")
        extra = [key for key in rule if key not in ("column", "rule", *FIELDS[kind])]
        if extra:
            raise UserError(
                f"{name} has an unexpected field '{extra[0]}'; a {kind} rule takes {_takes(kind)}."
            )
        if (column, kind) in seen:
            raise UserError(f"{name} repeats rule {seen[column, kind]}; keep one of them.")
        seen[column, kind] = number
        rules.append({"column": column, "rule": kind, **_fields(name, kind, rule)})
    return rules


def read_rules(path: Path) -> list[Rule]:
    """The rules in a JSON file (``parse_rules``)."""
    return parse_rules(read_json(path, "rules"))


def _number_text(value: float) -> str:
    return f"{value:,.10g}"


def _labels_text(values: Sequence[str]) -> str:
    shown = ", ".join(values[:MAX_LABELS_SHOWN])
    return shown + (
        f" and {len(values) - MAX_LABELS_SHOWN} more" if len(values) > MAX_LABELS_SHOWN else ""
    )


def describe(rule: Rule) -> str:
    """What a rule asks for, in a few words ("between 18 and 90", "one of red, green")."""
    kind = rule["rule"]
    if kind == "not_null":
        return "a value in every row"
    if kind == "unique":
        return "a different value in every row"
    if kind == "range":
        if "min" not in rule:
            return f"at most {_number_text(rule['max'])}"
        if "max" not in rule:
            return f"at least {_number_text(rule['min'])}"
        return f"between {_number_text(rule['min'])} and {_number_text(rule['max'])}"
    if kind == "allowed":
        return f"one of {_labels_text(rule['values'])}"
    return f"{TYPE_WORDS[rule['type']]} in every row"


# --- proposing rules -----------------------------------------------------------------------------


def _numbered_without_gaps(entry: dict[str, Any], rows: int) -> bool:
    """Whole numbers from min to max, as many as there are rows (each once, when every row
    differs): a row number or a sequential ID."""
    low, high = entry.get("min"), entry.get("max")
    return (
        low is not None
        and high is not None
        and float(low).is_integer()
        and float(high).is_integer()
        and high - low + 1 == rows
    )


def propose(schema: list[dict[str, str]], profile: dict[str, Any]) -> list[Rule]:
    """Rules read from a version's profile, for every column in the schema's order:

    - ``type``: the column's type, always;
    - ``not_null``: when no value is missing;
    - ``unique``: when every row holds a different value and the column looks like an ID: labels
      or text, or whole numbers from min to max each once (1, 2, 3…), over at least
      ``ID_LIKE_MIN_ROWS`` rows. Measurements that happen to differ (prices, weights) get none;
    - ``range``: a number column's observed min and max;
    - ``allowed``: a categorical column's observed labels, when the profile lists every one of
      them (it keeps the most frequent few), so the labels of the version itself always pass.

    The rules proposed from a version's profile all pass on that version."""
    rows = int(profile["rows"])
    entries = {entry["name"]: entry for entry in profile["columns"]}
    rules: list[Rule] = []
    for column in schema:
        name, kind = column["name"], column["type"]
        entry = entries[name]
        rules.append({"column": name, "rule": "type", "type": kind})
        if rows and entry["missing"] == 0:
            rules.append({"column": name, "rule": "not_null"})
        every_row_differs = rows >= ID_LIKE_MIN_ROWS and entry["unique"] == rows
        id_like = kind in ("categorical", "text") or (
            kind == "numeric" and _numbered_without_gaps(entry, rows)
        )
        if every_row_differs and id_like:
            rules.append({"column": name, "rule": "unique"})
        if kind == "numeric" and entry.get("min") is not None and entry.get("max") is not None:
            rules.append(
                {"column": name, "rule": "range", "min": entry["min"], "max": entry["max"]}
            )
        top = entry.get("top") or []
        if kind == "categorical" and top and len(top) == entry["unique"]:
            values = sorted(category["value"] for category in top)
            rules.append({"column": name, "rule": "allowed", "values": values})
    return rules


# --- checking a table ----------------------------------------------------------------------------


def _per_distinct(
    values: pd.Series, convert: Callable[[pd.Index], np.ndarray[Any, Any]], missing: Any
) -> np.ndarray[Any, Any]:
    """``convert`` applied to the distinct present values only, spread back over the rows
    (``missing`` where a value is missing): a column of a few labels costs a few conversions."""
    codes, distinct = pd.factorize(values)
    converted = np.append(convert(distinct), missing)  # code -1, a missing value, takes the last
    result: np.ndarray[Any, Any] = converted[codes]
    return result


def _numbers(values: pd.Series) -> np.ndarray[Any, Any]:
    """The values as numbers (NaN where one is missing or not a number; dates are not numbers)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(values):
        return np.full(len(values), np.nan)
    return _per_distinct(
        values,
        lambda distinct: np.asarray(
            pd.to_numeric(distinct.to_numpy(), errors="coerce"), dtype="float64"
        ),
        np.nan,
    )


def _unlisted(values: pd.Series, allowed: frozenset[str]) -> np.ndarray[Any, Any]:
    """Rows whose present value, as a label (``_label_of``), is not among ``allowed``."""
    if pd.api.types.is_string_dtype(values):  # labels as stored: compared as they are
        outside: np.ndarray[Any, Any] = (~values.isin(allowed) & values.notna()).to_numpy()
        return outside
    return _per_distinct(
        values,
        lambda distinct: np.array([_label_of(value) not in allowed for value in distinct], bool),
        False,
    )


def _broken_rows(values: pd.Series, rule: Rule) -> np.ndarray[Any, Any]:
    """A mask of the rows that break ``rule`` (any kind but ``type``)."""
    kind = rule["rule"]
    present = values.notna().to_numpy()
    if kind == "not_null":
        return ~present
    if kind == "unique":
        repeated: np.ndarray[Any, Any] = values.duplicated(keep="first").to_numpy() & present
        return repeated
    if kind == "range":
        numbers = _numbers(values)
        low, high = rule.get("min", -math.inf), rule.get("max", math.inf)
        outside: np.ndarray[Any, Any] = (numbers < low) | (numbers > high)
        return outside
    return _unlisted(values, frozenset(rule["values"]))


def _value_check(values: pd.Series, rule: Rule) -> tuple[np.ndarray[Any, Any], str]:
    """The rows that break ``rule`` (any kind but ``type``), and a sentence."""
    broken = _broken_rows(values, rule)
    return broken, _explanation(rule, int(np.count_nonzero(broken)), len(values))


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _explanation(rule: Rule, failures: int, rows: int) -> str:
    column, kind = rule["column"], rule["rule"]
    if kind == "not_null":
        if not failures:
            return f"'{column}' has a value in every row."
        return f"'{column}' is empty in {_count(failures, 'row')} of {rows:,}."
    if kind == "unique":
        if not failures:
            return f"Every value of '{column}' is different."
        repeat = "repeats" if failures == 1 else "repeat"
        return f"{_count(failures, 'row')} of '{column}' {repeat} a value of an earlier row."
    if not failures:
        return f"Every value of '{column}' is {describe(rule)}."
    verb = "is" if failures == 1 else "are"
    return f"{_count(failures, 'value')} of '{column}' {verb} {_outside(rule)}."


def _outside(rule: Rule) -> str:
    """Where the values that break a range or allowed rule are ("above 90")."""
    if rule["rule"] == "allowed":
        return f"not {describe(rule)}"
    if "min" not in rule:
        return f"above {_number_text(rule['max'])}"
    if "max" not in rule:
        return f"below {_number_text(rule['min'])}"
    return f"outside {_number_text(rule['min'])} to {_number_text(rule['max'])}"


def _type_check(
    values: pd.Series, column_type: str, rule: Rule
) -> tuple[np.ndarray[Any, Any], str]:
    """The rows whose value is not of the rule's type, and a sentence. A column read as another
    type breaks it in every row that has a value, unless numbers are expected and some values are
    not numbers at all: those rows alone then break it (the usual cause, as "n/a" in a column of
    numbers), which is what the analyst needs to find."""
    column, expected = rule["column"], rule["type"]
    present = values.notna().to_numpy()
    if column_type == expected or not present.any():
        return np.zeros(len(values), dtype=bool), _kept_type(rule)
    read_as = f"'{column}' was read as {column_type} instead of {expected}"
    if expected == "numeric":
        not_numbers = present & np.isnan(_numbers(values))
        count = int(np.count_nonzero(not_numbers))
        if count:
            verb = "is not a number" if count == 1 else "are not numbers"
            return not_numbers, f"{read_as}: {_count(count, 'value')} {verb}."
    return present, f"{read_as} ({_count(int(np.count_nonzero(present)), 'value')})."


def _kept_type(rule: Rule) -> str:
    return f"Every value of '{rule['column']}' is {TYPE_WORDS[rule['type']]}."


def _kept_at_a_glance(
    column: pa.ChunkedArray, kind: str, rule: Rule, profiled: dict[str, Any] | None
) -> bool:
    """True when an Arrow column surely keeps ``rule``, seen from its type, null count, bounds or
    distinct labels without copying it; False when it may not (the full check then decides).
    Most columns of most versions keep their rules, so most checks end here."""
    gaps, rows = int(column.null_count), len(column)
    match rule["rule"]:
        case "type":
            return kind == rule["type"] or gaps == rows
        case "not_null":
            return gaps == 0
        case "unique":
            distinct = (
                profiled["unique"]
                if profiled is not None
                else pc.count_distinct(column, mode="all").as_py()
            )
            return gaps == 0 and int(distinct) == rows
        case "range":
            if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
                return False
            bounds = pc.min_max(column)  # gaps and NaN, which keep a range, are skipped
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            return low is None or (
                rule.get("min", -math.inf) <= low and high <= rule.get("max", math.inf)
            )
        case _:  # allowed
            if not pa.types.is_string(column.type):
                return False
            listed = pc.is_in(column.drop_null(), value_set=pa.array(rule["values"], pa.string()))
            return pc.all(listed).as_py() is not False


def _kept(rule: Rule, rows: int) -> dict[str, Any]:
    """The report of a check nothing broke."""
    explanation = _kept_type(rule) if rule["rule"] == "type" else _explanation(rule, 0, rows)
    return {
        "column": rule["column"],
        "rule": rule["rule"],
        "passed": True,
        "failures": 0,
        "examples": [],
        "explanation": explanation,
    }


def _json_value(value: Any) -> Any:
    """A value of a table as JSON can hold it: None for a missing one, dates as ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _not_there(rule: Rule, rows: int) -> dict[str, Any]:
    column = rule["column"]
    return {
        "column": column,
        "rule": rule["rule"],
        "passed": False,
        "failures": rows,
        "examples": [],
        "explanation": f"'{column}' is not in this version, so its {rule['rule']} rule "
        "cannot be checked.",
    }


def _check_one(values: pd.Series, kind: str, rule: Rule) -> dict[str, Any]:
    result: dict[str, Any] = {"column": rule["column"], "rule": rule["rule"]}
    if rule["rule"] == "type":
        broken, explanation = _type_check(values, kind, rule)
    else:
        broken, explanation = _value_check(values, rule)
    failures = int(np.count_nonzero(broken))
    examples = [
        {"row": int(position) + 1, "value": _json_value(values.iloc[position])}
        for position in np.flatnonzero(broken)[:MAX_EXAMPLES]
    ]
    return {
        **result,
        "passed": failures == 0,
        "failures": failures,
        "examples": examples,
        "explanation": explanation,
    }


def check(
    table: pd.DataFrame | pa.Table,
    schema: list[dict[str, str]],
    rules: list[Rule],
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
    profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check a table (with its schema: each column's name and type) against ``rules``.

    The report: ``passed``, ``rows``, and one check per rule with ``column``, ``rule``,
    ``passed``, ``failures`` (rows breaking it), up to five ``examples`` (``row`` counted from 1
    and its ``value``) and a one-sentence ``explanation``. A rule about a column the table lacks
    fails, and says so. Each rule is one vectorised pass over its column. An Arrow table (as an
    import holds it) is first looked at without copying (``_kept_at_a_glance``, which also
    reads the distinct counts of the table's ``profile`` when given); only columns that may
    break a rule are read, one at a time."""
    types = {column["name"]: column["type"] for column in schema}
    names = set(table.column_names if isinstance(table, pa.Table) else table.columns)
    rows = table.num_rows if isinstance(table, pa.Table) else len(table)
    checks: list[dict[str, Any]] = [{} for _ in rules]
    profiled = {entry["name"]: entry for entry in (profile or {}).get("columns", [])}
    by_column = sorted(range(len(rules)), key=lambda index: rules[index]["column"])
    read: tuple[str, pd.Series] | None = None  # the column read last: its rules come together
    for done, index in enumerate(by_column):
        rule = rules[index]
        check_cancel(cancel)
        progress(done / len(rules), f"Checking '{rule['column']}'")
        column = rule["column"]
        if column not in names or column not in types:
            checks[index] = _not_there(rule, rows)
            continue
        if isinstance(table, pa.Table) and _kept_at_a_glance(
            table.column(column), types[column], rule, profiled.get(column)
        ):
            checks[index] = _kept(rule, rows)
            continue
        if read is None or read[0] != column:
            read = column, _column_values(table, column)
        checks[index] = _check_one(read[1], types[column], rule)
    progress(1.0, "Checked")
    return {"passed": all(c["passed"] for c in checks), "rows": rows, "checks": checks}


def _column_values(table: pd.DataFrame | pa.Table, column: str) -> pd.Series:
    if isinstance(table, pa.Table):
        values: pd.Series = table.column(column).to_pandas()
        return values
    return table[column].reset_index(drop=True)


def summary(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """A version's stored report in short, for lists: ``passed``, ``failed_checks`` and the
    failed checks themselves; None for a version recorded before rules existed."""
    if report is None:
        return None
    failed = [c for c in report["checks"] if not c["passed"]]
    return {"passed": report["passed"], "failed_checks": len(failed), "failed": failed}


# --- checking requests ---------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    return value is None or value != value  # NaN is the one value unequal to itself


def _range_test(rule: Rule) -> Callable[[Any], bool]:
    """Whether a value is a number outside the rule's range."""
    low, high = float(rule.get("min", -math.inf)), float(rule.get("max", math.inf))
    return lambda value: isinstance(value, float) and (value < low or value > high)


def _allowed_test(rule: Rule) -> Callable[[Any], bool]:
    """Whether a value is a label the rule does not allow."""
    allowed = frozenset(rule["values"])
    return lambda value: isinstance(value, str) and value not in allowed


_ROW_TESTS: dict[str, Callable[[Rule], Callable[[Any], bool]]] = {
    "not_null": lambda _rule: _is_missing,
    "range": _range_test,
    "allowed": _allowed_test,
}


class RowChecker:
    """Rules about a model's input columns, compiled once into one small test per rule, to check
    the rows the model predicted: each row's values in ``columns``' order, as the model saw them
    (numbers as floats, labels as texts, a missing value as None or NaN; a yes/no is a number
    to the model, so ``allowed`` checks labels only and ``range`` numbers only).

    Rules about other columns are left out, and so are those in ``NOT_CHECKED_WHEN_SERVING``."""

    __slots__ = ("_tests",)

    def __init__(self, rules: Iterable[Rule], columns: Sequence[str]) -> None:
        position = {name: index for index, name in enumerate(columns)}
        self._tests = [
            (position[rule["column"]], _ROW_TESTS[rule["rule"]](rule), _violation(rule))
            for rule in rules
            if rule["column"] in position and rule["rule"] not in NOT_CHECKED_WHEN_SERVING
        ]

    def __len__(self) -> int:
        """How many rules are checked."""
        return len(self._tests)

    def check_rows(self, rows: Sequence[Sequence[Any]]) -> list[list[Violation] | None]:
        """For each row, the rules it breaks (``{"column", "rule"}``, shared between rows: not to
        be changed), or None when it breaks none."""
        tests = self._tests
        if not tests:
            return [None] * len(rows)
        return [
            [violation for index, broken, violation in tests if broken(row[index])] or None
            for row in rows
        ]


def _violation(rule: Rule) -> Violation:
    return {"column": rule["column"], "rule": rule["rule"]}


def tally(violations: Iterable[list[Violation] | None]) -> dict[str, Any]:
    """Rows' violations counted: ``rows`` with any, and ``by_rule`` (``column``, ``rule``,
    ``rows``), the most broken first."""
    rows = 0
    counts: Counter[tuple[str, str]] = Counter()
    for broken in violations:
        if broken:
            rows += 1
            counts.update((violation["column"], violation["rule"]) for violation in broken)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {
        "rows": rows,
        "by_rule": [{"column": c, "rule": r, "rows": n} for (c, r), n in ranked],
    }


# --- the store -----------------------------------------------------------------------------------


def _stored(session: Session, dataset_id: int) -> DatasetRules | None:
    return session.scalars(
        select(DatasetRules).where(DatasetRules.dataset_id == dataset_id)
    ).one_or_none()


def _proposed(
    dataset: Dataset | None, schema: list[dict[str, str]], profile: dict[str, Any]
) -> list[Rule]:
    """The rules proposed for a dataset without rules: from its first version, or from the
    version about to be recorded (``schema``, ``profile``) when it has none yet."""
    first = dataset.versions[0] if dataset is not None and dataset.versions else None
    if first is not None:
        return propose(first.schema, first.profile)
    return propose(schema, profile)


def rules_for_version(
    session: Session, dataset: Dataset | None, schema: list[dict[str, str]], profile: dict[str, Any]
) -> list[Rule]:
    """The rules a new version of ``dataset`` (None: a new dataset) is checked against: the
    dataset's own, or those proposed for it (``_proposed``). Stores nothing."""
    stored = _stored(session, dataset.id) if dataset is not None else None
    return list(stored.rules) if stored is not None else _proposed(dataset, schema, profile)


def keep_rules_for_version(
    session: Session, dataset: Dataset, schema: list[dict[str, str]], profile: dict[str, Any]
) -> list[Rule]:
    """``rules_for_version``, storing the proposed rules (with an audit event) when the dataset
    has none yet; for the transaction that records the version."""
    stored = _stored(session, dataset.id)
    if stored is not None:
        return list(stored.rules)
    rules = _proposed(dataset, schema, profile)
    save_rules(session, dataset, rules, "dataset.rules.proposed")
    return rules


def save_rules(session: Session, dataset: Dataset, rules: list[Rule], action: str) -> None:
    stored = _stored(session, dataset.id)
    if stored is None:
        session.add(DatasetRules(dataset_id=dataset.id, rules=rules))
    else:
        stored.rules, stored.updated_at = rules, utcnow()
    audit.record(session, action, f"dataset:{dataset.name}", rules=len(rules))
