"""Prediction log records (DESIGN.md §5) and the sinks that ship them.

A prediction must never wait for logging: each sink has a bounded queue and its own sender
thread. A sink that cannot deliver (Fluentd down) keeps its records queued and retries with
backoff; once its queue is full, new records for that sink are dropped and counted. Sinks are
independent, so a dead Fluentd never delays the stdout lines a node-level collector reads.
"""
from __future__ import annotations

import datetime
import json
import logging
import queue
import sys
import threading
import time
from typing import Any, Callable, Iterable, Optional

log = logging.getLogger("cd4ml_serving")


def prediction_record(*, model: dict, request_id: str, row_id: Any, features: Optional[dict], prediction: Any,
                      probabilities: Optional[dict], latency_ms: float, status: int,
                      error: Optional[str] = None, timestamp: Optional[float] = None) -> dict:
    """One record per predicted row; failed requests get one record with `error` and no features
    (raw client input could break the index mapping of `features.*`)."""
    when = datetime.datetime.fromtimestamp(time.time() if timestamp is None else timestamp, datetime.timezone.utc)
    record = {
        "@timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": "prediction",
        "model": model,
        "request_id": request_id,
        "id": row_id,
        "features": features,
        "prediction": prediction,
        "probabilities": probabilities,
        "latency_ms": round(latency_ms, 3),
        "status": status,
    }
    if error is not None:
        record["error"] = error
    return record


class RecordSink:
    """A bounded queue drained by one daemon thread that calls `send(timestamp, record)`."""

    def __init__(self, name: str, send: Callable[[float, dict], None], queue_size: int,
                 on_drop: Callable[[], None], close: Callable[[], None] = lambda: None,
                 retry_initial_s: float = 0.05, retry_max_s: float = 5.0):
        self.name = name
        self._send = send
        self._close_transport = close
        self._queue: "queue.Queue[tuple]" = queue.Queue(maxsize=queue_size)
        self._on_drop = on_drop
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._closing = threading.Event()
        self._deadline = float("inf")
        self._thread = threading.Thread(target=self._run, name=f"cd4ml-log-{name}", daemon=True)
        self._thread.start()

    def offer(self, timestamp: float, record: dict) -> bool:
        try:
            self._queue.put_nowait((timestamp, record))
            return True
        except queue.Full:
            self._on_drop()
            return False

    def close(self, timeout_s: float) -> None:
        """Sends what is queued, for at most timeout_s; what is left then counts as dropped."""
        self._deadline = time.monotonic() + timeout_s
        self._closing.set()
        self._thread.join(timeout_s + 1.0)
        self._close_transport()

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._closing.is_set():
                    return
                continue
            if not self._deliver(*item):
                self._drop_remaining()
                return

    def _deliver(self, timestamp: float, record: dict) -> bool:
        delay, failing = self._retry_initial_s, False
        while True:
            try:
                self._send(timestamp, record)
                if failing:
                    log.info("prediction log sink %s recovered", self.name)
                return True
            except Exception as e:  # any transport error: keep the record and retry
                if not failing:
                    log.warning("prediction log sink %s cannot send (%s); records stay queued and are retried",
                                self.name, e)
                    failing = True
            if self._closing.is_set() and time.monotonic() + delay > self._deadline:
                self._on_drop()
                return False
            if self._closing.is_set():
                time.sleep(delay)  # draining at shutdown: keep backing off until the deadline
            else:
                self._closing.wait(delay)  # returns early when shutdown starts
            delay = min(delay * 2, self._retry_max_s)

    def _drop_remaining(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
            self._on_drop()


def stdout_sender(timestamp: float, record: dict) -> None:
    # sys.stdout is looked up per record so test capture and redirection take effect.
    sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
    sys.stdout.flush()


class FluentdSender:
    """Fluentd forward protocol via fluent-logger; tag `<tag>.<model name>`."""

    def __init__(self, host: str, port: int, tag: str, model_name: str, timeout_s: float = 3.0):
        from fluent.sender import FluentSender

        self._label = model_name
        self._sender = FluentSender(tag, host=host, port=port, timeout=timeout_s, nanosecond_precision=True)

    def __call__(self, timestamp: float, record: dict) -> None:
        if not self._sender.emit_with_time(self._label, timestamp, record):
            error = self._sender.last_error
            # RecordSink keeps and retries the record; the sender's own buffer would send it twice.
            self._sender.pendings = None
            raise ConnectionError(str(error) if error else "fluentd send failed")

    def close(self) -> None:
        self._sender.close()


class PredictionLog:
    """Fans records out to every configured sink without blocking the caller."""

    def __init__(self, sinks: Iterable[RecordSink]):
        self.sinks = list(sinks)

    def emit(self, record: dict, timestamp: Optional[float] = None) -> None:
        now = time.time() if timestamp is None else timestamp
        for sink in self.sinks:
            sink.offer(now, record)

    def close(self, timeout_s: float) -> None:
        for sink in self.sinks:
            sink.close(timeout_s)


def create_prediction_log(settings, model_name: str, count_drop: Callable[[str], None]) -> PredictionLog:
    sinks = []
    if settings.log_stdout:
        sinks.append(RecordSink("stdout", stdout_sender, settings.log_queue_size, lambda: count_drop("stdout")))
    if settings.fluentd_host:
        sender = FluentdSender(settings.fluentd_host, settings.fluentd_port, settings.fluentd_tag, model_name)
        sinks.append(RecordSink("fluentd", sender, settings.log_queue_size, lambda: count_drop("fluentd"),
                                close=sender.close))
    return PredictionLog(sinks)
