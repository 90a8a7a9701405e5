"""The prediction log's sinks under bad records, a dead peer, a stuck peer and shutdown.

Every record offered to a sink must end up either delivered or counted as dropped with a
reason, so each test checks the exact balance: offered == sent + dropped, and what the peer
received == sent.
"""
from __future__ import annotations

import datetime
import json
import math
import random
import time

import numpy as np
import pytest

from fluentd_receiver import FluentdReceiver, free_port
from support import wait_until
from cd4ml_serving.log_encoding import json_line
from cd4ml_serving.logging_sink import (DROP_REASONS, FluentdTransport, LogCounters, PredictionFields, PredictionLines,
                                        RecordSink, StdoutTransport, _timestamp_text, as_record)


class Tally(LogCounters):
    def __init__(self):
        self.counts = {}

    def _add(self, key, count):
        self.counts[key] = self.counts.get(key, 0) + count

    def sent(self, sink, count):
        self._add(("sent", sink), count)

    def repaired(self, sink, count):
        self._add(("repaired", sink), count)

    def dropped(self, sink, reason, count):
        assert reason in DROP_REASONS
        self._add((reason, sink), count)

    def get(self, what, sink):
        return self.counts.get((what, sink), 0)

    def dropped_total(self, sink):
        return sum(self.get(reason, sink) for reason in DROP_REASONS)


class Unlistable(dict):
    """A record no encoder can walk: its items cannot be read."""

    def items(self):
        raise RuntimeError("broken mapping")

    def keys(self):
        raise RuntimeError("broken mapping")

    def __iter__(self):
        raise RuntimeError("broken mapping")


class Unprintable:
    def __str__(self):
        raise RuntimeError("no text")

    __repr__ = __str__


def record(n, **fields):
    return {"event": "prediction", "n": n, "request_id": f"r{n}", **fields}


@pytest.fixture
def stdout_lines(capsys):
    def lines():
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    return lines


def fluentd_sink(port, tally, queue_size=100, timeout_s=2.0, ack=True):
    # A live peer must never look stuck on a busy machine: short timeouts only where the test wants one.
    transport = FluentdTransport("127.0.0.1", port, "cd4ml.predictions", "iris", timeout_s, ack)
    return RecordSink(transport, queue_size, tally, retry_initial_s=0.02, retry_max_s=0.2)


def settled(sink, tally, offered):
    return lambda: tally.get("sent", sink.name) + tally.dropped_total(sink.name) == offered


class TestBadRecords:
    BAD = [
        record(1, request_id="\ud800"),                                    # lone surrogate
        record(2, probabilities={"setosa": math.nan, "virginica": math.inf}),  # not JSON
        record(3, features={"x": np.float32(1.5), "k": np.int64(7)}, prediction=np.array([1, 2])),
        record(4, prediction=Unprintable(), id=b"\xff\xfe"),
        record(5, prediction=2 ** 80, **{"\udc80key": "v"}),
    ]

    def test_stdout_repairs_each_bad_record_and_keeps_writing(self, stdout_lines):
        tally = Tally()
        sink = RecordSink(StdoutTransport(), 100, tally)
        offered = [record(0), *self.BAD, Unlistable(record(6)), record(7)]
        for item in offered:
            sink.offer(time.time(), item)
        wait_until(settled(sink, tally, len(offered)), "every record to be written or counted")
        sink.close(1.0)
        lines = stdout_lines()

        assert [line["n"] for line in lines] == [0, 1, 2, 3, 4, 5, 7]
        assert lines[1]["request_id"] == "\ufffd"
        assert lines[2]["probabilities"] == {"setosa": None, "virginica": None}
        assert lines[3]["features"] == {"x": 1.5, "k": 7} and lines[3]["prediction"] == [1, 2]
        assert lines[4]["prediction"] == "<unencodable Unprintable>" and lines[4]["id"] == "\ufffd\ufffd"
        assert lines[5]["prediction"] == str(2 ** 80) and lines[5]["\ufffdkey"] == "v"
        assert tally.get("sent", "stdout") == 7
        assert tally.get("repaired", "stdout") == 4  # record 3 needs no repair: NumPy values encode as they are
        assert tally.get("encode_error", "stdout") == 1
        assert tally.dropped_total("stdout") == 1

    def test_a_record_that_contains_itself_is_cut_and_written(self, stdout_lines):
        looped = record(8)
        looped["features"] = {"again": looped}  # the encoder has no circular-reference check
        tally = Tally()
        sink = RecordSink(StdoutTransport(), 100, tally)
        for item in (looped, record(9)):
            sink.offer(time.time(), item)
        wait_until(settled(sink, tally, 2), "both records to be written or counted")
        sink.close(1.0)
        lines = stdout_lines()

        assert [line["n"] for line in lines] == [8, 9]
        assert "<too deep>" in json.dumps(lines[0])
        assert tally.get("repaired", "stdout") == 1 and tally.dropped_total("stdout") == 0

    def test_fluentd_repairs_each_bad_record_and_keeps_sending(self):
        receiver = FluentdReceiver()
        tally = Tally()
        sink = fluentd_sink(receiver.port, tally)
        try:
            offered = [record(0), *self.BAD, Unlistable(record(6)), record(7)]
            for item in offered:
                sink.offer(time.time(), item)
            wait_until(settled(sink, tally, len(offered)), "every record to be sent or counted")
            sink.close(1.0)
            events = receiver.wait_for(7)
        finally:
            receiver.close()

        records = [r for _, _, r in events]
        assert [r["n"] for r in records] == [0, 1, 2, 3, 4, 5, 7]
        assert records[1]["request_id"] == "\ufffd"
        assert records[2]["probabilities"] == {"setosa": None, "virginica": None}
        assert tally.get("sent", "fluentd") == 7 == receiver.received
        assert tally.get("encode_error", "fluentd") == 1
        assert tally.dropped_total("fluentd") == 1


