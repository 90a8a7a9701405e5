"""The request row model, built at start-up from features.yaml, and row validation.

No pydantic class is written per model: `create_model` turns each feature into a field
(type, required, min/max as ge/le, enum) so that validation errors and the OpenAPI docs come from
the same description the model was trained against.
"""
from __future__ import annotations

import dataclasses
import math
import re
import sys
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

from pydantic import ValidationError, create_model

from . import _pydantic_compat as compat
from .errors import InvalidInput, Limits, Problems, error  # noqa: F401 - InvalidInput and error re-exported
from .features import Feature

_INT64 = (-(2 ** 63), 2 ** 63 - 1)


@dataclasses.dataclass(frozen=True)
class Row:
    """One validated input row: features in features.yaml order, plus the optional caller id."""
    features: Dict[str, Any]
    id: Any = None


class RowSchema:
    """Validates rows against the features of one model."""

    def __init__(self, features: Sequence[Feature], id_field: Optional[str], title: str,
                 limits: Limits = Limits(), fast: bool = True):
        """`fast` False validates every row with the pydantic model (the reference the fast
        checks are tested against)."""
        self.features = tuple(features)
        self.limits = limits
        self.id_field = id_field
        self._id_is_feature = id_field is not None and any(f.name == id_field for f in features)
        self.model = _build_model(self.features, None if self._id_is_feature else id_field, title)
        self._fast_row = _fast_row_check(self.features, id_field, self._id_is_feature) if fast else None

    def validate(self, items: Sequence[Tuple[Tuple, Any]]) -> List[Row]:
        """Validates (location, value) pairs; raises InvalidInput with the errors of every row, up to
        `limits.max_errors` (validation stops there: a large bad body costs no more than that).

        Rows pass the precompiled checks first (plain JSON values already of their feature's type
        and inside its bounds, which pydantic would return unchanged); from the first row those
        do not accept on, pydantic validates, so every error is pydantic's own."""
        rows: List[Row] = []
        fast = self._fast_row
        if fast is not None:
            for location, value in items:
                row = fast(value) if type(value) is dict else None
                if row is None:
                    break
                rows.append(row)
            else:
                return rows
        problems = Problems(self.limits.max_errors)
        for location, value in items[len(rows):]:
            if problems.full:
                problems.omitted += 1
                continue
            if not isinstance(value, dict):
                problems.add(location, "expected a JSON object of feature values", "type_error.dict")
                continue
            try:
                data = compat.dump_by_alias(compat.validate(self.model, value))
            except ValidationError as e:
                for err in e.errors():
                    problems.add(location + tuple(err["loc"]), err["msg"], err["type"])
                continue
            # The id is either a feature too or the extra optional field the model was given for it.
            row_id = data.get(self.id_field) if self.id_field else None
            rows.append(Row(features={f.name: data.get(f.name) for f in self.features}, id=row_id))
        problems.raise_if_any()
        return rows

    def json_schema(self) -> dict:
        return compat.json_schema(self.model)

    def example(self) -> dict:
        """An example row for the docs: `example` from features.yaml, else a plausible value."""
        return {f.name: f.example if f.example is not None else _placeholder(f) for f in self.features}


_BAD = object()  # a value the fast checks leave to pydantic


def _fast_row_check(features: Sequence[Feature], id_field: Optional[str], id_is_feature: bool):
    """A function from a row dict to its Row, or None when pydantic must decide: a row with
    unknown keys, a missing required value, or any value that pydantic would convert or reject.
    What it accepts, pydantic accepts with the same result (tested on generated rows)."""
    checks = tuple((f.name, f.required, _fast_value_check(f)) for f in features)
    allowed = frozenset(f.name for f in features) | (frozenset((id_field,)) if id_field else frozenset())
    separate_id = id_field if id_field is not None and not id_is_feature else None

    def row(value: dict):
        if not value.keys() <= allowed:
            return None
        out = {}
        for name, required, check in checks:
            given = value.get(name)
            if given is None:
                if required:
                    return None
                out[name] = None
                continue
            checked = check(given)
            if checked is _BAD:
                return None
            out[name] = checked
        if separate_id is not None:
            row_id = value.get(separate_id)
            kind = type(row_id)
            if row_id is not None and kind is not str and kind is not int:
                return None
        else:
            row_id = out[id_field] if id_field is not None else None
        return Row(features=out, id=row_id)

    return row


