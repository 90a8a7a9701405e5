"""The feature list from `features.yaml`: the one description of a model's input.

Everything else (request validation, OpenAPI docs, column order of the DataFrame handed to the
estimator, CSV and tensor decoding) is derived from it, so it is checked strictly here and a bad
file stops the server with a message naming the feature and the key.

This is one half of the features contract; the engine's `config/FeaturesReader.java` is the other
(`cd4ml validate`). Both must give the same verdict on every file: the shared corpus
(`src/test/resources/config-corpus`, `valid-features/` and `invalid/*.features.yaml`) is run
through both. So values are typed as the engine types them, YAML 1.2 core style: only
`true`/`false` are booleans (`yes`, `no`, `on`, `off` are text), quoted values are text, integers
beyond 64 bits and dates are text, and duplicate keys are errors.

Feature names are the column names as clients send them ("sepal length (cm)", "income/month",
"a.b", "x-y" are all fine): the request model keeps them as aliases of internal identifiers, so
requests, responses, logs and docs show the names as written.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Optional, Tuple

import yaml

TYPES = ("float", "int", "str", "bool")
_KEYS = ("name", "type", "required", "min", "max", "enum", "description", "example")
NAME_RULE = ("a feature name is the column name as sent in requests (spaces, '/', '.', '(', ')' and '-' are fine) "
             "without leading or trailing spaces or control characters")

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+)$")
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


class FeatureSpecError(ValueError):
    """features.yaml is missing or does not describe a valid feature list."""


class _ContractLoader(yaml.SafeLoader):
    """SafeLoader with the engine's scalar typing and duplicate keys as errors."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(None, None, "keys must be plain names",
                                                        key_node.start_mark)
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", seen[key_node.value],
                    f"duplicate key {key_node.value!r}; keep only one", key_node.start_mark)
            seen[key_node.value] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_contract_int(self, node):
        text = self.construct_scalar(node)
        value = int(text)
        return value if _INT64[0] <= value <= _INT64[1] else text

    def construct_contract_float(self, node):
        return float(self.construct_scalar(node))


# Only what the engine (PlainValues) recognises: null as YAML 1.1 spells it, true/false, decimal
# integers and decimals; merge keys. Everything else that is plain is text.
_ContractLoader.yaml_implicit_resolvers = {}
_ContractLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                      ["~", "n", "N", ""])
_ContractLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), ["t", "f"])
_ContractLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_ContractLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_ContractLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
_ContractLoader.add_constructor("tag:yaml.org,2002:int", _ContractLoader.construct_contract_int)
_ContractLoader.add_constructor("tag:yaml.org,2002:float", _ContractLoader.construct_contract_float)


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

    def to_json(self) -> dict:
        """The feature as plain JSON values (for the contract test and `python -m ...features`)."""
        return {"name": self.name, "type": self.type, "required": self.required, "min": self.min, "max": self.max,
                "enum": None if self.enum is None else [str(v) for v in self.enum],
                "description": self.description, "example": self.example}


def read_yaml(text: str) -> Any:
    """Parses features.yaml text with the engine's typing rules."""
    return yaml.load(text, Loader=_ContractLoader)  # noqa: S506 - a SafeLoader subclass


def load_features(path: Path) -> Tuple[Feature, ...]:
    """Reads features.yaml: either `features: [...]` or a bare list."""
    if not path.is_file():
        raise FeatureSpecError(f"{path} not found: the model directory must contain features.yaml")
    try:
        document = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FeatureSpecError(f"{path} is not valid YAML: {e}") from e
    return parse_features(document, str(path))


def name_problem(name: str) -> Optional[str]:
    """Why `name` cannot be a feature name, or None."""
    if not name or name != name.strip():
        return f"{name!r} has leading or trailing spaces; {NAME_RULE}"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return f"{name!r} contains a control character (such as a tab or a line break); {NAME_RULE}"
    return None


def parse_features(document: Any, source: str = "features.yaml") -> Tuple[Feature, ...]:
    if isinstance(document, dict):
        unknown = sorted(str(k) for k in document if k != "features")
        if unknown:
            raise FeatureSpecError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: features")
        items = document.get("features")
    else:
        items = document
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
    if not isinstance(name, str) or not name:
        problems.append(f"{where}: `name` must be a non-empty string (quote a name that looks like a number)")
        return None
    why = name_problem(name)
    if why:
        problems.append(f"{where}: `name` {why}")
        return None
    where = f"{where} ({name})"
    unknown = sorted(str(k) for k in item if k not in _KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}")
    ftype = item.get("type")
    if ftype not in TYPES:
        problems.append(f"{where}: `type` must be one of {', '.join(TYPES)}, got {ftype!r}")
        return None
    required = item.get("required")
    if required is not None and not isinstance(required, bool):
        problems.append(f"{where}: `required` must be true or false")
    bounds = {}
    for key in ("min", "max"):
        value = item.get(key)
        if value is not None and (ftype not in ("float", "int") or not _is_number(value)):
            problems.append(f"{where}: `{key}` must be a finite number and only applies to float and int features")
            value = None
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        problems.append(f"{where}: `min` is greater than `max`")
    enum = item.get("enum")
    if enum is not None:
        if ftype not in ("str", "int"):
            problems.append(f"{where}: `enum` only applies to str and int features")
            enum = None
        elif not isinstance(enum, list) or not enum or not all(_matches_type(v, ftype) for v in enum):
            problems.append(f"{where}: `enum` must be a non-empty list of {ftype} values"
                            + (" (quote words such as yes/no: enum: [\"yes\", \"no\"])" if ftype == "str" else ""))
            enum = None
        elif len(set(enum)) != len(enum):
            problems.append(f"{where}: `enum` lists a value twice")
            enum = None
        else:
            enum = tuple(enum)
    example = item.get("example")
    if example is not None:
        if not _matches_type(example, ftype):
            problems.append(f"{where}: `example` {example!r} is not a {ftype}")
        elif ftype in ("float", "int") and (bounds["min"] is not None and example < bounds["min"]
                                            or bounds["max"] is not None and example > bounds["max"]):
            problems.append(f"{where}: `example` {example!r} is outside min/max")
        elif enum is not None and example not in enum:
            problems.append(f"{where}: `example` {example!r} is not one of the enum values")
        example = example if _matches_type(example, ftype) else None
    description = item.get("description")
    if isinstance(description, (dict, list)):
        problems.append(f"{where}: `description` must be text")
        description = None
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


def main(paths) -> int:
    """`python -m cd4ml_serving.features FILE...`: one JSON line per file, the verdict of this validator."""
    for path in paths:
        try:
            features = load_features(Path(path))
            verdict = {"file": path, "valid": True, "features": [f.to_json() for f in features]}
        except FeatureSpecError as e:
            verdict = {"file": path, "valid": False, "problems": str(e)}
        print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
