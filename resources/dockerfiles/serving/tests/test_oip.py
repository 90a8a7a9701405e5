"""Open Inference Protocol v2 endpoints."""
from __future__ import annotations

import pytest

from support import CLASSES, FEATURE_NAMES, MODEL_NAME, MODEL_VERSION, SETOSA, VIRGINICA

BASE = f"/v2/models/{MODEL_NAME}"


def per_feature_inputs(*rows):
    return [{"name": name, "shape": [len(rows)], "datatype": "FP64", "data": [row[name] for row in rows]}
            for name in FEATURE_NAMES]


def test_infer_with_one_tensor_per_feature(client):
    response = client.post(f"{BASE}/infer", json={"id": "req-1", "inputs": per_feature_inputs(SETOSA, VIRGINICA)})

    assert response.status_code == 200
    body = response.json()
    assert body["model_name"] == MODEL_NAME
    assert body["model_version"] == MODEL_VERSION
    assert body["id"] == "req-1"
    predict, proba = body["outputs"]
    assert predict == {"name": "predict", "datatype": "BYTES", "shape": [2], "data": ["setosa", "virginica"]}
    assert proba["name"] == "predict_proba"
    assert proba["shape"] == [2, 3]
    assert proba["parameters"]["classes"] == CLASSES
    assert proba["data"][0] > 0.9 and proba["data"][5] > 0.9


def test_infer_with_a_single_2d_tensor_flat_or_nested(client):
    flat = [SETOSA[n] for n in FEATURE_NAMES] + [VIRGINICA[n] for n in FEATURE_NAMES]
    nested = [flat[:4], flat[4:]]
    for data in (flat, nested):
        response = client.post(f"{BASE}/infer", json={
            "inputs": [{"name": "input-0", "shape": [2, 4], "datatype": "FP32", "data": data}]})
        assert response.status_code == 200, response.text
        assert response.json()["outputs"][0]["data"] == ["setosa", "virginica"]


def test_per_feature_tensors_of_shape_n_by_1(client):
    inputs = [{**t, "shape": [1, 1]} for t in per_feature_inputs(SETOSA)]

    assert client.post(f"{BASE}/infer", json={"inputs": inputs}).status_code == 200


def test_requested_outputs_only(client):
    response = client.post(f"{BASE}/infer", json={"inputs": per_feature_inputs(SETOSA),
                                                  "outputs": [{"name": "predict_proba"}]})

    assert [o["name"] for o in response.json()["outputs"]] == ["predict_proba"]


def test_wrong_model_name_or_version_is_404(client):
    assert client.post("/v2/models/other/infer", json={"inputs": per_feature_inputs(SETOSA)}).status_code == 404
    assert client.get("/v2/models/other").status_code == 404
    assert client.get("/v2/models/other/ready").status_code == 404
    assert client.get(f"{BASE}/versions/nope").status_code == 404
    assert client.get(f"{BASE}/versions/{MODEL_VERSION}").status_code == 200
    assert "error" in client.get("/v2/models/other").json()


@pytest.mark.parametrize("request_body, location", [
    ({"inputs": []}, ["body", "inputs"]),
    ({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}, ["body", "inputs", 0, "shape"]),
    ({"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP64", "data": [1, 2, 3]}]}, ["body", "inputs", 0, "data"]),
    ({"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FLOAT", "data": [1, 2, 3, 4]}]},
     ["body", "inputs", 0, "datatype"]),
    ({"inputs": per_feature_inputs(SETOSA)[:3]}, ["body", "rows", 0, "petal_width"]),
    ({"inputs": per_feature_inputs(SETOSA) + [{"name": "extra", "shape": [1], "datatype": "FP64", "data": [1]}]},
     ["body", "inputs", 4, "name"]),
    ({"inputs": per_feature_inputs({**SETOSA, "sepal_length": 42})}, ["body", "rows", 0, "sepal_length"]),
    ({"inputs": per_feature_inputs(SETOSA), "outputs": [{"name": "explain"}]}, ["body", "outputs", 0, "name"]),
])
def test_invalid_inference_requests_are_422_with_location(client, request_body, location):
    response = client.post(f"{BASE}/infer", json=request_body)

    assert response.status_code == 422, response.text
    assert location in [e["loc"] for e in response.json()["detail"]]
    assert response.json()["error"]


def test_model_metadata(client):
    body = client.get(BASE).json()

    assert body["name"] == MODEL_NAME
    assert body["versions"] == [MODEL_VERSION]
    assert body["platform"] == "sklearn:LogisticRegression"
    assert [i["name"] for i in body["inputs"]] == FEATURE_NAMES
    assert {i["datatype"] for i in body["inputs"]} == {"FP64"}
    assert [o["name"] for o in body["outputs"]] == ["predict", "predict_proba"]
    assert body["parameters"]["git"]["short"] == "aaaaaaa"
    assert "backend" not in body["parameters"]


def test_model_and_server_readiness(client):
    assert client.get(f"{BASE}/ready").json() == {"name": MODEL_NAME, "ready": True}
    assert client.get("/v2/health/ready").status_code == 200
    assert client.get("/v2/health/live").status_code == 200
    assert client.get("/v2").json()["name"] == "cd4ml-serving"
