"""ASGI middleware: request ids, the request body limit, and per-route request metrics.

Written as plain ASGI callables rather than BaseHTTPMiddleware, which buffers responses and
runs the app in a separate task.
"""
from __future__ import annotations

import itertools
import os
import re
import time
import uuid

from starlette.routing import Match

from .errors import TooLarge
from .metrics import Metrics

REQUEST_ID_HEADER = "x-request-id"
# Caller-chosen ids end up in logs: accept only short, printable, header-safe ones.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")


class BodyTooLarge(TooLarge):
    """Raised while the handler reads the body, before any decoding (so the app's handler counts it)."""
    counted_by_handler = True

    def __init__(self, limit: int):
        super().__init__(f"request body exceeds the limit of {limit} bytes (CD4ML_MAX_BODY_BYTES)")
        self.limit = limit


def request_id_of(scope) -> str:
    return scope.get("state", {}).get("request_id", "")


class _RequestIds:
    """UUID-shaped ids (8-4-4-4-12 hex) without a random draw per request: 76 random bits per
    process, then a counter in the last field. uuid4() reads os.urandom on every call, which
    costs as much as a cheap model's prediction."""

    def __init__(self):
        self.restart()

    def restart(self) -> None:
        """New random bits: at start and in every forked worker, which must not repeat its parent's
        ids (checked at fork, not per request: getpid is a system call)."""
        self._prefix = str(uuid.uuid4())[:24]
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


_request_ids = _RequestIds()
os.register_at_fork(after_in_child=_request_ids.restart)
new_request_id = _request_ids.next


class RequestIdMiddleware:
    """Takes X-Request-ID from the caller (or makes one), exposes it to handlers, echoes it back."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = _header(scope, REQUEST_ID_HEADER)
        request_id = given if given and SAFE_REQUEST_ID.match(given) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": headers + [(b"x-request-id", request_id.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """413 for bodies over the limit: BodyTooLarge is raised into the handler that reads the body
    (at its first read when Content-Length already says too much, else once the chunks received
    pass the limit) and turned into 413 by the app's error handler."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _header(scope, "content-length")
        declared_too_large = bool(declared and declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes)
        received = 0

        async def limited_receive():
            nonlocal received
            if declared_too_large:
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)


class MetricsMiddleware:
    """Counts every request by route template (bounded labels: unknown paths are 'other')."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        endpoint = _route_template(scope)
        status = 500  # if the app dies before answering, the server answers 500
        started = time.perf_counter()

        async def record_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.requests.labels(endpoint, scope["method"], str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - started)


_TEMPLATES_CACHED = 256  # (method, path) pairs; bounded because path parameters vary


def _route_template(scope) -> str:
    app = scope.get("app")
    cache = _template_cache(app)
    key = (scope["method"], scope["path"])
    template = cache.get(key)
    if template is None:
        template = _match_route_template(scope)
        if len(cache) < _TEMPLATES_CACHED:
            cache[key] = template
    return template


def _template_cache(app) -> dict:
    # Per app (tests build several): matching every route's regex costs tens of µs per request.
    cache = getattr(app, "_cd4ml_route_templates", None) if app is not None else {}
    if cache is None:
        cache = {}
        app._cd4ml_route_templates = cache
    return cache


def _match_route_template(scope) -> str:
    partial = None  # path matched, method did not: still that route (405)
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "other")
        if match == Match.PARTIAL and partial is None:
            partial = getattr(route, "path", None)
    return partial or "other"


def _header(scope, name: str):
    wanted = name.encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None
