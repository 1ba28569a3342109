"""Bad input through the command line, as a black box: exit 1, exactly one stderr line starting
``error: `` in plain words (no traceback, no library jargon), nothing on stdout, and the workspace
exactly as before (``datasets list --json`` and the stored data files). Bad usage exits 2."""

import gzip
import random
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

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


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--type", "nope=numeric"], ["no column named 'nope'"]),
        (["--type", "code=datetime"], ["'code'", "cannot be read as dates"]),
        (["--name", "a@b"], ["'@'"]),
        (["--encoding", "klingon"], ["'klingon' is not a text encoding"]),
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


def test_the_command_line_says_so_in_one_line(on_nfs: Path, cli) -> None:
    result = cli("datasets", "list", "--home", on_nfs / "workspace")
    assert result.code == 1 and result.out == ""
    (line,) = result.err_lines
    assert line.startswith("error: The workspace ") and "network drive (nfs4)" in line
    assert not (on_nfs / "workspace" / "store.db").exists()
