"""Reading tabular files: detecting how a file is written, and reading it into an Arrow table.

Supports delimited text (comma, semicolon, tab, pipe) in UTF-8 (with or without BOM), UTF-16 and
the legacy code pages ``encodings`` detects (Western and Central European, Cyrillic, Greek, Turkish,
Baltic, Hebrew, Arabic, Japanese, Chinese, Korean) with dot or comma decimals; Excel workbooks (.xlsx); and Parquet. Every failure a
user can cause becomes a ``UserError`` with one plain sentence.
"""

import codecs
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mlops_desktop.core.data import file_limits
from mlops_desktop.core.data.arrow_memory import use_jemalloc
from mlops_desktop.core.data.encodings import ENCODING_NAMES, SAMPLE_BYTES
from mlops_desktop.core.data.encodings import detect as detect_encoding
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.store.artifacts import sha256_of_file

use_jemalloc()  # before this process builds its first table (arrow_memory says why)

FileKind = Literal["csv", "excel", "parquet"]

PREVIEW_BLOCK_BYTES = 256 << 10
DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NOT_FILE_ENCODINGS = {"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"}
NULL_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "-", "?"]
_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class FileFormat:
    """How a file is written. ``None`` fields in user options mean "detect it"."""

    kind: FileKind
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    header: bool = True
    sheet: str | None = None
    sheets: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "excel":
            return f"Excel workbook, sheet '{self.sheet}'"
        if self.kind == "parquet":
            return "Parquet file"
        return (
            f"{ENCODING_NAMES.get(self.encoding, self.encoding)}, "
            f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated, "
            f"decimal {'comma' if self.decimal == ',' else 'point'}, "
            f"{'first row is the header' if self.header else 'no header row'}"
        )


@dataclass(frozen=True)
class FormatChoices:
    """What the user chose in the import dialog or on the command line; None = detect."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    header: bool | None = None
    sheet: str | None = None
    column_types: dict[str, str] = field(default_factory=dict)


def kind_of(path: Path) -> FileKind:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return "excel"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix == ".xls":
        raise UserError(
            f"{path.name} is an old-style Excel file (.xls); save it as .xlsx or CSV and import that."
        )
    return "csv"


class WrongEncoding(UserError):
    """The text is not in the encoding it was read with."""


def check_readable(path: Path) -> None:
    """Refuse paths that are not a readable, non-empty file, in plain words."""
    if not path.exists():
        raise UserError(f"There is no file at {path}.")
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a file; choose a data file inside it.")
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
    except PermissionError as exc:
        raise UserError(f"You do not have permission to read {path.name}.") from exc
    except OSError as exc:
        raise UserError(f"{path.name} cannot be read ({exc.strerror or exc}).") from exc
    if not first:
        raise UserError(f"{path.name} is empty.")


def _decode_sample(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder("cp1252" if encoding == "cp1252" else encoding)(
        errors="replace"
    )
    text = decoder.decode(head)
    return text.lstrip("\ufeff")


def _looks_binary(text: str) -> bool:
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    replaced = text.count("\ufffd")
    return (control + replaced) > max(2, len(text) // 100)


def _sample_lines(text: str, truncated: bool) -> list[str]:
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    return [line for line in lines[:200] if line.strip()]


def _detect_delimiter(lines: list[str]) -> str:
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines[:50], delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for count in counts if count == counts[0]) / len(counts)
        score = consistent * 1000 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    comma = dot = 0
    for row in rows:
        for cell in row:
            cell = cell.strip()
            if _COMMA_DECIMAL.match(cell):
                comma += 1
            elif _DOT_DECIMAL.match(cell):
                dot += 1
    return "," if comma > dot else "."


def _detect_header(rows: list[list[str]]) -> bool:
    if len(rows) < 2:
        return True
    return not any(_NUMBER.match(cell.strip()) for cell in rows[0] if cell.strip())


def _open_workbook(path: Path, data_only: bool = False) -> Any:
    """The workbook, read-only, once its sizes have passed the limits."""
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            file_limits.check_workbook(archive, path.name)
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"{path.name} is not a valid Excel workbook (.xlsx).") from exc


def excel_sheets(path: Path) -> list[str]:
    workbook = _open_workbook(path)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _check_choices(choices: FormatChoices) -> None:
    if choices.delimiter and len(choices.delimiter) != 1:
        raise UserError(
            f"The separator must be one character, such as , ; | or a tab, not '{choices.delimiter}'."
        )
    if choices.encoding and not _is_file_encoding(choices.encoding):
        raise UserError(
            f"'{choices.encoding}' is not a text encoding; use one that text files are written in, "
            "such as utf-8, utf-16, cp1252 (Windows-1252) or latin-1."
        )


def _is_file_encoding(name: str) -> bool:
    """Whether ``name`` is an encoding text files are written in: Python also knows codecs that
    turn bytes into bytes (base64, zlib, rot13…) and text into escapes (punycode, idna…)."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return False
    return codec._is_text_encoding and codec.name not in _NOT_FILE_ENCODINGS


