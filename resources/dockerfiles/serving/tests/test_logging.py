"""Prediction records (DESIGN.md §5) on stdout and over the Fluentd forward protocol."""
from __future__ import annotations

import json
import re
import time

import msgpack
import pytest

from fluentd_receiver import FluentdReceiver, free_port
from support import CLASSES, MODEL_NAME, MODEL_VERSION, SETOSA, VIRGINICA, metric_value, serve, wait_until

IMAGE = "registry.example.com/acme/iris-classifier:aaaaaaa"
TAG = f"cd4ml.predictions.{MODEL_NAME}"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def stdout_records(captured: str):
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def written(capsys, captured: list) -> int:
    """Prediction records written to stdout so far; `captured` keeps what capsys handed out."""
    captured.append(capsys.readouterr().out)
    return sum(1 for record in stdout_records("".join(captured)) if record.get("event") == "prediction")


def assert_prediction_record(record, *, request_id, row_id, features, prediction):
    assert TIMESTAMP.match(record["@timestamp"])
    assert record["event"] == "prediction"
    assert record["model"] == {"name": MODEL_NAME, "version": MODEL_VERSION, "image": IMAGE}
    assert record["request_id"] == request_id
    assert record["id"] == row_id
    assert record["features"] == features
    assert record["prediction"] == prediction
    assert list(record["probabilities"]) == CLASSES
    assert record["latency_ms"] > 0
    assert record["status"] == 200


def test_one_stdout_record_per_predicted_row(model_dir, capsys):
    with serve(model_dir, log_stdout=True, image=IMAGE) as client:
        rows = [{**SETOSA, "request_id": "order-1"}, VIRGINICA]
        assert client.post("/predict", json=rows, headers={"X-Request-ID": "req-42"}).status_code == 200
    records = stdout_records(capsys.readouterr().out)

    assert len(records) == 2
    assert_prediction_record(records[0], request_id="req-42", row_id="order-1", features=SETOSA, prediction="setosa")
    assert_prediction_record(records[1], request_id="req-42", row_id=None, features=VIRGINICA, prediction="virginica")


def test_rejected_request_is_logged_without_its_features(model_dir, capsys):
    with serve(model_dir, log_stdout=True, image=IMAGE) as client:
        response = client.post("/predict", json={**SETOSA, "sepal_length": "x"})
    records = stdout_records(capsys.readouterr().out)

    assert len(records) == 1
    assert records[0]["status"] == 422
    assert records[0]["features"] is None
    assert records[0]["prediction"] is None
    assert "sepal_length" in records[0]["error"]
    assert records[0]["request_id"] == response.headers["x-request-id"]


def test_stdout_can_be_turned_off(model_dir, capsys):
    with serve(model_dir, log_stdout=False) as client:
        client.post("/predict", json=SETOSA)

    assert stdout_records(capsys.readouterr().out) == []


@pytest.fixture
def receiver():
    server = FluentdReceiver()
    yield server
    server.close()


def test_records_reach_fluentd_with_the_model_tag(model_dir, receiver):
    with serve(model_dir, fluentd_host="127.0.0.1", fluentd_port=receiver.port, image=IMAGE) as client:
        client.post("/predict", json=[SETOSA, VIRGINICA], headers={"X-Request-ID": "req-7"})
        client.post("/invocations", content="5.1,3.5,1.4,0.2", headers={"content-type": "text/csv"})
        events = receiver.wait_for(3)

    assert [tag for tag, _, _ in events] == [TAG] * 3
    assert_prediction_record(events[0][2], request_id="req-7", row_id=None, features=SETOSA, prediction="setosa")
    event_time = events[0][1]
    assert isinstance(event_time, msgpack.ExtType) and event_time.code == 0  # nanosecond EventTime


def test_fluentd_tag_prefix_is_configurable(model_dir, receiver):
    with serve(model_dir, fluentd_host="127.0.0.1", fluentd_port=receiver.port, fluentd_tag="ml.audit") as client:
        client.post("/predict", json=SETOSA)
        assert receiver.wait_for(1)[0][0] == f"ml.audit.{MODEL_NAME}"


