"""Prometheus metrics of one app instance.

Each app gets its own CollectorRegistry so that several apps in one process (tests) never share
counters. With CD4ML_WORKERS > 1 the server sets PROMETHEUS_MULTIPROC_DIR before any worker
starts and /metrics aggregates every worker's files, so a scrape sees the whole pod.
"""
from __future__ import annotations

import asyncio
import bisect
import os
from typing import Collection, Dict, List, Optional, Sequence, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .logging_sink import SINK_DROP_REASONS

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
OTHER_CLASS = "other"  # keeps label cardinality bounded for regressors and unknown labels


class Metrics:
    def __init__(self, model_name: str, model_version: str):
        self.model_name = model_name
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("cd4ml_http_requests_total", "HTTP requests by route template and status",
                                ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("cd4ml_http_request_duration_seconds", "HTTP request latency",
                                 ["endpoint"], buckets=_LATENCY_BUCKETS, registry=r)
        self.predictions = Counter("cd4ml_predictions_total", "Predicted rows by predicted class",
                                   ["model", "class"], registry=r)
        self.prediction_errors = Counter("cd4ml_prediction_errors_total", "Rejected or failed prediction requests",
                                         ["model", "reason"], registry=r)
        self.log_sent = Counter("cd4ml_log_records_sent_total", "Prediction log records a sink delivered",
                                ["sink"], registry=r)
        self.log_repaired = Counter("cd4ml_log_records_repaired_total",
                                    "Prediction log records delivered after repair (unencodable values replaced)",
                                    ["sink"], registry=r)
        self.log_dropped = Counter("cd4ml_log_records_dropped_total",
                                   "Prediction log records not delivered, by reason (queue_full, encode_error, "
                                   "peer_not_reading, shutdown)", ["sink", "reason"], registry=r)
        self.batch_rows = Histogram("cd4ml_model_batch_rows", "Rows per model call (micro-batching merges requests)",
                                    buckets=_BATCH_BUCKETS, registry=r)
        self.model_ready = Gauge("cd4ml_model_ready", "1 once the model is loaded",
                                 ["model", "version"], registry=r, multiprocess_mode="max")
        self.model_ready.labels(model_name, model_version).set(0)
        self._version = model_version
        self._prediction_children = {}
        self._tallies: List["RequestTally"] = []

    def tally(self, endpoint: str, method: str) -> "RequestTally":
        """Request counts and latencies of one endpoint kept on the event loop and added to the
        Prometheus metrics in bulk (see RequestTally)."""
        tally = RequestTally(self, endpoint, method)
        self._tallies.append(tally)
        return tally

    def log_counters(self, sinks: Sequence[str], reasons: Sequence[str]) -> "PrometheusLogCounters":
        """The prediction log's counters, every sink and each reason it can drop for
        (logging_sink.SINK_DROP_REASONS) exported as 0 from the start."""
        return PrometheusLogCounters(self, sinks, reasons)

    def mark_ready(self) -> None:
        self.model_ready.labels(self.model_name, self._version).set(1)

    def count_predictions(self, predictions: Sequence, known_classes: Optional[Collection[str]]) -> None:
        """Adds predicted rows to `cd4ml_predictions_total`, one increment per class."""
        known = known_classes or ()
        counts: Dict[str, int] = {}
        for prediction in predictions:
            label = str(prediction)
            if label not in known:
                label = OTHER_CLASS
            counts[label] = counts.get(label, 0) + 1
        children = self._prediction_children  # bounded: known classes and "other"
        for label, count in counts.items():
            child = children.get(label)
            if child is None:
                child = children[label] = self.predictions.labels(self.model_name, label)
            child.inc(count)

    def render(self) -> Tuple[bytes, str]:
        for tally in self._tallies:
            tally.flush()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class PrometheusLogCounters:
    """LogCounters (logging_sink.py) on this app's Prometheus counters; label children are
    resolved once, since the sender threads report every batch."""

    def __init__(self, metrics: Metrics, sinks: Sequence[str], reasons: Sequence[str]):
        self._sent = {sink: metrics.log_sent.labels(sink) for sink in sinks}
        self._repaired = {sink: metrics.log_repaired.labels(sink) for sink in sinks}
        self._dropped = {(sink, reason): metrics.log_dropped.labels(sink, reason) for sink in sinks for reason in reasons
                         if reason in SINK_DROP_REASONS.get(sink, reasons)}

    def sent(self, sink: str, count: int) -> None:
        self._sent[sink].inc(count)

    def repaired(self, sink: str, count: int) -> None:
        self._repaired[sink].inc(count)

    def dropped(self, sink: str, reason: str, count: int) -> None:
        self._dropped[(sink, reason)].inc(count)


FLUSH_INTERVAL_S = 1.0


class RequestTally:
    """`requests.labels(endpoint, method, status).inc()` and `latency.labels(endpoint).observe(s)`
    for the hot endpoint, at the cost of a few additions on the event loop instead of a lock per
    update: counts collect here and reach the Prometheus metrics when /metrics renders and within
    FLUSH_INTERVAL_S of the first count after a flush (so with several workers, whose /metrics
    reads every worker's files, a scrape sees them at most that late). The latency buckets are
    those `Histogram.observe` would pick (`amount <= bound`, the first that fits). Used from the
    event loop only (the fast path, the flush timer and the async /metrics route): no lock."""

    def __init__(self, metrics: Metrics, endpoint: str, method: str):
        self._metrics = metrics
        self._endpoint = endpoint
        self._method = method
        self._latency = metrics.latency.labels(endpoint)
        self._bounds = list(_LATENCY_BUCKETS) + [float("inf")]
        # Adding many observations at once needs the histogram child's bucket and sum values
        # (prometheus_client's own attributes); without them every count is observed as it comes.
        self._bulk = isinstance(getattr(self._latency, "_buckets", None), list) and \
            len(self._latency._buckets) == len(self._bounds) and hasattr(self._latency, "_sum")
        self._statuses: Dict[int, int] = {}
        self._buckets = [0] * len(self._bounds)
        self._sum = 0.0
        self._flush_due = False

    def add(self, status: int, seconds: float) -> None:
        if not self._bulk:
            self._metrics.requests.labels(self._endpoint, self._method, str(status)).inc()
            self._latency.observe(seconds)
            return
        statuses = self._statuses
        statuses[status] = statuses.get(status, 0) + 1
        self._buckets[bisect.bisect_left(self._bounds, seconds)] += 1
        self._sum += seconds
        if not self._flush_due:
            self._flush_due = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_INTERVAL_S, self.flush)
            except RuntimeError:  # no event loop: nothing would flush later
                self.flush()

    def flush(self) -> None:
        """Adds what was counted since the last flush to the Prometheus metrics."""
        self._flush_due = False
        statuses, self._statuses = self._statuses, {}
        for status, count in statuses.items():
            self._metrics.requests.labels(self._endpoint, self._method, str(status)).inc(count)
        if statuses:
            buckets, self._buckets = self._buckets, [0] * len(self._bounds)
            total, self._sum = self._sum, 0.0
            self._latency._sum.inc(total)
            for index, count in enumerate(buckets):
                if count:
                    self._latency._buckets[index].inc(count)
