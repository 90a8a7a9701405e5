"""The feature list from `features.yaml`: the one description of a model's input.

Everything else (request validation, OpenAPI docs, column order of the DataFrame handed to the
estimator, CSV and tensor decoding) is derived from it, so it is checked strictly here and a bad
file stops the server with a message naming the feature and the key.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Optional, Tuple

import yaml

TYPES = ("float", "int", "str", "bool")
_KEYS = {"name", "type", "required", "min", "max", "enum", "description", "example"}


class FeatureSpecError(ValueError):
    """features.yaml is missing or does not describe a valid feature list."""


@dataclasses.dataclass(frozen=True)
class Feature:
    name: str
    type: str
    required: bool = True
    min: Optional[float] = None
    max: Optional[float] = None
    enum: Optional[Tuple[Any, ...]] = None
    description: Optional[str] = None
    example: Any = None

    @property
    def python_type(self) -> type:
        return {"float": float, "int": int, "str": str, "bool": bool}[self.type]


def load_features(path: Path) -> Tuple[Feature, ...]:
    """Reads features.yaml: either `features: [...]` or a bare list."""
    if not path.is_file():
        raise FeatureSpecError(f"{path} not found: the model directory must contain features.yaml")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FeatureSpecError(f"{path} is not valid YAML: {e}") from e
    return parse_features(document, str(path))


def parse_features(document: Any, source: str = "features.yaml") -> Tuple[Feature, ...]:
    items = document.get("features") if isinstance(document, dict) else document
    if not isinstance(items, list) or not items:
        raise FeatureSpecError(f"{source}: expected a non-empty list of features "
                               "(top-level `features:` list or a bare list)")
    problems: list[str] = []
    features = []
    seen = set()
    for index, item in enumerate(items):
        feature = _parse_feature(item, f"{source}: feature #{index + 1}", problems)
        if feature is None:
            continue
        if feature.name in seen:
            problems.append(f"{source}: feature {feature.name!r} is listed twice")
        seen.add(feature.name)
        features.append(feature)
    if problems:
        raise FeatureSpecError("; ".join(problems))
    return tuple(features)


def _parse_feature(item: Any, where: str, problems: list) -> Optional[Feature]:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected a mapping with name and type, got {item!r}")
        return None
    name = item.get("name")
    # Any JSON key will do ("sepal length (cm)" too): fields are matched by alias, not identifier.
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        problems.append(f"{where}: `name` must be a non-empty string without surrounding spaces")
        return None
    where = f"{where} ({name})"
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}")
    ftype = item.get("type")
    if ftype not in TYPES:
        problems.append(f"{where}: `type` must be one of {', '.join(TYPES)}, got {ftype!r}")
        return None
    required = item.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{where}: `required` must be true or false")
    bounds = {}
    for key in ("min", "max"):
        value = item.get(key)
        if value is not None and (ftype not in ("float", "int") or not _is_number(value)):
            problems.append(f"{where}: `{key}` must be a number and only applies to float and int features")
            value = None
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        problems.append(f"{where}: `min` is greater than `max`")
    enum = item.get("enum")
    if enum is not None:
        if not isinstance(enum, list) or not enum or not all(_matches_type(v, ftype) for v in enum):
            problems.append(f"{where}: `enum` must be a non-empty list of {ftype} values")
            enum = None
        else:
            enum = tuple(enum)
    example = item.get("example")
    if example is not None and not _matches_type(example, ftype):
        problems.append(f"{where}: `example` {example!r} is not a {ftype}")
        example = None
    description = item.get("description")
    return Feature(name=name, type=ftype, required=required is not False,
                   min=bounds["min"], max=bounds["max"], enum=enum,
                   description=None if description is None else str(description), example=example)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _matches_type(value: Any, ftype: str) -> bool:
    if ftype == "float":
        return _is_number(value)
    if ftype == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if ftype == "bool":
        return isinstance(value, bool)
    return isinstance(value, str)
