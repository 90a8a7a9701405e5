"""Where and how many model calls run: inline on the event loop or in a capped model thread.

A model call that costs microseconds (a linear model on a NumPy row) is cheaper than the hop
to a worker thread and back, so it runs inline on the event loop. A call that costs
milliseconds (a forest) would stall every other connection there, so it runs in a model
thread; at most `model_concurrency` such calls run at once (one by default), because model
calls hold the GIL: sixteen of them at once only take turns, more slowly, with a context switch
at every turn. The cost is measured at load (the best of a few one-row calls), and the same
measurement turns micro-batching on by default for models whose call is not cheap.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import time
from typing import Any, Callable, Dict, List, Optional

log = logging.getLogger("cd4ml_serving")

AUTO_BATCH_MAX_SIZE = 32
_TIMED_CALLS = 5
# An inline call this much costlier than the threshold (a model whose cost depends on its input,
# cheap on the sample row) moves all later calls to the model thread: the event loop must not
# stall other connections, health checks and shutdown for it again. Compute is judged by the
# thread's CPU time (a busy machine preempting a cheap call must not count); waiting (I/O,
# sleeps) by wall time, with a bound no preemption reaches.
_DEMOTE_FACTOR = 10.0
_DEMOTE_MIN_MS = 5.0
_DEMOTE_WALL_S = 1.0


@dataclasses.dataclass(frozen=True)
class ExecutionPlan:
    """How the server calls its model, and why."""
    inline: bool
    model_concurrency: int
    automatic: bool  # inline or not was measured, not forced: a much slower inline call reverses it
    batch_max_size: int  # 0: no micro-batching
    batch_max_latency_ms: float
    call_ms: Optional[float]  # the measured one-row call, None when it could not be measured
    reason: str

    def describe(self) -> str:
        where = "inline on the event loop" if self.inline else \
            f"in {self.model_concurrency} model thread{'s' if self.model_concurrency > 1 else ''}"
        batching = f"micro-batching up to {self.batch_max_size} rows" if self.batch_max_size else "no micro-batching"
        cost = "not measured" if self.call_ms is None else f"{self.call_ms:.3f} ms per one-row call"
        return f"model calls run {where}, {batching} ({cost}; {self.reason})"


def measure_call_ms(call: Callable[[List[Dict[str, Any]]], Any], row: Dict[str, Any]) -> Optional[float]:
    """The best of a few timed one-row calls after an untimed one, in milliseconds; None if the
    model raises on the row (it was invented from features.yaml and may not suit the model)."""
    try:
        call([row])
        best = float("inf")
        for _ in range(_TIMED_CALLS):
            started = time.perf_counter()
            call([row])
            best = min(best, time.perf_counter() - started)
    except Exception as e:
        log.info("cannot time a model call on a sample row (%s: %s)", type(e).__name__, e)
        return None
    return best * 1000.0


def plan_execution(settings, call_ms: Optional[float]) -> ExecutionPlan:
    """The plan for a model whose one-row call costs `call_ms`, under the settings
    (`model_execution` auto|inline|thread, `inline_max_ms`, `model_concurrency`,
    `batch_max_size` with None meaning automatic, `batch_max_latency_ms`)."""
    cheap = call_ms is not None and call_ms <= settings.inline_max_ms
    if settings.model_execution == "auto":
        inline = cheap
        reason = ("measured cost unknown: off the event loop" if call_ms is None else
                  f"{'at most' if cheap else 'above'} CD4ML_INLINE_MAX_MS={settings.inline_max_ms:g}")
    else:
        inline = settings.model_execution == "inline"
        reason = f"CD4ML_MODEL_EXECUTION={settings.model_execution}"
    if settings.batch_max_size is not None:
        batch = settings.batch_max_size
        reason += f", CD4ML_BATCH_MAX_SIZE={batch}"
    else:
        batch = AUTO_BATCH_MAX_SIZE if call_ms is not None and not cheap else 0
    return ExecutionPlan(inline=inline, model_concurrency=settings.model_concurrency,
                         automatic=settings.model_execution == "auto", batch_max_size=batch,
                         batch_max_latency_ms=settings.batch_max_latency_ms, call_ms=call_ms, reason=reason)


class ModelRunner:
    """Awaitable model calls: `await runner(rows)` runs `call(rows)` inline, or in the model
    threads (at most `model_concurrency` at once; later calls wait their turn).

    An inline call holds the GIL from start to end, and back-to-back inline requests leave the
    prediction log's sender threads only the interpreter's switch interval (5 ms) to take it
    once per batch they write. So while `behind()` says the log is falling behind, inline calls run in the
    model thread instead: the event loop then waits idle (without the GIL) and the senders catch up.
    """

    def __init__(self, call: Callable[[List[Dict[str, Any]]], Any], plan: ExecutionPlan,
                 behind: Callable[[], bool] = lambda: False, inline_max_ms: float = 0.5):
        self._call = call
        self.inline = plan.inline
        self._may_demote = plan.automatic
        self._behind = behind
        self._demote_s = max(_DEMOTE_MIN_MS, _DEMOTE_FACTOR * inline_max_ms) / 1000.0
        self.deferred = 0  # inline calls sent to the model thread because the log was behind
        self.demoted = False  # an inline call was too slow: inline no more
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=plan.model_concurrency, thread_name_prefix="cd4ml-model")

    async def __call__(self, rows: List[Dict[str, Any]]):
        return await self.run(self._call, rows)

    async def run(self, function: Callable, *args):
        """Any other work on the model (SageMaker handlers), under the same rule and cap."""
        if self.inline:
            if not self._behind():
                started, started_cpu = time.perf_counter(), time.thread_time()
                try:
                    return function(*args)
                finally:
                    self._demote_if_slow(time.perf_counter() - started, time.thread_time() - started_cpu)
            self.deferred += 1
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _demote_if_slow(self, wall_s: float, cpu_s: float) -> None:
        if (cpu_s > self._demote_s or wall_s > _DEMOTE_WALL_S) and self.inline and self._may_demote:
            self.inline = False
            self.demoted = True
            log.warning("an inline model call took %.1f ms (%.1f ms CPU); model calls run in the model thread from "
                        "now on (CD4ML_MODEL_EXECUTION=thread starts that way, =inline keeps them inline)",
                        wall_s * 1000.0, cpu_s * 1000.0)

    def close(self) -> None:
        self._executor.shutdown(wait=False)
