"""Client errors (4xx) and how every error answer is rendered.

A client mistake is a `ClientError` carrying its status and the `reason` label it is counted
under in `cd4ml_prediction_errors_total`, so a bad request never looks like a model failure.
Answers are bounded whatever the request held: at most `Limits.max_errors` entries, every
string clipped, lone surrogates escaped (they cannot be encoded as UTF-8).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, List, Sequence

from starlette.responses import JSONResponse

# Longest text taken from a request into an error entry (a key name, a content type).
MAX_ECHO_CHARS = 120
MAX_MESSAGE_CHARS = 400
MAX_SUMMARY_ERRORS = 3


@dataclasses.dataclass(frozen=True)
class Limits:
    """How much work and answer one request may cause (each set by a CD4ML_* variable)."""
    max_errors: int = 50  # CD4ML_MAX_ERRORS: validation stops after this many problems
    max_depth: int = 32  # CD4ML_MAX_JSON_DEPTH: nesting of JSON arrays and objects
    max_rows: int = 10000  # CD4ML_MAX_ROWS: rows (instances, CSV lines, tensor rows) per request
    max_csv_field_chars: int = 131072  # CD4ML_MAX_CSV_FIELD_CHARS: one CSV cell


class ClientError(Exception):
    """A request the server will not process; answered with `status` and counted as `reason`."""
    status = 400
    reason = "invalid_input"
    # False where the prediction service counts (and logs) the rejection itself.
    counted_by_handler = True

    def __init__(self, message: str):
        super().__init__(clip(message, MAX_MESSAGE_CHARS))

    def detail(self) -> Any:
        return str(self)


class InvalidInput(ClientError):
    """Client input failed validation; `errors` are FastAPI-style {loc, msg, type} dicts."""
    status = 422
    counted_by_handler = False

    def __init__(self, errors: List[dict], omitted: int = 0, counted_by_handler: bool = False):
        self.errors = list(errors)
        self.omitted = omitted
        self.counted_by_handler = counted_by_handler
        shown = "; ".join(clip(f"{'.'.join(map(str, e['loc']))}: {e['msg']}", 100)
                          for e in self.errors[:MAX_SUMMARY_ERRORS])
        more = len(self.errors) - MAX_SUMMARY_ERRORS + omitted
        super().__init__(shown + (f" (and {more} more)" if more > 0 else "") if shown else "invalid input")
        if omitted:
            self.errors.append(error(("body",), f"stopped after {len(errors)} problems (CD4ML_MAX_ERRORS); "
                                                "fix these and send the request again", "value_error.too_many_errors"))

    def detail(self) -> Any:
        return self.errors


class TooLarge(ClientError):
    """More than the server takes in one request (rows, bytes)."""
    status = 413
    reason = "too_large"
    counted_by_handler = False


class UnsupportedMediaType(ClientError):
    status = 415
    reason = "unsupported_media_type"


class Problems:
    """Collects validation errors up to `limit`; `full` tells a decoder to stop early."""

    def __init__(self, limit: int):
        self.limit = limit
        self.errors: List[dict] = []
        self.omitted = 0

    @property
    def full(self) -> bool:
        return len(self.errors) >= self.limit

    def add(self, location: Sequence, msg: str, kind: str) -> None:
        if self.full:
            self.omitted += 1
        else:
            self.errors.append(error(location, msg, kind))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors, self.omitted)


def error(location: Sequence, msg: str, kind: str) -> dict:
    """One error entry; text from the request is clipped and made encodable."""
    loc = [part if isinstance(part, int) and not isinstance(part, bool) else clip(str(part), MAX_ECHO_CHARS)
           for part in location]
    return {"loc": loc, "msg": clip(str(msg), MAX_MESSAGE_CHARS), "type": clip(str(kind), MAX_ECHO_CHARS)}


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, lone surrogates written as `\\udXXX` escapes."""
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit} more characters)"
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: text holding lone surrogates falls back to ASCII escapes."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def error_body(exc: ClientError, oip: bool) -> dict:
    body: dict = {"detail": exc.detail()}
    if oip:
        body["error"] = str(exc)  # the Open Inference Protocol's error field
    return body
