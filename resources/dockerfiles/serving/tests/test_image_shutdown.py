"""Graceful shutdown of the real serving image under keep-alive load, stopped by `docker stop`.

The image is built from this directory's Dockerfile on the test base image
(CD4ML_TEST_BASE_IMAGE, made by scripts/setup-env) and runs with host networking, as the
engine runs it. 16 clients send predictions back to back, reconnecting after each
`Connection: close` (nothing else to go to); `docker stop` sends SIGTERM to PID 1. Every request
written must be answered, /ready must say 503 while draining, the container must exit 0 before
docker's own timeout.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid

import httpx
import pytest

from fluentd_receiver import free_port
from load_clients import LoadClient, ReadinessProbe, lost

SERVING_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENTS = 16
DRAIN_S = 1.0
GRACEFUL_S = 8


def docker(*args, timeout=300, check=True):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


@pytest.fixture(scope="module")
def image(tmp_path_factory, model_dir):
    base = os.environ.get("CD4ML_TEST_BASE_IMAGE", "cd4ml-test/python-base:bookworm")
    if shutil.which("docker") is None or docker("image", "inspect", base, check=False).returncode != 0:
        pytest.fail(f"these tests need a Docker daemon with the base image {base}: run scripts/setup-env "
                    "(and export /var/lib/cd4ml-test/env)")
    context = tmp_path_factory.mktemp("context")
    for name in ("Dockerfile", "requirements.txt", ".dockerignore"):
        shutil.copy(os.path.join(SERVING_DIR, name), context / name)
    # The image builder writes the training versions here (from model.json); this model records none.
    (context / "constraints.txt").write_text("# no training environment recorded\n")
    shutil.copytree(os.path.join(SERVING_DIR, "app"), context / "app",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(model_dir, context / "model")
    for root, dirs, files in os.walk(context):  # COPY keeps modes: the server user must read the model
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    tag = f"cd4ml-test/shutdown:{uuid.uuid4().hex[:12]}"
    docker("build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, str(context), timeout=600)
    yield tag
    docker("rmi", "-f", tag, check=False)


@pytest.mark.parametrize("workers", [1, 2])
def test_docker_stop_under_keep_alive_load_loses_nothing(image, workers):
    port = free_port()
    name = f"cd4ml-shutdown-{uuid.uuid4().hex[:12]}"
    docker("run", "-d", "--name", name, "--network", "host", "-e", f"PORT={port}", "-e", "CD4ML_HOST=127.0.0.1",
           "-e", f"CD4ML_WORKERS={workers}", "-e", f"CD4ML_DRAIN_DELAY_S={DRAIN_S}",
           "-e", f"CD4ML_GRACEFUL_TIMEOUT_S={GRACEFUL_S}", image)
    try:
        wait_ready(port, name)
        clients = [LoadClient(port, reconnect=True) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(1.0)
        probe = ReadinessProbe(port)
        probe.start()
        time.sleep(0.2)

        signalled = time.monotonic()
        docker("stop", "-t", str(GRACEFUL_S + 10), name, timeout=GRACEFUL_S + 30)
        stopped = time.monotonic()
        probe.halt.set()
        for client in clients:
            client.halt.set()
            client.join(10)
        probe.join(10)
        state = docker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", name).stdout.split()
        logs = docker("logs", name)
        stderr = logs.stderr
    finally:
        docker("rm", "-f", name, check=False)

    # a fresh connection reset as the last listener closed is lost only if the server handled its request
    assert '"event":"prediction"' in logs.stdout, "the server's prediction log is what tells handled from never accepted"
    failures = lost(clients, prediction_log=logs.stdout)
    assert failures == [], f"{len(failures)} requests got no answer: {failures[:5]}"
    assert sum(c.answered for c in clients) > CLIENTS
    assert all(c.statuses.keys() <= {200} for c in clients), [c.statuses for c in clients]
    assert state == ["0", "false"], stderr
    assert stopped - signalled < GRACEFUL_S + 10  # docker stop did not have to kill it (exit code 0 too)
    # the supervisor's line with workers, else the server's: the last one is the whole process
    exit_after = re.findall(r"stopped ([0-9.]+) s after the stop signal", stderr)
    assert exit_after and float(exit_after[-1]) < GRACEFUL_S, stderr
    assert "stop signal: draining" in stderr
    # docker stop delivers the signal a little after the command starts: judge from the first 503 on
    answered = [(status, body) for at, status, body in probe.seen if at > signalled and isinstance(status, int)]
    first = answered.index((503, "draining")) if (503, "draining") in answered else len(answered)
    assert answered[first:] and set(answered[first:]) == {(503, "draining")}, probe.seen
    assert set(answered[:first]) <= {(200, "ready")}, probe.seen


def wait_ready(port: int, name: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
            raise AssertionError(f"the container exited: {docker('logs', name).stderr}")
        time.sleep(0.2)
    raise AssertionError(f"the container did not become ready: {docker('logs', name).stderr}")
