"""Serving a model version over HTTP with waitress until asked to stop, then stopping cleanly.

``serve`` checks the address first (another machine may reach the model only with a token), loads
the version (its file must match its SHA-256) and the rules of the dataset it learned from (each
predicted row's broken rules are logged with it), binds the port, records the deployment and
serves.
SIGINT or SIGTERM, a stop file (``control``, the way that works on Windows too) or ``stop`` being
set starts a graceful stop: no new connections; requests
already received are answered; idle connections are closed; then the predictor finishes, the
prediction log is flushed and the deployment is marked stopped.
Connections that never finish a request (silent, or sending headers a byte at a time) are closed
after seconds, not minutes, and there is room for many, so they cannot lock other clients out;
requests waitress refuses itself are answered in the contract's JSON too.
"""

import contextlib
import errno
import gc
import ipaddress
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from http import HTTPStatus
from typing import Any

import waitress
from sqlalchemy import select
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from mlops_desktop.core.data import dataset_rules
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import control
from mlops_desktop.core.serving.app import (
    REQUEST_ID_HEADER,
    ServingApp,
    classes_of,
    error_document,
)
from mlops_desktop.core.serving.logwriter import PredictionLogWriter
from mlops_desktop.core.store.models import Deployment, ModelVersion, RegisteredModel, utcnow
from mlops_desktop.core.store.upkeep import this_computer
from mlops_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
THREADS = 16  # request threads; they mostly wait for the predictor, so more means bigger batches
DRAIN_SECONDS = 10.0  # the longest a graceful stop waits for requests already received
MIN_TOKEN_CHARS = 8
# Connections: a client that connects and sends nothing, or sends its headers a byte at a time,
# holds a connection but no thread. Waitress's defaults (100 connections, closed after 120 s idle)
# let 101 such clients lock everyone out for two minutes; these keep room for 1,000 and free an
# idle one within IDLE_SECONDS + CLEANUP_SECONDS + the event loop's 1 s wake-up.
CONNECTION_LIMIT = 1000
IDLE_SECONDS = 10  # a connection with no request in progress and nothing received is closed
HEADER_SECONDS = 10  # a request's headers must have arrived this long after they began
CLEANUP_SECONDS = 1  # how often waitress looks for idle connections
BUFFERED_BODY_FACTOR = 4  # bodies waitress buffers, in multiples of the app's limit
# Windows has no poll(): waitress watches connections with select(), which takes 512 sockets
# there (the listening one and waitress's wake-up among them); more would end the event loop.
WINDOWS_CONNECTION_LIMIT = 500
FILES_RESERVED = 64  # file descriptors kept for the listening socket, the store, logs, wake-ups
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGBREAK")


