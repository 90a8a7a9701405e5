"""Reading the model directory: features.yaml, model.json and the estimator artifact."""
from __future__ import annotations

import pickle

import pytest

from support import FEATURE_NAMES, FEATURES, SETOSA, manifest, serve, write_model_dir
from cd4ml_serving.features import FeatureSpecError, parse_features
from cd4ml_serving.manifest import ManifestError, load_manifest


@pytest.mark.parametrize("document, message", [
    ({}, "non-empty list"),
    ([], "non-empty list"),
    ([{"type": "float"}], "`name` must be a non-empty string"),
    ([{"name": "a", "type": "number"}], "`type` must be one of float, int, str, bool"),
    ([{"name": "a", "type": "float", "minimum": 1}], "unknown key(s) minimum"),
    ([{"name": "a", "type": "str", "min": 1}], "only applies to float and int"),
    ([{"name": "a", "type": "int", "min": 5, "max": 1}], "`min` is greater than `max`"),
    ([{"name": "a", "type": "int", "enum": ["x"]}], "`enum` must be a non-empty list of int values"),
    ([{"name": "a", "type": "float", "example": "big"}], "`example` 'big' is not a float"),
    ([{"name": "a", "type": "bool", "required": "yes"}], "`required` must be true or false"),
    ([{"name": "a", "type": "bool"}, {"name": "a", "type": "int"}], "listed twice"),
])
def test_invalid_features_are_explained(document, message):
    with pytest.raises(FeatureSpecError) as raised:
        parse_features(document)

    assert message in str(raised.value)


def test_all_feature_problems_are_reported_together():
    with pytest.raises(FeatureSpecError) as raised:
        parse_features([{"name": "a", "type": "number"}, {"name": "b", "type": "int", "max": "ten"}])

    assert "(a)" in str(raised.value) and "(b)" in str(raised.value)


def test_manifest_needs_project_and_version(tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"project": "", "classes": "abc"}')

    with pytest.raises(ManifestError) as raised:
        load_manifest(path)

    assert "`project`" in str(raised.value) and "`version`" in str(raised.value) and "`classes`" in str(raised.value)


def test_plain_pickle_artifact_is_served(tmp_path, iris_frame):
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
    model_dir = write_model_dir(tmp_path)
    (model_dir / "classifier.pkl").write_bytes(pickle.dumps(estimator))
    with serve(model_dir) as client:
        assert client.post("/predict", json=SETOSA).json()["predictions"] == ["setosa"]


def test_several_artifacts_without_a_model_file_are_ambiguous(tmp_path):
    model_dir = write_model_dir(tmp_path)
    for name in ("a.joblib", "b.pkl"):
        (model_dir / name).write_bytes(b"")
    with serve(model_dir) as client:
        assert "several estimators" in client.get("/health").json()["error"]


def test_estimator_fitted_on_other_columns_is_a_load_error(tmp_path, iris_frame):
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
    model_dir = write_model_dir(tmp_path, estimator, features=FEATURES[:3] + [{"name": "petal_area", "type": "float"}])
    with serve(model_dir) as client:
        assert "petal_width" in client.get("/health").json()["error"]


def test_estimator_fitted_on_an_array_of_another_width_is_a_load_error(tmp_path, iris_frame):
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(max_iter=1000).fit(iris_frame[FEATURE_NAMES].to_numpy(), iris_frame["species"])
    model_dir = write_model_dir(tmp_path, estimator, features=FEATURES[:3], manifest_doc=manifest())
    with serve(model_dir) as client:
        assert "expects 4 features but features.yaml declares 3" in client.get("/health").json()["error"]


def test_the_empty_classes_the_engine_writes_for_a_regressor_mean_none(tmp_path):
    """cd4ml train writes `"classes": []` for a model without classes (RunDeployCliTest serves one)."""
    import json

    model_dir = write_model_dir(tmp_path)
    path = model_dir / "model.json"
    document = json.loads(path.read_text())
    document["classes"] = []
    path.write_text(json.dumps(document))
    assert load_manifest(path).classes is None