def test_dead_peer_keeps_records_queued_counts_overflow_and_resumes_when_back():
    port = free_port()  # nothing listens yet
    tally = Tally()
    sink = fluentd_sink(port, tally, queue_size=5)
    for n in range(20):
        sink.offer(time.time(), record(n))
    time.sleep(0.3)  # several refused connection attempts
    assert tally.get("sent", "fluentd") == 0
    overflow = tally.get("queue_full", "fluentd")
    assert overflow > 0  # the queue holds 5, the sender's pending batch the few it took first

    receiver = FluentdReceiver(port)
    try:
        wait_until(settled(sink, tally, 20), "the queued records to reach the peer once it is back")
        for n in range(20, 25):  # continuity: the sink keeps delivering (a burst the queue can hold)
            sink.offer(time.time(), record(n))
        wait_until(settled(sink, tally, 25), "new records after the recovery")
        sink.close(1.0)
        received = receiver.wait_for(25 - overflow)
    finally:
        receiver.close()

    assert tally.get("sent", "fluentd") == len(received) == 25 - overflow
    assert tally.dropped_total("fluentd") == tally.get("queue_full", "fluentd") == overflow
    assert [r["n"] for _, _, r in received][-5:] == list(range(20, 25))


def test_peer_that_never_reads_costs_counted_records_only_and_a_new_peer_gets_the_rest():
    port = free_port()
    stuck = FluentdReceiver(port, reading=False)
    tally = Tally()
    sink = fluentd_sink(port, tally, queue_size=50, timeout_s=0.2)
    try:
        for n in range(200):
            sink.offer(time.time(), record(n, padding="x" * 500))
        wait_until(settled(sink, tally, 200), "every record to be counted while the peer does not read")
        assert len(stuck.connections) >= 1
        assert stuck.received == 0
    finally:
        stuck.close()

    assert tally.get("sent", "fluentd") == 0
    assert tally.get("peer_not_reading", "fluentd") >= 1
    assert tally.get("peer_not_reading", "fluentd") + tally.get("queue_full", "fluentd") == 200

    good = FluentdReceiver(port)
    try:
        for n in range(200, 240):
            sink.offer(time.time(), record(n))
        wait_until(settled(sink, tally, 240), "records to reach the peer that reads")
        sink.close(1.0)
        received = good.wait_for(40)
    finally:
        good.close()
    assert [r["n"] for _, _, r in received] == list(range(200, 240))
    assert tally.get("sent", "fluentd") == good.received == 40
    assert tally.dropped_total("fluentd") == 200