def detect_format(path: Path, choices: FormatChoices | None = None) -> FileFormat:
    """Work out how ``path`` is written, keeping whatever the user chose explicitly."""
    choices = choices or FormatChoices()
    check_readable(path)
    kind = kind_of(path)
    if choices.sheet is not None and kind != "excel":
        raise UserError(
            f"{path.name} is not an Excel workbook, so it has no sheets to choose from."
        )
    if kind == "excel":
        sheets = excel_sheets(path)
        sheet = choices.sheet if choices.sheet is not None else sheets[0]
        if sheet not in sheets:
            raise UserError(
                f"{path.name} has no sheet named '{sheet}'; its sheets are: {', '.join(sheets)}."
            )
        return FileFormat(kind="excel", sheet=sheet, sheets=tuple(sheets))
    if kind == "parquet":
        return FileFormat(kind="parquet")

    _check_choices(choices)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        truncated = bool(handle.read(1))
    encoding = choices.encoding or detect_encoding(head, path.name, truncated)
    try:
        text = _decode_sample(head, encoding)
    except UnicodeError as exc:  # e.g. UTF-16 chosen for a file without a byte-order mark
        raise UserError(
            f"{path.name} is not written in {ENCODING_NAMES.get(encoding, encoding)}; "
            "choose another encoding."
        ) from exc
    if _looks_binary(text):
        raise UserError(f"{path.name} does not look like a text table; it may be a binary file.")
    lines = _sample_lines(text, truncated)
    if not lines:
        raise UserError(f"{path.name} has no data in it.")
    delimiter = choices.delimiter or _detect_delimiter(lines)
    file_limits.check_shape(path.name, columns=_header_width(path, head, encoding, delimiter))
    rows = list(csv.reader(lines, delimiter=delimiter))
    decimal = choices.decimal or _detect_decimal(rows[1:], delimiter)
    header = choices.header if choices.header is not None else _detect_header(rows)
    return FileFormat(
        kind="csv", encoding=encoding, delimiter=delimiter, decimal=decimal, header=header
    )


def _header_width(path: Path, head: bytes, encoding: str, delimiter: str) -> int:
    """How many fields the first line has at most (a quoted separator counts too), read from at
    most one row's worth of the file, so a 100,000-column file is refused before it is parsed."""
    if b"\n" not in head:
        with path.open("rb") as handle:
            head = handle.read(file_limits.MAX_ROW_BYTES)
    first_line = _decode_sample(head, encoding).partition("\n")[0]
    return first_line.count(delimiter) + 1


class _CountingReader(io.RawIOBase):
    """A file wrapper that reports bytes read, stops the read when the user cancels, and hashes
    the bytes on their way (the source file's SHA-256 costs no second pass)."""

    def __init__(self, path: Path, progress: Progress, cancel: CancelCheck) -> None:
        self.sha256 = hashlib.sha256()
        self._handle = path.open("rb")
        self._total = max(path.stat().st_size, 1)
        self._read = 0
        self._progress = progress
        self._cancel = cancel

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        check_cancel(self._cancel)
        count = self._handle.readinto(buffer)
        self.sha256.update(memoryview(buffer)[:count])
        self._read += count
        self._progress(min(self._read / self._total, 1.0), "Reading the file")
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()


def _ragged_line(path: Path, fmt: FileFormat) -> tuple[int, int, int] | None:
    """The first physical line whose field count differs from the first row's."""
    encoding = "utf-16" if fmt.encoding == "utf-16" else fmt.encoding
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter)
        expected: int | None = None
        for row in reader:
            if not row:
                continue
            if expected is None:
                expected = len(row)
            elif len(row) != expected:
                return reader.line_num, len(row), expected
    return None


