"""Loading the model directory and turning validated rows into predictions.

Three ways in: the user's `predict.py` hooks (`load`/`predict`, DESIGN.md §2); the SageMaker
inference handlers (`model_fn`, optional `input_fn`, `predict_fn`, `output_fn`) in `predict.py` or
in the training entry point that the image build copies in as `inference.py`, as SageMaker's
scikit-learn container calls them; or a joblib/pickle estimator.

An estimator gets a NumPy array in its column order (features.yaml order, or the order it was
fitted on) when that was checked at load to predict exactly as a pandas DataFrame does; models
that need column names (a ColumnTransformer selecting by name, string categories) get the
DataFrame. A classifier with predict_proba is called once per request: the label is the most
probable class, checked at load to agree with its predict.
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

    `prepare` turns rows into the model's input once per call (an array in feature order, a
    DataFrame, or the rows themselves for predict.py); `infer` takes that input and returns
    (predictions, probabilities or None) — one model pass where the model allows it."""

    def __init__(self, kind: str, prepare: Callable, infer: Callable, has_probabilities: bool,
                 classes: ClassNames, handlers: Optional["SageMakerHandlers"] = None,
                 input_form: str = "rows", passes: int = 1):
        self.kind = kind
        self.handlers = handlers
        self._prepare = prepare
        self._infer = infer
        self.has_probabilities = has_probabilities
        self.classes = classes
        self.input_form = input_form  # "array", "dataframe" or "rows": what the model is handed
        self.passes = passes  # model passes per call: 2 when predict and predict_proba both run
        self.calls = 0  # model invocations; read by tests and handy when debugging batching
        self._calls_lock = threading.Lock()

    def predict(self, rows: List[Dict[str, Any]]) -> Prediction:
        with self._calls_lock:
            self.calls += 1
        return self.run(rows)

    def run(self, rows: List[Dict[str, Any]]) -> Prediction:
        """`predict` without counting the call (load-time probes and timing)."""
        raw_predictions, raw_probabilities = self._infer(self._prepare(rows))
        predictions = _as_list(raw_predictions, len(rows), "predict")
        probabilities = None
        if raw_probabilities is not None:
            probabilities = self.classes.probability_rows(_as_list(raw_probabilities, len(rows), "predict_proba"))
        return Prediction(self.classes.predictions(predictions), probabilities)


def load_model(model_dir: Path, features: Sequence[Feature], manifest: Manifest, *,
               model_input: str = "auto", one_pass: bool = True) -> LoadedModel:
    """`model_input` "auto" hands an estimator a NumPy array in feature order when that was
    checked to predict exactly as the DataFrame does, "dataframe" always builds the DataFrame;
    `one_pass` lets a classifier answer label and probabilities from one predict_proba call when
    that was checked to agree with its predict."""
    # predict.py may import helpers shipped next to it, and a pickled pipeline may reference
    # custom transformer modules saved into the model dir by train.py.
    if str(model_dir) not in sys.path:
        sys.path.insert(0, str(model_dir))
    for name in ("predict.py", "inference.py"):
        hooks = model_dir / name
        if hooks.is_file():
            return _load_hooks(hooks, model_dir, features, manifest, one_pass)
    return _load_estimator(_find_artifact(model_dir), features, manifest, model_input, one_pass)


def _load_hooks(path: Path, model_dir: Path, features: Sequence[Feature], manifest: Manifest,
                one_pass: bool) -> LoadedModel:
    spec = importlib.util.spec_from_file_location("cd4ml_user_predict", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise ModelLoadError(f"{path} failed to import: {type(e).__name__}: {e}") from e
    has = {name: callable(getattr(module, name, None)) for name in ("load", "predict", "model_fn")}
    if has["model_fn"] and not (has["load"] and has["predict"]):
        return _load_sagemaker_handlers(module, path, model_dir, features, manifest, one_pass)
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
    proba = proba if callable(proba) else None
    combined = getattr(module, "predict_with_probabilities", None)
    if one_pass and callable(combined):
        def infer(rows):
            return _pair(combined(state, rows))
        passes = 1
    else:
        def infer(rows):
            return module.predict(state, rows), (proba(state, rows) if proba is not None else None)
        passes = 2 if proba is not None else 1
    return LoadedModel(
        kind="predict.py", prepare=_identity, infer=infer,
        has_probabilities=proba is not None or callable(combined),
        classes=ClassNames(manifest.classes, getattr(state, "classes_", None)), passes=passes)


def _identity(rows):
    return rows


def _pair(answer: Any) -> tuple:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        raise ModelOutputError("predict_with_probabilities returned a "
                               f"{type(answer).__name__}; return (predictions, probabilities or None)")
    return answer


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
                             manifest: Manifest, one_pass: bool) -> LoadedModel:
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
    # what SageMaker's default input_fn makes of a CSV row: an array in column order
    prepare = _array_builder([f.name for f in features], features)
    classes = ClassNames(manifest.classes, getattr(model, "classes_", None))
    if use_proba:
        infer, passes = _estimator_inference(model, prepare(sample_rows(features)), one_pass, path)
    else:
        infer, passes = (lambda data: (handlers.predict_fn(data, model), None)), 1
    return LoadedModel(kind=f"model_fn:{path.name}", prepare=prepare, infer=infer, has_probabilities=use_proba,
                       classes=classes, handlers=handlers, input_form="array", passes=passes)


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


