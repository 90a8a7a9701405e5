"""The drain phase of a graceful shutdown, as the app sees it.

When the server is told to stop (SIGTERM) it first drains for `CD4ML_DRAIN_DELAY_S` while still
accepting and answering everything: `/ready` (and `/ping`) answer 503 so load balancers take
the instance out, and every response carries `Connection: close` so keep-alive clients open
their next connection elsewhere instead of finding this one closed under a request. The
server itself (runtime.py) then stops accepting, finishes in-flight requests and flushes the
prediction log within `CD4ML_GRACEFUL_TIMEOUT_S` of the signal.
"""
from __future__ import annotations

import time
from typing import Optional


class Drain:
    """Shutdown state shared by the server (which starts it) and the app (which reports it)."""

    def __init__(self):
        self.started: Optional[float] = None  # time.monotonic() of the stop signal
        self.deadline: Optional[float] = None  # when the process must be gone

    @property
    def draining(self) -> bool:
        return self.started is not None

    def begin(self, graceful_timeout_s: float = float("inf")) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self.deadline = self.started + graceful_timeout_s

    def remaining(self) -> float:
        """Seconds left until the deadline (infinite while not draining)."""
        return float("inf") if self.deadline is None else max(0.0, self.deadline - time.monotonic())


# The running server's drain: one server per process, so one per worker process. Apps made by
# create_app() in tests get their own.
PROCESS_DRAIN = Drain()


class ConnectionCloseMiddleware:
    """Adds `Connection: close` to every HTTP response once the drain has begun."""

    def __init__(self, app, drain: Drain):
        self.app = app
        self.drain = drain

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.drain.draining:
            # A request that began before the drain keeps its connection; the server closes it
            # after that response when the drain ends, and its next response would say close.
            return await self.app(scope, receive, send)

        async def send_closing(message):
            if message["type"] == "http.response.start" and self.drain.draining:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": headers + [(b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)
