"""Request bodies to rows and predictions to response bodies, per wire format.

Decoders return (error location, row) pairs so that validation errors point into the body the
client actually sent (`["body", "instances", 3, "petal_width"]`).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, List, Optional, Sequence, Tuple

from .features import Feature
from .model import Prediction
from .schemas import InvalidInput, error

Items = List[Tuple[tuple, Any]]


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidInput([error(("body",), f"invalid JSON: {e}", "value_error.jsondecode")]) from e


def json_rows(payload: Any, features: Sequence[Feature]) -> Items:
    """One object, a list of objects, or {"instances": [...]} (TF Serving / Vertex style)."""
    names = {f.name for f in features}
    if isinstance(payload, dict) and set(payload) == {"instances"} and "instances" not in names:
        return _list_rows(payload["instances"], ("body", "instances"))
    if isinstance(payload, dict):
        return [(("body",), payload)]
    if isinstance(payload, list):
        return _list_rows(payload, ("body",))
    raise InvalidInput([error(("body",), 'expected a JSON object, a list of objects or {"instances": [...]}',
                              "type_error")])


def _list_rows(values: Any, location: tuple) -> Items:
    if not isinstance(values, list):
        raise InvalidInput([error(location, "expected a list of objects", "type_error.list")])
    if not values:
        raise InvalidInput([error(location, "at least one row is required", "value_error.list.min_items")])
    return [(location + (index,), value) for index, value in enumerate(values)]


def csv_rows(body: bytes, features: Sequence[Feature]) -> Items:
    """SageMaker-style CSV: one row per line, values in features.yaml order, no id column.
    A header line equal to the feature names is skipped; an empty cell is a missing value."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput([error(("body",), f"CSV body is not UTF-8: {e}", "value_error")]) from e
    names = [f.name for f in features]
    lines = [line for line in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in line)]
    if lines and [cell.strip() for cell in lines[0]] == names:
        lines = lines[1:]
    if not lines:
        raise InvalidInput([error(("body",), "at least one CSV row is required", "value_error.list.min_items")])
    items, problems = [], []
    for index, line in enumerate(lines):
        if len(line) != len(names):
            problems.append(error(("body", index), f"expected {len(names)} values ({', '.join(names)}), "
                                                   f"got {len(line)}", "value_error.csv"))
            continue
        items.append((("body", index), {n: cell.strip() for n, cell in zip(names, line) if cell.strip() != ""}))
    if problems:
        raise InvalidInput(problems)
    return items


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
