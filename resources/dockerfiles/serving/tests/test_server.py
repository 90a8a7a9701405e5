"""The real server: `python3 -m cd4ml_serving` under uvicorn, as the image runs it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from fluentd_receiver import free_port
from support import APP_DIR, SETOSA, metric_value, write_model_dir

SLOW_HOOKS = """
import time

def load(model_dir):
    return None

def predict(model, rows):
    if rows[0]["sepal_length"] == 7.7:
        time.sleep(1.0)  # a request still running when SIGTERM arrives
    return ["setosa" for _ in rows]
"""


class Server:
    def __init__(self, model_dir, *args, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "PYTHONPATH": str(APP_DIR), "CD4ML_MODEL_DIR": str(model_dir),
                       "PORT": str(self.port), "CD4ML_HOST": "127.0.0.1",
                       "CD4ML_DRAIN_DELAY_S": "0.2", **env}  # tests of the drain itself set their own
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        # Own process group: worker processes can be killed with the server if a test fails.
        self.process = subprocess.Popen([sys.executable, "-m", "cd4ml_serving", *args], env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)

    def wait_ready(self, timeout_s: float = 90.0) -> None:  # workers import sklearn: slow on a busy machine
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}: {self.process.stderr.read()}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not become ready")

    def stop(self, timeout_s: float = 20.0):
        self.process.send_signal(signal.SIGTERM)
        stdout, stderr = self.process.communicate(timeout=timeout_s)
        return self.process.returncode, stdout, stderr

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.communicate()


@pytest.fixture
def running():
    servers = []

    def start(model_dir, *args, **env):
        server = Server(model_dir, *args, **env)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.kill()


def test_serves_predictions_and_exits_cleanly_on_sigterm(model_dir, running):
    server = running(model_dir, "serve")

    response = httpx.post(f"{server.url}/predict", json=SETOSA, headers={"X-Request-ID": "it-1"})
    code, stdout, stderr = server.stop()

    assert response.status_code == 200
    assert response.json()["predictions"] == ["setosa"]
    assert code == 0, stderr
    assert "Traceback" not in stderr
    records = [json.loads(line) for line in stdout.splitlines()]  # stdout holds prediction records only
    assert [r["request_id"] for r in records] == ["it-1"]


def test_sigterm_lets_in_flight_requests_finish(tmp_path, running):
    server = running(write_model_dir(tmp_path, predict_py=SLOW_HOOKS))
    result = {}

    def slow_request():
        result["response"] = httpx.post(f"{server.url}/predict", json={**SETOSA, "sepal_length": 7.7}, timeout=10)

    caller = threading.Thread(target=slow_request)
    caller.start()
    time.sleep(0.3)
    code, _, stderr = server.stop()
    caller.join(10)

    assert result["response"].status_code == 200
    assert code == 0, stderr


def test_several_workers_share_one_metrics_view(model_dir, running):
    server = running(model_dir, CD4ML_WORKERS="2")

    for _ in range(6):
        assert httpx.post(f"{server.url}/predict", json=SETOSA).status_code == 200
    metrics = httpx.get(f"{server.url}/metrics").text
    code, _, stderr = server.stop()

    assert metric_value(metrics, "cd4ml_predictions_total", **{"class": "setosa"}) == 6
    assert code == 0, stderr


def test_bad_settings_exit_with_usage_error(model_dir):
    server = Server(model_dir, CD4ML_WORKERS="many", CD4ML_LOG_STDOUT="maybe")
    _, stderr = server.process.communicate(timeout=20)

    assert server.process.returncode == 2
    assert "CD4ML_WORKERS must be an integer" in stderr
    assert "CD4ML_LOG_STDOUT must be true or false" in stderr


def test_unknown_argument_is_a_usage_error(model_dir):
    server = Server(model_dir, "train")
    _, stderr = server.process.communicate(timeout=20)

    assert server.process.returncode == 2
    assert "usage" in stderr


def test_broken_model_directory_exits_with_the_reason(tmp_path):
    server = Server(tmp_path)
    _, stderr = server.process.communicate(timeout=20)

    assert server.process.returncode == 2
    assert "must contain model.json" in stderr
    assert "Traceback" not in stderr
