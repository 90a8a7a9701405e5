"""Test helpers: the iris feature set, model directories, and a TestClient over create_app."""
from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from pathlib import Path

import yaml

APP_DIR = Path(__file__).resolve().parents[1] / "app"
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

from cd4ml_serving.app import create_app  # noqa: E402
from cd4ml_serving.settings import Settings  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

CLASSES = ["setosa", "versicolor", "virginica"]
FEATURE_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
FEATURES = [
    {"name": "sepal_length", "type": "float", "min": 0, "max": 10, "example": 5.1, "description": "Sepal length in cm"},
    {"name": "sepal_width", "type": "float", "min": 0, "max": 10, "example": 3.5},
    {"name": "petal_length", "type": "float", "min": 0, "max": 10, "example": 1.4},
    {"name": "petal_width", "type": "float", "min": 0, "max": 10, "example": 0.2},
]
SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
VERSICOLOR = {"sepal_length": 6.0, "sepal_width": 2.7, "petal_length": 4.4, "petal_width": 1.3}
VIRGINICA = {"sepal_length": 6.9, "sepal_width": 3.1, "petal_length": 5.8, "petal_width": 2.2}
MODEL_NAME = "iris-classifier"
MODEL_VERSION = "3f2a9c1b7d4e"


def manifest(**overrides) -> dict:
    """A model.json as training writes it; pass key=None to leave a key out."""
    document = {
        "schema": 1, "project": MODEL_NAME, "version": MODEL_VERSION,
        "digest": "sha256:" + "0" * 64, "created": "2024-05-01T12:00:00Z",
        "git": {"commit": "a" * 40, "short": "aaaaaaa"}, "target": "species", "classes": CLASSES,
        "id_field": "request_id", "hyperparameters": {"C": "1.0"}, "metrics": {"accuracy": 0.97},
        "backend": {"name": "local", "job_id": "local-1"}, "run_id": "run-1",
    }
    document.update(overrides)
    return {k: v for k, v in document.items() if v is not None}


def write_model_dir(path: Path, estimator=None, *, features=None, manifest_doc=None, predict_py=None,
                    bare_features=False) -> Path:
    import joblib

    path.mkdir(parents=True, exist_ok=True)
    (path / "model.json").write_text(json.dumps(manifest_doc or manifest()))
    listed = FEATURES if features is None else features
    (path / "features.yaml").write_text(yaml.safe_dump(listed if bare_features else {"features": listed}))
    if estimator is not None:
        joblib.dump(estimator, path / "model.joblib")
    if predict_py is not None:
        (path / "predict.py").write_text(predict_py)
    return path


def settings_for(model_dir: Path, **overrides) -> Settings:
    values = {"model_dir": str(model_dir), "log_stdout": False, "log_flush_timeout_s": 2.0}
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def serve(model_dir: Path, wait_ready: bool = True, **overrides):
    """A TestClient over create_app(...) with the lifespan running (and the model loaded)."""
    app = create_app(settings_for(model_dir, **overrides))
    with TestClient(app) as client:
        if wait_ready:
            wait_until(lambda: app.state.service.ready or app.state.load_error, "the model to load")
        yield client


def wait_until(condition, what: str, timeout_s: float = 15.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def metric_value(metrics_text: str, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels` (0 if none)."""
    total = 0.0
    for line in metrics_text.splitlines():
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        sample = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(sample.get(k) == str(v) for k, v in labels.items()):
            total += float(match.group(4))
    return total