def _read_csv(
    path: Path,
    fmt: FileFormat,
    progress: Progress,
    cancel: CancelCheck,
    first_block_only: bool = False,
) -> tuple[pa.Table, str]:
    """The table and the SHA-256 of the bytes read (the whole file unless ``first_block_only``).

    A whole file is read in blocks of one row's limit: a longer row never fits in a block, which
    the reader reports as an object "straddling" two blocks."""
    convert_options = pacsv.ConvertOptions(
        decimal_point=fmt.decimal,
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )

    def attempt(newlines_in_values: bool, block_size: int) -> tuple[pa.Table, str]:
        read_options = pacsv.ReadOptions(
            encoding="utf8" if fmt.encoding in {"utf-8", "utf-8-sig"} else fmt.encoding,
            autogenerate_column_names=not fmt.header,
            block_size=block_size,
        )
        parse_options = pacsv.ParseOptions(
            delimiter=fmt.delimiter, newlines_in_values=newlines_in_values
        )
        with _CountingReader(path, progress, cancel) as source:
            if first_block_only:
                reader = pacsv.open_csv(
                    source,
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
                batches = []
                with suppress(StopIteration):
                    batches.append(reader.read_next_batch())
                return pa.Table.from_batches(batches, schema=reader.schema), ""
            table = pacsv.read_csv(
                source,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            return table, source.sha256.hexdigest()

    def read(block_size: int) -> tuple[pa.Table, str]:
        try:
            return attempt(newlines_in_values=False, block_size=block_size)
        except pa.ArrowInvalid as exc:
            if "Expected" not in str(exc) or ('"' not in str(exc) and "\n" not in str(exc)):
                raise
            return attempt(newlines_in_values=True, block_size=block_size)  # quoted line breaks

    try:
        return read(PREVIEW_BLOCK_BYTES if first_block_only else file_limits.MAX_ROW_BYTES)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "Empty CSV file" in message:
            raise UserError(f"{path.name} has no data in it.") from exc
        if "straddling" in message:
            raise file_limits.row_too_large(path.name) from exc
        if "Expected" in message and "columns" in message:
            ragged = _ragged_line(path, fmt)
            if ragged is not None:
                line, got, expected = ragged
                raise UserError(
                    f"Line {line} of {path.name} has {got} fields but the first row has "
                    f"{expected}; check for a stray {DELIMITER_NAMES.get(fmt.delimiter, 'separator')}"
                    " or a missing quote."
                ) from exc
        raise UserError(
            f"{path.name} could not be read as a {DELIMITER_NAMES.get(fmt.delimiter, '')}-separated "
            "table; check the separator and encoding."
        ) from exc
    except UnicodeDecodeError as exc:
        raise WrongEncoding(
            f"{path.name} is not written in {ENCODING_NAMES.get(fmt.encoding, fmt.encoding)}; "
            "choose another encoding."
        ) from exc


def _read_excel(path: Path, fmt: FileFormat, progress: Progress) -> pa.Table:
    progress(0.0, "Reading the workbook")
    workbook = _open_workbook(path, data_only=True)
    try:
        sheet = workbook[fmt.sheet or workbook.sheetnames[0]]
        if not _believable_size(sheet.max_row or 0, sheet.max_column or 0):
            # Some programs state the whole grid; the reader would pad every row to it. Without
            # it each row is as long as its last cell, and the rows are counted as they come.
            sheet.reset_dimensions()
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise UserError(f"The sheet '{sheet.title}' of {path.name} is empty.")
        body = _filled_rows(path, rows, len(header))
    finally:
        workbook.close()
    width = max((len(row) for row in body), default=0)
    header = header + (None,) * (width - len(header))
    names = [
        str(value) if value is not None else f"column_{i + 1}" for i, value in enumerate(header)
    ]
    columns: dict[str, list[Any]] = {name: [] for name in names}
    if len(columns) != len(names):
        return _duplicate_names_error(path, names)
    for row in body:
        for name, value in zip(names, row, strict=False):
            columns[name].append(value)
        for name in names[len(row) :]:
            columns[name].append(None)
    arrays = [_excel_column(values) for values in columns.values()]
    progress(1.0, "Reading the workbook")
    return pa.Table.from_arrays(arrays, names=names)


def _believable_size(rows: int, columns: int) -> bool:
    return (
        rows <= file_limits.MAX_SHEET_ROWS
        and columns <= file_limits.MAX_COLUMNS
        and rows * columns <= file_limits.MAX_SHEET_CELLS
    )


def _filled_rows(path: Path, rows: Iterator[tuple[Any, ...]], cells: int) -> list[tuple[Any, ...]]:
    """The rows that hold a value, counting cells as they come so a sheet past the limits is
    refused before it fills memory (``cells``: the header's, already read)."""
    body = []
    for row in rows:
        cells += len(row)
        file_limits.check_shape(path.name, columns=len(row), cells=cells)
        if any(value is not None for value in row):
            body.append(row)
    return body


def _excel_column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if value is None else str(value) for value in values], pa.string())


