"""Where model calls run (inline on the event loop or in the model thread), how many at once,
and when micro-batching is on by default. No timings are asserted: the measured cost is handed
in, or the thresholds are set so that any measurement decides the same way."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import SETOSA, metric_value, serve, write_model_dir
from cd4ml_serving.execution import AUTO_BATCH_MAX_SIZE, ModelRunner, plan_execution
from cd4ml_serving.settings import Settings, SettingsError

# Records the thread of every call and the most calls seen running at once.
TRACING_HOOKS = """
import threading, time

def load(model_dir):
    return {"lock": threading.Lock(), "running": 0, "most": 0, "threads": set(), "sleep": %s}

def predict(model, rows):
    with model["lock"]:
        model["running"] += 1
        model["most"] = max(model["most"], model["running"])
        model["threads"].add(threading.current_thread().name)
    try:
        time.sleep(model["sleep"])
        return [1 for _ in rows]
    finally:
        with model["lock"]:
            model["running"] -= 1
"""


def tracing_dir(tmp_path, sleep_s=0.0):
    return write_model_dir(tmp_path, predict_py=TRACING_HOOKS % sleep_s)


def traced(client) -> dict:
    """The hooks' state dict (the `state` that load() returned)."""
    infer = client.app.state.service.model._infer
    for cell in infer.__closure__ or ():
        if isinstance(cell.cell_contents, dict) and "threads" in cell.cell_contents:
            return cell.cell_contents
    raise AssertionError("the tracing hooks' state is not reachable")


def concurrently(client, count):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: client.post("/predict", json=SETOSA).status_code, range(count)))


class TestPlan:
    def test_a_cheap_model_runs_inline_without_batching(self):
        plan = plan_execution(Settings(), 0.05)

        assert (plan.inline, plan.batch_max_size, plan.model_concurrency) == (True, 0, 1)

    def test_a_model_costing_milliseconds_runs_in_the_model_thread_with_batching(self):
        plan = plan_execution(Settings(), 3.0)

        assert (plan.inline, plan.batch_max_size) == (False, AUTO_BATCH_MAX_SIZE)
        assert "3.000 ms" in plan.describe() and "micro-batching up to 32 rows" in plan.describe()

    def test_an_unmeasured_model_runs_in_the_model_thread_without_batching(self):
        plan = plan_execution(Settings(), None)

        assert (plan.inline, plan.batch_max_size) == (False, 0)

    def test_the_threshold_is_a_setting(self):
        assert plan_execution(Settings(inline_max_ms=5.0), 3.0).inline
        assert not plan_execution(Settings(inline_max_ms=0.01), 0.05).inline

    def test_settings_force_either_way_and_the_batch_size(self):
        assert not plan_execution(Settings(model_execution="thread"), 0.01).inline
        assert plan_execution(Settings(model_execution="inline"), 50.0).inline
        assert plan_execution(Settings(batch_max_size=0), 50.0).batch_max_size == 0
        assert plan_execution(Settings(batch_max_size=8), 0.01).batch_max_size == 8
        assert plan_execution(Settings(model_concurrency=3), 50.0).model_concurrency == 3

    def test_settings_are_read_from_the_environment(self):
        settings = Settings.from_env({"CD4ML_MODEL_EXECUTION": "Inline", "CD4ML_INLINE_MAX_MS": "2",
                                      "CD4ML_MODEL_CONCURRENCY": "2", "CD4ML_BATCH_MAX_SIZE": "0"})

        assert (settings.model_execution, settings.inline_max_ms, settings.model_concurrency,
                settings.batch_max_size) == ("inline", 2.0, 2, 0)
        assert Settings.from_env({}).batch_max_size is None  # automatic
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({"CD4ML_MODEL_EXECUTION": "fork", "CD4ML_MODEL_CONCURRENCY": "0"})
        assert "CD4ML_MODEL_EXECUTION must be one of auto, inline, thread" in str(raised.value)
        assert "CD4ML_MODEL_CONCURRENCY must be >= 1" in str(raised.value)


