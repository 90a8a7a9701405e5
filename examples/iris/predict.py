"""Serving hooks (optional, DESIGN.md §2).

The serving image calls `load(model_dir)` once at start-up and then `predict(model, rows)` and
`predict_proba(model, rows)` with validated request rows: dicts keyed by the feature names of
features.yaml. Without this file the server would load model.joblib itself; the hooks are here to
show where custom pre- and post-processing goes.
"""
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
    return model


def _frame(model, rows):
    """Rows as a DataFrame in the column order the estimator was fitted on."""
    import pandas as pd

    columns = [str(c) for c in getattr(model, "feature_names_in_", FEATURES)]
    return pd.DataFrame([[float(row[c]) for c in columns] for row in rows], columns=columns)


def predict(model, rows):
    """One species name per row."""
    if not rows:
        return []
    return [str(label) for label in model.predict(_frame(model, rows))]


def predict_proba(model, rows):
    """One {species: probability} dict per row."""
    if not rows:
        return []
    classes = [str(c) for c in model.classes_]
    return [{name: float(p) for name, p in zip(classes, probabilities)}
            for probabilities in model.predict_proba(_frame(model, rows))]
