"""`python3 -m cd4ml_serving [serve]`: run the model server under uvicorn.

`serve` is accepted because SageMaker hosting starts containers as `docker run IMAGE serve`.
On SIGTERM uvicorn stops accepting connections, lets in-flight requests finish, then runs the
app's shutdown (batcher stop, log flush) and the process exits 0.
"""
from __future__ import annotations

import copy
import inspect
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .features import FeatureSpecError, load_features
from .manifest import ManifestError, load_manifest
from .settings import Settings, SettingsError

USAGE = "usage: python3 -m cd4ml_serving [serve]"
GRACEFUL_SHUTDOWN_S = 25  # below Kubernetes' default 30 s termination grace period


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

    options = dict(
        host=settings.host, port=settings.port, workers=settings.workers, factory=True,
        log_config=_log_config(uvicorn, settings.log_level), log_level=settings.log_level,
        # stdout carries prediction records only, one JSON object per line.
        access_log=False, server_header=False,
    )
    if "timeout_graceful_shutdown" in inspect.signature(uvicorn.Config.__init__).parameters:
        options["timeout_graceful_shutdown"] = GRACEFUL_SHUTDOWN_S
    try:
        uvicorn.run("cd4ml_serving.app:app_from_environment", **options)
    finally:
        if metrics_dir:  # ours, so ours to remove; a user-provided directory is left alone
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _log_config(uvicorn, level: str) -> dict:
    """uvicorn's logging (to stderr) plus the server's own logger, in every worker process."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["cd4ml_serving"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