def _duplicate_names_error(path: Path, names: list[str]) -> Any:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UserError(
                f"The column name '{name}' appears more than once in {path.name}; "
                "column names must be unique."
            )
        seen.add(name)
    raise AssertionError("no duplicate found")


def read_table(
    path: Path,
    fmt: FileFormat,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> tuple[pa.Table, str]:
    """Read the whole file into an Arrow table with pyarrow's own type guesses; also returns the
    file's SHA-256 (for text files computed while reading)."""
    check_readable(path)
    if fmt.kind == "csv":
        table, source_sha256 = _read_text_table(path, fmt, progress, cancel)
        return _checked(path, table), source_sha256
    if fmt.kind == "excel":
        table = _read_excel(path, fmt, progress)
    else:
        try:  # the column count is in the file's footer: a file past it is refused unread
            file_limits.check_shape(path.name, columns=len(pq.read_schema(path)))
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise UserError(f"{path.name} is not a valid Parquet file.") from exc
    return _checked(path, table), sha256_of_file(path)


def _read_text_table(
    path: Path,
    fmt: FileFormat,
    progress: Progress,
    cancel: CancelCheck,
    first_block_only: bool = False,
) -> tuple[pa.Table, str]:
    table, source_sha256 = _read_csv(path, fmt, progress, cancel, first_block_only)
    _check_decoded(path, fmt, table)
    if not fmt.header:  # name columns as Excel files without names get them: column_1, column_2…
        table = table.rename_columns([f"column_{i + 1}" for i in range(table.num_columns)])
    return table, source_sha256


def _check_decoded(path: Path, fmt: FileFormat, table: pa.Table) -> None:
    """Text that is not valid UTF-8 comes back from the reader as raw bytes, not strings."""
    if any(
        pa.types.is_binary(kind) or pa.types.is_large_binary(kind) for kind in table.schema.types
    ):
        raise WrongEncoding(
            f"{path.name} is not written entirely in {ENCODING_NAMES.get(fmt.encoding, fmt.encoding)}"
            " (some of its text further down is not); choose another encoding, such as "
            "Windows-1252 / Latin-1."
        )


def _checked(path: Path, table: pa.Table) -> pa.Table:
    names = table.column_names
    file_limits.check_shape(path.name, columns=len(names))
    if len(set(names)) != len(names):
        _duplicate_names_error(path, names)
    if _longest_text(table) > file_limits.MAX_CELL_BYTES:
        raise file_limits.cell_too_large(path.name)
    for index, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type):  # e.g. a pandas ``category`` column in Parquet
            decoded = pc.cast(column, column.type.value_type)
            table = table.set_column(index, names[index], decoded)
    if any(not name.strip() for name in names):
        table = table.rename_columns(
            [name if name.strip() else f"column_{i + 1}" for i, name in enumerate(names)]
        )
    if table.num_rows == 0:
        raise UserError(f"{path.name} has column names but no rows of data.")
    return table


def _longest_text(table: pa.Table) -> int:
    """The most bytes in one text cell of ``table`` (0 when it has no text)."""
    lengths = [
        pc.max(pc.binary_length(column)).as_py() or 0
        for column in table.columns
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    ]
    return max(lengths, default=0)


def read_sample(path: Path, fmt: FileFormat) -> pa.Table:
    """The first block of the file (``PREVIEW_BLOCK_BYTES``), read exactly as ``read_table`` would, for previews."""
    check_readable(path)
    if fmt.kind != "csv":
        return read_table(path, fmt)[0]
    sample, _ = _read_text_table(path, fmt, no_progress, never_cancel, first_block_only=True)
    return _checked(path, sample)


def read_json(path: Path, what: str) -> Any:
    """The JSON document in ``path`` (say, ``what`` = "rules" or "a recipe"), or one sentence
    saying why it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"There is no file {path}.") from None
    except UnicodeDecodeError:
        raise UserError(f"{path.name} is not a text file; it should hold {what} as JSON.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read ({error.strerror}).") from None
    try:
        return json.loads(text)
    except RecursionError:  # lists or objects nested thousands deep: no recipe or rules are
        raise UserError(f"{path.name} is nested too deeply to hold {what}.") from None
    except json.JSONDecodeError as error:
        raise UserError(
            f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