def test_records_stay_queued_while_fluentd_is_down_and_arrive_when_it_is_back(model_dir):
    port = free_port()
    with serve(model_dir, fluentd_host="127.0.0.1", fluentd_port=port) as client:
        for _ in range(3):
            assert client.post("/predict", json=SETOSA).status_code == 200
        time.sleep(0.3)  # several failed attempts
        late = FluentdReceiver(port)
        try:
            events = late.wait_for(3)
        finally:
            late.close()

    assert len(events) == 3
    assert all(record["prediction"] == "setosa" for _, _, record in events)


def test_full_queue_drops_and_counts_but_never_fails_or_delays_requests(model_dir, capsys):
    port = free_port()  # nothing listens here
    with serve(model_dir, fluentd_host="127.0.0.1", fluentd_port=port, log_queue_size=2, log_stdout=True,
               log_flush_timeout_s=0.3) as client:
        statuses, elapsed, captured = [], 0.0, []
        for sent in range(1, 11):
            started = time.monotonic()
            statuses.append(client.post("/predict", json=SETOSA).status_code)
            elapsed += time.monotonic() - started
            # Wait for the stdout sink to write this record before the next request: with a queue of
            # two, a sender thread starved by a busy machine would otherwise drop records for reasons
            # that have nothing to do with the dead Fluentd peer this test is about.
            wait_until(lambda: written(capsys, captured) >= sent, f"the stdout sink to write record {sent}")
        dropped = wait_until(lambda: metric_value(client.get("/metrics").text, "cd4ml_log_records_dropped_total",
                                                  sink="fluentd") >= 7 and client.get("/metrics").text,
                             "dropped records to be counted")
    captured.append(capsys.readouterr().out)
    records = stdout_records("".join(captured))

    assert statuses == [200] * 10
    assert elapsed < 5
    assert metric_value(dropped, "cd4ml_log_records_dropped_total", sink="stdout") == 0
    assert len(records) == 10  # the stdout sink is independent of the failing one


def test_a_request_with_a_lone_surrogate_is_refused_and_the_log_goes_on(model_dir, capsys):
    # Request bodies with lone surrogates are refused (422) before anything is logged from them;
    # records that still need repair (model output, hooks) are covered in test_log_sink.py.
    body = json.dumps({**SETOSA, "request_id": "\ud800"})  # JSON text "\\ud800": valid JSON, not valid UTF-8
    with serve(model_dir, log_stdout=True) as client:
        first = client.post("/predict", content=body, headers={"content-type": "application/json"})
        for n in range(3):
            assert client.post("/predict", json={**SETOSA, "request_id": f"after-{n}"}).status_code == 200
        text = wait_until(lambda: (lambda t: metric_value(t, "cd4ml_log_records_sent_total", sink="stdout") >= 4
                                   and t)(client.get("/metrics").text), "four records to be written")
    records = stdout_records(capsys.readouterr().out)

    assert first.status_code == 422
    assert records[0]["status"] == 422 and "request_id" in records[0]["error"]
    assert [r["id"] for r in records][1:] == ["after-0", "after-1", "after-2"]
    assert metric_value(text, "cd4ml_log_records_sent_total", sink="stdout") == 4
    assert metric_value(text, "cd4ml_log_records_dropped_total", sink="stdout") == 0


def test_every_drop_reason_is_exported_from_the_start(model_dir, receiver):
    with serve(model_dir, log_stdout=True, fluentd_host="127.0.0.1", fluentd_port=receiver.port) as client:
        text = client.get("/metrics").text
    for sink in ("stdout", "fluentd"):
        for reason in ("queue_full", "encode_error", "shutdown"):
            assert f'cd4ml_log_records_dropped_total{{reason="{reason}",sink="{sink}"}} 0.0' in text
        assert f'cd4ml_log_records_sent_total{{sink="{sink}"}} 0.0' in text
    # only a peer can fail to read: stdout exports no counter that could never move
    assert 'cd4ml_log_records_dropped_total{reason="peer_not_reading",sink="fluentd"} 0.0' in text
    assert 'reason="peer_not_reading",sink="stdout"' not in text
