"""The few pydantic calls whose spelling differs between pydantic 1.10 and 2.x.

Debian bookworm (the image base used in tests) ships pydantic 1.10; `pip install fastapi` on
python:3.11-slim gets pydantic 2. The server must behave the same on both.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import pydantic
from pydantic import Field

V2 = int(pydantic.VERSION.split(".")[0]) >= 2

if V2:  # pragma: no cover - exercised only where pydantic 2 is installed
    from pydantic import ConfigDict, field_validator
else:
    from pydantic import Extra, validator


def field(default: Any, *, alias: str, description: Optional[str] = None, ge=None, le=None,
          allow_inf_nan: Optional[bool] = None, schema_extra: Optional[dict] = None):
    kwargs: dict = {"alias": alias}
    if description is not None:
        kwargs["description"] = description
    if ge is not None:
        kwargs["ge"] = ge
    if le is not None:
        kwargs["le"] = le
    if allow_inf_nan is not None:
        kwargs["allow_inf_nan"] = allow_inf_nan
    if schema_extra:
        if V2:
            kwargs["json_schema_extra"] = schema_extra
        else:
            kwargs.update(schema_extra)  # pydantic 1 copies unknown Field kwargs into the schema
    return Field(default, **kwargs)


def strict_row_config():
    """Unknown keys are errors; unions keep the JSON type they were given (an id stays an int)."""
    if V2:
        return ConfigDict(extra="forbid")

    class Config:
        extra = Extra.forbid
        smart_union = True

    return Config


def before_validator(field_name: str, check: Callable[[Any], Any]):
    run = _named(f"before_{field_name}", check)
    if V2:
        return field_validator(field_name, mode="before")(run)
    return validator(field_name, pre=True, allow_reuse=True)(run)


def after_validator(field_name: str, check: Callable[[Any], Any]):
    run = _named(f"after_{field_name}_{getattr(check, '__name__', 'check')}", check)
    if V2:
        return field_validator(field_name, mode="after")(run)
    return validator(field_name, allow_reuse=True)(run)


def _named(name: str, check: Callable[[Any], Any]):
    # pydantic 1 keeps one validator per function name and field: anonymous ones would replace
    # each other (an int feature's type check lost to its enum check).
    def run(cls, value):
        return check(value)

    run.__name__ = run.__qualname__ = name
    return run


def validate(model: type, data: Any):
    return model.model_validate(data) if V2 else model.parse_obj(data)


def dump_by_alias(instance) -> dict:
    return instance.model_dump(by_alias=True) if V2 else instance.dict(by_alias=True)


def json_schema(model: type) -> dict:
    return model.model_json_schema() if V2 else model.schema()
