"""The predict.py path: user hooks instead of a pickled estimator."""
from __future__ import annotations

import pytest

from support import CLASSES, SETOSA, VIRGINICA, serve, write_model_dir

HOOKS = """
import json, os
from helper import threshold   # a module shipped next to predict.py

def load(model_dir):
    with open(os.path.join(model_dir, "weights.json")) as f:
        return json.load(f)

def predict(model, rows):
    return [2 if r["petal_length"] > threshold(model) else 0 for r in rows]

def predict_proba(model, rows):
    return [[0.0, 0.1, 0.9] if r["petal_length"] > threshold(model) else [0.8, 0.2, 0.0] for r in rows]
"""


@pytest.fixture
def hooks_dir(tmp_path):
    model_dir = write_model_dir(tmp_path, predict_py=HOOKS)
    (model_dir / "helper.py").write_text("def threshold(model):\n    return model['threshold']\n")
    (model_dir / "weights.json").write_text('{"threshold": 3.0}')
    return model_dir


def test_hooks_predict_with_probabilities_named_by_manifest_classes(hooks_dir):
    with serve(hooks_dir) as client:
        body = client.post("/predict", json=[SETOSA, VIRGINICA]).json()

    assert body["predictions"] == [0, 2]  # no classes_ on the hook's model: predictions as returned
    assert body["probabilities"][1] == dict(zip(CLASSES, [0.0, 0.1, 0.9]))


def test_hooks_may_return_probability_dicts(tmp_path):
    hooks = ("def load(d):\n    return None\n\ndef predict(m, rows):\n    return ['yes' for _ in rows]\n\n"
             "def predict_proba(m, rows):\n    return [{'yes': 0.7, 'no': 0.3} for _ in rows]\n")
    with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
        body = client.post("/predict", json=SETOSA).json()

    assert body == {"predictions": ["yes"], "probabilities": [{"yes": 0.7, "no": 0.3}],
                    "model": body["model"]}


def test_hooks_without_predict_proba_give_predictions_only(tmp_path):
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1.5 for _ in rows]\n"
    with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
        body = client.post("/predict", json=[SETOSA, SETOSA]).json()

    assert body["predictions"] == [1.5, 1.5]
    assert "probabilities" not in body


def test_hooks_receive_rows_as_dicts_in_feature_order(tmp_path):
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [list(r) for r in rows]\n"
    with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
        body = client.post("/predict", json=dict(reversed(list(SETOSA.items())))).json()

    assert body["predictions"] == [list(SETOSA)]


def test_wrong_number_of_predictions_is_a_500_not_a_crash(tmp_path):
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1]\n"
    with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
        response = client.post("/predict", json=[SETOSA, SETOSA])
        assert client.get("/health").status_code == 200

    assert response.status_code == 500
    assert "returned 1 results for 2 rows" in response.json()["error"]


def test_missing_predict_function_is_a_load_error(tmp_path):
    with serve(write_model_dir(tmp_path, predict_py="def load(d):\n    return None\n")) as client:
        assert "must define predict" in client.get("/ready").json()["error"]


def test_warm_up_with_examples_fails_readiness_of_a_model_that_cannot_predict(tmp_path):
    hooks = "def load(d):\n    return None\n\ndef predict(m, rows):\n    raise ValueError('broken model')\n"
    with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
        assert client.get("/ready").status_code == 503
        assert "broken model" in client.get("/health").json()["error"]