def test_shutdown_flushes_within_the_bound_and_counts_what_is_left():
    port = free_port()  # a peer that never comes back
    tally = Tally()
    sink = fluentd_sink(port, tally, queue_size=100)
    for n in range(30):
        sink.offer(time.time(), record(n))
    started = time.monotonic()
    sink.close(0.5)
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    assert tally.get("sent", "fluentd") == 0
    assert tally.get("shutdown", "fluentd") == 30
    assert sink.totals["shutdown"] == 30


def test_shutdown_sends_everything_queued_to_a_live_peer():
    receiver = FluentdReceiver()
    tally = Tally()
    sink = fluentd_sink(receiver.port, tally, queue_size=2000)
    try:
        for n in range(1000):
            sink.offer(time.time(), record(n))
        sink.close(5.0)
        received = receiver.wait_for(1000)
    finally:
        receiver.close()

    assert len(received) == tally.get("sent", "fluentd") == 1000
    assert tally.dropped_total("fluentd") == 0


def test_write_to_a_peer_that_never_reads_times_out_without_acks_too():
    port = free_port()
    stuck = FluentdReceiver(port, reading=False)
    tally = Tally()
    sink = fluentd_sink(port, tally, queue_size=1000, timeout_s=0.3, ack=False)
    try:
        for n in range(600):  # ~38 MB: more than the kernel buffers of both ends hold
            sink.offer(time.time(), record(n, padding="x" * 64_000))
        wait_until(settled(sink, tally, 600), "every record to be sent or counted", timeout_s=30)
        sink.close(1.0)
    finally:
        stuck.close()

    assert tally.get("peer_not_reading", "fluentd") > 0  # the write gave up instead of hanging
    assert tally.get("sent", "fluentd") + tally.dropped_total("fluentd") == 600


class TestPredictionLines:
    """The stdout sink writes 200 prediction records without building their dict; the line must
    be exactly the one the record would give."""

    MODEL = {"name": "iris", "version": "0123456789ab", "image": "registry/iris@sha256:ab"}

    @staticmethod
    def fields(model, request_id="r-1", row_id=None, features=None, prediction="setosa", probabilities=None,
               latency_ms=0.1234, timestamp=1764462327.123456):
        return PredictionFields((model, request_id, row_id, features if features is not None else {"x": 1.5},
                                 prediction, probabilities, latency_ms, timestamp))

    def test_lines_equal_the_records_json_line(self):
        cases = [
            self.fields(self.MODEL),
            self.fields(self.MODEL, row_id="row 7", probabilities={"setosa": 0.9, "versicolor": 0.1}),
            self.fields(self.MODEL, features={"x": np.float32(1.5), "k": np.int64(7), "s": "ü/é"},
                        prediction=np.int64(2), probabilities={"0": np.float64(0.25)}, row_id=np.int32(3)),
            self.fields(self.MODEL, prediction=None, latency_ms=12.0, timestamp=0.0),
            self.fields({"name": "other", "version": "1"}, request_id="x" * 40),  # another model after the first
            self.fields(self.MODEL),  # and back
        ]
        lines = PredictionLines()
        for case in cases:
            assert lines.line(case) == (json_line(as_record(case))[0], False)

    def test_a_record_that_needs_repair_is_repaired_as_json_line_repairs_it(self):
        lines = PredictionLines()
        for case in (self.fields(self.MODEL, request_id="\ud800"),
                     self.fields(self.MODEL, probabilities={"setosa": math.nan}),
                     self.fields(self.MODEL, prediction=Unprintable())):
            line, repaired = lines.line(case)
            assert repaired and (line, repaired) == json_line(as_record(case))
            json.loads(line)

    def test_timestamps_are_those_datetime_writes(self):
        rng = random.Random(14)
        stamps = [0.0, 1e9, 1764462327.0, 1764462327.9994, 1764462327.999, 1764462328.0005]
        stamps += [rng.uniform(0, 4e9) for _ in range(2000)]
        stamps += [1764462327 + n / 1000 for n in range(2000)]  # every millisecond across two seconds
        for stamp in stamps:
            expected = datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc) \
                .isoformat(timespec="milliseconds").replace("+00:00", "Z")
            assert _timestamp_text(stamp) == expected, stamp
