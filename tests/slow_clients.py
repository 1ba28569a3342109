"""Connections that hold a server's attention without ever finishing a request: half send
nothing, half send the start of a request and then a header byte every half second (a
slowloris). Used by the serving tests and by bench/bench_idle_connections.py; loopback only."""

import contextlib
import select
import socket
import threading
import time


class Crowd:
    """``count`` such connections to ``host:port``, opened at once; ``close`` ends them all."""

    def __init__(self, host: str, port: int, count: int) -> None:
        self.opened = time.monotonic()
        self.silent = [socket.create_connection((host, port)) for _ in range(count // 2)]
        self.slow = [socket.create_connection((host, port)) for _ in range(count - count // 2)]
        for sock in self.slow:
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        self._stop = threading.Event()
        self._dripper = threading.Thread(target=self._drip, daemon=True)
        self._dripper.start()

    def _drip(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.slow:
                with contextlib.suppress(OSError):  # closed by the server, as expected
                    sock.send(b"a")

    def seconds_until_closed(self, limit: float) -> float:
        """Seconds from opening until the server had closed every one of them (each reads
        end-of-file); inf if some are still open ``limit`` seconds after opening."""
        waiting = {sock.fileno(): sock for sock in self.silent + self.slow}
        poller = select.poll()
        for fileno in waiting:
            poller.register(fileno, select.POLLIN | select.POLLHUP | select.POLLERR)
        last = 0.0
        while waiting and time.monotonic() - self.opened < limit:
            for fileno, _ in poller.poll(200):
                sock = waiting[fileno]
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:  # closed (an answer, none expected, would keep it waiting)
                    poller.unregister(fileno)
                    del waiting[fileno]
                    last = time.monotonic() - self.opened
        return float("inf") if waiting else last

    def close(self) -> None:
        self._stop.set()
        self._dripper.join()
        for sock in self.silent + self.slow:
            sock.close()
