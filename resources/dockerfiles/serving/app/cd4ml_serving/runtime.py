"""The server process: uvicorn with a drain phase, one process or a supervisor of workers.

uvicorn 0.17 (Debian bookworm) stops at SIGTERM by closing its listener and every idle
keep-alive connection at once: a request already on its way over such a connection is lost,
and `/ready` says 200 until the process is gone. Its multi-worker supervisor stops workers one
after another and keeps the listening socket open until the end, so connections queue for
workers that no longer accept. `DrainingServer` and `run_workers` replace those parts:

1. signal → drain for `drain_delay_s`: still accepting and answering, `/ready` 503, every
   response `Connection: close` (drain.py);
2. stop accepting: take what is already in the listen backlog, then close the listener;
3. let requests that arrived be read, close idle connections, finish in-flight ones;
4. app shutdown (batcher stop, prediction log flush in the time left);
all within `graceful_timeout_s` of the signal. A second signal skips the rest of the drain; a
second SIGINT (Ctrl-C) forces the exit.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from typing import List, Optional

import uvicorn
from uvicorn.subprocess import get_subprocess

from .drain import PROCESS_DRAIN, Drain

log = logging.getLogger("cd4ml_serving")

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_READ_ARRIVED_S = 0.05  # lets bytes already received on idle connections become requests
_FIRST_REQUEST_S = 1.0  # how long a just-accepted connection may take to send its request
_MAX_BACKLOG = 4096  # at most what a listen backlog holds (net.core.somaxconn)


def event_loop_and_protocol() -> tuple:
    """uvloop + httptools where importable (Debian python3-uvloop, python3-httptools), else asyncio + h11."""
    def importable(name):
        try:
            __import__(name)
            return True
        except ImportError:
            return False

    return ("uvloop" if importable("uvloop") else "asyncio"), ("httptools" if importable("httptools") else "h11")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain_delay_s: float, graceful_timeout_s: float,
                 flush_reserve_s: float, drain: Optional[Drain] = None):
        super().__init__(config)
        self.drain_delay_s = drain_delay_s
        self.graceful_timeout_s = graceful_timeout_s
        self.flush_reserve_s = min(flush_reserve_s, graceful_timeout_s / 2)  # time kept for the log flush
        # Left for the interpreter's exit and, with workers, the supervisor's: the app's own work
        # (drain, requests, log flush) must be done this much before the graceful timeout.
        self.exit_margin_s = min(1.0, graceful_timeout_s / 10)
        self._drain = drain

    @property
    def drain(self) -> Drain:
        # Resolved in the process that serves: a worker gets this object pickled, and its app
        # (made by the factory there) reports that worker's PROCESS_DRAIN.
        return self._drain if self._drain is not None else PROCESS_DRAIN

    def handle_exit(self, sig, frame) -> None:
        if self.drain.draining or self.should_exit:
            super().handle_exit(sig, frame)  # second signal: stop now (SIGINT: force)
            return
        self.drain.begin(self.graceful_timeout_s - self.exit_margin_s)
        log.info("stop signal: draining for %.1f s (/ready 503, Connection: close), then stopping; "
                 "exit within %.1f s", self.drain_delay_s, self.graceful_timeout_s)
        asyncio.get_event_loop().call_later(self.drain_delay_s, self._end_drain)

    def _end_drain(self) -> None:
        self.should_exit = True  # uvicorn's main loop looks every 0.1 s

    async def shutdown(self, sockets: Optional[List[socket.socket]] = None) -> None:
        self.drain.begin(self.graceful_timeout_s - self.exit_margin_s)  # also when stopped otherwise (lifespan failure)
        await self._stop_accepting(sockets)
        await asyncio.sleep(_READ_ARRIVED_S)
        # A connection accepted a moment ago may not have sent its request yet (its client is
        # about to): it gets _FIRST_REQUEST_S for that. Connections that did send one are closed
        # now if idle, else after their response.
        fresh = {c for c in self.server_state.connections if getattr(c, "cycle", False) is None}
        for connection in list(self.server_state.connections):
            if connection not in fresh:
                connection.shutdown()
        fresh_until = time.monotonic() + _FIRST_REQUEST_S
        while (self.server_state.connections or self.server_state.tasks) and not self.force_exit \
                and self.drain.remaining() > self.flush_reserve_s:
            if fresh and time.monotonic() >= fresh_until:
                for connection in fresh & self.server_state.connections:
                    connection.shutdown()
                fresh = set()
            await asyncio.sleep(0.05)
        if self.server_state.connections:
            log.warning("%d connections still busy at the graceful timeout; closing them",
                        len(self.server_state.connections))
            for connection in list(self.server_state.connections):
                connection.transport.close()
        if not self.force_exit:
            await self.lifespan.shutdown()
        log.info("stopped %.1f s after the stop signal", time.monotonic() - self.drain.started)

    async def _stop_accepting(self, sockets) -> None:
        """Closes the listener without resetting connections already in its backlog: a duplicate
        descriptor keeps it listening while the backlog is accepted and served, then closes."""
        loop = asyncio.get_running_loop()
        create_protocol = functools.partial(self.config.http_protocol_class, config=self.config,
                                            server_state=self.server_state)
        listeners = []
        for server in self.servers:
            for transport_socket in server.sockets or ():
                listener = socket.socket(fileno=os.dup(transport_socket.fileno()))
                listener.setblocking(False)
                listeners.append(listener)
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        # Accept without yielding to the loop: no answer goes out meanwhile, so no client can
        # come back with a new connection and the backlog only shrinks.
        accepted = []
        for listener in listeners:
            while len(accepted) < _MAX_BACKLOG:
                try:
                    connection, _ = listener.accept()
                except OSError:  # BlockingIOError: the backlog is empty
                    break
                connection.setblocking(False)
                accepted.append(connection)
            listener.close()
        for connection in accepted:
            await loop.connect_accepted_socket(create_protocol, connection)


def exit_now(code: int) -> None:
    """Ends a process whose server is done. Idle non-daemon threads (anyio's worker threads stay
    up to 10 s after their last call) would otherwise hold the exit past the graceful timeout."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def serve_worker(server: DrainingServer, sockets=None) -> None:
    """A worker process: serves until stopped, then exits at once."""
    server.run(sockets=sockets)
    exit_now(0 if server.started else 3)


