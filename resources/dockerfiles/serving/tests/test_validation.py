"""Client mistakes are 422 (field by field) or 413, never 500."""
from __future__ import annotations

import json

import pytest

from support import FEATURES, SETOSA, serve, write_model_dir


def detail(response):
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def locations(response):
    return [tuple(error["loc"]) for error in detail(response)]


def test_missing_feature(client):
    row = {k: v for k, v in SETOSA.items() if k != "petal_width"}

    errors = detail(client.post("/predict", json=row))

    assert [tuple(e["loc"]) for e in errors] == [("body", "petal_width")]
    assert "required" in errors[0]["msg"]


def test_wrong_type(client):
    errors = detail(client.post("/predict", json={**SETOSA, "sepal_length": "long"}))

    assert [tuple(e["loc"]) for e in errors] == [("body", "sepal_length")]


def test_boolean_is_not_a_number(client):
    assert locations(client.post("/predict", json={**SETOSA, "sepal_length": True})) == [("body", "sepal_length")]


@pytest.mark.parametrize("value", [-0.1, 10.5])
def test_out_of_range(client, value):
    errors = detail(client.post("/predict", json={**SETOSA, "petal_length": value}))

    assert [tuple(e["loc"]) for e in errors] == [("body", "petal_length")]
    assert "equal to" in errors[0]["msg"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(client, literal):
    body = json.dumps({**SETOSA, "sepal_width": 0}).replace('"sepal_width": 0', f'"sepal_width": {literal}')

    errors = detail(client.post("/predict", content=body, headers={"content-type": "application/json"}))

    assert [tuple(e["loc"]) for e in errors] == [("body", "sepal_width")]


def test_nan_as_a_string_is_rejected(client):
    assert locations(client.post("/predict", json={**SETOSA, "sepal_width": "nan"})) == [("body", "sepal_width")]


def test_unknown_field(client):
    errors = detail(client.post("/predict", json={**SETOSA, "colour": "blue"}))

    assert [tuple(e["loc"]) for e in errors] == [("body", "colour")]


def test_errors_of_every_row_are_reported_with_their_index(client):
    rows = [SETOSA, {**SETOSA, "sepal_length": "x"}, {**SETOSA, "petal_width": 99}]

    assert locations(client.post("/predict", json=rows)) == [("body", 1, "sepal_length"), ("body", 2, "petal_width")]


def test_instances_errors_point_into_instances(client):
    response = client.post("/predict", json={"instances": [SETOSA, {**SETOSA, "sepal_length": None}]})

    assert locations(response) == [("body", "instances", 1, "sepal_length")]


@pytest.mark.parametrize("body", ['{"sepal_length": 5.1,', "[]", "42", '"text"', "[1, 2]", '{"instances": []}'])
def test_malformed_bodies(client, body):
    response = client.post("/predict", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"]


def test_enum_int_and_optional_features(tmp_path):
    features = [
        {"name": "colour", "type": "str", "enum": ["red", "green"]},
        {"name": "level", "type": "int", "enum": [1, 2, 3]},
        {"name": "count", "type": "int", "required": False, "min": 0},
        {"name": "flag", "type": "bool", "required": False},
    ]
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [sorted(r.items()) for r in rows]\n"
    model_dir = write_model_dir(tmp_path, features=features, predict_py=hooks)
    with serve(model_dir) as client:
        ok = client.post("/predict", json={"colour": "red", "level": 2})
        assert ok.status_code == 200
        assert ok.json()["predictions"] == [[["colour", "red"], ["count", None], ["flag", None], ["level", 2]]]
        assert locations(client.post("/predict", json={"colour": "blue", "level": 2})) == [("body", "colour")]
        assert locations(client.post("/predict", json={"colour": "red", "level": 7})) == [("body", "level")]
        assert locations(client.post("/predict", json={"colour": "red", "level": 2, "count": 1.5})) == \
            [("body", "count")]
        assert locations(client.post("/predict", json={"colour": 3, "level": 2})) == [("body", "colour")]
        assert locations(client.post("/predict", json={"colour": "red", "level": 2, "flag": "maybe"})) == \
            [("body", "flag")]


def test_body_over_the_limit_is_413(model_dir):
    with serve(model_dir, max_body_bytes=200) as client:
        assert client.post("/predict", json=SETOSA).status_code == 200
        response = client.post("/predict", json=[SETOSA] * 10)

    assert response.status_code == 413
    assert "CD4ML_MAX_BODY_BYTES" in response.json()["detail"]


def test_chunked_body_over_the_limit_is_413(model_dir):
    def chunks():
        for _ in range(10):
            yield json.dumps(SETOSA).encode()

    with serve(model_dir, max_body_bytes=200) as client:
        response = client.post("/predict", content=chunks(), headers={"content-type": "application/json"})

    assert response.status_code == 413


def test_invalid_features_yaml_names_the_feature(tmp_path):
    from cd4ml_serving.app import create_app
    from cd4ml_serving.features import FeatureSpecError
    from support import settings_for

    bad = [dict(FEATURES[0]), {"name": "petal_width", "type": "double", "required": True}]
    with pytest.raises(FeatureSpecError, match=r"petal_width.*type"):
        create_app(settings_for(write_model_dir(tmp_path, features=bad)))
