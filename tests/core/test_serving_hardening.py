"""The HTTP server under hostile or odd clients (issue 19): idle and slow connections, character
sets that are no text encoding, the contract's exact answers, waitress's own errors, and a
schemathesis run against the live server's /openapi.json.

Servers are real waitress servers on an ephemeral 127.0.0.1 port (``test_serving``'s fixtures).
"""

import json
import select
import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pandas as pd
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.serving import server as server_module
from mlops_desktop.core.workspace import Workspace
from tests.core.test_serving import (
    EXAMPLE,
    TIMEOUT,
    Http,
    Running,
    _assert_error,
    client,
    flowers_server,
    models,
    models_home,
    start_server,
)
from tests.slow_clients import Crowd

__all__ = ["client", "flowers_server", "models", "models_home"]  # fixtures used here

CROWD = 500  # idle or slow connections opened at once (bounded, loopback only)


# ---------------------------------------------------------------------------------------------
# Idle and slow connections


@pytest.fixture
def crowd(flowers_server: Running) -> Iterator[Crowd]:
    opened = Crowd("127.0.0.1", flowers_server.port, CROWD)
    yield opened
    opened.close()


@pytest.mark.skipif(not hasattr(select, "poll"), reason="the crowd is watched with poll()")
def test_idle_and_slow_connections_neither_lock_clients_out_nor_stay_open(
    flowers_server: Running, crowd: Crowd
) -> None:
    """500 connections that never finish a request (with waitress's defaults, 101 idle ones
    locked everyone out for 120 s, and slow ones for ever): well-behaved clients on new
    connections are still answered, and the server closes every idle or slow one.
    bench/bench_idle_connections.py measures the latency and the seconds until closed."""
    for _ in range(5):
        fresh = Http(flowers_server.url)
        try:
            assert fresh("GET", "/ping").status == 200
            assert fresh("POST", "/invocations", {"instances": [EXAMPLE]}).status == 200
        finally:
            fresh.close()
    assert crowd.seconds_until_closed(TIMEOUT) < TIMEOUT
    assert Http(flowers_server.url)("GET", "/ping").status == 200