def run_workers(config: uvicorn.Config, server: DrainingServer, workers: int) -> int:
    """Starts `workers` processes on one listening socket. A stop signal goes to all of them at
    once (each drains on its own); a worker that dies unexpectedly stops the others and the
    server exits 1, so the orchestrator restarts the whole instance."""
    listener = config.bind_socket()
    received: List[int] = []
    for sig in _STOP_SIGNALS:
        signal.signal(sig, lambda sig, frame: received.append(sig))
    processes: List[multiprocessing.process.BaseProcess] = []
    for _ in range(workers):
        process = get_subprocess(config=config, target=functools.partial(serve_worker, server), sockets=[listener])
        process.start()
        processes.append(process)
    # The workers hold the listener now; a copy kept here would queue connections nobody accepts.
    listener.close()
    log.info("started %d workers (pids %s)", workers, ", ".join(str(p.pid) for p in processes))

    failed = None
    while not received and failed is None:
        time.sleep(0.1)
        failed = next((p for p in processes if not p.is_alive()), None)
    signalled = time.monotonic()
    if failed is not None:
        log.error("worker %s exited unexpectedly (code %s); stopping the server", failed.pid, failed.exitcode)
    forwarded = 0
    deadline = time.monotonic() + server.graceful_timeout_s + 1.0
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        if forwarded < max(1, len(received)):  # every signal reaches every worker, at once
            for process in processes:
                if process.is_alive():
                    os.kill(process.pid, signal.SIGTERM)
            forwarded += 1
        time.sleep(0.05)
    for process in processes:
        if process.is_alive():
            log.warning("worker %s did not stop within the graceful timeout; killing it", process.pid)
            process.kill()
        process.join()
    log.info("all workers stopped %.1f s after the stop signal", time.monotonic() - signalled)
    return 1 if failed is not None else 0