def check_address(host: str, port: int, token: str | None) -> str:
    """The IP address to listen on, after refusing what must not be served."""
    text = host.strip()
    if text.lower() == "localhost":
        text = "127.0.0.1"
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        raise UserError(
            f"'{host}' is not an IP address; use 127.0.0.1 for this computer only, or 0.0.0.0 "
            "(or one of this computer's addresses) to serve other machines."
        ) from None
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UserError(f"{port} is not a port number; choose one from 1024 to 65535.")
    if token is not None and (
        len(token) < MIN_TOKEN_CHARS or not all(33 <= ord(c) < 127 for c in token)
    ):
        raise UserError(
            f"The token must be at least {MIN_TOKEN_CHARS} characters: letters, digits or "
            "punctuation, without spaces."
        )
    if not address.is_loopback and token is None:
        raise UserError(
            f"Serving on {address} lets other machines reach the model; that needs a token, "
            "which every client must then send."
        )
    return str(address)


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "nt":  # pragma: no cover - Windows: never share a port with another program
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
        else:  # restart at once on a port whose old connections are still closing
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise UserError(f"Port {port} is already in use; choose another port.") from None
        if error.errno == errno.EACCES:
            raise UserError(
                f"Port {port} needs administrator rights; choose a port from 1024 up."
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise UserError(f"{host} is not an address of this computer.") from None
        raise UserError(f"Cannot listen on {host} port {port} ({error.strerror}).") from None
    return sock


class _JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """Waitress's answer to a request it cannot read as HTTP (a bad chunk size, a control
    character in a header, headers too large), in the contract's JSON with a request id.

    Waitress still closes the connection after it, and the app never sees the request: it is
    neither counted nor logged. An encoding waitress does not implement is the client's error
    (400), not waitress's 501."""

    def execute(self) -> None:
        error = self.request.error
        status = 400 if error.code == 501 else int(error.code)
        if status >= 500:
            message = "Something went wrong on the server; its log has the details."
        elif status == 431:
            message = "The request's headers are too large; send fewer or shorter headers."
        elif status == 413:
            message = "The request body is too large; send fewer rows at a time."
        else:
            message = f"The request could not be read as HTTP ({str(error.body)[:120]})."
        body = error_document(status, message)
        self.status = f"{status} {HTTPStatus(status).phrase}"
        self.response_headers.extend(
            [("Content-Type", "application/json"), (REQUEST_ID_HEADER, uuid.uuid4().hex)]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):  # type: ignore[misc]
    """Waitress's connection, answering unreadable requests in JSON and remembering when the
    request being received began (``_Loop`` closes it if its headers take too long)."""

    error_task_class = _JsonErrorTask
    request_began = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None:  # these bytes begin a request
            self.request_began = time.monotonic()
        return bool(super().received(data))


def _connection_limit(wanted: int) -> int:
    """How many connections the process can hold open, raising its soft limit on open files
    (up to the hard limit) when ``wanted`` connections need more."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no such limit, but select() takes 512
        return min(wanted, WINDOWS_CONNECTION_LIMIT)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FILES_RESERVED
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            log.warning("Could not raise the open-file limit from %d to %d", soft, raised)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FILES_RESERVED))


class _Loop:
    """Waitress's event loop on a thread of its own, with a graceful drain on request."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._map: dict[int, Any] = server._map
        self._drain = False
        # Held while the loop closes its files, so ``drain`` never wakes it through a closed
        # (or, worse, reused) file descriptor once it has ended.
        self._closing = threading.Lock()
        self._closed = False
        self.thread = threading.Thread(target=self._run, name="http-loop", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def drain(self) -> None:
        """Stop accepting connections, answer what was received, then end (thread-safe)."""
        with self._closing:
            self._drain = True
            if not self._closed:
                self._server.pull_trigger()

    def _run(self) -> None:
        deadline: float | None = None
        use_poll = self._server.adj.asyncore_use_poll
        next_check = 0.0
        try:
            while True:
                wasyncore.loop(
                    timeout=0.05 if deadline is not None else 1.0,
                    map=self._map,
                    use_poll=use_poll,
                    count=1,
                )
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + CLEANUP_SECONDS
                    self._close_slow_headers(now)
                if self._drain and deadline is None:
                    wasyncore.dispatcher.close(self._server)  # no new connections from now on
                    deadline = time.monotonic() + DRAIN_SECONDS
                if deadline is not None and (
                    not self._close_idle_channels() or time.monotonic() > deadline
                ):
                    break
        except Exception:
            log.exception("The HTTP event loop failed")
        finally:
            with self._closing:
                self._closed = True
                wasyncore.close_all(self._map)
            self._server.task_dispatcher.shutdown(timeout=DRAIN_SECONDS)

    def _close_slow_headers(self, now: float) -> None:
        """Close connections whose request's headers began arriving over HEADER_SECONDS ago
        and are not complete yet: a client sending a byte now and then is not idle, so
        waitress's idle timeout alone would keep it open for ever."""
        cutoff = now - HEADER_SECONDS
        for channel in list(self._map.values()):
            if (
                isinstance(channel, _Channel)
                and channel.request is not None
                and not channel.request.headers_finished
                and channel.request_began < cutoff
            ):
                channel.will_close = True

    def _close_idle_channels(self) -> int:
        """Close connections with no request in progress and nothing left to send; the number
        of connections still busy."""
        busy = 0
        for channel in list(self._map.values()):
            if not isinstance(channel, HTTPChannel):
                continue
            with channel.requests_lock:
                idle = not channel.requests and channel.request is None
            if idle and not channel.total_outbufs_len:
                channel.handle_close()
            else:
                busy += 1
        return busy


@contextlib.contextmanager
def _stop_signals(on_signal: Callable[[], None]) -> Iterator[None]:
    """Route SIGINT/SIGTERM to ``on_signal`` (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(_signum: int, _frame: Any) -> None:
        on_signal()

    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _record_start(
    workspace: Workspace,
    record: dict[str, Any],
    host: str,
    port: int,
    rules: int,
    lifetime: contextlib.ExitStack,
    started_at: datetime,
) -> int:
    """Record the deployment, taking its lock (held in ``lifetime``) before the record is
    committed: whoever sees the record can tell from the lock whether its server runs."""
    with workspace.store.write() as session:
        version_id = session.scalar(
            select(ModelVersion.id)
            .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
            .where(
                RegisteredModel.name == record["name"],
                ModelVersion.version == record["version"],
            )
        )
        if version_id is None:
            raise UserError(f"{record['ref']} no longer exists.")
        deployment = Deployment(
            model_version_id=version_id,
            host=host,
            port=port,
            pid=os.getpid(),
            computer=this_computer(),
            started_at=started_at,
        )
        session.add(deployment)
        session.flush()
        lifetime.enter_context(control.running(workspace, deployment.id))
        audit.record(
            session,
            "deployment.start",
            f"model:{record['ref']}",
            deployment=deployment.id,
            url=url_of(host, port),
            rules=rules,
        )
        return deployment.id


def _record_stop(
    workspace: Workspace, deployment_id: int, summary: dict[str, Any], stopped_at: datetime
) -> None:
    with workspace.store.write() as session:
        deployment = session.get(Deployment, deployment_id)
        if deployment is not None:
            deployment.stopped_at = stopped_at
        audit.record(
            session,
            "deployment.stop",
            f"deployment:{deployment_id}",
            requests=summary["requests"],
            predicted_rows=summary["predicted_rows"],
        )


def serve(
    workspace: Workspace,
    ref: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    threads: int = THREADS,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """Serve the model version ``ref`` until SIGINT/SIGTERM, a stop file (``control``) or
    ``stop`` being set, then
    stop gracefully and return a summary: url, deployment, requests, errors, predicted and
    logged rows.

    ``on_ready(url)`` is called once the server accepts connections; with ``port=0`` the URL
    has the port the system chose. A host other than loopback needs a ``token``, which clients
    send as ``Authorization: Bearer <token>``. Bad input raises ``UserError`` before anything is
    recorded: an address or token refused, an unknown version, a model file that fails its
    SHA-256 check, a port in use. ``clock`` gives the times the deployment and its log record
    (the wall clock, except for the demo's month of traffic, ``core.demo``)."""
    address = check_address(host, port, token)
    record, pipeline = model_registry.load(workspace, ref)
    checker = dataset_rules.model_checker(workspace, record)  # the rules as they are now
    writer = PredictionLogWriter(
        workspace.store, record["inputs"], classes_of(record, pipeline), checker=checker
    )
    app = ServingApp(record, pipeline, token=token, writer=writer, clock=clock)
    sock = _listening_socket(address, port)
    try:
        server = waitress.create_server(
            app,
            sockets=[sock],
            threads=max(threads, 8),
            ident="mlops-desktop",
            connection_limit=_connection_limit(CONNECTION_LIMIT),
            channel_timeout=IDLE_SECONDS,
            cleanup_interval=CLEANUP_SECONDS,
            asyncore_use_poll=True,  # select() cannot watch a file numbered 1024 or more
            # Waitress buffers a body (to a temporary file past 512 KB) before the app reads it:
            # a body up to four times the app's limit still gets the app's 413 while the client
            # is heard out; a larger one, or a chunked one that grows past it, is cut off there
            # (a JSON 413 too, _JsonErrorTask), not at waitress's 1 GiB default.
            max_request_body_size=BUFFERED_BODY_FACTOR * app.max_body_bytes,
        )
    except BaseException:
        sock.close()
        raise
    server.channel_class = _Channel
    bound_port = int(sock.getsockname()[1])
    url = url_of(address, bound_port)
    loop = _Loop(server)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" under load
    lifetime = contextlib.ExitStack()  # the deployment's lock, released once its end is recorded
    try:
        deployment_id = _record_start(
            workspace, record, address, bound_port, len(checker), lifetime, clock()
        )
    except BaseException:
        lifetime.close()
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()
        raise
    writer.deployment_id = deployment_id
    stop_requested = stop if stop is not None else threading.Event()
    signalled: list[bool] = []
    summary: dict[str, Any] = {"url": url, "deployment": deployment_id}
    # The model and the libraries live as long as the server: kept out of later collections, the
    # full collections that requests' garbage makes due take microseconds instead of milliseconds.
    gc.collect()
    gc.freeze()
    with lifetime, _stop_signals(lambda: signalled.append(True)):
        writer.start()
        app.start()
        loop.start()
        try:
            log.info("Serving %s at %s (deployment %d)", record["ref"], url, deployment_id)
            if on_ready is not None:
                on_ready(url)
            while (
                not signalled
                and loop.thread.is_alive()
                and not stop_requested.wait(0.2)
                and not control.stop_requested(workspace, deployment_id)
            ):
                pass
        finally:
            log.info("Stopping the server at %s", url)
            loop.drain()
            loop.thread.join(3 * DRAIN_SECONDS)
            app.close()
            writer.stop()
            health = app.health()
            summary.update(
                requests=health["requests"],
                errors=health["errors"],
                predicted_rows=health["predicted_rows"],
                logged_rows=writer.logged_rows,
            )
            _record_stop(workspace, deployment_id, summary, clock())
            log.info("Stopped the server at %s: %s", url, summary)
    return summary
