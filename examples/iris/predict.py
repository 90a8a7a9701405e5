"""Serving hooks (optional, DESIGN.md §2).

The serving image calls `load(model_dir)` once at start-up and then, for each request, either
`predict_with_probabilities(model, rows)` when it is defined (one model pass for both answers) or
`predict(model, rows)` and `predict_proba(model, rows)`. `rows` are validated request rows: dicts
keyed by the feature names of features.yaml. Without this file the server would load
model.joblib itself; the hooks are here to show where custom pre- and post-processing goes.
"""
import warnings
from pathlib import Path

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]  # features.yaml order


def load(model_dir):
    """The estimator train.py saved, set to predict on one thread.

    train.py fits the forest on all the CPUs it has (n_jobs); a request holds one row or a small
    batch, for which fanning the trees out to a thread pool costs more than it saves (about half
    the latency of a one-row call here, see bench/README.md)."""
    import joblib

    model = joblib.load(Path(model_dir) / "model.joblib")
    if "n_jobs" in model.get_params():
        model.set_params(n_jobs=1)
    # train.py fits on a DataFrame; the hooks hand the model a plain array in the same column
    # order (building a DataFrame per request costs more than the arithmetic), which
    # scikit-learn would otherwise warn about on every call.
    warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)
    return model


def _matrix(model, rows):
    """Rows as a NumPy array in the column order the estimator was fitted on."""
    import numpy as np

    columns = [str(c) for c in getattr(model, "feature_names_in_", FEATURES)]
    return np.array([[float(row[c]) for c in columns] for row in rows])


def predict_with_probabilities(model, rows):
    """(species names, {species: probability} dicts), one per row, from one pass over the trees:
    the forest's predict is the most probable class of predict_proba."""
    if not rows:
        return [], []
    classes = [str(c) for c in model.classes_]
    probabilities = model.predict_proba(_matrix(model, rows))
    labels = [classes[i] for i in probabilities.argmax(axis=1)]
    return labels, [dict(zip(classes, map(float, p))) for p in probabilities]


def predict(model, rows):
    """One species name per row."""
    if not rows:
        return []
    return [str(label) for label in model.predict(_matrix(model, rows))]


def predict_proba(model, rows):
    """One {species: probability} dict per row."""
    if not rows:
        return []
    classes = [str(c) for c in model.classes_]
    return [{name: float(p) for name, p in zip(classes, probabilities)}
            for probabilities in model.predict_proba(_matrix(model, rows))]
