"""The error answers, shared by FastAPI's exception handlers (app.py) and the fast path
(fastpath.py), so both give the same status, headers and body for the same failure."""
from __future__ import annotations

from typing import Optional

from .errors import MAX_MESSAGE_CHARS, ClientError, SafeJSONResponse, clip, error_body
from .metrics import Metrics


def client_error(metrics: Metrics, exc: ClientError, path: str) -> SafeJSONResponse:
    """A 4xx; counted here unless the prediction service counted (and logged) it already."""
    if exc.counted_by_handler:
        metrics.prediction_errors.labels(metrics.model_name, exc.reason).inc()
    return SafeJSONResponse(error_body(exc, oip=path.startswith("/v2/")), status_code=exc.status)


def not_ready(load_error: Optional[str]) -> SafeJSONResponse:
    return SafeJSONResponse({"detail": f"model failed to load: {clip(load_error, MAX_MESSAGE_CHARS)}" if load_error
                             else "model is loading"}, status_code=503, headers={"Retry-After": "1"})


def prediction_failed(exc: Exception, request_id: str) -> SafeJSONResponse:
    return SafeJSONResponse({"detail": "the model failed on this input", "error": clip(str(exc), MAX_MESSAGE_CHARS),
                             "request_id": request_id}, status_code=500)


def unknown_model(exc: Exception) -> SafeJSONResponse:
    message = clip(str(exc), MAX_MESSAGE_CHARS)
    return SafeJSONResponse({"error": message, "detail": message}, status_code=404)


def server_fault(request_id: str) -> SafeJSONResponse:
    # A bug: the traceback is logged after this answer; the client gets JSON, not text.
    return SafeJSONResponse({"detail": "internal server error", "request_id": request_id}, status_code=500)
