"""Fixtures: real scikit-learn models trained on iris, written as cd4ml model directories."""
from __future__ import annotations

from pathlib import Path

import pytest

from support import CLASSES, FEATURE_NAMES, serve, write_model_dir


@pytest.fixture(scope="session")
def iris_frame():
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.copy()
    frame.columns = FEATURE_NAMES + ["target"]
    frame["species"] = [CLASSES[i] for i in data.target]
    return frame


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, iris_frame) -> Path:
    """LogisticRegression fitted on a DataFrame, with the species names as labels."""
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
    return write_model_dir(tmp_path_factory.mktemp("model"), estimator)


@pytest.fixture(scope="session")
def encoded_model_dir(tmp_path_factory, iris_frame) -> Path:
    """RandomForest fitted on a bare array with labels 0..2: only model.json knows the names."""
    from sklearn.ensemble import RandomForestClassifier

    estimator = RandomForestClassifier(n_estimators=20, random_state=0).fit(
        iris_frame[FEATURE_NAMES].to_numpy(), iris_frame["target"].to_numpy())
    return write_model_dir(tmp_path_factory.mktemp("encoded"), estimator)


@pytest.fixture
def client(model_dir):
    with serve(model_dir) as test_client:
        yield test_client
