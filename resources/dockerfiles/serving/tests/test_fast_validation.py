"""The precompiled row checks (schemas._fast_row_check) against pydantic: on thousands of
generated rows, valid and invalid, RowSchema.validate gives exactly what pydantic alone gives:
the same rows (values, types, key order, ids) or the same errors."""
from __future__ import annotations

import math
import random

import pytest

from cd4ml_serving.errors import InvalidInput, Limits
from cd4ml_serving.features import parse_features
from cd4ml_serving.schemas import RowSchema

FEATURES = parse_features({"features": [
    {"name": "x", "type": "float", "min": -1.5, "max": 10},
    {"name": "n", "type": "int", "min": 0, "max": 100},
    {"name": "colour", "type": "str", "enum": ["red", "green"]},
    {"name": "flag", "type": "bool", "required": False},
    {"name": "note", "type": "str", "required": False},
    {"name": "level", "type": "int", "enum": [1, 2, 3], "required": False},
    {"name": "free", "type": "float", "required": False},
    {"name": "count", "type": "int", "required": False},
]})
VALUES = [None, 0, 1, -1, 2, 3, 5, 100, 101, -2, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, -(2 ** 63), -(2 ** 63) - 1,
          10 ** 400, 0.0, -0.0, 1.0, 2.5, 9.999, 10.0, 10.0001, -1.5, -1.6, 1e308, -1e308, math.inf, -math.inf,
          math.nan, True, False, "red", "green", "blue", "", "1", "2.5", "nan", "Infinity", "true", "x" * 50,
          [], [1], {}, {"a": 1}]
NAMES = [f.name for f in FEATURES] + ["request_id", "unknown", "f0"]
VALID = {"x": 1.5, "n": 7, "colour": "red"}


def random_row(rng: random.Random) -> dict:
    row = dict(VALID) if rng.random() < 0.5 else {}
    for _ in range(rng.randint(0, 2)):
        name = rng.choice(NAMES)
        if rng.random() < 0.1:
            row.pop(name, None)
        else:
            row[name] = rng.choice(VALUES)
    if rng.random() < 0.3:
        row = dict(reversed(list(row.items())))  # key order must not matter
    return row


def outcome(schema: RowSchema, items):
    try:
        return ("rows", [(list(row.features.items()), [type(v) for v in row.features.values()], row.id, type(row.id))
                         for row in schema.validate(items)])
    except InvalidInput as e:
        return ("errors", e.errors, e.omitted)


@pytest.mark.parametrize("id_field", [None, "request_id", "n", "note"])
def test_fast_checks_agree_with_pydantic_on_generated_rows(id_field):
    fast = RowSchema(FEATURES, id_field, "t", Limits(max_errors=5))
    reference = RowSchema(FEATURES, id_field, "t", Limits(max_errors=5), fast=False)
    rng = random.Random(14 + len(id_field or ""))
    accepted = 0
    for case in range(3000):
        items = [(("body", i), random_row(rng)) for i in range(rng.choice((1, 1, 1, 2, 3, 7)))]
        if case % 50 == 0:
            items.append((("body", len(items)), "not an object"))
        expected = outcome(reference, items)
        assert outcome(fast, items) == expected, items
        accepted += expected[0] == "rows"
    assert accepted > 300  # the generator makes valid requests too, not only rejected ones


def test_the_fast_checks_accept_plain_valid_rows_without_pydantic(monkeypatch):
    schema = RowSchema(FEATURES, "request_id", "t")
    monkeypatch.setattr(schema, "model", None)  # pydantic would fail on this: the fast checks must answer

    rows = schema.validate([(("body",), {**VALID, "flag": True, "request_id": "r-1", "level": 2, "free": 3})])

    assert rows[0].features == {"x": 1.5, "n": 7, "colour": "red", "flag": True, "note": None, "level": 2,
                                "free": 3.0, "count": None}
    assert type(rows[0].features["free"]) is float
    assert rows[0].id == "r-1"