def test_the_open_file_limit_is_raised_for_the_connections_up_to_the_hard_limit() -> None:
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = server_module.CONNECTION_LIMIT
    needed = wanted + server_module.FILES_RESERVED
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the hard open-file limit ({hard}) is below {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
    try:
        assert server_module._connection_limit(wanted) == wanted
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == needed
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    # A hard limit below what is needed: the soft one goes up to it, and the connections fit.
    with (
        mock.patch.object(resource, "getrlimit", return_value=(256, 512)),
        mock.patch.object(resource, "setrlimit") as setrlimit,
    ):
        limit = server_module._connection_limit(wanted)
    setrlimit.assert_called_once_with(resource.RLIMIT_NOFILE, (512, 512))
    assert limit == 512 - server_module.FILES_RESERVED


# ---------------------------------------------------------------------------------------------
# Character sets

NOT_TEXT = ("rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "punycode", "undefined")


@pytest.mark.parametrize("media_type", ["application/json", "text/csv"])
@pytest.mark.parametrize("charset", NOT_TEXT)
def test_a_charset_that_is_no_text_encoding_is_415(
    client: Http, media_type: str, charset: str
) -> None:
    body = json.dumps({"instances": [EXAMPLE]}) if media_type == "application/json" else "a\n1\n"
    reply = client("POST", "/invocations", body, content_type=f"{media_type}; charset={charset}")
    error = _assert_error(reply, 415)
    assert error["error_code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert f"'{charset}' is not supported" in error["message"]


@pytest.mark.parametrize("charset", ["utf-8", "latin-1", "cp1252", "utf-16", "UTF-8"])
def test_real_character_sets_are_still_read(client: Http, charset: str) -> None:
    document = {"instances": [EXAMPLE, EXAMPLE]}
    body = json.dumps(document).encode(charset)
    as_json = client(
        "POST", "/invocations", body, content_type=f"application/json; charset={charset}"
    )
    header = ",".join(EXAMPLE)
    values = ",".join(str(v) for v in EXAMPLE.values())
    as_csv = client(
        "POST",
        "/invocations",
        f"{header}\n{values}\n{values}\n".encode(charset),
        content_type=f"text/csv; charset={charset}",
    )
    utf8 = client("POST", "/invocations", document)
    assert as_json.status == as_csv.status == 200, (as_json.body, as_csv.body)
    assert as_json.json == as_csv.json == utf8.json


# ---------------------------------------------------------------------------------------------
# The contract, exactly


@pytest.mark.parametrize("value", [False, True])
@pytest.mark.parametrize("form", ["dataframe_records", "dataframe_split", "inputs"])
def test_a_yes_no_for_a_numeric_column_is_refused_like_any_wrong_type(
    client: Http, value: bool, form: str
) -> None:
    row = {**EXAMPLE, "petal_width_cm": value}
    documents: dict[str, dict[str, Any]] = {
        "dataframe_records": {"dataframe_records": [row]},
        "dataframe_split": {
            "dataframe_split": {"columns": list(row), "data": [list(row.values())]}
        },
        "inputs": {"inputs": {name: [v] for name, v in row.items()}},
    }
    error = _assert_error(client("POST", "/invocations", documents[form]), 400)
    assert f"'petal_width_cm' must be a number, but row 1 holds '{value}'" in error["message"]


@pytest.mark.parametrize("value", [{"a": 1}, ["red"]], ids=["an object", "a list"])
def test_a_list_or_an_object_for_a_category_is_refused_as_the_document_says(value: Any) -> None:
    """A category is a text, or a number or yes/no read as text (as /openapi.json says); the
    fuzzer found an object accepted as the category "{'a': 1}"."""
    schema = [{"name": "color", "type": "categorical", "required": False}]
    frame = pd.DataFrame({"color": pd.Series([value], dtype=object)})
    with pytest.raises(UserError, match="'color' must be a category \\(a text or a number\\)"):
        scoring.prepare(frame, schema)
    assert scoring.prepare_leniently(frame, schema)["color"].isna().all()  # monitoring: a gap


def test_a_yes_no_column_in_a_file_for_a_numeric_input_is_refused_too() -> None:
    schema = [{"name": "size", "type": "numeric", "required": True}]
    with pytest.raises(UserError, match="'size' must be a number, but row 2 holds 'False'"):
        scoring.prepare(pd.DataFrame({"size": [1.5, False]}, dtype=object), schema)
    with pytest.raises(UserError, match="'size' must be a number, but row 1 holds 'True'"):
        scoring.prepare(pd.DataFrame({"size": [True, False]}), schema)


@pytest.mark.parametrize("value", [1e39, -1e39, 10**39])
def test_a_number_too_large_for_the_model_is_refused_with_a_message_saying_so(
    client: Http, value: float
) -> None:
    body = {"dataframe_records": [EXAMPLE, {**EXAMPLE, "sepal_width_cm": value}]}
    error = _assert_error(client("POST", "/invocations", body), 400)
    assert "'sepal_width_cm' in row 2 holds" in error["message"]
    assert "too large for the model" in error["message"]
    # The largest number the model takes is predicted, and the document states the range.
    largest = {"dataframe_records": [{**EXAMPLE, "sepal_width_cm": scoring.LARGEST_NUMBER}]}
    assert client("POST", "/invocations", largest).status == 200
    document = client("GET", "/openapi.json").json
    records = document["paths"]["/invocations"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["oneOf"][1]["properties"]["dataframe_records"]
    column = records["items"]["properties"]["sepal_width_cm"]
    assert column["maximum"] == scoring.LARGEST_NUMBER == -column["minimum"]


def test_an_empty_csv_body_is_refused_as_the_openapi_document_says(client: Http) -> None:
    post = client("GET", "/openapi.json").json["paths"]["/invocations"]["post"]
    assert post["requestBody"]["content"]["text/csv"]["schema"]["minLength"] == 1
    assert "400" in post["responses"]
    error = _assert_error(client("POST", "/invocations", b"", content_type="text/csv"), 400)
    assert "The CSV is empty" in error["message"]


# ---------------------------------------------------------------------------------------------
# What waitress answers itself (the app never sees these requests)


def _raw(running: Running, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are; the status line, headers and body of the answer, read until
    the server closes the connection (it does after these errors)."""
    with socket.create_connection(("127.0.0.1", running.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
    return status, headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "words"),
    [
        (
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\n{}\r\n0\r\n\r\n",
            "400 Bad Request",
            "Invalid chunk size",
        ),
        (
            b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\x01b\r\n\r\n",
            "400 Bad Request",
            "could not be read as HTTP",
        ),
        (
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            "400 Bad Request",
            "Transfer-Encoding",
        ),
        (
            # Just over waitress's 256 KiB, unfinished, so that the server reads it all before
            # closing (unread bytes would make the close a reset, losing the answer).
            b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 262_144,
            "431 Request Header Fields Too Large",
            "headers are too large",
        ),
    ],
)
def test_requests_waitress_refuses_itself_get_the_contract_json(
    flowers_server: Running, request_bytes: bytes, status: str, words: str
) -> None:
    line, headers, body = _raw(flowers_server, request_bytes)
    assert line.split(" ", 1)[1] == status  # HTTP/1.0 when waitress could not read the version
    assert headers["content-type"] == "application/json"
    assert len(headers["x-request-id"]) == 32
    assert headers["connection"] == "close"
    error = json.loads(body)
    assert error["error_code"] == "BAD_REQUEST"
    assert words in error["message"]


# ---------------------------------------------------------------------------------------------
# A bounded schemathesis run against the live server's /openapi.json


FUZZ_EXAMPLES = 100  # per server and generation mode: the four runs take ~30 s


@pytest.fixture(scope="module")
def shop_server(models: Workspace) -> Iterator[Running]:
    """A classifier with every kind of input: numbers, a category, a yes/no, a column with gaps."""
    running = start_server(models, "shop")
    yield running
    running.finish()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("server", ["flowers_server", "shop_server"])
def test_the_live_server_answers_every_generated_request_as_its_openapi_document_says(
    request: pytest.FixtureRequest, server: str, mode: GenerationMode
) -> None:
    """Requests generated from the server's own document, valid ones and ones that break it:
    never a 5xx; every answer's status, content type and body are those the document gives;
    a request that breaks the document is refused. (A valid one may still be refused: JSON
    Schema cannot say that a CSV needs the model's columns, or that a dataframe_split row has
    one value per column, so schemathesis' positive_data_acceptance is not asked for.)

    Schemathesis' pytest plugin does not run under pytest 9 (it reads ``node._nodeid``), so
    its strategy is used with hypothesis directly. The document is read, and every request
    sent, by a session that ignores proxy settings: only the loopback server is reached."""
    running: Running = request.getfixturevalue(server)
    session = requests.Session()
    session.trust_env = False
    reply = session.get(f"{running.url}/openapi.json", timeout=TIMEOUT)
    document = schemathesis.openapi.from_dict(reply.json())

    @given(case=document.as_strategy(generation_mode=mode))
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: a failure in CI can be replayed here
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def answered_as_documented(case: Any) -> None:
        case.call_and_validate(
            base_url=running.url,
            session=session,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
                *([negative_data_rejection] if mode == GenerationMode.NEGATIVE else []),
            ],
            timeout=TIMEOUT,
        )

    try:
        answered_as_documented()
    finally:
        session.close()


@pytest.mark.parametrize(
    ("address", "marked"),
    [("127.0.0.1", True), ("::1", True), ("192.168.1.20", False), (None, False), ("?", False)],
)
def test_only_this_computer_can_mark_rows_as_try_it(address: str | None, marked: bool) -> None:
    """The Try-it form calls from this computer; a client elsewhere sending the header could
    otherwise hide its requests from monitoring."""
    from mlops_desktop.core.serving.app import _from_this_computer

    assert _from_this_computer(address) is marked
