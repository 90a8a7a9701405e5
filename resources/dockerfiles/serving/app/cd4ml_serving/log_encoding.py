"""Turns prediction records into the bytes a log sink ships, repairing what cannot be encoded.

Records carry client-chosen strings (request ids, `id_field` values) and whatever a model or a
`predict.py` returns, so a record may hold a lone surrogate (not encodable as UTF-8), NaN or
infinity (not JSON), NumPy values or objects no encoder knows. The fast path encodes the record
as it is; only when that fails is a repaired copy built: lone surrogates become U+FFFD, NaN and
infinity become null, integers beyond 64 bits and unknown objects become strings, nesting is cut
at a fixed depth. A record that cannot even be repaired raises `Unencodable`; the sink counts it
and moves on, so one bad record costs that record, never the log.
"""
from __future__ import annotations

import datetime
import functools
import json
import math
import re
import struct
from json.encoder import c_make_encoder, encode_basestring
from typing import Any, Callable, Tuple

import msgpack

_SURROGATES = re.compile("[\ud800-\udfff]")
_MAX_DEPTH = 32  # prediction records are a few levels deep; deeper means a hook returned a tree
_INT_MIN, _INT_MAX = -(2 ** 63), 2 ** 64 - 1  # what msgpack (and Elasticsearch's long) can hold


class Unencodable(Exception):
    """A record that stays unencodable even after repair."""


def plain(value: Any) -> Any:
    """The JSON/msgpack `default` hook: NumPy scalars and arrays, bytes, sets, dates."""
    if getattr(value, "shape", None) == () and callable(getattr(value, "item", None)):
        return value.item()  # a NumPy scalar
    if callable(getattr(value, "tolist", None)):
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def json_line(record: dict) -> Tuple[bytes, bool]:
    """One JSON line (UTF-8, newline-terminated) and whether the record had to be repaired."""
    try:
        return _dumps(record), False
    except Exception:  # any encoding failure, including a default hook or __str__ that raises
        pass
    try:
        return _dumps(repair(record)), True
    except Exception as e:
        raise Unencodable(f"{type(e).__name__}: {e}") from e


def forward_entry(timestamp: float, record: dict) -> Tuple[bytes, bool]:
    """One msgpack `[EventTime, record]` entry of the Fluentd forward protocol, and whether the
    record had to be repaired. The record must also be valid JSON (Fluentd's Elasticsearch output
    writes JSON), so NaN is repaired here too."""
    event_time = msgpack.ExtType(0, struct.pack(">II", int(timestamp), int(timestamp % 1 * 1e9)))
    try:
        json.dumps(record, ensure_ascii=False, allow_nan=False, default=plain).encode("utf-8")
        return msgpack.packb([event_time, record], use_bin_type=True, default=plain), False
    except Exception:
        pass
    try:
        return msgpack.packb([event_time, repair(record)], use_bin_type=True, default=plain), True
    except Exception as e:
        raise Unencodable(f"{type(e).__name__}: {e}") from e


def _dumps(record: dict) -> bytes:
    return (_text(record) + "\n").encode("utf-8")  # strict: a lone surrogate raises here


def json_text(value: Any) -> str:
    """`value` as compact JSON text, exactly as json_line encodes it (no repair: may raise)."""
    return _text(value)


def compact_encoder(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=default)`
    with the encoder made once instead of per call. Without json's circular-reference check: a
    value that contains itself ends in RecursionError instead of ValueError."""
    if c_make_encoder is None:  # pragma: no cover - an interpreter without the C accelerator
        return functools.partial(json.dumps, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                                 default=default)
    chunks = c_make_encoder(None, default, encode_basestring, None, ":", ",", False, False, False)

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


# Records: repair() cuts a record that contains itself at a fixed depth.
_text = compact_encoder(plain)


def repair(value: Any, depth: int = 0) -> Any:
    """A copy of `value` made of JSON- and msgpack-safe types only."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value) if _INT_MIN <= value <= _INT_MAX else str(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if depth >= _MAX_DEPTH:
        return "<too deep>"
    if isinstance(value, dict):
        return {_key(k): repair(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [repair(v, depth + 1) for v in value]
    try:
        converted = plain(value)
    except Exception:
        return f"<unencodable {type(value).__name__}>"
    if isinstance(converted, str):
        return _SURROGATES.sub("\ufffd", converted)
    return repair(converted, depth + 1)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _SURROGATES.sub("\ufffd", key)
    try:
        return _SURROGATES.sub("\ufffd", str(key))
    except Exception:
        return f"<unencodable {type(key).__name__}>"
