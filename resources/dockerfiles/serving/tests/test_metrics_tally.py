"""RequestTally (metrics.py) adds up on the event loop what the hot endpoint would otherwise
report to Prometheus one update at a time: once flushed, /metrics reads exactly as if every
request had been counted and observed as it came."""
from __future__ import annotations

import asyncio
import random
import re

from prometheus_client import generate_latest

from cd4ml_serving import metrics as metrics_module
from cd4ml_serving.metrics import Metrics

_CREATED = re.compile(r"^.*_created.*$", re.MULTILINE)  # creation times differ between two registries


def exposition(metrics: Metrics) -> str:
    return _CREATED.sub("", generate_latest(metrics.registry).decode())


def observations(count: int) -> list:
    rng = random.Random(14)
    bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
    # every bucket, exact bounds (le is inclusive), beyond the last bound, and varied statuses
    seconds = bounds + [b * 0.999 for b in bounds] + [b * 1.001 for b in bounds] + [0.0, 12.5]
    seconds += [rng.uniform(0, 0.2) for _ in range(count)]
    return [(rng.choice((200, 200, 200, 422, 413, 503)), s) for s in seconds]


def one_by_one(pairs) -> Metrics:
    reference = Metrics("m", "v1")
    for status, seconds in pairs:
        reference.requests.labels("/predict", "POST", str(status)).inc()
        reference.latency.labels("/predict").observe(seconds)
    return reference


def test_flushed_tally_reads_as_one_update_per_request():
    pairs = observations(500)
    tallied = Metrics("m", "v1")

    async def serve():
        tally = tallied.tally("/predict", "POST")
        for status, seconds in pairs:
            tally.add(status, seconds)
        assert "cd4ml_http_requests_total{" not in exposition(tallied)  # not flushed yet

    asyncio.run(serve())
    tallied.render()  # /metrics flushes first
    assert exposition(tallied) == exposition(one_by_one(pairs))


def test_counts_reach_prometheus_within_the_flush_interval_without_a_scrape(monkeypatch):
    monkeypatch.setattr(metrics_module, "FLUSH_INTERVAL_S", 0.05)
    pairs = observations(20)
    tallied = Metrics("m", "v1")

    async def serve():
        tally = tallied.tally("/predict", "POST")
        for status, seconds in pairs[:10]:
            tally.add(status, seconds)
        await asyncio.sleep(0.2)
        for status, seconds in pairs[10:]:
            tally.add(status, seconds)
        await asyncio.sleep(0.2)

    asyncio.run(serve())
    assert exposition(tallied) == exposition(one_by_one(pairs))  # both flushes happened by themselves


def test_without_an_event_loop_every_count_goes_straight_through():
    pairs = observations(5)
    tallied = Metrics("m", "v1")
    tally = tallied.tally("/predict", "POST")
    for status, seconds in pairs:
        tally.add(status, seconds)
    assert exposition(tallied) == exposition(one_by_one(pairs))


def test_without_prometheus_client_internals_every_count_is_observed_as_it_comes():
    pairs = observations(5)
    tallied = Metrics("m", "v1")

    async def serve():
        tally = tallied.tally("/predict", "POST")
        tally._bulk = False  # a prometheus_client whose histogram children lack _buckets/_sum
        for status, seconds in pairs:
            tally.add(status, seconds)
        assert exposition(tallied) == exposition(one_by_one(pairs))  # no flush needed

    asyncio.run(serve())
