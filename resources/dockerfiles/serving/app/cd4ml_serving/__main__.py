"""`python3 -m cd4ml_serving [serve]`: run the model server under uvicorn.

`serve` is accepted because SageMaker hosting starts containers as `docker run IMAGE serve`.
On SIGTERM (or SIGINT) the server drains, stops accepting, finishes what arrived, flushes the
prediction log and exits 0 within CD4ML_GRACEFUL_TIMEOUT_S (runtime.py).
"""
from __future__ import annotations

import copy
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .features import FeatureSpecError, load_features
from .manifest import ManifestError, load_manifest
from .settings import Settings, SettingsError

USAGE = "usage: python3 -m cd4ml_serving [serve]"


def main(argv) -> int:
    if argv not in ([], ["serve"]):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"cd4ml-serving: {e}", file=sys.stderr)
        return 2
    try:
        # The same checks create_app makes, here so a broken image says why without a traceback.
        load_manifest(Path(settings.model_dir) / "model.json")
        load_features(Path(settings.model_dir) / "features.yaml")
    except (ManifestError, FeatureSpecError) as e:
        print(f"cd4ml-serving: {e}", file=sys.stderr)
        return 2
    metrics_dir = None
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Must be set before prometheus_client is imported by any worker (see metrics.py).
        try:
            metrics_dir = tempfile.mkdtemp(prefix="cd4ml-metrics-")
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        except OSError as e:
            print(f"cd4ml-serving: CD4ML_WORKERS={settings.workers} needs a writable temporary directory for "
                  f"the workers' shared metrics ({e}); mount one at /tmp (e.g. an emptyDir) or set "
                  "PROMETHEUS_MULTIPROC_DIR", file=sys.stderr)
            return 2

    import uvicorn

    from .runtime import DrainingServer, event_loop_and_protocol, exit_now, run_workers

    loop, http = event_loop_and_protocol()
    config = uvicorn.Config(
        "cd4ml_serving.app:app_from_environment", factory=True, host=settings.host, port=settings.port,
        workers=settings.workers, loop=loop, http=http,
        log_config=_log_config(uvicorn, settings.log_level), log_level=settings.log_level,
        # stdout carries prediction records only, one JSON object per line.
        access_log=False, server_header=False,
    )
    server = DrainingServer(config, settings.drain_delay_s, settings.graceful_timeout_s, settings.log_flush_timeout_s)
    logging.getLogger("cd4ml_serving").info("uvicorn %s, %s event loop, %s HTTP parser, %d worker(s)",
                                            uvicorn.__version__, loop, http, settings.workers)
    try:
        if settings.workers > 1:
            return run_workers(config, server, settings.workers)
        server.run()
        exit_now(0 if server.started else 3)  # 3: startup failed, as uvicorn.run exits
    finally:
        if metrics_dir:  # ours, so ours to remove; a user-provided directory is left alone
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _log_config(uvicorn, level: str) -> dict:
    """uvicorn's logging (to stderr) plus the server's own logger, in every worker process."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["cd4ml_serving"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
