"""POST /predict through the fast path (fastpath.py) answers exactly as through FastAPI's routing:
the same status, headers and body for valid requests, for every case of the malformed-request
corpus sent to /predict, for streamed and oversized bodies, a model that is not loaded, a server
fault and during the drain; and the same request and error metrics afterwards."""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

import fuzz_corpus
from cd4ml_serving.app import create_app
from cd4ml_serving.fastpath import FastPredict
from support import SETOSA, VERSICOLOR, metric_value, settings_for, wait_until, write_model_dir

JSON = {"content-type": "application/json"}
ID = {"x-request-id": "fixed-id"}
# Generated request ids differ between two servers; everything else must not.
_GENERATED_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def answer(response) -> tuple:
    headers = [(k, _GENERATED_ID.sub("<id>", v)) for k, v in response.headers.multi_items()]
    return response.status_code, headers, _GENERATED_ID.sub("<id>", response.content.decode("utf-8", "replace"))


class Pair:
    """The same model served twice, with and without the fast path."""

    def __init__(self, model_dir, **overrides):
        self.apps = [create_app(settings_for(model_dir, fast_path=fast, **overrides)) for fast in (True, False)]
        assert isinstance(self.apps[0].fast_path, FastPredict) and self.apps[1].fast_path is None
        self.clients = [TestClient(app, raise_server_exceptions=False) for app in self.apps]

    def __enter__(self):
        for client in self.clients:
            client.__enter__()
        return self

    def __exit__(self, *exc):
        for client in self.clients:
            client.__exit__(*exc)

    def wait_loaded(self):
        for app in self.apps:
            wait_until(lambda: app.state.service.ready or app.state.load_error, "the model to load")

    def send(self, chunks=None, **request):
        """`chunks`: a body streamed in these parts, without Content-Length."""
        answers = [answer(client.request("POST", "/predict", **request,
                                         **({} if chunks is None else {"content": iter(chunks)})))
                   for client in self.clients]
        assert answers[0] == answers[1], request
        return answers[0]

    def metrics(self):
        texts = [client.get("/metrics").text for client in self.clients]
        return [{(name, tuple(sorted(labels))): value for name, labels, value in _samples(text)} for text in texts]


def _samples(text):
    for line in text.splitlines():
        match = re.match(r"^(cd4ml_(?:http_requests_total|prediction_errors_total|predictions_total))\{(.*)\} (\S+)$",
                         line)
        if match:
            yield match.group(1), re.findall(r'(\w+)="([^"]*)"', match.group(2)), float(match.group(3))


@pytest.fixture
def pair(model_dir):
    with Pair(model_dir) as served:
        served.wait_loaded()
        yield served


def test_valid_requests_get_the_same_answers(pair):
    for body in (SETOSA, [SETOSA, VERSICOLOR], {"instances": [VERSICOLOR]}, {**SETOSA, "request_id": "r-7"},
                 {**SETOSA, "sepal_length": 5}):
        status, headers, content = pair.send(json=body, headers=ID)
        assert status == 200
        assert ("x-request-id", "fixed-id") in headers
        assert [k for k, _ in headers] == ["content-length", "content-type", "x-request-id"]
    status, headers, content = pair.send(content=json.dumps(SETOSA))  # no Content-Type, no id: generated
    assert status == 200 and ("x-request-id", "<id>") in headers
    first, second = pair.metrics()
    assert first == second
    assert metric_value(pair.clients[0].get("/metrics").text, "cd4ml_http_requests_total", endpoint="/predict",
                        method="POST", status="200") == 6


def test_every_corpus_case_for_predict_gets_the_same_answer(pair):
    cases = [c for c in fuzz_corpus.load() if c["path"] == "/predict"]
    assert len(cases) > 150
    statuses = set()
    for index, case in enumerate(cases):
        headers = dict(case["headers"])
        if index % 2:
            headers.update(ID)
        statuses.add(pair.send(content=fuzz_corpus.body_bytes(case), headers=headers)[0])
    assert {413, 415, 422} <= statuses
    first, second = pair.metrics()
    assert first == second  # requests by status, errors by reason, predictions by class


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 129, "ok-id.1:2/3+4=5@6"])
def test_caller_request_ids_are_taken_or_replaced_alike(pair, request_id):
    pair.send(json=SETOSA, headers={"x-request-id": request_id})


def test_streamed_bodies_and_the_body_limit(model_dir):
    with Pair(model_dir, max_body_bytes=200) as served:
        served.wait_loaded()
        row = json.dumps(SETOSA).encode()
        assert served.send(chunks=[row[:10], row[10:]], headers=JSON)[0] == 200
        assert served.send(chunks=[row, b" " * 150], headers=JSON)[0] == 413  # no Content-Length
        assert served.send(content=row + b" " * 150, headers=JSON)[0] == 413  # declared too large
        first, second = served.metrics()
    assert first == second


def test_a_model_that_failed_to_load(tmp_path):
    broken = write_model_dir(tmp_path, predict_py="def load(d):\n    raise RuntimeError('no')\n\n"
                                                  "def predict(m, rows):\n    return []\n")
    with Pair(broken) as served:
        served.wait_loaded()
        status, headers, content = served.send(json=SETOSA, headers=ID)
        assert status == 503 and ("retry-after", "1") in headers
        assert served.send(content=b"a=1", headers={"content-type": "application/x-www-form-urlencoded"})[0] == 415


def test_a_model_failure_and_a_server_fault(tmp_path):
    hooks = ("def load(d):\n    return None\n\n"
             "def predict(m, rows):\n"
             "    if rows[0]['sepal_length'] > 9:\n        raise ValueError('too long')\n"
             "    return [object() if rows[0]['sepal_length'] > 8 else 'ok' for _ in rows]\n")
    with Pair(write_model_dir(tmp_path, predict_py=hooks)) as served:
        served.wait_loaded()
        assert served.send(json={**SETOSA, "sepal_length": 9.5}, headers=ID)[0] == 500  # the model raised
        status, headers, content = served.send(json={**SETOSA, "sepal_length": 8.5}, headers=ID)  # unencodable
        assert status == 500 and json.loads(content) == {"detail": "internal server error", "request_id": "fixed-id"}
        first, second = served.metrics()
    assert first == second


def test_during_the_drain_answers_close_the_connection(pair):
    for app in pair.apps:
        app.state.drain.begin()
    status, headers, _ = pair.send(json=SETOSA, headers=ID)
    assert status == 200 and headers[-1] == ("connection", "close")
    assert pair.send(json={}, headers=ID)[1][-1] == ("connection", "close")


def test_the_openapi_schema_still_describes_predict(pair):
    schema = pair.clients[0].get("/openapi.json").json()
    assert pair.clients[1].get("/openapi.json").json() == schema
    assert "post" in schema["paths"]["/predict"]
    assert pair.clients[0].get("/predict").status_code == 405  # other methods still go through FastAPI
