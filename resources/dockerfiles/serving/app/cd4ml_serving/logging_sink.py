"""Prediction log records (DESIGN.md §5) and the sinks that ship them.

A prediction never waits for logging: each sink has a bounded queue and its own sender thread,
and sinks are independent (a dead Fluentd never delays the stdout lines a node's collector
reads). Every record offered to a sink ends in exactly one of: sent, or dropped with a reason,
each counted (`LogCounters`):

- `queue_full`: the sink's queue was full when the record was offered (peer down for long);
- `encode_error`: the record could not be encoded even after repair (log_encoding.py);
- `peer_not_reading`: the Fluentd peer took the batch but did not acknowledge it in time;
- `shutdown`: still queued when the flush time at shutdown ran out.

A sink whose transport fails keeps its batch and retries with exponential backoff (reconnecting
for Fluentd) until it succeeds, so it recovers by itself once the peer is back.
"""
from __future__ import annotations

import collections
import logging
import sys
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .fluentd_forward import ForwardClient, PeerNotReading
from .log_encoding import Unencodable, forward_entry, json_line, json_text

log = logging.getLogger("cd4ml_serving")

DROP_REASONS = ("queue_full", "encode_error", "peer_not_reading", "shutdown")
# The reasons each sink can drop for: nothing acknowledges a write to stdout, so never peer_not_reading.
SINK_DROP_REASONS = {"stdout": ("queue_full", "encode_error", "shutdown"), "fluentd": DROP_REASONS}
_BATCH_RECORDS = 256  # records per write or forward message
_LINGER_S = 0.01  # how long a sender waits for a batch to fill after its first record


