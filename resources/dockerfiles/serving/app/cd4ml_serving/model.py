"""Loading the model directory and turning validated rows into predictions.

Three ways in: the user's `predict.py` hooks (`load`/`predict`, DESIGN.md §2); the SageMaker
inference handlers (`model_fn`, optional `input_fn`, `predict_fn`, `output_fn`) in `predict.py` or
in the training entry point that the image build copies in as `inference.py`, as SageMaker's
scikit-learn container calls them; or a joblib/pickle estimator called with a pandas DataFrame
whose columns follow features.yaml.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from .features import Feature
from .labels import ClassNames, to_plain
from .manifest import Manifest

log = logging.getLogger("cd4ml_serving")

ARTIFACT_SUFFIXES = (".joblib", ".pkl", ".pickle")


class ModelLoadError(RuntimeError):
    """The model directory cannot be turned into something that predicts."""


class ModelOutputError(RuntimeError):
    """The model returned something the server cannot map back to the request rows."""


@dataclasses.dataclass(frozen=True)
class Prediction:
    predictions: List[Any]
    probabilities: Optional[List[Dict[str, Any]]]


class LoadedModel:
    """A model ready to predict: `predict(rows)` takes validated feature dicts.

    `prepare` turns rows into the model's input once per call; `predict_fn` and `proba_fn` take
    that input."""

    def __init__(self, kind: str, prepare: Callable, predict_fn: Callable, proba_fn: Optional[Callable],
                 classes: ClassNames, handlers: Optional["SageMakerHandlers"] = None):
        self.kind = kind
        self.handlers = handlers
        self._prepare = prepare
        self._predict = predict_fn
        self._proba = proba_fn
        self.classes = classes
        self.calls = 0  # model invocations; read by tests and handy when debugging batching
        self._calls_lock = threading.Lock()

    @property
    def has_probabilities(self) -> bool:
        return self._proba is not None

    def predict(self, rows: List[Dict[str, Any]]) -> Prediction:
        with self._calls_lock:
            self.calls += 1
        inputs = self._prepare(rows)
        predictions = _as_list(self._predict(inputs), len(rows), "predict")
        probabilities = None
        if self._proba is not None:
            probabilities = [self.classes.probabilities(p)
                             for p in _as_list(self._proba(inputs), len(rows), "predict_proba")]
        return Prediction([self.classes.prediction(p) for p in predictions], probabilities)


def load_model(model_dir: Path, features: Sequence[Feature], manifest: Manifest) -> LoadedModel:
    # predict.py may import helpers shipped next to it, and a pickled pipeline may reference
    # custom transformer modules saved into the model dir by train.py.
    if str(model_dir) not in sys.path:
        sys.path.insert(0, str(model_dir))
    for name in ("predict.py", "inference.py"):
        hooks = model_dir / name
        if hooks.is_file():
            return _load_hooks(hooks, model_dir, features, manifest)
    return _load_estimator(_find_artifact(model_dir), features, manifest)


def _load_hooks(path: Path, model_dir: Path, features: Sequence[Feature], manifest: Manifest) -> LoadedModel:
    spec = importlib.util.spec_from_file_location("cd4ml_user_predict", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise ModelLoadError(f"{path} failed to import: {type(e).__name__}: {e}") from e
    has = {name: callable(getattr(module, name, None)) for name in ("load", "predict", "model_fn")}
    if has["model_fn"] and not (has["load"] and has["predict"]):
        return _load_sagemaker_handlers(module, path, model_dir, features, manifest)
    missing = [name for name in ("load", "predict") if not has[name]]
    if missing:
        raise ModelLoadError(f"{path} must define {' and '.join(missing)}(...): "
                             "load(model_dir) -> model and predict(model, rows) -> list "
                             "(or SageMaker's model_fn(model_dir), with optional input_fn, predict_fn, output_fn)")
    try:
        state = module.load(str(model_dir))
    except Exception as e:
        raise ModelLoadError(f"{path}: load({model_dir}) failed: {type(e).__name__}: {e}") from e
    proba = getattr(module, "predict_proba", None)
    return LoadedModel(
        kind="predict.py",
        prepare=lambda rows: rows,
        predict_fn=lambda rows: module.predict(state, rows),
        proba_fn=(lambda rows: proba(state, rows)) if callable(proba) else None,
        classes=ClassNames(manifest.classes, getattr(state, "classes_", None)))


@dataclasses.dataclass(frozen=True)
class SageMakerHandlers:
    """The SageMaker inference handlers of a module, with SageMaker's defaults for those it leaves out.

    `input_fn(body, content_type)` and `output_fn(prediction, accept)` see the raw /invocations
    request and answer as on a SageMaker endpoint; /predict and the other JSON endpoints validate
    rows against features.yaml first and call `predict_fn(array_in_feature_order, model)`."""
    model: Any
    input_fn: Optional[Callable]
    predict_fn: Callable
    output_fn: Optional[Callable]

    @property
    def handles_invocations(self) -> bool:
        return self.input_fn is not None or self.output_fn is not None


def _load_sagemaker_handlers(module, path: Path, model_dir: Path, features: Sequence[Feature],
                             manifest: Manifest) -> LoadedModel:
    try:
        model = module.model_fn(str(model_dir))
    except Exception as e:
        raise ModelLoadError(f"{path}: model_fn({model_dir}) failed: {type(e).__name__}: {e}") from e
    custom_predict = getattr(module, "predict_fn", None)
    if callable(custom_predict):
        predict_fn = custom_predict
    elif callable(getattr(model, "predict", None)):
        def predict_fn(data, fitted):  # SageMaker's default_predict_fn
            return fitted.predict(data)
    else:
        raise ModelLoadError(f"{path}: model_fn returned a {type(model).__name__}, which has no predict method; "
                             "define predict_fn(input_data, model)")
    handlers = SageMakerHandlers(
        model=model,
        input_fn=getattr(module, "input_fn", None) if callable(getattr(module, "input_fn", None)) else None,
        predict_fn=predict_fn,
        output_fn=getattr(module, "output_fn", None) if callable(getattr(module, "output_fn", None)) else None)
    proba = getattr(model, "predict_proba", None)
    use_proba = not callable(custom_predict) and callable(proba)

    def prepare(rows):
        import numpy as np
        # what SageMaker's default input_fn makes of a CSV row: an array in column order
        return np.array([[row.get(f.name) for f in features] for row in rows], dtype=object
                        if any(f.type in ("str", "bool") for f in features) else "float64")

    return LoadedModel(
        kind=f"model_fn:{path.name}",
        prepare=prepare,
        predict_fn=lambda data: handlers.predict_fn(data, model),
        proba_fn=proba if use_proba else None,
        classes=ClassNames(manifest.classes, getattr(model, "classes_", None)),
        handlers=handlers)


def _find_artifact(model_dir: Path) -> Path:
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist")
    candidates = sorted(p for p in model_dir.iterdir() if p.is_file() and p.suffix in ARTIFACT_SUFFIXES)
    preferred = [p for p in candidates if p.stem == "model"]
    if len(candidates) == 1 or len(preferred) == 1:
        return (preferred or candidates)[0]
    if not candidates:
        raise ModelLoadError(f"{model_dir} holds no predict.py and no *.joblib/*.pkl estimator")
    raise ModelLoadError(f"{model_dir} holds several estimators ({', '.join(p.name for p in candidates)}); "
                         "name the one to serve model.joblib or add a predict.py")


def _load_estimator(path: Path, features: Sequence[Feature], manifest: Manifest) -> LoadedModel:
    try:
        import joblib  # joblib also reads plain pickles
        estimator = joblib.load(path)
    except Exception as e:
        raise ModelLoadError(f"cannot load {path}: {type(e).__name__}: {e}") from e
    if not callable(getattr(estimator, "predict", None)):
        raise ModelLoadError(f"{path} holds a {type(estimator).__name__}, which has no predict method")
    proba = getattr(estimator, "predict_proba", None)
    return LoadedModel(
        kind=f"{type(estimator).__module__.split('.')[0]}:{type(estimator).__name__}",
        prepare=_input_adapter(estimator, features, path),
        predict_fn=estimator.predict,
        proba_fn=proba if callable(proba) else None,
        classes=ClassNames(manifest.classes, getattr(estimator, "classes_", None)))


def _input_adapter(estimator: Any, features: Sequence[Feature], path: Path) -> Callable:
    """Rows to what the estimator was fitted on: a DataFrame, or an array if it saw no names."""
    names = [f.name for f in features]
    fitted_names = getattr(estimator, "feature_names_in_", None)
    if fitted_names is not None:
        fitted_names = [str(n) for n in fitted_names]
        unknown = [n for n in fitted_names if n not in names]
        if unknown:
            raise ModelLoadError(f"{path} was fitted on column(s) {', '.join(unknown)} "
                                 "that features.yaml does not declare")
        return lambda rows: to_frame(rows, features)[fitted_names]
    fitted_count = getattr(estimator, "n_features_in_", None)
    if fitted_count is not None:
        if fitted_count != len(names):
            raise ModelLoadError(f"{path} expects {fitted_count} features but features.yaml declares {len(names)}")
        # Fitted on a bare array: handing it a DataFrame makes scikit-learn warn on every call.
        return lambda rows: to_frame(rows, features).to_numpy()
    return lambda rows: to_frame(rows, features)


def to_frame(rows: List[Dict[str, Any]], features: Sequence[Feature]):
    """Rows to a DataFrame with one column per feature, in features.yaml order and type."""
    import numpy as np
    import pandas as pd

    names = [f.name for f in features]
    if all(f.type == "float" for f in features):
        # The common all-numeric case: one array instead of a Series per column (several times
        # faster for single-row requests). None becomes NaN.
        matrix = np.array([[row.get(n) for n in names] for row in rows], dtype="float64")
        return pd.DataFrame(matrix, columns=names)
    columns = {}
    for feature in features:
        values = [row.get(feature.name) for row in rows]
        has_missing = any(v is None for v in values)
        if feature.type == "float" or (feature.type == "int" and has_missing):
            dtype = "float64"  # NaN marks a missing optional value
        elif feature.type == "int":
            dtype = "int64"
        elif feature.type == "bool" and not has_missing:
            dtype = "bool"
        else:
            dtype = "object"
        columns[feature.name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(columns, columns=names)


def warm_up(model: LoadedModel, features: Sequence[Feature]) -> None:
    """Predicts the features.yaml example row once, so a model that cannot predict is never
    reported ready and the first caller does not pay for lazy imports. Skipped unless every
    feature has an example: invented values could upset a user's encoder."""
    if all(f.example is not None for f in features):
        model.predict([{f.name: f.example for f in features}])


def _as_list(output: Any, expected: int, hook: str) -> list:
    if hasattr(output, "columns") and hasattr(output, "to_dict"):
        output = output.to_dict("records")  # a DataFrame from predict.py
    values = to_plain(output)
    if not isinstance(values, list) or len(values) != expected:
        got = len(values) if isinstance(values, list) else type(output).__name__
        raise ModelOutputError(f"{hook} returned {got} results for {expected} rows")
    return values
