"""Open Inference Protocol (KServe v2) tensors to rows and back.

Two request layouts are accepted: one 1-D tensor per feature (named like the feature, shape
[N] or [N, 1]) or a single 2-D tensor of shape [N, F] with columns in features.yaml order.
Tensor data may be flat (row-major) or nested, as the protocol allows.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

from .codecs import check_row_count
from .errors import InvalidInput, Limits, Problems, error
from .features import Feature
from .model import Prediction

DATATYPES = {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
             "FP16", "FP32", "FP64", "BYTES"}
FEATURE_DATATYPES = {"float": "FP64", "int": "INT64", "str": "BYTES", "bool": "BOOL"}
OUTPUTS = ("predict", "predict_proba")


def rows_from_request(payload: Any, features: Sequence[Feature], limits: Limits = Limits()):
    if not isinstance(payload, dict):
        raise InvalidInput([error(("body",), "expected an inference request object with `inputs`", "type_error.dict")])
    request_id = payload.get("id")
    if request_id is not None and (not isinstance(request_id, (str, int)) or isinstance(request_id, bool)):
        raise InvalidInput([error(("body", "id"), "the request id must be a string", "type_error.str")])
    inputs = payload.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput([error(("body", "inputs"), "expected a non-empty list of input tensors", "value_error")])
    tensors = [_tensor(t, ("body", "inputs", i), limits) for i, t in enumerate(inputs)]
    names = [f.name for f in features]
    by_feature = [t for t in tensors if t["name"] in names]
    if len(tensors) == 1 and not by_feature:
        return _rows_from_matrix(tensors[0], names)
    problems = Problems(limits.max_errors)
    for t in tensors:
        if t["name"] not in names:
            problems.add(t["loc"] + ("name",), f"unknown input {t['name'][:100]!r}; send one input per feature "
                                               f"({', '.join(names)}) or a single 2-D input", "value_error")
    problems.raise_if_any()
    return _rows_from_columns(tensors)


def requested_outputs(payload: dict, has_probabilities: bool) -> List[str]:
    available = [o for o in OUTPUTS if o != "predict_proba" or has_probabilities]
    requested = payload.get("outputs")
    if requested is None:
        return available
    if not isinstance(requested, list):
        raise InvalidInput([error(("body", "outputs"), "expected a list of {\"name\": ...}", "type_error.list")])
    names, problems = [], []
    for i, item in enumerate(requested):
        name = item.get("name") if isinstance(item, dict) else None
        if name not in available:
            problems.append(error(("body", "outputs", i, "name"),
                                  f"unknown output {name!r}; available: {', '.join(available)}", "value_error"))
        else:
            names.append(name)
    if problems:
        raise InvalidInput(problems)
    return names


def response(prediction: Prediction, outputs: Sequence[str], model_name: str, version: str,
             request_id: Optional[str]) -> dict:
    body: Dict[str, Any] = {"model_name": model_name, "model_version": version}
    if request_id is not None:
        body["id"] = request_id
    tensors = []
    if "predict" in outputs:
        values = prediction.predictions
        width = len(values[0]) if values and isinstance(values[0], list) else None
        flat = [v for row in values for v in row] if width is not None else list(values)
        tensors.append({"name": "predict", "datatype": datatype_of(flat),
                        "shape": [len(values)] + ([width] if width is not None else []), "data": flat})
    if "predict_proba" in outputs and prediction.probabilities is not None:
        classes = list(prediction.probabilities[0]) if prediction.probabilities else []
        tensors.append({"name": "predict_proba", "datatype": "FP64",
                        "shape": [len(prediction.probabilities), len(classes)],
                        "data": [row.get(c) for row in prediction.probabilities for c in classes],
                        "parameters": {"classes": classes}})
    body["outputs"] = tensors
    return body


def datatype_of(values: Sequence[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "BOOL"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "INT64"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "FP64"
    return "BYTES"


def _tensor(raw: Any, loc: tuple, limits: Limits) -> dict:
    if not isinstance(raw, dict):
        raise InvalidInput([error(loc, "expected a tensor object {name, shape, datatype, data}", "type_error.dict")])
    problems = []
    name, shape, datatype = raw.get("name"), raw.get("shape"), raw.get("datatype")
    if not isinstance(name, str) or not name:
        problems.append(error(loc + ("name",), "a tensor needs a name", "value_error.missing"))
    if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                            for d in shape):
        problems.append(error(loc + ("shape",), "expected a list of non-negative integers", "value_error"))
    if not isinstance(datatype, str) or datatype not in DATATYPES:
        problems.append(error(loc + ("datatype",), f"expected one of {', '.join(sorted(DATATYPES))}", "value_error"))
    data = raw.get("data")
    if not isinstance(data, list):
        problems.append(error(loc + ("data",), "expected a list", "type_error.list"))
    if problems:
        raise InvalidInput(problems)
    check_row_count(shape[0], limits)
    flat = _flatten(data)
    if len(flat) != math.prod(shape):
        raise InvalidInput([error(loc + ("data",), f"shape {shape} needs {math.prod(shape)} values, got {len(flat)}",
                                  "value_error")])
    return {"name": name, "shape": shape, "data": flat, "loc": loc}


def _rows_from_columns(tensors: List[dict]) -> list:
    counts = set()
    for t in tensors:
        if len(t["shape"]) > 2 or (len(t["shape"]) == 2 and t["shape"][1] != 1):
            raise InvalidInput([error(t["loc"] + ("shape",), "a per-feature input must have shape [N] or [N, 1]",
                                      "value_error")])
        counts.add(t["shape"][0])
    if len(counts) != 1:
        raise InvalidInput([error(("body", "inputs"), "all inputs must have the same number of rows", "value_error")])
    count = counts.pop()
    if count == 0:
        raise InvalidInput([error(("body", "inputs"), "at least one row is required", "value_error")])
    return [(("body", "rows", r), {t["name"]: t["data"][r] for t in tensors}) for r in range(count)]


def _rows_from_matrix(tensor: dict, names: List[str]) -> list:
    shape = tensor["shape"]
    if len(shape) != 2 or shape[1] != len(names):
        raise InvalidInput([error(tensor["loc"] + ("shape",), f"a single input must have shape [N, {len(names)}] "
                                  f"(columns: {', '.join(names)})", "value_error")])
    if shape[0] == 0:
        raise InvalidInput([error(tensor["loc"], "at least one row is required", "value_error")])
    width, data = shape[1], tensor["data"]
    return [(("body", "rows", r), dict(zip(names, data[r * width:(r + 1) * width]))) for r in range(shape[0])]


def _flatten(data: list) -> list:
    """Nested lists in row-major order; iterative, so no nesting depth can exhaust the stack."""
    flat, stack = [], [iter(data)]
    while stack:
        for value in stack[-1]:
            if isinstance(value, list):
                stack.append(iter(value))
                break
            flat.append(value)
        else:
            stack.pop()
    return flat
