"""Reading one value inside a JSON column in SQL, the same way on SQLite and PostgreSQL.

``json_text(MonitorResult.report, "window", "name")`` is the value at that path as text: a string as
itself, an object or a list as its JSON, and SQL NULL where the path is missing or holds null, so
``is_not(None)`` keeps only the rows that hold a value (SQLite's ``json_extract``; PostgreSQL's
``#>>``). Queries use it to read a small part of a large document without loading the document.
"""

from typing import Any

from sqlalchemy import ColumnElement, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_text(FunctionElement[str]):  # lower case: it reads as the SQL function it is
    type = String()
    inherit_cache = True
    name = "json_text"

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], *keys: str) -> None:
        super().__init__(column, literal(".".join(keys)))


@compiles(json_text, "sqlite")
def _sqlite(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, path = element.clauses
    return f"json_extract({compiler.process(column, **kw)}, '$.' || {compiler.process(path, **kw)})"


@compiles(json_text, "postgresql")
def _postgresql(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, path = element.clauses
    return (
        f"({compiler.process(column, **kw)} #>> "
        f"string_to_array({compiler.process(path, **kw)}, '.'))"
    )
