"""Request bodies to rows and predictions to response bodies, per wire format.

Decoders return (error location, row) pairs so that validation errors point into the body the
client actually sent (`["body", "instances", 3, "petal_width"]`).
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, List, Optional, Sequence, Tuple

from .errors import InvalidInput, Limits, Problems, TooLarge, UnsupportedMediaType, error
from .features import Feature
from .model import Prediction

Items = List[Tuple[tuple, Any]]

JSON = "application/json"
CSV = "text/csv"

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_OBJECTS_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")
_OPENER = ord("[")
_PLAIN_UTF8_STARTS = (b"{", b"[")  # no BOM, not UTF-16/32: json.loads would decode these as UTF-8
# A JSON escape of a UTF-16 surrogate; the parser pairs valid ones, so any left alone are lone.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def media_type(header: Optional[str]) -> Optional[str]:
    """The media type of a Content-Type header, lower case without parameters; None if absent
    or blank, "" if the header has parameters but no type."""
    if header is None or not header.strip():
        return None
    return header.split(";", 1)[0].strip().lower()


def require_media_type(header: Optional[str], accepted: Sequence[str]) -> str:
    """The request's media type if the endpoint accepts it; a missing Content-Type means JSON
    (the first accepted type), as simple clients often send none."""
    given = media_type(header)
    if given is None:
        return accepted[0]
    if given not in accepted:
        hint = (" (curl -d sends application/x-www-form-urlencoded: add -H 'Content-Type: application/json')"
                if given == "application/x-www-form-urlencoded" else "")
        raise UnsupportedMediaType(f"unsupported Content-Type {given[:100]!r}: this endpoint accepts "
                                   f"{' or '.join(accepted)}{hint}")
    return given


def parse_json(body: bytes, limits: Limits = Limits()) -> Any:
    """The body as JSON, refusing nesting deeper than `limits.max_depth` before parsing (the
    parser recurses once per level) and strings with lone surrogates (not Unicode text)."""
    if _too_deep(body, limits.max_depth):
        raise InvalidInput([error(("body",), f"JSON nested deeper than {limits.max_depth} levels "
                                             "(CD4ML_MAX_JSON_DEPTH)", "value_error.jsondepth")])
    try:
        if body[:1] in _PLAIN_UTF8_STARTS and body[1:2] != b"\x00":
            # what json.loads(body) does for a body that starts like this, minus its encoding detection
            payload = json.loads(body.decode("utf-8", "surrogatepass"))
        else:
            payload = json.loads(body)
    except RecursionError as e:  # only if the depth limit is set near the interpreter's own
        raise InvalidInput([error(("body",), "JSON nested too deep", "value_error.jsondepth")]) from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, integers beyond 4300 digits
        raise InvalidInput([error(("body",), f"invalid JSON: {e}", "value_error.jsondecode")]) from e
    if _SURROGATE_ESCAPE.search(body):
        where = _lone_surrogate(payload)
        if where is not None:
            raise InvalidInput([error(("body",) + where, "text holds a lone UTF-16 surrogate escape (such as "
                                      "\\ud800), which is not a Unicode character", "value_error.unicode")])
    return payload


def check_default_input(body: bytes, content_type: str, limits: Limits) -> None:
    """Refuses what SageMaker's default input_fn could not read (bad UTF-8, bad or too deep JSON),
    for /invocations answered by handlers without their own input_fn. Raised outside the
    prediction service, so the app's error handler counts it."""
    try:
        if content_type == CSV:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InvalidInput([error(("body",), f"CSV body is not UTF-8: {e}", "value_error")]) from e
        else:
            parse_json(body, limits)
    except InvalidInput as e:
        raise InvalidInput(e.errors, counted_by_handler=True) from e