def prediction_record(*, model: dict, request_id: str, row_id: Any, features: Optional[dict], prediction: Any,
                      probabilities: Optional[dict], latency_ms: float, status: int,
                      error: Optional[str] = None, timestamp: Optional[float] = None) -> dict:
    """One record per predicted row; failed requests get one record with `error` and no features
    (raw client input could break the index mapping of `features.*`)."""
    record = {
        "@timestamp": _timestamp_text(time.time() if timestamp is None else timestamp),
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


def _timestamp_text(timestamp: float) -> str:
    """ISO 8601 in UTC to the millisecond (`2026-11-30T00:25:27.123Z`), as
    `datetime.fromtimestamp(timestamp, utc).isoformat(timespec="milliseconds")` writes it, with
    the text up to the second made once per second instead of once per record."""
    global _second_cache
    second, micros = divmod(round(timestamp * 1_000_000), 1_000_000)
    cached_second, text = _second_cache  # one read: another thread may replace it meanwhile
    if second != cached_second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second_cache = (second, text)
    return f"{text}.{micros // 1000:03d}Z"


_second_cache = (None, "")


class PredictionFields(tuple):
    """The fields of a 200 prediction record, (model, request_id, row_id, features, prediction,
    probabilities, latency_ms, timestamp), offered instead of the record: a sink that can encode
    them without building the record's dict does (`PredictionLines`); any other takes `as_record`."""

    __slots__ = ()


def as_record(item: Any) -> Any:
    """The record an offered item stands for."""
    if type(item) is PredictionFields:
        model, request_id, row_id, features, prediction, probabilities, latency_ms, timestamp = item
        return prediction_record(model=model, request_id=request_id, row_id=row_id, features=features,
                                 prediction=prediction, probabilities=probabilities, latency_ms=latency_ms,
                                 status=200, timestamp=timestamp)
    return item


class PredictionLines:
    """The JSON line of a 200 prediction record, byte for byte as `json_line(as_record(fields))`
    writes it, without building the record: the model's part is encoded once, the rest in one
    encoder call. A record that needs repair takes `json_line`, which repairs it."""

    def __init__(self):
        self._model: Optional[dict] = None
        self._head = ""

    def line(self, fields: PredictionFields) -> Tuple[bytes, bool]:
        model, request_id, row_id, features, prediction, probabilities, latency_ms, timestamp = fields
        if model != self._model:
            self._head = ',"event":"prediction","model":' + json_text(model) + ","
            self._model = dict(model)
        try:
            rest = json_text({"request_id": request_id, "id": row_id, "features": features, "prediction": prediction,
                              "probabilities": probabilities, "latency_ms": round(latency_ms, 3), "status": 200})
            return ('{"@timestamp":"' + _timestamp_text(timestamp) + '"' + self._head + rest[1:]
                    + "\n").encode("utf-8"), False
        except Exception:  # a lone surrogate, NaN, an object no encoder knows: json_line repairs it
            return json_line(as_record(fields))


class LogCounters:
    """Where a sink reports what became of its records; the app wires these to Prometheus."""

    def sent(self, sink: str, count: int) -> None:
        pass

    def repaired(self, sink: str, count: int) -> None:
        pass

    def dropped(self, sink: str, reason: str, count: int) -> None:
        pass


class Transport:
    """How one sink encodes a record and writes a batch of encoded records."""

    name = "transport"

    def encode(self, timestamp: float, item: Any) -> Tuple[bytes, bool]:
        """The bytes of an offered record or PredictionFields, and whether it had to be repaired;
        raises Unencodable."""
        raise NotImplementedError

    def write(self, payload: bytes, count: int, deadline: float) -> None:
        """Raises PeerNotReading (batch lost) or any other exception (batch kept and retried)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class StdoutTransport(Transport):
    """JSON lines on stdout, for a node-level collector (Fluentd/Fluent Bit DaemonSet)."""

    name = "stdout"

    def __init__(self):
        self._lines = PredictionLines()

    def encode(self, timestamp: float, item: Any) -> Tuple[bytes, bool]:
        if type(item) is PredictionFields:
            return self._lines.line(item)
        return json_line(item)

    def write(self, payload: bytes, count: int, deadline: float) -> None:
        stream = sys.stdout  # looked up per write so test capture and redirection take effect
        target = getattr(stream, "buffer", None)
        if target is None:
            stream.write(payload.decode("utf-8"))
        else:
            stream.flush()
            target.write(payload)
            target.flush()
        stream.flush()


class FluentdTransport(Transport):
    """Fluentd forward protocol, tag `<tag>.<model name>`, acknowledged batches."""

    name = "fluentd"

    def __init__(self, host: str, port: int, tag: str, model_name: str, timeout_s: float, ack: bool):
        self.client = ForwardClient(host, port, f"{tag}.{model_name}", timeout_s, ack)

    def encode(self, timestamp: float, item: Any) -> Tuple[bytes, bool]:
        return forward_entry(timestamp, as_record(item))

    def write(self, payload: bytes, count: int, deadline: float) -> None:
        self.client.send(payload, count, deadline)

    def close(self) -> None:
        self.client.close()


class RecordSink:
    """A bounded queue of encoded records drained in batches by one daemon thread that writes them.

    Records are encoded when they are offered, on the caller's thread: the sender then holds the
    interpreter lock only to join a batch and hand it to a write that releases the lock. A sender
    that encoded would hold it for every record and take it from the event loop at each of the
    loop's system calls; in a served container that contention cost more than the encoding.
    """

    def __init__(self, transport: Transport, queue_size: int, counters: LogCounters,
                 retry_initial_s: float = 0.05, retry_max_s: float = 5.0):
        self.name = transport.name
        self.transport = transport
        self.counters = counters
        self.totals: Dict[str, int] = {"sent": 0, "repaired": 0, **{reason: 0 for reason in DROP_REASONS}}
        # A deque and an event, not queue.Queue: offering is an append (atomic under the GIL), with
        # no lock to take on the request path, and the sender is woken only when it sleeps.
        self._queue: "collections.deque[bytes]" = collections.deque()
        self._maxsize = queue_size
        self._idle = False  # the sender is about to sleep until a record comes: offering wakes it
        self._wake = threading.Event()
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._closing = threading.Event()
        self._deadline = float("inf")
        self._totals_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the in-flight batch between sender and close()
        self._in_flight = 0
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name=f"cd4ml-log-{self.name}", daemon=True)
        self._thread.start()

    def offer(self, timestamp: float, record: Any) -> bool:
        """Encodes and queues a record (a dict or PredictionFields); False when it was dropped
        (queue full, or unencodable even after repair), which is counted."""
        pending = self._queue
        if len(pending) >= self._maxsize:  # checked first: a sink that cannot keep up is not fed encoding work
            self._count("queue_full", 1)
            return False
        try:
            data, repaired = self.transport.encode(timestamp, record)
        except Unencodable as e:
            log.warning("prediction log sink %s dropped a record that cannot be encoded (%s)", self.name, e)
            self._count("encode_error", 1)
            return False
        pending.append(data)
        if self._idle:
            self._wake.set()
        if repaired:
            with self._totals_lock:
                self.totals["repaired"] += 1
            self.counters.repaired(self.name, 1)
        return True

    def backlog(self) -> float:
        """The share of the queue in use (0 empty, 1 full)."""
        return len(self._queue) / self._maxsize

    def close(self, timeout_s: float) -> None:
        """Sends what is queued for at most timeout_s; what is left then is dropped as `shutdown`."""
        self._deadline = time.monotonic() + timeout_s
        self._closing.set()
        self._wake.set()
        self._thread.join(timeout_s + 0.5)
        with self._lock:
            if self._thread.is_alive():  # stuck in a write that does not time out (a blocked stdout)
                self._abandoned = True
                self._count("shutdown", self._in_flight)
                self._in_flight = 0
        self._drop_queued("shutdown")
        self.transport.close()
        totals = self.totals
        dropped = {reason: totals[reason] for reason in DROP_REASONS if totals[reason]}
        log.log(logging.WARNING if dropped else logging.INFO,
                "prediction log sink %s: %d records sent, %d repaired, dropped: %s", self.name,
                totals["sent"], totals["repaired"], dropped or "none")

    def _run(self) -> None:
        while True:
            items = self._take()
            if not items:
                if self._closing.is_set():
                    return
                continue
            payload, count = self._batch(items)
            if count and not self._deliver(payload, count):
                return
            if self._closing.is_set() and time.monotonic() >= self._deadline:
                return

    def _take(self) -> List[bytes]:
        pending = self._queue
        if not pending:
            if self._closing.is_set():
                return []
            # Say we sleep, then look again: an offer either sees _idle and wakes us, or its record
            # is there for the second look.
            self._idle = True
            if not pending:
                self._wake.wait(0.1)
            self._idle = False
            self._wake.clear()
            if not pending:
                return []
        if len(pending) < _BATCH_RECORDS - 1 and not self._closing.is_set():
            # Let records gather: while the sender sleeps here, offering a record wakes no thread,
            # and the sender takes the interpreter lock once per batch instead of once per
            # request (each such hand-over delays the event loop's next request).
            self._closing.wait(_LINGER_S)
        take = pending.popleft
        return [take() for _ in range(min(len(pending), _BATCH_RECORDS))]

    def _batch(self, items: List[bytes]) -> Tuple[bytes, int]:
        with self._lock:
            self._in_flight = len(items)
        return b"".join(items), len(items)

    def _deliver(self, payload: bytes, count: int) -> bool:
        """Writes one batch, retrying until it is delivered or lost; False once shutdown ran out."""
        delay, failing = self._retry_initial_s, False
        while True:
            if self._closing.is_set() and time.monotonic() >= self._deadline:
                self._resolve("shutdown")
                return False
            try:
                self.transport.write(payload, count, self._deadline)
                self._resolve("sent")
                if failing:
                    log.info("prediction log sink %s recovered", self.name)
                return True
            except PeerNotReading as e:
                if self._closing.is_set() and time.monotonic() >= self._deadline:
                    self._resolve("shutdown")  # cut short by the flush timeout, not by the peer
                    return False
                log.warning("prediction log sink %s dropped %d records: %s", self.name, count, e)
                self._resolve("peer_not_reading")
                return True  # the next batch goes over a new connection
            except Exception as e:  # peer down, broken pipe: keep the batch and retry
                if not failing:
                    log.warning("prediction log sink %s cannot send (%s); retrying with backoff", self.name, e)
                    failing = True
            if self._closing.is_set():
                time.sleep(min(delay, max(0.0, self._deadline - time.monotonic())))
            else:
                self._closing.wait(delay)  # returns early when shutdown starts
            delay = min(delay * 2, self._retry_max_s)

    def _resolve(self, outcome: str) -> None:
        with self._lock:
            count, self._in_flight = self._in_flight, 0
            if self._abandoned:
                return  # close() already counted this batch
        if outcome == "sent":
            with self._totals_lock:
                self.totals["sent"] += count
            self.counters.sent(self.name, count)
        else:
            self._count(outcome, count)

    def _drop_queued(self, reason: str) -> None:
        dropped = 0
        while True:
            try:
                self._queue.popleft()
                dropped += 1
            except IndexError:
                break
        self._count(reason, dropped)

    def _count(self, reason: str, count: int) -> None:
        if count:
            with self._totals_lock:
                self.totals[reason] += count
            self.counters.dropped(self.name, reason, count)


class PredictionLog:
    """Fans records out to every configured sink without blocking the caller."""

    def __init__(self, sinks: Iterable[RecordSink]):
        self.sinks = list(sinks)

    def emit(self, record: dict, timestamp: Optional[float] = None) -> None:
        now = time.time() if timestamp is None else timestamp
        for sink in self.sinks:
            sink.offer(now, record)

    def backlog(self) -> float:
        """The share in use of the fullest sink's queue (the request path reads it to yield the
        GIL to the senders when they fall behind)."""
        return max((sink.backlog() for sink in self.sinks), default=0.0)

    def close(self, timeout_s: float) -> None:
        """Flushes all sinks in parallel within one shared timeout."""
        closers = [threading.Thread(target=sink.close, args=(timeout_s,)) for sink in self.sinks]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()


def create_prediction_log(settings, model_name: str, counters: LogCounters) -> PredictionLog:
    transports: List[Transport] = []
    if settings.log_stdout:
        transports.append(StdoutTransport())
    if settings.fluentd_host:
        transports.append(FluentdTransport(settings.fluentd_host, settings.fluentd_port, settings.fluentd_tag,
                                           model_name, settings.fluentd_timeout_s, settings.fluentd_ack))
    return PredictionLog(RecordSink(transport, settings.log_queue_size, counters) for transport in transports)
