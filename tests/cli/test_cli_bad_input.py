"""Bad input through the command line, as a black box: exit 1, exactly one stderr line starting
``error: `` in plain words (no traceback, no library jargon), nothing on stdout, and the workspace
exactly as before (``datasets list --json`` and the stored data files). Bad usage exits 2."""

import base64
import gzip
import random
import re
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from mlops_desktop.core.data import file_limits

# Python warnings print on the analyst's terminal: the command line must not cause any.
pytestmark = [
    pytest.mark.filterwarnings("error::UserWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "resources" / "samples" / "iris.csv"

JARGON = re.compile(
    r"Traceback|\b\w*(Error|Exception)\b|pyarrow|arrow|errno|sqlite|NoneType|\bdtype\b", re.I
)


def _workbook_bytes(tmp_path: Path, rows: list[list[object]], name: str = "wb.xlsx") -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path.read_bytes()


def _parquet_with_lists(tmp_path: Path) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"k": [1, 2], "tags": [["a", "b"], ["c"]]}), path)
    return path.read_bytes()


def _workbook_with_sheet(tmp_path: Path, rows: list[bytes], dimension: str = "") -> bytes:
    """A valid workbook whose first sheet's XML is written here, row by row, as a hostile file's
    would be (``rows``: each row's cells' XML)."""
    _workbook_bytes(tmp_path, [["a"]], "base.xlsx")
    sheet = b"".join(
        [
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
            f'<dimension ref="{dimension}"/>'.encode() if dimension else b"",
            b"<sheetData>",
            *(b'<row r="%d">%s</row>' % (number, row) for number, row in enumerate(rows, 1)),
            b"</sheetData></worksheet>",
        ]
    )
    path = tmp_path / "hostile.xlsx"
    with (
        zipfile.ZipFile(tmp_path / "base.xlsx") as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for member in source.infolist():
            is_sheet = member.filename == "xl/worksheets/sheet1.xml"
            out.writestr(member.filename, sheet if is_sheet else source.read(member))
    return path.read_bytes()


def _text_cell(column: str, text: bytes) -> bytes:
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (column.encode(), text)


def _random_text(size: int, seed: int = 0) -> bytes:
    """Text that barely compresses, so a workbook holding it is as large as it looks."""
    return base64.b64encode(random.Random(seed).randbytes(size * 3 // 4 + 3))[:size]


def _parquet_with_columns(tmp_path: Path, count: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": [1] for i in range(count)}), path)
    return path.read_bytes()


def _ragged_far_down(_: Path) -> bytes:
    good = "".join(f"{i},{i * 2},{i * 3}\n" for i in range(10_000))
    return ("a,b,c\n" + good + "1,2\n").encode()


# id -> (file name, bytes maker, words the message must contain besides "error: ")
Maker = Callable[[Path], bytes]
CASES: dict[str, tuple[str, Maker, list[str]]] = {
    "empty file": ("empty.csv", lambda _: b"", ["empty.csv", "empty"]),
    "only blank lines": ("blank.csv", lambda _: b"\n  \n\r\n", ["blank.csv", "no data"]),
    "header without rows": ("header.csv", lambda _: b"a,b,c\n", ["header.csv", "no rows"]),
    "header without rows, UTF-16": (
        "header16.csv",
        lambda _: "a;b;c\r\n".encode("utf-16"),
        ["header16.csv", "no rows"],
    ),
    "binary garbage": (
        "garbage.csv",
        lambda _: random.Random(0).randbytes(8192),
        ["garbage.csv", "binary"],
    ),
    "gzip named .csv": (
        "data.csv",
        lambda _: gzip.compress(b"a,b\n1,2\n" * 500),
        ["data.csv", "binary"],
    ),
    "workbook named .csv": (
        "book.csv",
        lambda tmp: _workbook_bytes(tmp, [["a", "b"], [1, 2]]),
        ["book.csv", "binary"],
    ),
    "a row with too few fields": (
        "short.csv",
        lambda _: b"a,b,c\n1,2,3\n4,5\n6,7,8\n",
        ["short.csv", "Line 3", "2 fields", "3"],
    ),
    "a row with too many fields": (
        "long.csv",
        lambda _: b"a,b,c\n1,2,3\n4,5,6,7\n",
        ["long.csv", "Line 3", "4 fields"],
    ),
    "a bad row far down the file": (
        "far.csv",
        _ragged_far_down,
        ["far.csv", "Line 10002", "2 fields"],
    ),
    "a bad row after a quoted line break": (
        "quoted.csv",
        lambda _: b'a,b,c\n1,"two\nlines",3\n4,5\n',
        ["quoted.csv", "Line 4"],
    ),
    "a bad row in a semicolon file": (
        "semi.csv",
        lambda _: "a;b;c\n1;2,5;3\n4;5\n".encode("cp1252"),
        ["semi.csv", "Line 3", "semicolon"],
    ),
    "duplicate column names": (
        "dup.csv",
        lambda _: b"id,name,id\n1,a,2\n3,b,4\n",
        ["dup.csv", "'id'", "more than once"],
    ),
    "duplicate column names in a workbook": (
        "dup.xlsx",
        lambda tmp: _workbook_bytes(tmp, [["x", "y", "x"], [1, 2, 3]]),
        ["dup.xlsx", "'x'", "more than once"],
    ),
    "an empty workbook sheet": (
        "blank.xlsx",
        lambda tmp: _workbook_bytes(tmp, []),
        ["blank.xlsx", "empty"],
    ),
    "a workbook with a header and no rows": (
        "headonly.xlsx",
        lambda tmp: _workbook_bytes(tmp, [["x", "y"]]),
        ["headonly.xlsx", "no rows"],
    ),
    "a text file named .xlsx": (
        "table.xlsx",
        lambda _: b"a,b\n1,2\n",
        ["table.xlsx", "Excel"],
    ),
    "a text file named .parquet": (
        "table.parquet",
        lambda _: b"a,b\n1,2\n",
        ["table.parquet", "Parquet"],
    ),
    "a Parquet file with a column of lists": (
        "events.parquet",
        _parquet_with_lists,
        ["'tags'"],
    ),
    "a workbook that unpacks to a hundred times its size": (
        "bomb.xlsx",
        lambda tmp: _workbook_with_sheet(
            tmp, [_text_cell("A1", b"x"), _text_cell("A2", b"x" * (2 << 20))]
        ),
        ["bomb.xlsx", "100 times its own size"],
    ),
    "a workbook cell of more than 1 MB": (
        "cell.xlsx",
        lambda tmp: _workbook_with_sheet(
            tmp, [_text_cell("A1", b"x"), _text_cell("A2", _random_text((1 << 20) + 1))]
        ),
        ["cell.xlsx", "more than 1 MB", "cell"],
    ),
    "a workbook row of more than 4 MB": (
        "row.xlsx",
        lambda tmp: _workbook_with_sheet(
            tmp,
            [
                b"".join(_text_cell(f"{c}1", c.encode()) for c in "ABCDE"),
                b"".join(
                    _text_cell(f"{c}2", _random_text(900_000, i)) for i, c in enumerate("ABCDE")
                ),
            ],
        ),
        ["row.xlsx", "longer than 4 MB"],
    ),
    "a workbook row wider than Excel's": (
        "wide.xlsx",
        lambda tmp: _workbook_with_sheet(
            tmp, [_text_cell("A1", b"a"), b'<c r="XFE2"><v>1</v></c>']
        ),
        ["wide.xlsx", "16,385 columns", "at most 16,384"],
    ),
    "a text file with a 10 MB field": (
        "field.csv",
        lambda _: b"a,b\n1," + b"x" * (10 << 20) + b"\n2,3\n",
        ["field.csv", "longer than 4 MB"],
    ),
    "a text file with a 2 MB cell": (
        "cell.csv",
        lambda _: b"a,b\n1,2\n3," + _random_text(2 << 20) + b"\n",
        ["cell.csv", "more than 1 MB", "cell"],
    ),
    "a text file with 100,000 columns": (
        "columns.csv",
        lambda _: (
            ",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n"
        ).encode(),
        ["columns.csv", "100,000 columns", "at most 16,384"],
    ),
    "a Parquet file with 16,385 columns": (
        "columns.parquet",
        lambda tmp: _parquet_with_columns(tmp, 16_385),
        ["columns.parquet", "16,385 columns", "at most 16,384"],
    ),
    "an old .xls workbook": (
        "old.xls",
        lambda _: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        ["old.xls", ".xlsx"],
    ),
}


@pytest.fixture
def populated(in_home) -> Callable[[], tuple[object, list[str]]]:
    """A workspace that already holds a dataset, and a snapshot of what an analyst can see of it."""
    assert in_home("datasets", "import", IRIS).code == 0

    def snapshot() -> tuple[object, list[str]]:
        listed = in_home("datasets", "list", "--json")
        assert listed.code == 0
        return listed.json

    return snapshot


def _stored_files(home: Path) -> set[Path]:
    root = home / "artifacts"
    return {p for p in root.rglob("*") if p.is_file()}


def _assert_one_plain_error(result, words: list[str]) -> str:
    assert result.code == 1, (result.code, result.err)
    assert result.out == ""
    lines = result.err_lines
    assert len(lines) == 1, result.err
    line = lines[0]
    assert line.startswith("error: ")
    message = line[len("error: ") :]
    assert message.endswith("."), message  # one whole sentence
    assert not JARGON.search(message), message
    for word in words:
        assert word in message, (word, message)
    return message


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_files_fail_in_one_plain_line_and_change_nothing(
    case: str, tmp_path: Path, home: Path, in_home, populated
) -> None:
    name, make, words = CASES[case]
    path = tmp_path / "input" / name
    path.parent.mkdir()
    path.write_bytes(make(tmp_path))
    before, files = populated(), _stored_files(home)

    _assert_one_plain_error(in_home("datasets", "import", path), words)
    _assert_one_plain_error(in_home("datasets", "import", path, "--json", "--name", "x"), words)

    assert populated() == before
    assert _stored_files(home) == files


@pytest.mark.parametrize(
    ("limit", "value", "rows", "words"),
    [
        (
            "MAX_WORKBOOK_BYTES",
            4096,
            [_text_cell("A1", b"a"), _random_text(8192)],
            ["once unpacked"],
        ),
        ("MAX_SHEET_ROWS", 5, [b'<c r="A%d"><v>1</v></c>' % r for r in range(1, 8)], ["5 rows"]),
        ("MAX_SHEET_CELLS", 5, [b'<c r="A%d"><v>1</v></c>' % r for r in range(1, 8)], ["5 cells"]),
    ],
    ids=["total size", "rows", "cells counted while reading"],
)
def test_workbooks_past_the_limits_too_large_to_make_in_a_test(
    tmp_path: Path, in_home, populated, monkeypatch: pytest.MonkeyPatch, limit, value, rows, words
) -> None:
    """Limits of gigabytes or a million rows, exercised by lowering them (a sheet without a
    stated size, so the cells are counted as they are read)."""
    path = tmp_path / "big.xlsx"
    path.write_bytes(_workbook_with_sheet(tmp_path, rows))
    monkeypatch.setattr(file_limits, limit, value)
    before = populated()
    _assert_one_plain_error(in_home("datasets", "import", path), ["big.xlsx", *words])
    assert populated() == before


def test_a_sheet_stating_the_whole_grid_as_its_size_imports_its_cells(
    tmp_path: Path, in_home
) -> None:
    """Some programs state a sheet's size as all of Excel's grid; read as stated, every row would
    be padded to 16,384 cells and the sheet to a million rows."""
    path = tmp_path / "grid.xlsx"
    rows = [
        _text_cell("A1", b"a") + _text_cell("B1", b"b"),
        b'<c r="A2"><v>1</v></c><c r="C2"><v>2</v></c>',
    ]
    path.write_bytes(_workbook_with_sheet(tmp_path, rows, dimension="A1:XFD1048576"))
    imported = in_home("datasets", "import", path, "--json")
    assert imported.code == 0, imported.err
    assert (imported.json["rows"], imported.json["columns"]) == (1, 3)  # 'column_3' has no name


def test_a_file_that_does_not_exist(tmp_path: Path, home: Path, in_home, populated) -> None:
    before = populated()
    missing = tmp_path / "nowhere" / "sales.csv"
    message = _assert_one_plain_error(in_home("datasets", "import", missing), ["sales.csv"])
    assert "no file" in message
    assert populated() == before


def test_a_directory(tmp_path: Path, home: Path, in_home, populated) -> None:
    before = populated()
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("a\n1\n")
    message = _assert_one_plain_error(in_home("datasets", "import", folder), ["exports"])
    assert "folder" in message
    assert populated() == before


def test_a_file_the_user_cannot_read(
    tmp_path: Path, home: Path, in_home, populated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests run as root, for whom ``chmod 000`` does not stop reading; so the refusal the
    operating system would give is simulated: ``Path.open`` raises PermissionError for this one file
    (every other file, including the workspace's own, opens normally)."""
    locked = tmp_path / "salaries.csv"
    locked.write_text("name,salary\nann,1\n")
    real_open = Path.open

    def guarded_open(self: Path, *args, **kwargs):
        if self.resolve() == locked.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    before = populated()
    monkeypatch.setattr(Path, "open", guarded_open)
    message = _assert_one_plain_error(in_home("datasets", "import", locked), ["salaries.csv"])
    assert "permission" in message.lower()
    monkeypatch.undo()
    assert populated() == before


# Python codecs that are not how a text file is written: bytes to bytes, or text to escapes.
NOT_FILE_ENCODINGS = [
    "rot13",
    "base64",
    "hex",
    "zlib",
    "bz2",
    "uu",
    "quopri",
    "punycode",
    "undefined",
    "idna",
    "unicode_escape",
]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--type", "nope=numeric"], ["no column named 'nope'"]),
        (["--type", "code=datetime"], ["'code'", "cannot be read as dates"]),
        (["--name", "a@b"], ["'@'"]),
        (["--encoding", "klingon"], ["'klingon' is not a text encoding", "utf-8", "cp1252"]),
        *(
            (["--encoding", codec], [f"'{codec}' is not a text encoding", "utf-8", "cp1252"])
            for codec in NOT_FILE_ENCODINGS
        ),
        (["--encoding", "utf-16"], ["d.csv", "not written in UTF-16"]),  # no byte-order mark
        (["--delimiter", "::"], ["separator", "one character"]),
    ],
)
def test_refused_import_options(tmp_path: Path, in_home, populated, args, words) -> None:
    data = tmp_path / "d.csv"
    data.write_text("code,label\n1,a\n2,b\n")
    before = populated()
    _assert_one_plain_error(in_home("datasets", "import", data, *args), words)
    assert populated() == before


def test_a_latin_1_file_read_as_utf_8(tmp_path: Path, in_home, populated) -> None:
    data = tmp_path / "names.csv"
    data.write_bytes("name,n\nCafé,1\nSão,2\n".encode("cp1252"))
    before = populated()
    _assert_one_plain_error(
        in_home("datasets", "import", data, "--encoding", "utf-8"),
        ["names.csv", "UTF-8", "Windows-1252"],
    )
    assert populated() == before
    assert in_home("datasets", "import", data, "--encoding", "cp1252").code == 0


def test_export_to_a_missing_folder(tmp_path: Path, in_home, populated) -> None:
    before = populated()
    target = tmp_path / "no" / "such" / "folder" / "out.csv"
    _assert_one_plain_error(in_home("datasets", "export", "iris", target), ["does not exist"])
    assert not target.parent.exists()
    assert populated() == before


def test_a_damaged_workspace(tmp_path: Path, cli) -> None:
    home = tmp_path / "damaged"
    home.mkdir()
    (home / "store.db").write_bytes(b"not a database, just text " * 200)
    message = _assert_one_plain_error(cli("datasets", "list", "--home", home), ["damaged"])
    assert "store.db" in message


def test_a_file_as_the_workspace_folder(tmp_path: Path, cli) -> None:
    home = tmp_path / "file-not-folder"
    home.write_text("x")
    _assert_one_plain_error(cli("datasets", "list", "--home", home), ["not a workspace folder"])


BAD_USAGE = [
    ["datasets"],
    ["datasets", "import"],
    ["datasets", "show"],
    ["datasets", "export", "iris"],
    ["datasets", "frobnicate"],
    ["dataset", "list"],
    ["datasets", "list", "--no-such-option"],
    ["datasets", "import", "x.csv", "--type", "a=money"],
    ["datasets", "import", "x.csv", "--type", "just-a-name"],
    ["datasets", "import", "x.csv", "--decimal", ";"],
    ["datasets", "list", "--home"],
]


@pytest.mark.parametrize("args", BAD_USAGE, ids=[" ".join(a) for a in BAD_USAGE])
def test_bad_usage_exits_2(args: list[str], home: Path, in_home, cli, populated) -> None:
    before = populated()
    result = cli(*args) if args[-1] == "--home" else in_home(*args)
    assert result.code == 2
    assert result.out == ""
    assert "error:" in result.err
    assert "Traceback" not in result.err
    assert populated() == before


UNSAFE_NAMES = {
    "a parent folder": "../evil",
    "a folder": "a/b",
    "a Windows folder": "a\\b",
    "two dots": "..",
    "one dot": ".",
    "a line break": "two\nlines",
    "a tab": "tab\there",
    "a control character": "bell\x07",
    "a right-to-left mark": "left\u202eright",
}


@pytest.mark.parametrize("name", list(UNSAFE_NAMES.values()), ids=list(UNSAFE_NAMES))
def test_unsafe_names_are_refused_for_datasets_experiments_and_models(
    name: str, in_home, populated
) -> None:
    """One rule for every name an analyst gives; a name with a line break would split a line of
    ``datasets list``, and one with a slash could one day name a folder outside the workspace."""
    before = populated()
    _assert_one_plain_error(
        in_home("datasets", "import", IRIS, "--name", name), ["A dataset name cannot"]
    )
    _assert_one_plain_error(
        in_home("train", "--dataset", "iris", "--target", "species", "--experiment", name),
        ["An experiment name cannot"],
    )
    assert populated() == before
    assert in_home("runs", "list", "--json").json == []


def test_unsafe_model_names_are_refused(in_home, populated) -> None:
    trained = in_home(
        "train", "--dataset", "iris", "--target", "species", "--algorithm", "knn", "--json"
    )
    run_id = trained.json["run_id"]
    for name in UNSAFE_NAMES.values():
        refused = in_home("models", "register", run_id, "--name", name)
        _assert_one_plain_error(refused, ["A model name cannot"])
    assert in_home("models", "list", "--json").json == []


@pytest.mark.parametrize(
    "command",
    [
        ["datasets", "prepare", "iris", "--recipe"],
        ["datasets", "rules", "iris", "--set"],
        ["datasets", "validate", "iris", "--rules"],
    ],
    ids=["recipe", "rules", "rules to validate against"],
)
def test_a_json_file_nested_100000_deep(command: list[str], tmp_path: Path, in_home, populated):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    before, rules = populated(), in_home("datasets", "rules", "iris", "--json").json
    _assert_one_plain_error(in_home(*command, deep), ["deep.json is nested too deeply"])
    assert populated() == before
    assert in_home("datasets", "rules", "iris", "--json").json == rules


def test_rules_about_a_column_the_dataset_lacks(tmp_path: Path, in_home, populated) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        '[{"column": "species", "rule": "not_null"}, {"column": "petal", "rule": "unique"}]'
    )
    rules = in_home("datasets", "rules", "iris", "--json").json
    message = _assert_one_plain_error(
        in_home("datasets", "rules", "iris", "--set", path),
        ["Rule 2 (unique on 'petal')", "'iris' does not have", "'species'"],
    )
    assert "…" not in message  # iris has 5 columns: all are named
    assert in_home("datasets", "rules", "iris", "--json").json == rules
    _assert_one_plain_error(
        in_home("datasets", "validate", "iris", "--rules", path),
        ["Rule 2 (unique on 'petal')", "'iris@1' does not have"],
    )


def test_a_workspace_another_program_keeps_writing_to(
    tmp_path: Path, home: Path, in_home, populated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock past the wait (shortened here from 30 seconds)."""
    from mlops_desktop.core.store import db

    data = tmp_path / "more.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    before = populated()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    other_program = sqlite3.connect(home / "store.db", isolation_level=None)
    other_program.execute("BEGIN IMMEDIATE")
    try:
        _assert_one_plain_error(
            in_home("datasets", "import", data),
            ["The workspace is busy: another program is writing to it; try again."],
        )
    finally:
        other_program.execute("ROLLBACK")
        other_program.close()
    assert populated() == before
    assert in_home("datasets", "import", data).code == 0  # once it is done, the same works


TOKEN_FILES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "missing": (lambda tmp: tmp / "nowhere" / "token", ["There is no token file", "token"]),
    "empty": (
        lambda tmp: _written(tmp / "token", b" \n"),
        ["The token file", "is empty"],
    ),
    "a folder": (lambda tmp: tmp, ["is a folder", "--token-file"]),
    "binary": (
        lambda tmp: _written(tmp / "token", b"\xff\xfe\x00secret"),
        ["The token file", "not a text file"],
    ),
}


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", list(TOKEN_FILES), ids=list(TOKEN_FILES))
def test_a_token_file_that_gives_no_token(case: str, tmp_path: Path, in_home, populated) -> None:
    make, words = TOKEN_FILES[case]
    before = populated()
    result = in_home("serve", "iris-model", "--host", "0.0.0.0", "--token-file", make(tmp_path))
    _assert_one_plain_error(result, words)
    assert populated() == before


def test_the_command_line_says_so_in_one_line(on_nfs: Path, cli) -> None:
    result = cli("datasets", "list", "--home", on_nfs / "workspace")
    assert result.code == 1 and result.out == ""
    (line,) = result.err_lines
    assert line.startswith("error: The workspace ") and "network drive (nfs4)" in line
    assert not (on_nfs / "workspace" / "store.db").exists()
