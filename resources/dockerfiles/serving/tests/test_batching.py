"""Adaptive micro-batching: concurrent requests share model calls, each gets its own answer."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import SETOSA, metric_value, serve, write_model_dir

# Slow enough that concurrent requests pile up behind a running batch; echoes its input so
# every caller can check it got its own rows back.
HOOKS = """
import time

def load(model_dir):
    return {"batches": []}

def predict(model, rows):
    model["batches"].append(len(rows))
    time.sleep(0.05)
    if any(r["sepal_length"] == 9.99 for r in rows):
        raise ValueError("poison row")
    return [round(r["sepal_length"] * 2, 4) for r in rows]
"""


@pytest.fixture
def hooks_dir(tmp_path):
    return write_model_dir(tmp_path, predict_py=HOOKS)


def concurrent_predictions(client, values):
    def call(value):
        return value, client.post("/predict", json={**SETOSA, "sepal_length": value})

    with ThreadPoolExecutor(max_workers=len(values)) as pool:
        return list(pool.map(call, values))


def model_calls(client) -> int:
    return client.app.state.service.model.calls - 1  # minus the warm-up call


def test_concurrent_requests_share_model_calls(hooks_dir):
    values = [round(0.1 * i, 1) for i in range(1, 17)]
    with serve(hooks_dir, batch_max_size=8, batch_max_latency_ms=20) as client:
        results = concurrent_predictions(client, values)
        calls = model_calls(client)
        metrics = client.get("/metrics").text

    for value, response in results:
        assert response.status_code == 200
        assert response.json()["predictions"] == [round(value * 2, 4)]
    assert calls < len(values)
    assert metric_value(metrics, "cd4ml_model_batch_rows_count") == calls  # warm-up is not served traffic
    assert metric_value(metrics, "cd4ml_model_batch_rows_sum") == len(values)
    # counted once per model call, every row once (regression values count as "other")
    assert metric_value(metrics, "cd4ml_predictions_total", **{"class": "other"}) == len(values)


def test_batches_never_exceed_max_batch_size(hooks_dir):
    with serve(hooks_dir, batch_max_size=4, batch_max_latency_ms=20) as client:
        concurrent_predictions(client, [round(0.1 * i, 1) for i in range(1, 13)])
        metrics = client.get("/metrics").text

    assert metric_value(metrics, "cd4ml_model_batch_rows_bucket", le="4.0") == \
        metric_value(metrics, "cd4ml_model_batch_rows_count")


def test_without_batching_every_request_is_its_own_call(hooks_dir):
    values = [round(0.1 * i, 1) for i in range(1, 9)]
    with serve(hooks_dir, batch_max_size=0) as client:
        results = concurrent_predictions(client, values)
        calls = model_calls(client)

    assert all(response.status_code == 200 for _, response in results)
    assert calls == len(values)


def test_a_failing_request_does_not_fail_its_batch_mates(hooks_dir):
    values = [0.1, 0.2, 9.99, 0.4, 0.5, 0.6]
    with serve(hooks_dir, batch_max_size=8, batch_max_latency_ms=50) as client:
        results = concurrent_predictions(client, values)
        metrics = client.get("/metrics").text

    statuses = {value: response.status_code for value, response in results}
    assert statuses.pop(9.99) == 500
    assert set(statuses.values()) == {200}
    # the failed batch counted nothing; the retried batch-mates count once each, the poisoned row not at all
    assert metric_value(metrics, "cd4ml_predictions_total", **{"class": "other"}) == len(statuses)


def test_a_request_larger_than_the_batch_is_served_whole(hooks_dir):
    rows = [{**SETOSA, "sepal_length": round(0.1 * i, 1)} for i in range(1, 21)]
    with serve(hooks_dir, batch_max_size=8, batch_max_latency_ms=5) as client:
        response = client.post("/predict", json=rows)

    assert response.status_code == 200
    assert response.json()["predictions"] == [round(r["sepal_length"] * 2, 4) for r in rows]


def test_a_lone_request_does_not_wait_for_batch_mates(tmp_path):
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1 for _ in rows]\n"
    with serve(write_model_dir(tmp_path, predict_py=hooks), batch_max_size=32, batch_max_latency_ms=2000) as client:
        started = time.monotonic()
        for _ in range(3):
            assert client.post("/predict", json=SETOSA).status_code == 200
        elapsed = time.monotonic() - started

    assert elapsed < 1.0  # would be 6 s if every request sat out the latency window
