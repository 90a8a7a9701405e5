"""Liveness, readiness while loading and after a failed load, docs, and metrics."""
from __future__ import annotations

from support import FEATURE_NAMES, MODEL_NAME, SETOSA, metric_value, serve, wait_until, write_model_dir

SLOW_LOAD = """
import os, time

def load(model_dir):
    while not os.path.exists({flag!r}):
        time.sleep(0.01)
    return "model"

def predict(model, rows):
    return ["setosa" for _ in rows]
"""


def test_health_and_ready(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["status"] == "ready"
    assert client.get("/").json()["docs"] == "/docs"


def test_not_ready_until_the_model_is_loaded(tmp_path):
    flag = tmp_path / "loaded"
    model_dir = write_model_dir(tmp_path / "model", predict_py=SLOW_LOAD.format(flag=str(flag)))
    with serve(model_dir, wait_ready=False) as client:
        try:
            assert client.get("/health").status_code == 200
            assert client.get("/ready").status_code == 503
            assert client.get("/ready").json()["status"] == "loading"
            assert client.get("/ping").status_code == 503
            assert client.get(f"/v2/models/{MODEL_NAME}/ready").status_code == 503
            refused = client.post("/predict", json=SETOSA)
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
        finally:
            flag.touch()
        wait_until(lambda: client.get("/ready").status_code == 200, "readiness")
        assert client.post("/predict", json=SETOSA).status_code == 200


def test_failed_load_fails_liveness_with_the_reason(tmp_path):
    hooks = "def load(model_dir):\n    raise RuntimeError('weights missing')\n\ndef predict(m, rows):\n    return []\n"
    model_dir = write_model_dir(tmp_path, predict_py=hooks)
    with serve(model_dir) as client:
        health = client.get("/health")
        ready = client.get("/ready")

    assert health.status_code == 503
    assert "weights missing" in health.json()["error"]
    assert ready.status_code == 503
    assert ready.json()["status"] == "failed"


def test_directory_without_estimator_or_hooks_is_a_failed_load(tmp_path):
    with serve(write_model_dir(tmp_path)) as client:
        assert "no predict.py" in client.get("/health").json()["error"]


def test_openapi_is_generated_from_features_yaml(client):
    document = client.get("/openapi.json").json()

    row = document["components"]["schemas"]["IrisClassifierFeatures"]
    assert list(row["properties"]) == FEATURE_NAMES + ["request_id"]  # the manifest's id_field
    assert row["required"] == FEATURE_NAMES
    assert row["properties"]["sepal_length"]["minimum"] == 0
    assert row["properties"]["sepal_length"]["maximum"] == 10
    assert row["properties"]["sepal_length"]["description"] == "Sepal length in cm"
    assert row["properties"]["sepal_length"]["example"] == 5.1
    body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert {"$ref": "#/components/schemas/IrisClassifierFeatures"} in body["schema"]["oneOf"]
    assert body["examples"]["one row"]["value"] == SETOSA
    assert "text/csv" in document["paths"]["/invocations"]["post"]["requestBody"]["content"]
    assert "/v2/models/{name}/infer" in document["paths"]
    assert client.get("/docs").status_code == 200


def test_metrics_count_requests_predictions_and_batches(client):
    client.post("/predict", json=[SETOSA, SETOSA])
    client.post("/predict", json={"sepal_length": "x"})
    client.get("/nowhere")

    text = client.get("/metrics").text

    assert metric_value(text, "cd4ml_http_requests_total", endpoint="/predict", status="200") == 1
    assert metric_value(text, "cd4ml_http_requests_total", endpoint="/predict", status="422") == 1
    assert metric_value(text, "cd4ml_http_requests_total", endpoint="other", status="404") == 1
    assert metric_value(text, "cd4ml_http_request_duration_seconds_count", endpoint="/predict") == 2
    assert metric_value(text, "cd4ml_predictions_total", model=MODEL_NAME, **{"class": "setosa"}) == 2
    assert metric_value(text, "cd4ml_prediction_errors_total", reason="invalid_input") == 1
    assert metric_value(text, "cd4ml_model_batch_rows_count") >= 1
    assert metric_value(text, "cd4ml_model_ready", model=MODEL_NAME) == 1
    assert "cd4ml_log_records_dropped_total" in text