def _load_estimator(path: Path, features: Sequence[Feature], manifest: Manifest, model_input: str,
                    one_pass: bool) -> LoadedModel:
    try:
        import joblib  # joblib also reads plain pickles
        estimator = joblib.load(path)
    except Exception as e:
        raise ModelLoadError(f"cannot load {path}: {type(e).__name__}: {e}") from e
    if not callable(getattr(estimator, "predict", None)):
        raise ModelLoadError(f"{path} holds a {type(estimator).__name__}, which has no predict method")
    proba = getattr(estimator, "predict_proba", None)
    has_proba = callable(proba)
    prepare, form = _input_adapter(estimator, features, path, model_input)
    samples = sample_rows(features)
    if has_proba:
        try:
            sample_input = prepare(samples)
        except Exception:
            sample_input = None
        infer, passes = _estimator_inference(estimator, sample_input, one_pass, path)
    else:
        infer, passes = (lambda inputs: (estimator.predict(inputs), None)), 1
    return LoadedModel(
        kind=f"{type(estimator).__module__.split('.')[0]}:{type(estimator).__name__}",
        prepare=prepare, infer=infer, has_probabilities=has_proba,
        classes=ClassNames(manifest.classes, getattr(estimator, "classes_", None)),
        input_form=form, passes=passes)


# Probability calibration makes these classifiers' predict disagree with the argmax of
# predict_proba (libsvm's Platt scaling), whatever a few sample rows show.
_PREDICT_IS_NOT_ARGMAX = {"SVC", "NuSVC"}


def _estimator_inference(estimator: Any, sample_input: Any, one_pass: bool, path: Path):
    """(infer, passes): one predict_proba pass whose argmax names the label, when the estimator's
    own predict was seen to agree with that on the sample rows; otherwise predict and
    predict_proba as two passes."""
    def two_passes(inputs):
        return estimator.predict(inputs), estimator.predict_proba(inputs)

    if not one_pass or sample_input is None:
        return two_passes, 2
    import numpy as np

    classes = getattr(estimator, "classes_", None)
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if classes is None or type(final).__name__ in _PREDICT_IS_NOT_ARGMAX:
        return two_passes, 2
    classes = np.asarray(classes)
    if classes.ndim != 1:
        return two_passes, 2  # multi-output: predict_proba is a list of arrays

    def one(inputs):
        probabilities = estimator.predict_proba(inputs)
        return classes.take(probabilities.argmax(axis=1)), probabilities

    try:
        expected = estimator.predict(sample_input)
        labels, probabilities = one(sample_input)
        agrees = getattr(probabilities, "shape", None) == (len(expected), len(classes)) \
            and to_plain(labels) == to_plain(expected)
    except Exception as e:
        log.info("%s: predict_proba cannot name the label (%s: %s); predicting in two passes",
                 path.name, type(e).__name__, e)
        return two_passes, 2
    if not agrees:
        log.info("%s: predict does not pick the most probable class on the sample rows; "
                 "predicting in two passes", path.name)
        return two_passes, 2
    return one, 1


