"""Reading a request body into rows: MLflow's four JSON forms, CSV and Parquet.

The result holds, for each of the model's input columns that the request names, the values as
sent (plain JSON scalars, or what a CSV cell reads as). Columns the model does not use are dropped
here; converting and checking the values is ``scoring.prepare``'s job, so a request and a file are
checked the same way.
"""

import codecs
import io
import json
from dataclasses import dataclass
from typing import Any, NoReturn

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mlops_desktop.core.data.reading import NULL_VALUES

FORMS = ("dataframe_split", "dataframe_records", "instances", "inputs")
FORMS_TEXT = "dataframe_split, dataframe_records, instances or inputs"
_SCALARS = (str, int, float, bool)
_MESSAGE_VALUE_CHARS = 40
# Codecs that Python's text-encoding flag lets through but that are no document's character set:
# they transform text (IDNA host names, escapes) or refuse everything ("undefined").
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})
# A Parquet body is compressed: what it unpacks to is read from its footer first, and refused
# past this many times the body's own size, or when it holds more rows than it has bytes (a small
# body that unpacks to gigabytes: a column of one repeated value packs to almost nothing).
PARQUET_UNPACKED_FACTOR = 20


class BadBody(Exception):
    """The body cannot be read as rows (HTTP 400)."""

    def __init__(self, message: str, error_code: str = "MALFORMED_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code


class UnsupportedCharset(Exception):
    """The body's declared character set is unknown (HTTP 415)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Rows:
    """A request's rows, column by column: only the model's columns that the request holds."""

    columns: dict[str, list[Any]]
    count: int


def _fail(message: str, error_code: str = "MALFORMED_REQUEST") -> NoReturn:
    raise BadBody(message, error_code)


def _shown(value: Any) -> str:
    text = json.dumps(value)
    if len(text) > _MESSAGE_VALUE_CHARS:
        text = text[: _MESSAGE_VALUE_CHARS - 1] + "…"
    return text


def _encoding(charset: str) -> str:
    """The codec for a declared character set; ``UnsupportedCharset`` unless it decodes text.

    ``codecs.lookup`` also knows bytes-to-bytes and text-to-text codecs (base64, zlib, rot13, …),
    which are no character set: those are refused like an unknown name."""
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a null or a lone surrogate in the name
        info = None
    if info is None or not info._is_text_encoding or info.name in _NOT_CHARSETS:
        raise UnsupportedCharset(
            f"The character set '{charset[:40]}' is not supported; send UTF-8."
        )
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _text(body: bytes, charset: str | None) -> str:
    encoding = _encoding(charset) if charset else "utf-8-sig"
    try:
        return body.decode(encoding)
    except UnicodeError:
        _fail(
            f"The request body is not valid {'UTF-8' if encoding == 'utf-8-sig' else charset} text."
        )


def _constant(name: str) -> Any:
    if name == "NaN":
        return None  # what Python's json writes for a missing number
    _fail(f"{name} is not a number the model can use; send a finite number or null.")


def parse_json(body: bytes, charset: str | None, names: list[str]) -> Rows:
    """Rows from one of MLflow's four JSON forms."""
    text = _text(body, charset)
    if not text.strip():
        _fail(f"The request body is empty; send JSON with one of {FORMS_TEXT}.")
    try:
        document = json.loads(text, parse_constant=_constant)
    except RecursionError:
        _fail("The JSON is nested too deeply.")
    except ValueError as error:
        _fail(f"The request body is not valid JSON ({str(error)[:120]}).")
    if not isinstance(document, dict):
        _fail(f"The JSON must be an object with one of {FORMS_TEXT}.")
    present = [form for form in FORMS if form in document]
    if len(present) != 1:
        found = f" (it has {', '.join(present)})" if present else ""
        _fail(f"The JSON must hold exactly one of {FORMS_TEXT}{found}.")
    form = present[0]
    value = document[form]
    if form == "dataframe_split":
        rows = _split(value, names)
    elif form == "dataframe_records":
        if not isinstance(value, list):
            _fail("dataframe_records must be a list of rows, each an object of column: value.")
        rows = _records(value, names, form)
    elif form == "instances":
        rows = _listed(value, names, form)
    else:
        rows = _inputs(value, names)
    return _checked(rows)


def _split(value: Any, names: list[str]) -> Rows:
    if not isinstance(value, dict) or "data" not in value:
        _fail('dataframe_split must be an object with "columns" and "data".')
    columns = value.get("columns", names)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        _fail("dataframe_split columns must be a list of column names.")
    if len(set(columns)) != len(columns):
        _fail("dataframe_split names a column twice.")
    data = value["data"]
    if not isinstance(data, list):
        _fail("dataframe_split data must be a list of rows, each a list of values.")
    return _positional(data, columns, names, "dataframe_split data")


def _positional(data: list[Any], columns: list[str], names: list[str], what: str) -> Rows:
    width = len(columns)
    for number, row in enumerate(data, start=1):
        if not isinstance(row, list):
            _fail(f"Row {number} of {what} must be a list of values.")
        if len(row) != width:
            _fail(f"Row {number} of {what} has {len(row)} values but there are {width} columns.")
    wanted = set(names)
    return Rows(
        {
            name: [row[index] for row in data]
            for index, name in enumerate(columns)
            if name in wanted
        },
        len(data),
    )


def _records(data: list[Any], names: list[str], what: str) -> Rows:
    seen: set[str] = set()
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            _fail(f"Row {number} of {what} must be an object of column: value.")
        seen.update(row)
    return Rows(
        {name: [row.get(name) for row in data] for name in names if name in seen}, len(data)
    )


def _listed(value: Any, names: list[str], what: str) -> Rows:
    if not isinstance(value, list):
        _fail(f"{what} must be a list of rows.")
    if not value:
        return Rows({}, 0)
    if all(isinstance(row, dict) for row in value):
        return _records(value, names, what)
    if all(isinstance(row, list) for row in value):
        return _positional(value, names, names, what)
    if len(names) == 1 and not any(isinstance(row, (dict, list)) for row in value):
        return Rows({names[0]: list(value)}, len(value))
    _fail(
        f"{what} must be a list of rows: each an object of column: value, or a list of values "
        f"in the model's column order ({', '.join(names)})."
    )


def _inputs(value: Any, names: list[str]) -> Rows:
    if isinstance(value, list):
        return _listed(value, names, "inputs")
    if not isinstance(value, dict):
        _fail("inputs must be an object of column: values, or a list of rows.")
    if value and not any(isinstance(v, list) for v in value.values()):
        value = {name: [v] for name, v in value.items()}  # one row given as column: value
    lengths = {len(v) if isinstance(v, list) else -1 for v in value.values()}
    if -1 in lengths:
        _fail("inputs must give every column a list of values.")
    if len(lengths) > 1:
        _fail("inputs must give every column the same number of values.")
    count = lengths.pop() if lengths else 0
    return Rows({name: value[name] for name in names if name in value}, count)


def _checked(rows: Rows) -> Rows:
    """Refuse nested values: every cell must be one JSON scalar or null."""
    for name, values in rows.columns.items():
        for number, cell in enumerate(values, start=1):
            if cell is not None and not isinstance(cell, _SCALARS):
                _fail(
                    f"'{name}' in row {number} holds {_shown(cell)}; send one value per cell.",
                    "INVALID_PARAMETER_VALUE",
                )
    return rows


def parse_csv(body: bytes, charset: str | None, names: list[str]) -> Rows:
    """Rows from a CSV body with a header row, read as a CSV file is read for batch scoring."""
    text = _text(body, charset)
    if not text.strip():
        _fail("The CSV is empty; send a header row and at least one row of values.")
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            parse_options=pacsv.ParseOptions(delimiter=",", newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                null_values=NULL_VALUES,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, ValueError, OverflowError) as error:
        detail = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        _fail(f"The CSV could not be read ({detail}).")
    header = table.column_names
    if len(set(header)) != len(header):
        _fail("The CSV header names a column twice.")
    wanted = [name for name in names if name in set(header)]
    try:
        columns = {name: table.column(name).to_pylist() for name in wanted}
    except (pa.ArrowException, ValueError, OverflowError) as error:
        _fail(f"The CSV could not be read ({str(error)[:160]}).")
    return Rows(columns, table.num_rows)


def parse_parquet(body: bytes, names: list[str]) -> Rows:
    """Rows from a Parquet file sent whole as the body (``application/vnd.apache.parquet``).
    Its footer is read first: a body that unpacks to far more than it weighs, or holds nested
    values, is refused before any column is decoded."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(body))
        metadata = parquet.metadata
        header = parquet.schema_arrow.names
        wanted = [name for name in names if name in set(header)]
        indexes = [header.index(name) for name in wanted]
        unpacked = sum(
            metadata.row_group(group).column(index).total_uncompressed_size
            for group in range(metadata.num_row_groups)
            for index in indexes
        )
    except (pa.ArrowException, ValueError, OSError, IndexError) as error:
        _fail(f"The body is not a readable Parquet file ({str(error)[:120]}).")
    if len(set(header)) != len(header):
        _fail("The Parquet file names a column twice.")
    if unpacked > PARQUET_UNPACKED_FACTOR * len(body) or metadata.num_rows > len(body):
        _fail("The Parquet file unpacks to far more than it weighs; send the rows uncompressed.")
    for name in wanted:
        if pa.types.is_nested(parquet.schema_arrow.field(name).type):
            _fail(
                f"'{name}' holds lists or records; send one value per cell.",
                "INVALID_PARAMETER_VALUE",
            )
    try:
        table = parquet.read(columns=wanted) if wanted else None
        columns = {name: table.column(name).to_pylist() for name in wanted} if table else {}
    except (pa.ArrowException, ValueError, OSError, OverflowError) as error:
        _fail(f"The Parquet file could not be read ({str(error)[:120]}).")
    return Rows(columns, metadata.num_rows)


def parse(body: bytes, kind: str, charset: str | None, names: list[str]) -> Rows:
    """``kind`` is "json", "csv" or "parquet"; ``names`` are the model's input columns in order."""
    if kind == "parquet":
        return parse_parquet(body, names)
    return parse_csv(body, charset, names) if kind == "csv" else parse_json(body, charset, names)
