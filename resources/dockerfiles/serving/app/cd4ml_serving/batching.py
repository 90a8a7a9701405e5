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
import dataclasses
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from .model import Prediction

log = logging.getLogger("cd4ml_serving")


@dataclasses.dataclass
class _Pending:
    rows: List[Dict[str, Any]]
    future: "asyncio.Future[Prediction]"
    enqueued: float


class MicroBatcher:
    """Runs `call(rows) -> Prediction` (a coroutine: the model inline or in the model thread) on
    merged requests, one batch at a time."""

    def __init__(self, call: Callable[[List[Dict[str, Any]]], Awaitable[Prediction]], max_batch_size: int,
                 max_latency_ms: float):
        self._call = call
        self._max_rows = max_batch_size
        self._max_wait_s = max_latency_ms / 1000.0
        self._queue: Optional[asyncio.Queue] = None
        self._task: Optional[asyncio.Task] = None
        self._expected = 0  # requests between pending_request() entry and their answer
        self._carry: Optional[_Pending] = None  # taken from the queue, opens the next batch

    @contextlib.contextmanager
    def pending_request(self):
        """Wraps a request from its start (before decoding and validation) to its answer, so the
        batcher knows whether waiting can bring batch-mates."""
        self._expected += 1
        try:
            yield
        finally:
            self._expected -= 1

    def start(self) -> None:
        """Must be called on the serving event loop (the app's lifespan)."""
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cd4ml-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        left = [self._carry] if self._carry is not None else []
        while self._queue is not None and not self._queue.empty():
            left.append(self._queue.get_nowait())
        self._fail(left, RuntimeError("the server is shutting down"))

    async def submit(self, rows: List[Dict[str, Any]]) -> Prediction:
        loop = asyncio.get_running_loop()
        pending = _Pending(rows, loop.create_future(), loop.time())
        await self._queue.put(pending)
        return await pending.future

    async def _run(self) -> None:
        while True:
            first = self._carry or await self._queue.get()
            self._carry = None
            batch, size = [first], len(first.rows)
            deadline = first.enqueued + self._max_wait_s
            loop = asyncio.get_running_loop()
            while size < self._max_rows:
                if self._queue.empty() and self._expected <= len(batch):
                    break  # everyone in flight is in this batch: waiting gains nothing
                item = await self._next(deadline - loop.time())
                if item is None:
                    break
                if size + len(item.rows) > self._max_rows:
                    self._carry = item  # would overflow: it opens the next batch instead
                    break
                batch.append(item)
                size += len(item.rows)
            await self._execute(batch)

    async def _next(self, wait_s: float) -> Optional[_Pending]:
        # Requests already queued join the batch even after the deadline: they are waiting anyway.
        if not self._queue.empty():
            return self._queue.get_nowait()
        if wait_s <= 0:
            return None
        try:
            return await asyncio.wait_for(self._queue.get(), wait_s)
        except asyncio.TimeoutError:
            return None

    async def _execute(self, batch: List[_Pending]) -> None:
        rows = [row for pending in batch for row in pending.rows]
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