def _input_adapter(estimator: Any, features: Sequence[Feature], path: Path, model_input: str):
    """(prepare, form): rows to what the estimator takes. A NumPy array in the fitted column
    order where that predicts exactly as the DataFrame does on sample rows (scikit-learn's
    checks on a one-row DataFrame cost more than the arithmetic), else the DataFrame."""
    names = [f.name for f in features]
    fitted_names = getattr(estimator, "feature_names_in_", None)
    if fitted_names is not None:
        fitted_names = [str(n) for n in fitted_names]
        unknown = [n for n in fitted_names if n not in names]
        if unknown:
            raise ModelLoadError(f"{path} was fitted on column(s) {', '.join(unknown)} "
                                 "that features.yaml does not declare")

        def frame(rows):
            return to_frame(rows, features)[fitted_names]
        columns = fitted_names
    else:
        fitted_count = getattr(estimator, "n_features_in_", None)
        if fitted_count is not None and fitted_count != len(names):
            raise ModelLoadError(f"{path} expects {fitted_count} features but features.yaml declares {len(names)}")
        if fitted_count is not None:
            # Fitted on a bare array: handing it a DataFrame makes scikit-learn warn on every call.
            def frame(rows):
                return to_frame(rows, features).to_numpy()
        else:
            def frame(rows):
                return to_frame(rows, features)
        columns = names
    if model_input == "dataframe":
        return frame, "dataframe"
    array = _array_builder(columns, features)
    if fitted_names is not None:
        _quiet_feature_name_warning()
    verdict = _same_predictions(estimator, array, frame, sample_rows(features))
    if verdict is not None:
        log.info("%s: handing the model a DataFrame (%s)", path.name, verdict)
        return frame, "dataframe"
    return array, "array"


def _quiet_feature_name_warning() -> None:
    # scikit-learn warns on every call that hands an array to a model fitted on a DataFrame;
    # the array was checked at load to predict exactly as the DataFrame does.
    import warnings

    warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)


def _same_predictions(estimator: Any, array: Callable, frame: Callable, samples: List[Dict[str, Any]]) -> Optional[str]:
    """None when the array input gives the DataFrame input's predictions and probabilities on
    the sample rows, else why not."""
    def outputs(prepare):
        values = [to_plain(estimator.predict(prepare(samples)))]
        if callable(getattr(estimator, "predict_proba", None)):
            values.append(to_plain(estimator.predict_proba(prepare(samples))))
        return values

    try:
        reference = outputs(frame)
    except Exception as e:
        return f"the sample rows built from features.yaml cannot be predicted: {type(e).__name__}: {e}"
    try:
        candidate = outputs(array)
    except Exception as e:
        return f"an array in feature order fails: {type(e).__name__}: {e}"
    if candidate != reference:
        return "an array in feature order predicts differently"
    return None


def _array_builder(columns: List[str], features: Sequence[Feature]) -> Callable:
    """Rows to a 2-D NumPy array with the given columns: float64 when every feature is numeric
    (None becomes NaN), objects when strings or booleans are among them (values as sent)."""
    import numpy as np

    types = {f.name: f.type for f in features}
    dtype = "float64" if all(types[c] in ("float", "int") for c in columns) else object

    def build(rows):
        return np.array([[row.get(c) for c in columns] for row in rows], dtype=dtype)

    return build


def sample_rows(features: Sequence[Feature]) -> List[Dict[str, Any]]:
    """Three rows built from features.yaml for load-time checks: the examples where given, then
    values spread inside min/max (or across enum values), different per feature and row, so a
    column mix-up changes the input."""
    rows = []
    for r in range(3):
        row = {}
        for j, f in enumerate(features):
            row[f.name] = _sample_value(f, r, j)
        rows.append(row)
    return rows


def _sample_value(feature: Feature, r: int, j: int) -> Any:
    if r == 0 and feature.example is not None:
        return feature.example
    k = r + j
    if feature.enum:
        return feature.enum[k % len(feature.enum)]
    if feature.type == "bool":
        return k % 2 == 0
    if feature.type == "str":
        return feature.example if feature.example is not None else "a"
    low, high = feature.min, feature.max
    if low is not None and high is not None:
        # a different fraction of the range per feature and row (golden-ratio steps never repeat)
        value = low + (high - low) * (0.1 + 0.8 * ((r * 7 + j) * 0.6180339887 % 1.0))
    else:
        base = feature.example if isinstance(feature.example, (int, float)) else (low if low is not None else
                                                                                 high if high is not None else 1.0)
        value = base + (1 + 0.37 * r + 0.11 * j) * (1 if high is None else -1)
    return int(round(value)) if feature.type == "int" else float(value)


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
