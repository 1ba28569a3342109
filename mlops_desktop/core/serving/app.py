"""The WSGI app: MLflow's scoring protocol over one model version (DESIGN.md, "HTTP serving
contract").

Werkzeug does the HTTP work (request parsing, routing, 404/405, responses); this module decides
what each route answers. Anything a client sends gets a 2xx or a 4xx with a JSON body
``{"error_code", "message"}``; every response carries ``X-Request-ID``.
"""

import hmac
import ipaddress
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sklearn.pipeline import Pipeline
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from mlops_desktop import __version__
from mlops_desktop.core.serving import parsing
from mlops_desktop.core.serving.batching import Job, Predictor
from mlops_desktop.core.serving.logwriter import PredictionLogWriter
from mlops_desktop.core.serving.parsing import Rows
from mlops_desktop.core.serving.scoring import LARGEST_NUMBER
from mlops_desktop.core.store.models import TRAFFIC, TRY_IT, utcnow
from mlops_desktop.core.vocabulary import FALSE_WORDS, TRUE_WORDS

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
WAIT_SECONDS = 300.0  # a request's longest wait for the predictor before a 503
REQUEST_ID_HEADER = "X-Request-ID"
# The Serve tab's Try-it form sends "X-MLOps-Source: try-it": its rows are logged apart from
# real traffic (PredictionLog.source), and monitoring leaves them out.
SOURCE_HEADER = "X-MLOps-Source"
TRY_IT_SOURCE = "try-it"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
JSON_TYPES = ("", "application/json")
CSV_TYPES = ("text/csv", "application/csv")
PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet")
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "ENDPOINT_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_ERROR",
    503: "TEMPORARILY_UNAVAILABLE",
}
ROUTES = (
    ("/health", "health", ("GET",)),
    ("/ping", "ping", ("GET",)),
    ("/version", "version", ("GET",)),
    ("/metadata", "metadata", ("GET",)),
    ("/openapi.json", "openapi", ("GET",)),
    ("/invocations", "invocations", ("POST",)),
    ("/predict", "invocations", ("POST",)),
)
PREDICT_PATHS = frozenset(path for path, endpoint, _ in ROUTES if endpoint == "invocations")
OPEN_ENDPOINTS = frozenset({"ping"})  # answered without the token (liveness checks)


def _dumps(document: Any) -> bytes:
    """Compact ASCII JSON (so any text, even a lone surrogate, travels safely); NaN → null."""
    try:
        text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_without_nan(document), separators=(",", ":"), allow_nan=False)
    return text.encode("ascii")


