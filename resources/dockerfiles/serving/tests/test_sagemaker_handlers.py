"""SageMaker inference handlers (model_fn, input_fn, predict_fn, output_fn), as SageMaker's
scikit-learn container calls them, in predict.py or in the entry point copied in as inference.py."""
from __future__ import annotations

import joblib

from support import FEATURE_NAMES, SETOSA, VIRGINICA, serve, write_model_dir

MODEL_FN_ONLY = '''
import os
import joblib

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "classifier.bin"))

if __name__ == "__main__":
    raise SystemExit("training code: must not run when the server imports this module")
'''

ALL_HANDLERS = '''
import json
import os
import joblib
import numpy as np

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "classifier.bin"))

def input_fn(body, content_type):
    assert content_type == "application/x-rows"
    return np.array([[float(v) for v in line.split("|")] for line in body.decode().splitlines()])

def predict_fn(data, model):
    return np.array(["predicted:" + p for p in model.predict(data)])

def output_fn(prediction, accept):
    return json.dumps({"labels": prediction.tolist(), "accept": accept}), "application/vnd.test+json"
'''


def _model_dir(tmp_path, iris_frame, hooks_name, hooks):
    from sklearn.tree import DecisionTreeClassifier

    estimator = DecisionTreeClassifier(random_state=0).fit(iris_frame[FEATURE_NAMES].to_numpy(),
                                                           iris_frame["species"])
    path = write_model_dir(tmp_path)
    joblib.dump(estimator, path / "classifier.bin")  # a name only model_fn knows
    (path / hooks_name).write_text(hooks)
    return path


def test_model_fn_in_the_entry_point_loads_the_model_and_default_predict_fn_predicts(tmp_path, iris_frame):
    with serve(_model_dir(tmp_path, iris_frame, "inference.py", MODEL_FN_ONLY)) as client:
        predicted = client.post("/predict", json=[SETOSA, VIRGINICA])
        metadata = client.get("/v2/models/iris-classifier").json()
        csv = client.post("/invocations", content="5.1,3.5,1.4,0.2\n", headers={"Content-Type": "text/csv"})

    assert predicted.status_code == 200, predicted.text
    assert predicted.json()["predictions"] == ["setosa", "virginica"]
    assert metadata["platform"] == "model_fn:inference.py"
    assert csv.status_code == 200 and "setosa" in csv.text


def test_input_predict_and_output_fn_answer_invocations_as_on_sagemaker(tmp_path, iris_frame):
    with serve(_model_dir(tmp_path, iris_frame, "predict.py", ALL_HANDLERS)) as client:
        raw = client.post("/invocations", content="5.1|3.5|1.4|0.2\n6.9|3.1|5.8|2.2",
                          headers={"Content-Type": "application/x-rows", "Accept": "application/json"})
        rows = client.post("/predict", json=SETOSA)

    assert raw.status_code == 200, raw.text
    assert raw.headers["content-type"].startswith("application/vnd.test+json")
    assert raw.json() == {"labels": ["predicted:setosa", "predicted:virginica"], "accept": "application/json"}
    assert rows.json()["predictions"] == ["predicted:setosa"]


def test_a_failing_model_fn_is_a_load_error_naming_the_file(tmp_path, iris_frame):
    broken = "def model_fn(model_dir):\n    raise FileNotFoundError('model.pth')\n"
    with serve(_model_dir(tmp_path, iris_frame, "inference.py", broken)) as client:
        health = client.get("/health")

    assert health.status_code == 503
    assert "inference.py: model_fn(" in health.json()["error"]
    assert "model.pth" in health.json()["error"]
