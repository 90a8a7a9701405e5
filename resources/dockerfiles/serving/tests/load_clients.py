"""Keep-alive HTTP clients that send predictions back to back, for shutdown tests.

Each client keeps one connection and sends the next request as soon as the previous answer is
read. A request that was written and got no answer (reset, closed, garbled) is a failure, and so
is a kept-alive connection reset under a request; a fresh connection reset before its first request
counts as refused (the listener closed as it connected: the server never saw it); an
answer with `Connection: close` ends the connection as HTTP says. A fresh connection reset after
its first request was written, with no answer, is kept apart (`fresh_resets`, by request id): it is
a failure unless the test shows from the server's prediction log that the server never handled that
request (the kernel completed the handshake, then reset the never-accepted connection when the last
listener closed). After that a client either
reconnects to the same server (a plain `docker stop`: nobody else to go to; refused means the
server is gone) or stops (behind a Kubernetes Service the next connection goes to another pod).
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from typing import List

BODY = json.dumps({"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2})


class LoadClient(threading.Thread):
    def __init__(self, port: int, reconnect: bool):
        super().__init__(daemon=True)
        self.port = port
        self.reconnect = reconnect
        self.answered = 0
        self.closed_by_server = 0
        self.refused = 0
        self.failures: List[str] = []
        self.fresh_resets: List[str] = []  # request ids: see the module doc
        self.sent = 0
        self.statuses = {}
        self.halt = threading.Event()

    def run(self) -> None:
        connection = None
        fresh = False
        while not self.halt.is_set():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                try:
                    connection.connect()
                except (ConnectionRefusedError, ConnectionResetError):
                    # the listener is closed (the server is gone), or closed as the handshake
                    # completed: nothing reached the server
                    self.refused += 1
                    return
                except OSError as e:
                    self.failures.append(f"connect: {e!r}")
                    return
                fresh = True
            self.sent += 1
            request_id = f"load-{id(self):x}-{self.sent}"
            try:
                connection.request("POST", "/predict", body=BODY, headers={"content-type": "application/json",
                                                                            "x-request-id": request_id})
            except (ConnectionResetError, BrokenPipeError) as e:
                if fresh:
                    # connected in the instant the listener closed (the kernel completed the
                    # handshake, then reset the never-accepted connection): nothing reached the
                    # server, as with a refused connection
                    self.refused += 1
                    return
                self.failures.append(f"write: {e!r}")  # a kept-alive connection dropped under us
                return
            except OSError as e:
                self.failures.append(f"write: {e!r}")
                return
            was_fresh, fresh = fresh, False
            try:
                response = connection.getresponse()
                response.read()
            except ConnectionResetError as e:
                if was_fresh:
                    self.fresh_resets.append(request_id)
                else:
                    self.failures.append(f"no answer: {e!r}")
                return
            except (OSError, http.client.HTTPException) as e:
                self.failures.append(f"no answer: {e!r}")
                return
            self.answered += 1
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            if (response.getheader("connection") or "").lower() == "close":
                self.closed_by_server += 1
                connection.close()
                connection = None
                if not self.reconnect:
                    return


class ReadinessProbe(threading.Thread):
    """Polls /ready on a fresh connection every 20 ms, like a kubelet or load balancer."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.seen: List[tuple] = []  # (monotonic time, status or exception name)
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", "/ready")
                response = connection.getresponse()
                body = response.read()
                self.seen.append((time.monotonic(), response.status, json.loads(body).get("status")))
            except (OSError, http.client.HTTPException) as e:
                self.seen.append((time.monotonic(), type(e).__name__, None))
                if isinstance(e, ConnectionRefusedError):
                    return
            finally:
                connection.close()
            time.sleep(0.02)


def lost(clients: List[LoadClient], prediction_log: str = None) -> List[str]:
    """Every request that got no answer. A fresh connection's reset first request counts only if
    the server handled it (its request id is in `prediction_log`), or when no log is given."""
    failures = [f for c in clients for f in c.failures]
    for client in clients:
        for request_id in client.fresh_resets:
            if prediction_log is None or f'"request_id":"{request_id}"' in prediction_log:
                failures.append(f"no answer on a fresh connection to request {request_id}, which the server "
                                f"{'handled' if prediction_log is not None else 'may have handled'}")
    return failures