def _without_nan(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, list):
        return [_without_nan(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    return value


def _json(document: Any, status: int = 200) -> Response:
    return Response(_dumps(document), status=status, mimetype="application/json")


def error_document(status: int, message: str, error_code: str | None = None) -> bytes:
    """The contract's error body: ``{"error_code", "message"}`` as JSON."""
    return _dumps(
        {"error_code": error_code or ERROR_CODES.get(status, "BAD_REQUEST"), "message": message}
    )


def error_response(status: int, message: str, error_code: str | None = None) -> Response:
    return Response(
        error_document(status, message, error_code), status=status, mimetype="application/json"
    )


def classes_of(record: dict[str, Any], pipeline: Pipeline) -> list[str] | None:
    """A classifier's class labels in the order of its probabilities; None for a regressor."""
    if record["task"] != "classification":
        return None
    if record.get("classes"):
        return [str(c) for c in record["classes"]]
    return [str(c) for c in getattr(pipeline, "classes_", [])] or None


def metadata(record: dict[str, Any], classes: list[str] | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "model": record["name"],
        "version": record["version"],
        "ref": record["ref"],
        "task": record["task"],
        "target": record["target"],
        "inputs": [
            {
                key: column[key]
                for key in ("name", "type", "required", "categories")
                if key in column
            }
            for column in record["inputs"]
        ],
    }
    if classes is not None:
        document["classes"] = classes
    if record.get("example"):
        document["example"] = record["example"]
    return document


class ServingApp:
    """The WSGI callable for one model version, with its predictor thread.

    ``start`` before serving and ``close`` after; ``writer`` (optional) receives every predicted
    batch for the prediction log. ``clock`` gives the time a request is logged at: the wall
    clock, except for the demo, which serves a month of traffic in seconds (``core.demo``)."""

    def __init__(
        self,
        record: dict[str, Any],
        pipeline: Pipeline,
        token: str | None = None,
        writer: PredictionLogWriter | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.record = record
        self._clock = clock
        self.classes = classes_of(record, pipeline)
        self._names = [column["name"] for column in record["inputs"]]
        self._writer = writer
        self.predictor = Predictor(
            pipeline,
            record["task"],
            record["inputs"],
            on_batch=writer.add if writer is not None else None,
        )
        self._token = token.encode("utf-8") if token else None
        self.max_body_bytes = max_body_bytes
        # Bound once to a fixed host: the Host header a client sends plays no part in routing.
        self._urls = Map(
            [
                Rule(path, endpoint=endpoint, methods=list(methods))
                for path, endpoint, methods in ROUTES
            ],
            merge_slashes=False,
        ).bind("localhost")
        self._metadata = _dumps(metadata(record, self.classes))
        self._openapi = _dumps(openapi(record, self.classes, token_required=bool(token)))
        self._lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.predicted_rows = 0
        self.started = datetime.now(UTC)
        self._started_clock = time.monotonic()

    def start(self) -> None:
        self.predictor.start()

    def close(self) -> None:
        """Finish every request already handed to the predictor, then stop it."""
        self.predictor.stop()

    def health(self) -> dict[str, Any]:
        with self._lock:
            requests, errors, rows = self.requests, self.errors, self.predicted_rows
        document: dict[str, Any] = {
            "status": "ok",
            "model": self.record["name"],
            "version": self.record["version"],
            "ref": self.record["ref"],
            "task": self.record["task"],
            "requests": requests,
            "errors": errors,
            "predicted_rows": rows,
            "batches": self.predictor.batches,
            "started": self.started.isoformat(),
            "uptime_s": round(time.monotonic() - self._started_clock, 3),
        }
        if self._writer is not None:
            document["logged_rows"] = self._writer.logged_rows
            document["log_backlog"] = self._writer.backlog
            document["log_failed_writes"] = self._writer.failed_writes
        return document

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        rows = 0
        try:
            response, rows = self._dispatch(request, request_id, started)
        except Exception:
            log.exception("Request %s failed", request_id)
            response = error_response(
                500, "Something went wrong on the server; its log has the details."
            )
        response.headers[REQUEST_ID_HEADER] = request_id
        if request.method == "POST" and request.path in PREDICT_PATHS:
            # Prediction requests only: a GUI polling /health does not inflate the counts.
            with self._lock:
                self.requests += 1
                self.predicted_rows += rows
                if response.status_code >= 400:
                    self.errors += 1
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _dispatch(self, request: Request, request_id: str, started: float) -> tuple[Response, int]:
        try:
            endpoint, _ = self._urls.match(request.path, request.method)
        except MethodNotAllowed as error:
            allowed = sorted(error.valid_methods or [])
            response = error_response(
                405, f"{request.method[:20]} is not allowed here; use {' or '.join(allowed)}."
            )
            response.headers["Allow"] = ", ".join(allowed)
            return response, 0
        except (NotFound, RequestRedirect):
            return error_response(
                404, "Nothing is served at this path; /openapi.json lists the routes."
            ), 0
        except HTTPException as error:
            status = error.code if error.code and 400 <= error.code < 500 else 400
            return error_response(status, "The request could not be routed."), 0
        if endpoint not in OPEN_ENDPOINTS and not self._authorized(request):
            response = error_response(
                401, "A valid token is needed: send the header 'Authorization: Bearer <token>'."
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="mlops-desktop"'
            return response, 0
        if endpoint == "invocations":
            return self._invocations(request, request_id, started)
        if endpoint == "health":
            return _json(self.health()), 0
        if endpoint == "ping":  # as MLflow's scoring server answers it
            return Response(b"\n", mimetype="text/plain"), 0
        body = {"metadata": self._metadata, "openapi": self._openapi}
        if endpoint == "version":  # as MLflow's: the bare version text (the model's is in /health)
            return Response(__version__.encode("ascii"), mimetype="text/plain"), 0
        return Response(body[endpoint], mimetype="application/json"), 0

    def _authorized(self, request: Request) -> bool:
        if self._token is None:
            return True
        scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
        # Header values arrive as latin-1 text: encoding them back gives the bytes as sent.
        offered = given.strip().encode("latin-1", "replace")
        return scheme.lower() == "bearer" and hmac.compare_digest(offered, self._token)

    def _refused(self, request_id: str, started: float, rows: Rows | None) -> None:
        """Log a request refused for its body or values (``rows``: as far as they were read)."""
        if self._writer is not None:
            latency_ms = (time.perf_counter() - started) * 1000.0
            self._writer.refuse(request_id, self._clock(), rows, latency_ms)

    def _too_large(self) -> Response:
        megabytes = self.max_body_bytes / (1024 * 1024)
        return error_response(
            413, f"The request body is larger than {megabytes:g} MB; send fewer rows at a time."
        )

    def _invocations(
        self, request: Request, request_id: str, started: float
    ) -> tuple[Response, int]:
        mimetype = request.mimetype
        if mimetype in JSON_TYPES or mimetype.endswith("+json"):
            kind = "json"
        elif mimetype in CSV_TYPES:
            kind = "csv"
        elif mimetype in PARQUET_TYPES:
            kind = "parquet"
        else:
            return error_response(
                415,
                "Rows must be sent as application/json, text/csv or "
                f"application/vnd.apache.parquet, not '{mimetype[:60]}'; set the Content-Type "
                "header.",
            ), 0
        limit = self.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return self._too_large(), 0
        body = request.stream.read(limit + 1)  # never more than the limit in memory
        if len(body) > limit:
            return self._too_large(), 0
        try:
            rows = parsing.parse(body, kind, request.mimetype_params.get("charset"), self._names)
        except parsing.UnsupportedCharset as error:
            return error_response(415, error.message), 0
        except parsing.BadBody as error:
            self._refused(request_id, started, None)
            return error_response(400, error.message, error.error_code), 0
        if rows.count == 0:
            self._refused(request_id, started, None)
            return error_response(
                400, "The request holds no rows to predict.", "MALFORMED_REQUEST"
            ), 0
        # Only the app's own Try-it form marks its rows, and it calls from this computer: a
        # client elsewhere cannot hide its traffic from monitoring with the header.
        try_it = request.headers.get(
            SOURCE_HEADER, ""
        ).strip().lower() == TRY_IT_SOURCE and _from_this_computer(request.remote_addr)
        job = Job(rows, request_id, started, TRY_IT if try_it else TRAFFIC, self._clock())
        self.predictor.submit(job)
        if not job.wait(WAIT_SECONDS):
            return error_response(503, "The model is too busy to answer in time; try again."), 0
        if job.error is not None:
            if job.unavailable:
                return error_response(503, job.error), 0
            self._refused(request_id, started, rows)
            return error_response(400, job.error, "INVALID_PARAMETER_VALUE"), 0
        document: dict[str, Any] = {"predictions": job.predictions}
        if job.probabilities is not None and self.classes is not None:
            classes = self.classes
            document["probabilities"] = [
                dict(zip(classes, row, strict=False)) for row in job.probabilities
            ]
        return _json(document), rows.count


def _from_this_computer(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _column_schema(column: dict[str, Any]) -> dict[str, Any]:
    kind = column["type"]
    schema: dict[str, Any]
    if kind == "numeric":
        schema = {"type": "number", "minimum": -LARGEST_NUMBER, "maximum": LARGEST_NUMBER}
    elif kind == "boolean":  # what scoring reads as yes/no: also 1/0 and the words, any case
        words = sorted(TRUE_WORDS | FALSE_WORDS, key=lambda word: (-len(word), word))
        either_case = "|".join(
            "".join(f"[{c.upper()}{c}]" if c.isalpha() else re.escape(c) for c in word)
            for word in words
        )
        schema = {
            "oneOf": [
                {"type": "boolean"},
                {"type": "number", "enum": [0, 1]},
                {"type": "string", "pattern": rf"^\s*(?:{either_case})\s*$"},
            ],
            "description": "yes/no; also true/false, 1/0, y/n, t/f, in any case",
        }
    else:  # a category: its text, or a number or yes/no read as text
        schema = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
        if column.get("categories"):
            shown = ", ".join(str(c) for c in column["categories"][:20])
            schema["description"] = f"A category such as: {shown}"
    if not column["required"]:
        schema["nullable"] = True
    return schema


def openapi(
    record: dict[str, Any], classes: list[str] | None, token_required: bool
) -> dict[str, Any]:
    """An OpenAPI 3 document of every route, with the model's own input columns."""
    names = [column["name"] for column in record["inputs"]]
    required = [column["name"] for column in record["inputs"] if column["required"]]
    row = {
        "type": "object",
        "properties": {column["name"]: _column_schema(column) for column in record["inputs"]},
        "required": required,
    }
    value = {
        "nullable": True,
        "oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}],
    }
    rows_list = {"type": "array", "items": row, "minItems": 1}
    example = record.get("example") or {}
    error = {"$ref": "#/components/schemas/Error"}
    prediction = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
    predictions: dict[str, Any] = {
        "type": "object",
        "properties": {"predictions": {"type": "array", "items": prediction}},
        "required": ["predictions"],
    }
    if classes is not None:
        predictions["properties"]["probabilities"] = {
            "type": "array",
            "description": "Each row's probability of each class (an extension of MLflow's "
            'protocol: MLflow\'s clients read only "predictions").',
            "items": {
                "type": "object",
                "properties": {label: {"type": "number"} for label in classes},
            },
        }

    def errors(*statuses: int) -> dict[str, Any]:
        texts = {
            400: "The body or its values do not fit the model",
            401: "Missing or wrong token",
            405: "Wrong method",
            413: "Body too large",
            415: "Unsupported content type",
        }
        return {
            str(status): {
                "description": texts[status],
                "content": {"application/json": {"schema": error}},
            }
            for status in statuses
        }

    def get(summary: str, schema: dict[str, Any]) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                **errors(405),
            },
        }
        if token_required:
            operation["responses"].update(errors(401))
        return {"get": operation}

    def text(summary: str) -> dict[str, Any]:
        document = get(summary, {"type": "string"})
        ok = document["get"]["responses"]["200"]
        ok["content"] = {"text/plain": ok["content"]["application/json"]}
        return document

    invocation: dict[str, Any] = {
        "summary": f"Predict {record['target']} for one or more rows",
        "description": (
            "MLflow's scoring protocol: JSON with exactly one of dataframe_split, "
            "dataframe_records, instances or inputs; CSV with a header row; or a Parquet "
            "file. A missing Content-Type is read as JSON."
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["dataframe_split"],
                                "properties": {
                                    "dataframe_split": {
                                        "type": "object",
                                        "required": ["data"],
                                        "properties": {
                                            "columns": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                                "default": names,
                                            },
                                            "data": {
                                                "type": "array",
                                                "items": {"type": "array", "items": value},
                                            },
                                        },
                                    }
                                },
                            },
                            {
                                "type": "object",
                                "required": ["dataframe_records"],
                                "properties": {"dataframe_records": rows_list},
                            },
                            {
                                "type": "object",
                                "required": ["instances"],
                                "properties": {"instances": rows_list},
                            },
                            {
                                "type": "object",
                                "required": ["inputs"],
                                "properties": {
                                    "inputs": {
                                        "type": "object",
                                        "description": "column: list of values",
                                        "additionalProperties": {"type": "array", "items": value},
                                    }
                                },
                            },
                        ]
                    },
                    "example": {"dataframe_records": [example]},
                },
                "text/csv": {
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "description": "A header row, then at least one row",
                    }
                },
                "application/vnd.apache.parquet": {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "description": "A Parquet file whose columns are the inputs",
                    }
                },
            },
        },
        "responses": {
            "200": {
                "description": "One prediction per row, in order",
                "content": {"application/json": {"schema": predictions}},
            },
            **errors(400, 405, 413, 415, *((401,) if token_required else ())),
        },
    }
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": f"{record['name']} version {record['version']}",
            "version": str(record["version"]),
            "description": f"Predicts {record['target']} ({record['task']}); served by MLOps Desktop.",
        },
        "paths": {
            "/health": get(
                "Status, model and live counters",
                {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string"},
                        "model": {"type": "string"},
                        "version": {"type": "integer"},
                        "requests": {"type": "integer"},
                        "errors": {"type": "integer"},
                        "predicted_rows": {"type": "integer"},
                        "started": {"type": "string", "format": "date-time"},
                    },
                },
            ),
            "/ping": text("Liveness, as MLflow's: 200 and an empty line while the server runs"),
            "/version": text("The server's version, as text (as MLflow's /version)"),
            "/metadata": get(
                "The model's inputs, task and classes",
                {
                    "type": "object",
                    "properties": {
                        "model": {"type": "string"},
                        "version": {"type": "integer"},
                        "task": {"type": "string"},
                        "target": {"type": "string"},
                        "inputs": {"type": "array", "items": {"type": "object"}},
                        "classes": {"type": "array", "items": {"type": "string"}},
                    },
                },
            ),
            "/openapi.json": get("This document", {"type": "object"}),
            "/invocations": {"post": invocation},
            "/predict": {"post": {**invocation, "summary": "Same as /invocations"}},
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error_code", "message"],
                    "properties": {
                        "error_code": {"type": "string"},
                        "message": {"type": "string"},
                    },
                }
            }
        },
    }
    if token_required:
        document["components"]["securitySchemes"] = {"token": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"token": []}]
        document["paths"]["/ping"]["get"]["security"] = []
        document["paths"]["/ping"]["get"]["responses"].pop("401")
    return document