def _too_deep(body: bytes, max_depth: int) -> bool:
    """Whether arrays and objects nest deeper than `max_depth`, in linear time and mostly in C
    (bytes methods), so the check costs less than the parse it protects."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False  # cannot be deeper than it has brackets (the common case: no scan)
    structure = _brackets_outside_strings(body)
    # Each pass removes every innermost pair (replace does not rescan what it produced): a
    # balanced structure is gone after exactly `depth` passes.
    reduced = structure
    for _ in range(max_depth):
        shorter = reduced.replace(b"[]", b"")
        if not shorter:
            return False
        if len(shorter) == len(reduced):
            break  # unbalanced (invalid JSON): count exactly below
        reduced = shorter
    depth = 0
    for byte in structure:
        if byte == _OPENER:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _brackets_outside_strings(body: bytes) -> bytes:
    if b"\\" in body:  # drop escaped backslashes, then escaped quotes: what is left cannot end a string
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Quotes split the rest into outside (even parts) and inside (odd parts) of strings; objects
    # count as arrays ("{" -> "[", "}" -> "]"), which is all depth needs.
    return b"".join(body.translate(_OBJECTS_AS_ARRAYS, _NOT_STRUCTURE).split(b'"')[::2])


def _lone_surrogate(payload: Any) -> Optional[tuple]:
    """Location of the first string (key or value) holding a surrogate code point, or None."""
    stack = [((), payload)]
    while stack:
        location, value = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                return location
        elif isinstance(value, dict):
            for key, item in value.items():
                if _has_surrogate(key):
                    return location + (key,)
                stack.append((location + (key,), item))
        elif isinstance(value, list):
            stack.extend((location + (index,), item) for index, item in enumerate(value))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def json_rows(payload: Any, features: Sequence[Feature], limits: Limits = Limits()) -> Items:
    """One object, a list of objects, or {"instances": [...]} (TF Serving / Vertex style)."""
    if isinstance(payload, dict) and len(payload) == 1 and "instances" in payload \
            and all(f.name != "instances" for f in features):
        return _list_rows(payload["instances"], ("body", "instances"), limits)
    if isinstance(payload, dict):
        return [(("body",), payload)]
    if isinstance(payload, list):
        return _list_rows(payload, ("body",), limits)
    raise InvalidInput([error(("body",), 'expected a JSON object, a list of objects or {"instances": [...]}',
                              "type_error")])


def _list_rows(values: Any, location: tuple, limits: Limits) -> Items:
    if not isinstance(values, list):
        raise InvalidInput([error(location, "expected a list of objects", "type_error.list")])
    if not values:
        raise InvalidInput([error(location, "at least one row is required", "value_error.list.min_items")])
    check_row_count(len(values), limits)
    return [(location + (index,), value) for index, value in enumerate(values)]


def check_row_count(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise TooLarge(f"{count} rows in one request; at most {limits.max_rows} are accepted "
                       "(CD4ML_MAX_ROWS): split the request")


def csv_rows(body: bytes, features: Sequence[Feature], limits: Limits = Limits()) -> Items:
    """SageMaker-style CSV: one row per line, values in features.yaml order, no id column.
    A header line equal to the feature names is skipped; an empty cell is a missing value.
    Lines may end in LF, CRLF or CR. Reading stops at the first problem past the error limit
    and at the first row past the row limit."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput([error(("body",), f"CSV body is not UTF-8: {e}", "value_error")]) from e
    _allow_csv_fields_of(limits.max_csv_field_chars)
    names = [f.name for f in features]
    reader = csv.reader(io.StringIO(text, newline=""))
    items, problems, index, header_checked = [], Problems(limits.max_errors), 0, False
    try:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            if not header_checked:
                header_checked = True
                if [cell.strip() for cell in line] == names:
                    continue
            check_row_count(index + 1, limits)
            location = ("body", index)
            index += 1
            if len(line) != len(names):
                problems.add(location, f"expected {len(names)} values ({', '.join(names)}), got {len(line)}",
                             "value_error.csv")
            elif any(len(cell) > limits.max_csv_field_chars for cell in line):
                problems.add(location, f"a value is longer than {limits.max_csv_field_chars} characters "
                                       "(CD4ML_MAX_CSV_FIELD_CHARS)", "value_error.csv")
            else:
                items.append((location, {n: cell.strip() for n, cell in zip(names, line) if cell.strip() != ""}))
            if problems.full:
                if next(reader, None) is not None:
                    problems.omitted += 1  # more lines left unread
                break
    except csv.Error as e:
        message = (f"a value is longer than {limits.max_csv_field_chars} characters (CD4ML_MAX_CSV_FIELD_CHARS)"
                   if "field larger than field limit" in str(e) else f"invalid CSV: {e}")
        problems.add(("body", index), message, "value_error.csv")
    problems.raise_if_any()
    if not items:
        raise InvalidInput([error(("body",), "at least one CSV row is required", "value_error.list.min_items")])
    return items


def _allow_csv_fields_of(chars: int) -> None:
    # The csv module's limit is process-wide; it is only ever raised here, and the per-cell check
    # above enforces the configured one.
    if csv.field_size_limit() < chars:
        csv.field_size_limit(chars)


def predict_response(prediction: Prediction, model: dict) -> dict:
    body = {"predictions": prediction.predictions}
    if prediction.probabilities is not None:
        body["probabilities"] = prediction.probabilities
    body["model"] = model
    return body


def csv_response(prediction: Prediction) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for value in prediction.predictions:
        writer.writerow(value if isinstance(value, list) else [value])
    return out.getvalue()


def accepts_csv(accept: Optional[str]) -> bool:
    return bool(accept) and "text/csv" in accept.lower() and "application/json" not in accept.lower()