class TestServer:
    def test_a_model_under_the_threshold_is_called_on_the_event_loop(self, tmp_path):
        with serve(tracing_dir(tmp_path), inline_max_ms=60_000.0) as client:
            loop_thread = client.portal.call(lambda: threading.current_thread().name)
            traced(client)["threads"].clear()
            assert client.post("/predict", json=SETOSA).status_code == 200
            plan, threads = client.app.state.service.plan, set(traced(client)["threads"])

        assert plan.inline and plan.call_ms is not None
        assert threads == {loop_thread}

    def test_a_model_over_the_threshold_is_called_in_the_model_thread_and_batched(self, tmp_path):
        with serve(tracing_dir(tmp_path), inline_max_ms=0.0) as client:
            traced(client)["threads"].clear()
            assert client.post("/predict", json=SETOSA).status_code == 200
            plan, threads = client.app.state.service.plan, set(traced(client)["threads"])

        assert not plan.inline and plan.batch_max_size == AUTO_BATCH_MAX_SIZE
        assert len(threads) == 1 and next(iter(threads)).startswith("cd4ml-model")

    @pytest.mark.parametrize("cap", [1, 3])
    def test_no_more_model_calls_run_at_once_than_the_cap(self, tmp_path, cap):
        with serve(tracing_dir(tmp_path, sleep_s=0.02), model_execution="thread", batch_max_size=0,
                   model_concurrency=cap) as client:
            statuses = concurrently(client, 16)
            most = traced(client)["most"]

        assert statuses == [200] * 16
        assert 1 <= most <= cap

    def test_batching_is_on_by_default_for_a_model_costing_milliseconds(self, tmp_path):
        with serve(tracing_dir(tmp_path, sleep_s=0.02)) as client:  # 20 ms per call: never cheap
            statuses = concurrently(client, 12)
            plan = client.app.state.service.plan
            metrics = client.get("/metrics").text

        assert statuses == [200] * 12
        assert plan.batch_max_size == AUTO_BATCH_MAX_SIZE and not plan.inline
        assert metric_value(metrics, "cd4ml_model_batch_rows_count") < 12  # some requests shared a call

    def test_inline_requests_lose_no_prediction_log_records(self, model_dir, capsys):
        with serve(model_dir, model_execution="inline", log_stdout=True, log_queue_size=1000) as client:
            statuses = [client.post("/predict", json=SETOSA).status_code for _ in range(300)]
            metrics = client.get("/metrics").text
        written = [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"@timestamp"')]

        assert statuses == [200] * 300
        assert metric_value(metrics, "cd4ml_log_records_dropped_total", sink="stdout") == 0
        assert len(written) == 300


class FakeLog:
    """A prediction log that is as far behind as told."""

    def __init__(self, backlog):
        self.level = backlog

    def backlog(self):
        return self.level

    def emit(self, record, timestamp=None):
        pass


class TestLogBackpressure:
    """An inline call moves to the model thread while the prediction log is behind, so the event
    loop waits without the GIL and the log's sender threads catch up."""

    def run_once(self, backlog):
        plan = plan_execution(Settings(model_execution="inline"), 0.01)
        log = FakeLog(backlog)
        runner = ModelRunner(lambda rows: threading.current_thread().name, plan,
                             behind=lambda: log.backlog() >= 0.25)
        try:
            async def call():
                return threading.current_thread().name, await runner([SETOSA])
            loop_thread, model_thread = asyncio.run(call())
        finally:
            runner.close()
        return loop_thread, model_thread, runner.deferred

    def test_inline_while_the_log_keeps_up(self):
        loop_thread, model_thread, deferred = self.run_once(0.1)

        assert model_thread == loop_thread and deferred == 0

    def test_in_the_model_thread_while_the_log_is_behind(self):
        loop_thread, model_thread, deferred = self.run_once(0.5)

        assert model_thread.startswith("cd4ml-model") and deferred == 1

    def test_the_service_reads_the_backlog_of_its_prediction_log(self, model_dir):
        with serve(model_dir, model_execution="inline") as client:
            service = client.app.state.service
            real = service.prediction_log
            try:
                service.prediction_log = FakeLog(1.0)
                assert client.post("/predict", json=SETOSA).status_code == 200
                service.prediction_log = FakeLog(0.0)
                assert client.post("/predict", json=SETOSA).status_code == 200
            finally:
                service.prediction_log = real
            deferred = service.runner.deferred

        assert deferred == 1


# Cheap on the sample rows; burns 200 ms of CPU on one particular input.
UNEVEN_HOOKS = """
import time

def load(model_dir):
    return None

def predict(model, rows):
    if any(r["sepal_length"] == 7.7 for r in rows):
        until = time.thread_time() + 0.2
        while time.thread_time() < until:
            pass
    return [1 for _ in rows]
"""


def test_an_inline_call_far_over_the_threshold_moves_later_calls_off_the_loop(tmp_path):
    # 4 ms: the trivial sample-row call is measured under it; 200 ms of CPU is far over 10 × 4 ms
    with serve(write_model_dir(tmp_path, predict_py=UNEVEN_HOOKS), inline_max_ms=4.0) as client:
        runner = client.app.state.service.runner
        assert runner.inline
        assert client.post("/predict", json=SETOSA).status_code == 200
        still_inline = runner.inline
        assert client.post("/predict", json={**SETOSA, "sepal_length": 7.7}).status_code == 200
        after_slow = runner.inline
        assert client.post("/predict", json=SETOSA).status_code == 200

    assert still_inline and not after_slow and runner.demoted


@pytest.mark.parametrize("forced", ["inline", "thread"])
def test_a_forced_choice_stays(tmp_path, forced):
    with serve(write_model_dir(tmp_path, predict_py=UNEVEN_HOOKS), model_execution=forced) as client:
        runner = client.app.state.service.runner
        assert client.post("/predict", json={**SETOSA, "sepal_length": 7.7}).status_code == 200

    assert runner.inline == (forced == "inline") and not runner.demoted
