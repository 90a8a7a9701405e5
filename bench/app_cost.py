"""The server's own cost per /predict request, in process: no HTTP server, no network.

Builds a logistic-regression model directory from examples/iris (the benchmark's cheap model),
creates the app as the image does (prediction logging to stdout on, into /dev/null here) and
drives its ASGI callable directly with one iris row per request, from CONNS concurrent clients.
What it prints is the app's CPU per request (the event loop's thread and the log sender's,
process time) and the wall time per request: everything the bare ASGI ceiling does not do.

    /usr/bin/python3 bench/app_cost.py [--requests N] [--conns C] [--batch on|off|auto] [--profile FILE]
    CD4ML_APP_DIR=DIR /usr/bin/python3 bench/app_cost.py ...   # another commit's server package

`--profile` writes a cProfile dump of the timed requests (read it with `python3 -m pstats`).
CPU time per request holds up on a busy machine far better than wall time; instruction counts
(callgrind) are not available: SciPy's ufuncs, which scikit-learn imports, fail to initialise
under valgrind 3.19.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = Path(os.environ.get("CD4ML_APP_DIR", ROOT / "resources/dockerfiles/serving/app"))  # another commit's server
sys.path.insert(0, str(APP))

ROW = b'{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}'
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def model_dir(where: Path) -> Path:
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    data = pd.read_csv(ROOT / "examples/iris/data/iris.csv")
    model = LogisticRegression(max_iter=500).fit(data[FEATURES].astype(float), data["species"].astype(str))
    where.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, where / "model.joblib")
    (where / "features.yaml").write_text((ROOT / "examples/iris/features.yaml").read_text())
    (where / "model.json").write_text(json.dumps({
        "project": "iris-linear", "version": "0123456789ab", "classes": sorted(set(data["species"])),
        "id_field": "request_id"}))
    return where


def scope(path: str = "/predict") -> dict:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 40000),
            "headers": [(b"host", b"127.0.0.1:8080"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(ROW)).encode())]}


async def one_request(app) -> int:
    status = 0
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # a client that keeps its connection open
        sent = True
        return {"type": "http.request", "body": ROW, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(), receive, send)
    return status


async def lifespan(app, startup: bool, queue_state: dict):
    """Drives the ASGI lifespan: startup, then shutdown when `queue_state['stop']` is set."""
    events: asyncio.Queue = asyncio.Queue()
    await events.put({"type": "lifespan.startup"})
    done = asyncio.get_running_loop().create_future()
    queue_state["events"] = events

    async def receive():
        return await events.get()

    async def send(message):
        if message["type"].endswith(".complete") or message["type"].endswith(".failed"):
            if not done.done():
                done.set_result(message)
            queue_state.setdefault("messages", []).append(message)

    task = asyncio.get_running_loop().create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    await done
    return task


async def run(args) -> dict:
    from cd4ml_serving.app import create_app
    from cd4ml_serving.settings import Settings

    overrides = {} if args.batch == "auto" else {"batch_max_size": 32 if args.batch == "on" else 0}
    if args.no_fast_path:
        overrides["fast_path"] = False
    settings = Settings(model_dir=str(args.model_dir), log_stdout=args.log == "stdout", **overrides)
    app = create_app(settings)
    state: dict = {}
    task = await lifespan(app, True, state)
    while not app.state.service.ready:
        if app.state.load_error:
            raise SystemExit(app.state.load_error)
        await asyncio.sleep(0.01)
    for _ in range(200):  # warm-up: caches, lazy imports
        assert await one_request(app) == 200
    per_client = args.requests // args.conns
    total = max(1, per_client * args.conns)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    async def client():
        for _ in range(per_client):
            status = await one_request(app)
            if status != 200:
                raise SystemExit(f"answered {status}")

    if profiler:
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.conns)))
    wall = time.perf_counter() - wall
    while app.state.service.prediction_log is not None and app.state.service.prediction_log.backlog() > 0:  # the sender's encoding is part of the cost
        await asyncio.sleep(0.001)
    cpu = time.process_time() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    calls = app.state.service.model.calls
    await state["events"].put({"type": "lifespan.shutdown"})
    await task
    return {"requests": total, "conns": args.conns, "batch": args.batch, "model_calls": calls,
            "cpu_us_per_request": round(cpu / total * 1e6, 1), "wall_us_per_request": round(wall / total * 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--conns", type=int, default=1)
    parser.add_argument("--batch", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--log", choices=("stdout", "off"), default="stdout", help="prediction logging")
    parser.add_argument("--profile")
    parser.add_argument("--no-fast-path", action="store_true", help="POST /predict through FastAPI's routing")
    parser.add_argument("--model-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.model_dir is None:
            args.model_dir = model_dir(Path(tmp) / "model")
        # Prediction records go to stdout as in the image; here into /dev/null.
        real_stdout = sys.stdout
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            if args.loop == "uvloop":
                import uvloop

                uvloop.install()
            result = asyncio.run(run(args))
        print(json.dumps(result), file=real_stdout)


if __name__ == "__main__":
    main()
