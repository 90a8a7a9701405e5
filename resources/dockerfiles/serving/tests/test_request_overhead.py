"""The per-request bookkeeping stays cheap without changing what it records: request ids
without a random draw per request, route templates for metrics matched once per path."""
from __future__ import annotations

import os
import uuid

from support import SETOSA, metric_value, serve
from cd4ml_serving import middleware


def test_generated_request_ids_are_unique_and_uuid_shaped():
    ids = [middleware.new_request_id() for _ in range(5000)]

    assert len(set(ids)) == len(ids)
    assert all(str(uuid.UUID(i)) == i for i in ids[:50] + ids[-50:])


def test_a_forked_worker_does_not_repeat_its_parents_request_ids():
    middleware.new_request_id()  # the parent has drawn its random bits
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a uvicorn worker forked after the app module was imported
        try:
            os.write(write, "\n".join(middleware.new_request_id() for _ in range(3)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split("\n")
    os.waitpid(pid, 0)
    parent = [middleware.new_request_id() for _ in range(3)]

    assert len(child) == 3 and not set(child) & set(parent)
    assert {i[:24] for i in child}.isdisjoint({i[:24] for i in parent})


def test_route_templates_are_matched_once_per_path_and_stay_right(model_dir):
    # POST /predict through FastAPI's routing and the middlewares (the fast path, which counts
    # its requests itself, is tested against this in test_fast_path.py)
    with serve(model_dir, fast_path=False) as client:
        for _ in range(3):
            assert client.post("/predict", json=SETOSA).status_code == 200
        assert client.get("/predict").status_code == 405
        assert client.post("/v2/models/iris-classifier/infer", json={"inputs": []}).status_code == 422
        assert client.get("/no/such/path").status_code == 404
        cache = dict(client.app._cd4ml_route_templates)
        metrics = client.get("/metrics").text

    assert cache[("POST", "/predict")] == "/predict"
    assert cache[("GET", "/predict")] == "/predict"
    assert cache[("POST", "/v2/models/iris-classifier/infer")] == "/v2/models/{name}/infer"
    assert cache[("GET", "/no/such/path")] == "other"
    assert metric_value(metrics, "cd4ml_http_requests_total", endpoint="/predict", method="POST", status="200") == 3
    assert metric_value(metrics, "cd4ml_http_requests_total", endpoint="other", status="404") == 1


def test_the_template_cache_is_bounded(model_dir):
    with serve(model_dir) as client:
        for i in range(middleware._TEMPLATES_CACHED + 20):
            client.get(f"/v2/models/m{i}")
        size = len(client.app._cd4ml_route_templates)

    assert size == middleware._TEMPLATES_CACHED
