"""Feature names as real CSV headers have them, kept as written everywhere clients see them.

The request model maps each name to an internal identifier (f0, f1, ...) and keeps the name as its
alias, so requests, responses, error locations, prediction logs, the OpenAPI docs, CSV
invocations and Open Inference Protocol inputs all use the names of features.yaml.
"""
from __future__ import annotations

import json

import pytest

from support import manifest, serve, write_model_dir

NAMES = ["sepal length (cm)", "sepal/width", "petal.length", "petal-width"]
FEATURES = [{"name": n, "type": "float", "min": 0, "max": 10} for n in NAMES]
SETOSA = dict(zip(NAMES, [5.1, 3.5, 1.4, 0.2]))
VIRGINICA = dict(zip(NAMES, [6.9, 3.1, 5.8, 2.2]))


@pytest.fixture(scope="module")
def csv_header_model(tmp_path_factory, iris_frame):
    from sklearn.linear_model import LogisticRegression

    frame = iris_frame.rename(columns=dict(zip(["sepal_length", "sepal_width", "petal_length", "petal_width"],
                                               NAMES)))
    estimator = LogisticRegression(max_iter=1000).fit(frame[NAMES], frame["species"])
    return write_model_dir(tmp_path_factory.mktemp("csv-names"), estimator, features=FEATURES,
                           manifest_doc=manifest(id_field="order id"))


def records(captured: str):
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_requests_responses_and_logs_use_the_names_as_written(csv_header_model, capsys):
    with serve(csv_header_model, log_stdout=True) as client:
        response = client.post("/predict", json=[{**SETOSA, "order id": "o-1"}, VIRGINICA])
    logged = records(capsys.readouterr().out)

    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == ["setosa", "virginica"]
    assert [r["features"] for r in logged] == [SETOSA, VIRGINICA]
    assert logged[0]["id"] == "o-1"


def test_errors_point_at_the_name_as_written(csv_header_model):
    with serve(csv_header_model) as client:
        response = client.post("/predict", json={**SETOSA, "petal-width": "wide"})
        missing = client.post("/predict", json={k: v for k, v in SETOSA.items() if k != "sepal/width"})

    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["petal-width"]
    assert missing.status_code == 422
    assert [e["loc"][-1] for e in missing.json()["detail"]] == ["sepal/width"]


def test_the_docs_show_the_names_as_written(csv_header_model):
    with serve(csv_header_model) as client:
        schema = client.get("/openapi.json").json()

    rows = [s for name, s in schema["components"]["schemas"].items() if name.endswith("Features")]
    assert len(rows) == 1
    assert list(rows[0]["properties"])[:4] == NAMES
    assert not any(name.startswith("f0") for name in rows[0]["properties"])


def test_csv_and_open_inference_inputs_use_the_names(csv_header_model):
    with serve(csv_header_model) as client:
        csv = client.post("/invocations", content=",".join(NAMES) + "\n5.1,3.5,1.4,0.2\n",
                          headers={"Content-Type": "text/csv"})
        model = client.get("/v2/models/iris-classifier").json()
        infer = client.post("/v2/models/iris-classifier/infer", json={"inputs": [
            {"name": n, "shape": [1], "datatype": "FP64", "data": [v]} for n, v in VIRGINICA.items()]})

    assert csv.status_code == 200, csv.text
    assert "setosa" in csv.text
    assert [i["name"] for i in model["inputs"]] == NAMES
    assert infer.status_code == 200, infer.text
    assert infer.json()["outputs"][0]["data"] == ["virginica"]
