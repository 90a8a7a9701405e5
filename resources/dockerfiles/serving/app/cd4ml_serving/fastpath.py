"""The hot endpoint, `POST /predict`, served before FastAPI's machinery.

FastAPI's routing, dependency solving, request object and the four middlewares cost more per
request than parsing, validating and predicting one row of a cheap model. `ServingApp` is the
FastAPI app (docs, OpenAPI schema, health, metadata, every other endpoint and method) with one
difference: `POST /predict` goes straight to `FastPredict`, which does in one function what the
middlewares and the route do (drain's `Connection: close`, request metrics, the request id, the
body limit, the Content-Type check, then the shared prediction service) and answers errors with
the same functions as the app's exception handlers (answers.py). The result is the same status,
headers and body for every request (tests/test_fast_path.py sends the fuzz corpus both ways).
"""
from __future__ import annotations

import time
from typing import Optional

from fastapi import FastAPI
from starlette.requests import ClientDisconnect

from . import answers, codecs
from .drain import Drain
from .errors import ClientError
from .log_encoding import compact_encoder
from .metrics import Metrics
from .middleware import REQUEST_ID_HEADER, BodyTooLarge, SAFE_REQUEST_ID, new_request_id
from .schemas import RowSchema
from .service import ModelNotReady, PredictionFailed, PredictionService

PATH = "/predict"
_JSON_TYPES = (codecs.JSON,)
_JSON_BYTES = codecs.JSON.encode("latin-1")
_REQUEST_ID = REQUEST_ID_HEADER.encode("latin-1")


def _not_serializable(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The text Starlette's JSONResponse renders, from an encoder made once instead of per answer
# (about 1.4 µs of a 4.2 µs answer). An answer is plain model output; a cycle in it would end in
# RecursionError, a server fault as json's ValueError would be.
_encode = compact_encoder(_not_serializable)
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")
_CLOSE = (b"connection", b"close")


class ServingApp(FastAPI):
    """FastAPI, with `POST /predict` dispatched to `fast_path` when one is set."""

    fast_path: Optional["FastPredict"] = None

    async def __call__(self, scope, receive, send) -> None:
        fast = self.fast_path
        if fast is not None and scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            await fast(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class FastPredict:
    """`POST /predict` as an ASGI callable, equivalent to the route behind the middlewares."""

    def __init__(self, app: FastAPI, schema: RowSchema, max_body_bytes: int):
        self.state = app.state
        self.service: PredictionService = app.state.service
        self.metrics: Metrics = app.state.metrics
        self.drain: Drain = app.state.drain
        self.schema = schema
        self.max_body_bytes = max_body_bytes
        self._tally = self.metrics.tally(PATH, "POST")

    async def __call__(self, scope, receive, send) -> None:
        started = time.perf_counter()
        closing = self.drain.draining  # as ConnectionCloseMiddleware: decided when the request starts
        content_type = content_length = given_id = None
        for key, value in scope["headers"]:
            key = key.lower()
            if key == b"content-type":
                if content_type is None:
                    content_type = value
            elif key == b"content-length":
                if content_length is None:
                    content_length = value
            elif key == _REQUEST_ID and given_id is None:
                given_id = value
        if given_id is not None:
            given_id = given_id.decode("latin-1")
        request_id = given_id if given_id and SAFE_REQUEST_ID.match(given_id) else new_request_id()
        status = 500
        try:
            try:
                # One frame from here to the batch's future (service.predict awaits it directly):
                # each waiting request is resumed through every frame in between.
                response = None
                try:
                    if content_type is not None and content_type != _JSON_BYTES:
                        codecs.require_media_type(content_type.decode("latin-1"), _JSON_TYPES)
                    body = await self._body(receive, content_length)
                    schema = self.schema
                    limits = schema.limits
                    outcome = await self.service.predict(
                        lambda: codecs.json_rows(codecs.parse_json(body, limits), schema.features, limits),
                        request_id)
                except ClientError as exc:
                    response = answers.client_error(self.metrics, exc, PATH)
                except ModelNotReady:
                    response = answers.not_ready(self.state.load_error)
                except PredictionFailed as exc:
                    response = answers.prediction_failed(exc, request_id)
                if response is None:
                    answer = codecs.predict_response(outcome.prediction, self.service.model_ref())
                    content = _encode(answer).encode("utf-8")  # may raise: a server fault, not a 200
                    status = 200
                    headers = [(b"content-length", str(len(content)).encode("latin-1")), _JSON_CONTENT_TYPE]
                else:
                    status, content = response.status_code, response.body
                    headers = [(k, v) for k, v in response.raw_headers if k != _REQUEST_ID]
            except Exception:
                # As Starlette's ServerErrorMiddleware, outside the other middlewares: the JSON 500
                # goes out as it is, and the exception on to the server, which logs it.
                response = answers.server_fault(request_id)
                await send({"type": "http.response.start", "status": response.status_code,
                            "headers": response.raw_headers})
                await send({"type": "http.response.body", "body": response.body})
                raise
            headers.append((_REQUEST_ID, request_id.encode("latin-1")))
            if closing and self.drain.draining:
                headers = [(k, v) for k, v in headers if k.lower() != b"connection"]
                headers.append(_CLOSE)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
        finally:
            self._tally.add(status, time.perf_counter() - started)

    async def _body(self, receive, content_length: Optional[bytes]) -> bytes:
        """The request body, as Starlette reads it behind BodyLimitMiddleware (middleware.py)."""
        limit = self.max_body_bytes
        if content_length is not None:
            declared = content_length.decode("latin-1")
            if declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
        chunks = []
        received = 0
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit)
                if chunk:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            elif kind == "http.disconnect":
                raise ClientDisconnect()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