def _fast_value_check(feature: Feature):
    low = -math.inf if feature.min is None else feature.min
    high = math.inf if feature.max is None else feature.max
    enum = frozenset(feature.enum) if feature.enum is not None else None
    if feature.type == "float":
        def check(value):
            kind = type(value)
            if kind is float:
                # NaN fails both comparisons; infinity is outside any bounds unless they are infinite
                if low <= value <= high and -math.inf < value < math.inf:
                    return value
            elif kind is int and _INT64[0] <= value <= _INT64[1]:
                value = float(value)  # what pydantic makes of an int in a float field
                if low <= value <= high:
                    return value
            return _BAD
    elif feature.type == "int":
        def check(value):
            if type(value) is int and _INT64[0] <= value <= _INT64[1] and low <= value <= high \
                    and (enum is None or value in enum):
                return value
            return _BAD
    elif feature.type == "str":
        def check(value):
            if type(value) is str and (enum is None or value in enum):
                return value
            return _BAD
    else:
        def check(value):
            return value if type(value) is bool else _BAD
    return check


def _build_model(features: Sequence[Feature], id_field: Optional[str], title: str):
    fields, validators = {}, {}
    for index, feature in enumerate(features):
        # Internal names keep any feature name (spaces, "schema", "json") legal; the alias is
        # the feature name clients send and see in errors and docs.
        key = f"f{index}"
        fields[key] = (_annotation(feature), _field(feature))
        validators[f"check_{key}"] = compat.before_validator(key, _type_check(feature))
        if feature.enum is not None and feature.type != "str":
            validators[f"enum_{key}"] = compat.after_validator(key, _enum_check(feature))
        if feature.type == "int":  # also "123…" strings, which pydantic turns into ints of any size
            validators[f"range_{key}"] = compat.after_validator(key, _int64_check)
    if id_field is not None:
        fields["row_id"] = (Optional[Union[str, int]], compat.field(
            None, alias=id_field, description="Caller's id for this row; copied into the prediction log."))
        validators["check_row_id"] = compat.before_validator("row_id", _id_check)
    return create_model(_model_name(title), __config__=compat.strict_row_config(),
                        __validators__=validators, **fields)


def _annotation(feature: Feature):
    base = feature.python_type
    if feature.enum is not None and feature.type == "str":
        base = Literal[feature.enum]  # type: ignore[valid-type]
    return base if feature.required else Optional[base]


def _field(feature: Feature):
    extra = {}
    if feature.example is not None:
        extra["example"] = feature.example
    if feature.enum is not None and feature.type != "str":
        extra["enum"] = list(feature.enum)
    return compat.field(
        ... if feature.required else None, alias=feature.name, description=feature.description,
        ge=feature.min, le=feature.max, allow_inf_nan=False if feature.type == "float" else None,
        schema_extra=extra)


def _type_check(feature: Feature):
    """Stricter than pydantic's lax coercion where silent coercion would change the prediction."""

    def check(value):
        if value is None:
            return value
        if feature.type in ("float", "int"):
            if isinstance(value, bool):
                raise ValueError("expected a number, got a boolean")
            if not _finite(value):
                raise ValueError("NaN and infinity are not allowed")
            if isinstance(value, int) and not _fits(value, feature.type):
                raise ValueError("number out of range: an int feature takes 64-bit integers"
                                 if feature.type == "int" else "number too large for a 64-bit float")
            # pydantic 1 would truncate 5.7 to 5.
            if feature.type == "int" and isinstance(value, float) and not value.is_integer():
                raise ValueError("expected an integer, got a number with a fractional part")
        elif feature.type == "str" and not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return value

    return check


def _finite(value) -> bool:
    """False for NaN/inf, also spelled as strings ("nan", "Infinity") that float() would accept."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return True  # not a number at all: pydantic reports the type error
    return not isinstance(value, float) or math.isfinite(value)


def _fits(value: int, feature_type: str) -> bool:
    if feature_type == "int":
        return _INT64[0] <= value <= _INT64[1]
    return abs(value) <= sys.float_info.max


def _int64_check(value):
    if value is not None and not _INT64[0] <= value <= _INT64[1]:
        raise ValueError("number out of range: an int feature takes 64-bit integers")
    return value


def _enum_check(feature: Feature):
    allowed = ", ".join(map(str, feature.enum))

    def check(value):
        if value is not None and value not in feature.enum:
            raise ValueError(f"unexpected value; permitted: {allowed}")
        return value

    return check


def _id_check(value):
    if value is None or (isinstance(value, (str, int)) and not isinstance(value, bool)):
        return value
    raise ValueError("the id must be a string or an integer")


def _placeholder(feature: Feature):
    if feature.enum:
        return feature.enum[0]
    if feature.type in ("float", "int"):
        low = feature.min if feature.min is not None else (feature.max if feature.max is not None else 0)
        high = feature.max if feature.max is not None else low
        middle = (low + high) / 2 if feature.type == "float" else int((low + high) // 2)
        return float(middle) if feature.type == "float" else middle
    return {"str": "", "bool": False}[feature.type]


def _model_name(title: str) -> str:
    words = re.split(r"[^0-9A-Za-z]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + "Features"
