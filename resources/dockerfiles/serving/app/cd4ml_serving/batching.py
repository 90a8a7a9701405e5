"""Adaptive micro-batching: concurrent requests share one model call.

Vectorised estimators answer 32 rows in about the time they answer one, so under load the
server queues requests and predicts them together (as BentoML and MLServer do). A batch closes
when it holds max_batch_size rows, when its oldest request has waited max_latency_ms, or when
no other request is on its way (so a lone request is never delayed). While a batch runs, new
requests queue up: batches grow with load. Each caller gets exactly its own rows back.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from .model import Prediction

log = logging.getLogger("cd4ml_serving")


class _Pending:
    __slots__ = ("rows", "future", "enqueued")

    def __init__(self, rows: List[Dict[str, Any]], future: "asyncio.Future[Prediction]", enqueued: float):
        self.rows = rows
        self.future = future
        self.enqueued = enqueued


class MicroBatcher:
    """Runs `call(rows) -> Prediction` (a coroutine: the model inline or in the model thread) on
    merged requests, one batch at a time.

    Per request it costs one future and a list entry: a batch is decided on the event loop when
    a request arrives, leaves or its deadline passes, or a batch ends (no queue, no task per
    request; one task per batch)."""

    def __init__(self, call: Callable[[List[Dict[str, Any]]], Awaitable[Prediction]], max_batch_size: int,
                 max_latency_ms: float):
        self._call = call
        self._max_rows = max_batch_size
        self._max_wait_s = max_latency_ms / 1000.0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiting: List[_Pending] = []  # submitted, in no batch yet (oldest first)
        self._waiting_rows = 0
        self._running: Optional[asyncio.Task] = None  # the batch being predicted
        self._running_batch: List[_Pending] = []
        self._timer: Optional[asyncio.TimerHandle] = None  # the oldest waiting request's deadline
        self._expected = 0  # requests between request_started() and request_finished()
        self._decision_due = False  # a _decide() is scheduled
        self._stopped = False

    def request_started(self) -> None:
        """A request began (before decoding and validation): waiting can bring a batch-mate."""
        self._expected += 1

    def request_finished(self) -> None:
        """A request got its answer, or left without one (invalid input)."""
        self._expected -= 1
        if self._waiting and self._running is None:
            self._decide_soon()  # the batch may have been waiting for this one

    @contextlib.contextmanager
    def pending_request(self):
        """request_started() ... request_finished() around a block."""
        self.request_started()
        try:
            yield
        finally:
            self.request_finished()

    def start(self) -> None:
        """Must be called on the serving event loop (the app's lifespan)."""
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        error = RuntimeError("the server is shutting down")
        if self._running is not None:
            self._running.cancel()
            try:
                await self._running
            except asyncio.CancelledError:
                pass
            self._fail(self._running_batch, error)
        left, self._waiting = self._waiting, []
        self._fail(left, error)

    def submit(self, rows: List[Dict[str, Any]]) -> "asyncio.Future[Prediction]":
        """Queues `rows` for a batch; await the returned future for their prediction. (A future,
        not a coroutine: awaiting it adds no frame that every waiting request resumes through.)"""
        if self._stopped:
            raise RuntimeError("the server is shutting down")
        loop = self._loop
        future = loop.create_future()
        self._waiting.append(_Pending(rows, future, loop.time()))
        self._waiting_rows += len(rows)
        if self._running is None:
            self._decide_soon()
        return future

    def _decide_soon(self) -> None:
        # After the callbacks already due: requests that arrived together have all been submitted
        # by then (or have left), so they share the batch.
        if not self._decision_due:
            self._decision_due = True
            self._loop.call_soon(self._decide)

    def _decide(self) -> None:
        self._decision_due = False
        if self._running is None:
            self._consider()

    def _consider(self) -> None:
        """Starts the next batch if it is due: it is full, everyone in flight is in it, or its
        oldest request has waited max_latency_ms; otherwise makes sure the deadline will look again."""
        if self._stopped or not self._waiting:
            return
        deadline = self._waiting[0].enqueued + self._max_wait_s
        if self._waiting_rows >= self._max_rows or self._expected <= len(self._waiting) \
                or self._loop.time() >= deadline:
            self._start_batch()
        elif self._timer is None:
            self._timer = self._loop.call_at(deadline, self._on_deadline)

    def _on_deadline(self) -> None:
        self._timer = None
        if self._running is None:
            self._consider()

    def _start_batch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, size = [], 0
        for pending in self._waiting:
            if batch and size + len(pending.rows) > self._max_rows:
                break  # would overflow: it opens the next batch instead
            batch.append(pending)
            size += len(pending.rows)
        del self._waiting[:len(batch)]
        self._waiting_rows -= size
        self._running_batch = batch
        self._running = self._loop.create_task(self._execute(batch))
        self._running.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task) -> None:
        self._running = None
        self._running_batch = []
        self._consider()  # requests that queued while it ran

    async def _execute(self, batch: List[_Pending]) -> None:
        rows = [row for pending in batch for row in pending.rows] if len(batch) > 1 else batch[0].rows
        try:
            result = await self._call(rows)
        except Exception as e:
            if len(batch) == 1:
                self._fail(batch, e)
                return
            # One bad request must not fail its batch-mates: retry each on its own.
            log.warning("batched prediction of %d requests failed (%s); retrying them one by one", len(batch), e)
            for pending in batch:
                await self._execute([pending])
            return
        if len(batch) == 1:
            if not batch[0].future.done():
                batch[0].future.set_result(result)
            return
        offset = 0
        for pending in batch:
            end = offset + len(pending.rows)
            own = Prediction(result.predictions[offset:end],
                             None if result.probabilities is None else result.probabilities[offset:end])
            if not pending.future.done():  # the caller may have gone away
                pending.future.set_result(own)
            offset = end

    @staticmethod
    def _fail(batch: List[_Pending], error: BaseException) -> None:
        for pending in batch:
            if not pending.future.done():
                pending.future.set_exception(error)
