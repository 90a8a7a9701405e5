"""POST /predict with a real scikit-learn model: accepted shapes, class names, ids."""
from __future__ import annotations

import pytest

from support import CLASSES, MODEL_NAME, MODEL_VERSION, SETOSA, VERSICOLOR, VIRGINICA, manifest, serve, \
    write_model_dir

MODEL_REF = {"name": MODEL_NAME, "version": MODEL_VERSION}


def test_predicts_one_row(client):
    response = client.post("/predict", json=SETOSA)

    assert response.status_code == 200
    body = response.json()
    assert body["predictions"] == ["setosa"]
    assert body["model"] == MODEL_REF
    assert list(body["probabilities"][0]) == CLASSES
    assert body["probabilities"][0]["setosa"] > 0.9
    assert sum(body["probabilities"][0].values()) == pytest.approx(1.0)


def test_predicts_a_list_of_rows_in_order(client):
    response = client.post("/predict", json=[VIRGINICA, SETOSA, VERSICOLOR])

    assert response.status_code == 200
    assert response.json()["predictions"] == ["virginica", "setosa", "versicolor"]
    assert len(response.json()["probabilities"]) == 3


def test_accepts_instances_wrapper(client):
    response = client.post("/predict", json={"instances": [SETOSA, VIRGINICA]})

    assert response.status_code == 200
    assert response.json()["predictions"] == ["setosa", "virginica"]


def test_integer_values_are_accepted_for_float_features(client):
    response = client.post("/predict", json={"sepal_length": 5, "sepal_width": 3, "petal_length": 1, "petal_width": 0})

    assert response.status_code == 200


def test_encoded_labels_are_named_by_manifest_classes(encoded_model_dir):
    with serve(encoded_model_dir) as client:
        body = client.post("/predict", json=[SETOSA, VIRGINICA]).json()

    assert body["predictions"] == ["setosa", "virginica"]
    assert list(body["probabilities"][0]) == CLASSES


def test_without_manifest_classes_probabilities_use_estimator_classes(tmp_path, iris_frame):
    from sklearn.tree import DecisionTreeClassifier

    from support import FEATURE_NAMES
    estimator = DecisionTreeClassifier(random_state=0).fit(iris_frame[FEATURE_NAMES], iris_frame["target"])
    model_dir = write_model_dir(tmp_path, estimator, manifest_doc=manifest(classes=None))
    with serve(model_dir) as client:
        body = client.post("/predict", json=SETOSA).json()

    assert body["predictions"] == [0]
    assert list(body["probabilities"][0]) == ["0", "1", "2"]


def test_regressor_has_no_probabilities(tmp_path, iris_frame):
    from sklearn.linear_model import LinearRegression

    from support import FEATURE_NAMES
    estimator = LinearRegression().fit(iris_frame[FEATURE_NAMES], iris_frame["target"])
    model_dir = write_model_dir(tmp_path, estimator, manifest_doc=manifest(classes=None))
    with serve(model_dir) as client:
        body = client.post("/predict", json=SETOSA).json()

    assert "probabilities" not in body
    assert isinstance(body["predictions"][0], float)


def test_id_field_is_accepted_and_not_passed_to_the_model(client):
    response = client.post("/predict", json=[{**SETOSA, "request_id": "order-17"}, {**VIRGINICA, "request_id": 18}])

    assert response.status_code == 200
    assert response.json()["predictions"] == ["setosa", "virginica"]


def test_request_id_header_is_echoed_or_generated(client):
    given = client.post("/predict", json=SETOSA, headers={"X-Request-ID": "abc-123"})
    generated = client.post("/predict", json=SETOSA)
    unsafe = client.post("/predict", json=SETOSA, headers={"X-Request-ID": "bad id\twith spaces"})

    assert given.headers["x-request-id"] == "abc-123"
    assert len(generated.headers["x-request-id"]) == 36
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_model_name_can_be_overridden(model_dir):
    with serve(model_dir, model_name="iris-prod") as client:
        assert client.post("/predict", json=SETOSA).json()["model"]["name"] == "iris-prod"
        assert client.get("/v2/models/iris-prod").status_code == 200


def test_bare_feature_list_is_accepted(tmp_path, iris_frame):
    from sklearn.linear_model import LogisticRegression

    from support import FEATURE_NAMES, FEATURES
    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
    model_dir = write_model_dir(tmp_path, estimator, features=FEATURES, bare_features=True)
    with serve(model_dir) as client:
        assert client.post("/predict", json=SETOSA).json()["predictions"] == ["setosa"]


def test_columns_follow_the_estimators_fitted_order(tmp_path, iris_frame):
    """features.yaml may list features in another order than the DataFrame the model saw."""
    from sklearn.linear_model import LogisticRegression

    from support import FEATURE_NAMES, FEATURES
    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
    model_dir = write_model_dir(tmp_path, estimator, features=list(reversed(FEATURES)))
    with serve(model_dir) as client:
        assert client.post("/predict", json=[SETOSA, VIRGINICA]).json()["predictions"] == ["setosa", "virginica"]
