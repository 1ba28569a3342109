"""The datasets commands as a black box: JSON shapes from DESIGN.md, text output in plain words,
--home/--json anywhere on the line, format options, export round trip, and one real subprocess run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from mlops_desktop import __version__
from tests.cli.conftest import ok_json

# Python warnings print on the analyst's terminal: the command line must not cause any.
pytestmark = [
    pytest.mark.filterwarnings("error::UserWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
IRIS = SAMPLES / "iris.csv"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class TestJsonShapes:
    def test_import(self, in_home) -> None:
        result = in_home("datasets", "import", IRIS, "--json")
        assert result.code == 0, result.err
        assert result.err == ""
        document = result.json
        assert {"name", "version", "rows", "columns", "content_hash", "created"} <= set(document)
        assert document["name"] == "iris"
        assert document["version"] == 1
        assert (document["rows"], document["columns"]) == (150, 5)
        assert HEX64.match(document["content_hash"])
        assert document["created"] is True

    def test_list(self, in_home) -> None:
        assert in_home("datasets", "list", "--json").json == []
        in_home("datasets", "import", IRIS)
        in_home("datasets", "import", SAMPLES / "wine.csv", "--name", "wine")
        listed = in_home("datasets", "list", "--json").json
        assert listed == [
            {"name": "iris", "versions": 1, "latest": 1, "rows": 150, "columns": 5},
            {"name": "wine", "versions": 1, "latest": 1, "rows": 178, "columns": 14},
        ]

    def test_show(self, in_home) -> None:
        imported = in_home("datasets", "import", IRIS, "--json").json
        shown = in_home("datasets", "show", "iris", "--json").json
        assert {"name", "version", "rows", "content_hash", "source", "columns"} <= set(shown)
        assert (shown["name"], shown["version"], shown["rows"]) == ("iris", 1, 150)
        assert shown["content_hash"] == imported["content_hash"]
        assert shown["source"] == "iris.csv"
        names = [c["name"] for c in shown["columns"]]
        assert names == [
            "sepal_length_cm",
            "sepal_width_cm",
            "petal_length_cm",
            "petal_width_cm",
            "species",
        ]
        for column in shown["columns"]:
            assert {"name", "type", "missing", "unique"} <= set(column)
            assert column["missing"] == 0
        species = shown["columns"][-1]
        assert (species["type"], species["unique"]) == ("categorical", 3)
        assert shown["columns"][0]["type"] == "numeric"
        assert shown["columns"][0]["min"] == 4.3 and shown["columns"][0]["max"] == 7.9

    def test_export(self, in_home, tmp_path: Path) -> None:
        in_home("datasets", "import", IRIS)
        out = tmp_path / "iris-copy.csv"
        result = in_home("datasets", "export", "iris", out, "--json")
        assert result.code == 0
        assert result.json == {"rows": 150, "output": str(out)}


class TestVersionsThroughTheCli:
    def test_changed_file_makes_version_2_and_identical_says_so(
        self, in_home, tmp_path: Path
    ) -> None:
        data = tmp_path / "sales.csv"
        data.write_text("region,amount\nnorth,10\nsouth,20\n")
        first = in_home("datasets", "import", data, "--json").json
        again = in_home("datasets", "import", data, "--json").json
        assert (again["version"], again["created"]) == (1, False)
        assert again["content_hash"] == first["content_hash"]

        text = in_home("datasets", "import", data)
        assert text.code == 0
        assert "no new version" in text.out

        data.write_text("region,amount\nnorth,10\nsouth,20\neast,30\n")
        second = in_home("datasets", "import", data, "--json").json
        assert (second["version"], second["created"], second["rows"]) == (2, True, 3)
        assert in_home("datasets", "show", "sales@1", "--json").json["rows"] == 2
        assert in_home("datasets", "show", "sales", "--json").json["version"] == 2
        listed = in_home("datasets", "list", "--json").json
        assert listed == [{"name": "sales", "versions": 2, "latest": 2, "rows": 3, "columns": 2}]

    def test_unknown_references_fail_in_one_line(self, in_home) -> None:
        in_home("datasets", "import", IRIS)
        for ref, fragment in [
            ("iris@7", "no version 7"),
            ("lilac", "no dataset named 'lilac'"),
            ("iris@x", "NAME@VERSION"),
        ]:
            result = in_home("datasets", "show", ref)
            assert result.code == 1
            assert result.out == ""
            (line,) = result.err_lines
            assert line.startswith("error: ") and fragment in line


class TestTextOutput:
    def test_import_list_show_export_in_words(self, in_home, tmp_path: Path) -> None:
        imported = in_home("datasets", "import", IRIS)
        assert imported.code == 0
        assert "Imported 'iris' version 1: 150 rows, 5 columns." in imported.out
        assert "Read as: UTF-8, comma-separated" in imported.out

        listed = in_home("datasets", "list")
        header, row = listed.out.strip().splitlines()
        assert header.split() == ["NAME", "VERSIONS", "LATEST", "ROWS", "COLUMNS"]
        assert row.split() == ["iris", "1", "1", "150", "5"]

        shown = in_home("datasets", "show", "iris")
        assert shown.out.startswith("iris version 1: 150 rows, 5 columns")
        assert "species" in shown.out and "categorical" in shown.out

        out = tmp_path / "e.csv"
        exported = in_home("datasets", "export", "iris@1", out)
        assert exported.out.strip() == f"Wrote 150 rows to {out}."

    def test_empty_workspace_says_what_to_do(self, in_home) -> None:
        result = in_home("datasets", "list")
        assert result.code == 0
        assert "No datasets yet" in result.out and "datasets import" in result.out

    def test_version(self, cli) -> None:
        result = cli("--version")
        assert result.code == 0
        assert result.out.strip() == f"mlops-desktop {__version__}"


ARRANGEMENTS = [
    ["--home", "{home}", "--json", "datasets", "list"],
    ["--json", "--home", "{home}", "datasets", "list"],
    ["datasets", "--home", "{home}", "--json", "list"],
    ["datasets", "list", "--home", "{home}", "--json"],
    ["--json", "datasets", "list", "--home", "{home}"],
    ["--home", "{home}", "datasets", "--json", "list"],
]


@pytest.mark.parametrize("arrangement", ARRANGEMENTS, ids=[" ".join(a) for a in ARRANGEMENTS])
def test_home_and_json_anywhere(cli, home: Path, arrangement: list[str]) -> None:
    assert cli("datasets", "import", IRIS, "--home", home).code == 0
    result = cli(*[part.format(home=home) for part in arrangement])
    assert result.code == 0, result.err
    assert result.json == [{"name": "iris", "versions": 1, "latest": 1, "rows": 150, "columns": 5}]


@pytest.mark.parametrize(
    "args",
    [
        ["--home", "{home}", "--json", "datasets", "import", "{file}"],
        ["datasets", "import", "{file}", "--json", "--home", "{home}"],
        ["datasets", "--json", "import", "--home", "{home}", "{file}"],
    ],
)
def test_import_options_anywhere_write_to_that_home_only(
    cli, home: Path, tmp_path: Path, args: list[str]
) -> None:
    result = cli(*[a.format(home=home, file=IRIS) for a in args])
    assert result.code == 0, result.err
    assert result.json["name"] == "iris"
    assert (home / "store.db").is_file()
    # nothing went to the default workspace (MLOPS_DESKTOP_HOME, set per test)
    assert cli("datasets", "list", "--json").json == []


def test_the_environment_chooses_the_workspace_without_home(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "from-env"
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(elsewhere))
    assert cli("datasets", "import", IRIS, "--json").code == 0
    assert (elsewhere / "store.db").is_file()
    assert [d["name"] for d in cli("datasets", "list", "--json", "--home", elsewhere).json] == [
        "iris"
    ]


class TestFormatOptions:
    def test_type_override_reports_values_that_became_missing(
        self, in_home, tmp_path: Path
    ) -> None:
        data = tmp_path / "m.csv"
        data.write_text("x,y\n1,a\n2,b\nthree,c\n4,d\n")
        result = in_home("datasets", "import", data, "--type", "x=numeric")
        assert result.code == 0
        assert "'x' could not be converted and are now missing" in result.out
        shown = in_home("datasets", "show", "m", "--json").json
        x = next(c for c in shown["columns"] if c["name"] == "x")
        assert (x["type"], x["missing"]) == ("numeric", 1)

    def test_no_header_delimiter_encoding_and_decimal(self, in_home, tmp_path: Path) -> None:
        data = tmp_path / "raw.txt"
        data.write_bytes("1;2,5\n2;3,5\n".encode("utf-16"))
        result = in_home(
            "datasets",
            "import",
            data,
            "--no-header",
            "--delimiter",
            ";",
            "--encoding",
            "utf-16",
            "--decimal",
            ",",
            "--name",
            "raw",
            "--json",
        )
        assert result.code == 0, result.err
        assert (result.json["rows"], result.json["columns"]) == (2, 2)
        shown = in_home("datasets", "show", "raw", "--json").json
        second = shown["columns"][1]
        assert (second["type"], second["min"], second["max"]) == ("numeric", 2.5, 3.5)

    def test_legacy_encoding_detected_and_named_or_chosen(self, in_home, tmp_path: Path) -> None:
        data = tmp_path / "miasta.csv"
        data.write_bytes("miasto,ludność\nŁódź,670000\nGdańsk,470000\n".encode("cp1250"))
        detected = in_home("datasets", "import", data)
        assert detected.code == 0, detected.err
        assert "Read as: Windows-1250 / Central European," in detected.out
        shown = in_home("datasets", "show", "miasta", "--json").json
        assert [c["name"] for c in shown["columns"]] == ["miasto", "ludność"]
        chosen = in_home("datasets", "import", data, "--encoding", "cp1252", "--name", "m2")
        assert chosen.code == 0, chosen.err
        names = [c["name"] for c in in_home("datasets", "show", "m2", "--json").json["columns"]]
        assert names == ["miasto", "ludnoœæ"]  # as the user asked

    def test_tab_delimiter_written_as_backslash_t(self, in_home, tmp_path: Path) -> None:
        data = tmp_path / "t.tsv"
        data.write_text("a\tb\n1\tx y\n2\tz\n")
        result = in_home("datasets", "import", data, "--delimiter", "\\t", "--json")
        assert result.code == 0, result.err
        assert result.json["columns"] == 2

    def test_sheet_choice(self, in_home, tmp_path: Path) -> None:
        book = openpyxl.Workbook()
        book.active.title = "Cover"
        book.active.append(["title"])
        book.active.append(["Quarterly numbers"])
        data = book.create_sheet("Data")
        data.append(["region", "amount"])
        for region, amount in [("north", 1.5), ("south", 2.5), ("east", 3.5)]:
            data.append([region, amount])
        path = tmp_path / "report.xlsx"
        book.save(path)

        result = in_home("datasets", "import", path, "--sheet", "Data", "--json")
        assert result.code == 0, result.err
        assert (result.json["rows"], result.json["columns"]) == (3, 2)
        cover = in_home("datasets", "import", path, "--name", "cover", "--json")
        assert (cover.json["rows"], cover.json["columns"]) == (1, 1)
        missing = in_home("datasets", "import", path, "--sheet", "Summary")
        assert missing.code == 1
        (line,) = missing.err_lines
        assert "Summary" in line and "Cover, Data" in line


def test_export_reimports_as_the_same_content(in_home, tmp_path: Path) -> None:
    for sample in sorted(SAMPLES.glob("*.csv")):
        first = in_home("datasets", "import", sample, "--json").json
        name = first["name"]  # from the file name: breast_cancer.csv -> "breast cancer"
        out = tmp_path / f"{sample.stem}-export.csv"
        assert in_home("datasets", "export", name, out).code == 0
        again = in_home("datasets", "import", out, "--name", name, "--json").json
        assert again["content_hash"] == first["content_hash"], name
        assert (again["created"], again["version"]) == (False, 1), name


def test_an_unexpected_failure_is_one_line_and_the_traceback_goes_to_the_log(
    in_home, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_desktop.core import listing

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail the analyst should not see")

    monkeypatch.setattr(listing, "list_datasets", broken)
    result = in_home("datasets", "list")
    assert result.code == 1
    (line,) = result.err_lines
    assert line.startswith("error: something went wrong")
    assert "internal detail" not in line
    log = next((home / "logs").glob("*.log"))
    assert str(log) in line or log.name in line
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "internal detail the analyst should not see" in logged


def _python_m(*args: str | Path, stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "mlops_desktop", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )


def test_real_process_import_bad_input_and_list(home: Path, tmp_path: Path) -> None:
    """``python -m mlops_desktop`` in a real process: nothing but the JSON on stdout and nothing on
    stderr on success (no warnings leaking), exactly one error line on failure, store unchanged."""
    dates = tmp_path / "visits.csv"
    dates.write_text("day,visitors\n05/01/2024,10\n25/01/2024,12\n13/02/2024,9\n", encoding="utf-8")
    ok = _python_m("datasets", "import", dates, "--home", home, "--json")
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr == ""
    assert _json(ok.stdout)["rows"] == 3

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    bad = _python_m("--home", home, "datasets", "import", empty)
    assert bad.returncode == 1
    assert bad.stdout == ""
    (line,) = bad.stderr.splitlines()
    assert line.startswith("error: ") and "empty.csv" in line and "empty" in line[7:]

    usage = _python_m("--home", home, "datasets", "import")
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr

    listed = _python_m("datasets", "list", "--json", "--home", home)
    assert listed.returncode == 0
    assert _json(listed.stdout) == [
        {"name": "visits", "versions": 1, "latest": 1, "rows": 3, "columns": 2}
    ]


def _json(text: str):
    import json

    return json.loads(text)


@pytest.mark.parametrize(
    "command",
    [["runs", "show", "RUN", "--json"], ["datasets", "show", "iris", "--json"]],
    ids=["runs show", "datasets show"],
)
def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly(
    command: list[str], home: Path, in_home
) -> None:
    """``mlops-desktop runs show ID --json | head -1``: the reader here closes its end before the
    command writes anything, so the write always finds the pipe closed (a reader that stops after
    a line only sometimes wins that race). Like other tools, the command stops without a word."""
    assert in_home("datasets", "import", SAMPLES / "iris.csv").code == 0
    trained = in_home(
        "train", "--dataset", "iris", "--target", "species", "--algorithm", "knn", "--json"
    )
    run = ok_json(trained)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        args = [run["run_id"] if word == "RUN" else word for word in command]
        result = _python_m(*args, "--home", home, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141
