"""What the model is handed and how often it runs: a NumPy array in feature order where that
predicts exactly as a DataFrame does (a DataFrame where the model needs column names), and one
predict_proba pass for classifiers whose predict is its argmax."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from support import CLASSES, FEATURE_NAMES, FEATURES, SETOSA, serve, write_model_dir
from cd4ml_serving.features import load_features
from cd4ml_serving.manifest import load_manifest
from cd4ml_serving.model import load_model, sample_rows

EXAMPLE_HOOKS = Path(__file__).resolve().parents[4] / "examples" / "iris" / "predict.py"


def load(model_dir: Path, **options):
    return load_model(model_dir, load_features(model_dir / "features.yaml"),
                      load_manifest(model_dir / "model.json"), **options)


def rows_of(frame, columns=FEATURE_NAMES):
    return [dict(zip(columns, map(float, values))) for values in frame[columns].to_numpy()]


def assert_same_answers(first, second, rows):
    a, b = first.predict(rows), second.predict(rows)
    assert a.predictions == b.predictions
    assert a.probabilities == b.probabilities  # exactly: same arithmetic on the same numbers


@pytest.fixture(scope="module")
def forest_dir(tmp_path_factory, iris_frame):
    """The example's model: a forest fitted on a DataFrame with species names, served through
    examples/iris/predict.py."""
    from sklearn.ensemble import RandomForestClassifier

    estimator = RandomForestClassifier(n_estimators=30, max_depth=4, random_state=1).fit(
        iris_frame[FEATURE_NAMES], iris_frame["species"])
    model_dir = write_model_dir(tmp_path_factory.mktemp("forest"), estimator)
    return model_dir


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory, forest_dir):
    model_dir = tmp_path_factory.mktemp("example")
    for name in ("model.joblib", "model.json", "features.yaml"):
        shutil.copy(forest_dir / name, model_dir / name)
    shutil.copy(EXAMPLE_HOOKS, model_dir / "predict.py")
    return model_dir


class TestArrayInput:
    def test_a_linear_model_gets_an_array_and_answers_as_with_a_dataframe(self, model_dir, iris_frame):
        fast, reference = load(model_dir), load(model_dir, model_input="dataframe")

        assert (fast.input_form, reference.input_form) == ("array", "dataframe")
        assert_same_answers(fast, reference, rows_of(iris_frame))

    def test_the_forest_gets_an_array_and_answers_as_with_a_dataframe(self, forest_dir, iris_frame):
        fast, reference = load(forest_dir), load(forest_dir, model_input="dataframe")

        assert fast.input_form == "array"
        assert_same_answers(fast, reference, rows_of(iris_frame))

    def test_the_example_hooks_answer_as_the_estimator_on_a_dataframe(self, example_dir, forest_dir, iris_frame):
        hooks, reference = load(example_dir), load(forest_dir, model_input="dataframe", one_pass=False)

        assert hooks.kind == "predict.py" and hooks.passes == 1
        assert_same_answers(hooks, reference, rows_of(iris_frame))

    def test_columns_fitted_in_another_order_are_handed_over_in_that_order(self, tmp_path, iris_frame):
        from sklearn.linear_model import LogisticRegression

        fitted_order = list(reversed(FEATURE_NAMES))
        estimator = LogisticRegression(max_iter=1000).fit(iris_frame[fitted_order], iris_frame["species"])
        model_dir = write_model_dir(tmp_path, estimator)
        fast, reference = load(model_dir), load(model_dir, model_input="dataframe")

        assert fast.input_form == "array"
        assert_same_answers(fast, reference, rows_of(iris_frame))
        assert fast.predict([SETOSA]).predictions == ["setosa"]

    def test_a_pipeline_selecting_columns_by_name_gets_a_dataframe(self, tmp_path, iris_frame):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        frame = iris_frame.assign(garden=["north", "south", "east"] * 50)
        columns = ["garden"] + FEATURE_NAMES  # the declared order differs from the transformer's
        features = [{"name": "garden", "type": "str", "enum": ["north", "south", "east"]}] + FEATURES
        pipeline = Pipeline([
            ("columns", ColumnTransformer([("numbers", StandardScaler(), FEATURE_NAMES),
                                           ("garden", OneHotEncoder(), ["garden"])])),
            ("model", LogisticRegression(max_iter=1000)),
        ]).fit(frame[columns], frame["species"])
        model_dir = write_model_dir(tmp_path, pipeline, features=features)
        rows = [{"garden": g, **row} for g, row in zip(frame["garden"], rows_of(frame))]

        loaded = load(model_dir)
        assert loaded.input_form == "dataframe"
        assert loaded.predict(rows).predictions == list(pipeline.predict(frame[columns]))
        with serve(model_dir) as client:
            response = client.post("/predict", json={"garden": "east", **SETOSA})
        assert response.status_code == 200, response.text
        assert response.json()["predictions"] == ["setosa"]

    def test_string_features_in_a_positional_pipeline_still_predict(self, tmp_path, iris_frame):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder

        frame = iris_frame.assign(garden=["north", "south", "east"] * 50)
        columns = FEATURE_NAMES + ["garden"]
        features = FEATURES + [{"name": "garden", "type": "str", "enum": ["north", "south", "east"]}]
        pipeline = Pipeline([
            ("columns", ColumnTransformer([("garden", OneHotEncoder(), [4])], remainder="passthrough")),
            ("model", LogisticRegression(max_iter=1000)),
        ]).fit(frame[columns].to_numpy(dtype=object), frame["species"])
        model_dir = write_model_dir(tmp_path, pipeline, features=features)
        rows = [{**row, "garden": g} for g, row in zip(frame["garden"], rows_of(frame))]

        fast, reference = load(model_dir), load(model_dir, model_input="dataframe")
        assert fast.input_form == "array"
        assert_same_answers(fast, reference, rows)
        assert fast.predict(rows).predictions == list(pipeline.predict(frame[columns].to_numpy(dtype=object)))

    def test_sample_rows_differ_per_feature_and_stay_inside_the_declared_bounds(self):
        from cd4ml_serving.features import parse_features

        features = parse_features({"features": FEATURES + [
            {"name": "kind", "type": "str", "enum": ["a", "b"]}, {"name": "flag", "type": "bool"},
            {"name": "count", "type": "int", "min": 1, "max": 9}]})
        rows = sample_rows(features)

        assert len(rows) == 3 and rows[0]["sepal_length"] == 5.1  # the example first
        for row in rows[1:]:
            assert len({row[n] for n in FEATURE_NAMES}) == len(FEATURE_NAMES)
            assert all(0 <= row[n] <= 10 for n in FEATURE_NAMES) and 1 <= row["count"] <= 9
            assert isinstance(row["count"], int) and row["kind"] in ("a", "b")


class TestOnePass:
    def test_a_classifier_answers_from_one_predict_proba_pass_that_agrees_with_predict(self, forest_dir, iris_frame):
        loaded = load(forest_dir)
        estimator = __import__("joblib").load(forest_dir / "model.joblib")
        rows = rows_of(iris_frame)

        assert loaded.passes == 1
        assert loaded.predict(rows).predictions == list(estimator.predict(iris_frame[FEATURE_NAMES]))
        assert_same_answers(loaded, load(forest_dir, one_pass=False), rows)

    def test_the_linear_model_agrees_in_one_pass(self, model_dir, iris_frame):
        loaded = load(model_dir)

        assert loaded.passes == 1
        assert_same_answers(loaded, load(model_dir, one_pass=False), rows_of(iris_frame))

    def test_encoded_labels_are_named_in_one_pass_too(self, encoded_model_dir, iris_frame):
        loaded = load(encoded_model_dir)

        assert loaded.passes == 1
        assert set(loaded.predict(rows_of(iris_frame)).predictions) == set(CLASSES)

    def test_a_classifier_whose_predict_is_not_the_argmax_keeps_two_passes(self, tmp_path, iris_frame):
        from sklearn.svm import SVC

        estimator = SVC(probability=True, random_state=0).fit(iris_frame[FEATURE_NAMES], iris_frame["species"])
        model_dir = write_model_dir(tmp_path, estimator)
        loaded = load(model_dir)

        assert loaded.passes == 2
        assert loaded.predict(rows_of(iris_frame)).predictions == list(estimator.predict(iris_frame[FEATURE_NAMES]))

    def test_disagreement_seen_on_the_sample_rows_keeps_two_passes(self, tmp_path):
        model_dir = write_model_dir(tmp_path, LeastLikely())
        loaded = load(model_dir)

        assert loaded.passes == 2
        assert loaded.predict([SETOSA]).predictions == ["virginica"]

    def test_the_combined_hook_is_one_call_per_request(self, tmp_path):
        model_dir = write_model_dir(tmp_path, predict_py=COUNTING_HOOKS)
        with serve(model_dir) as client:
            before = hook_calls(model_dir)
            body = client.post("/predict", json=SETOSA).json()
            after = hook_calls(model_dir)

        assert body["predictions"] == ["setosa"]
        assert body["probabilities"] == [{"setosa": 0.9, "versicolor": 0.1, "virginica": 0.0}]
        assert {k: after[k] - before.get(k, 0) for k in after} == {"combined": 1}

    def test_without_one_pass_the_separate_hooks_run(self, tmp_path):
        model_dir = write_model_dir(tmp_path, predict_py=COUNTING_HOOKS)
        with serve(model_dir, one_pass=False) as client:
            before = hook_calls(model_dir)
            body = client.post("/predict", json=SETOSA).json()
            after = hook_calls(model_dir)

        assert body["predictions"] == ["setosa"]
        assert {k: after[k] - before.get(k, 0) for k in after} == {"predict": 1, "proba": 1}


class LeastLikely:
    """A classifier whose predict names the least probable class."""
    classes_ = np.array(CLASSES)
    n_features_in_ = 4

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        return np.tile([0.7, 0.2, 0.1], (len(X), 1))

    def predict(self, X):
        return self.classes_.take(self.predict_proba(X).argmin(axis=1))


COUNTING_HOOKS = """
import os

def load(model_dir):
    return model_dir

def _count(model_dir, hook):
    with open(os.path.join(model_dir, "calls.log"), "a") as f:
        f.write(hook + "\\n")

def predict_with_probabilities(model, rows):
    _count(model, "combined")
    return ["setosa" for _ in rows], [[0.9, 0.1, 0.0] for _ in rows]

def predict(model, rows):
    _count(model, "predict")
    return ["setosa" for _ in rows]

def predict_proba(model, rows):
    _count(model, "proba")
    return [[0.9, 0.1, 0.0] for _ in rows]
"""


def hook_calls(model_dir: Path) -> dict:
    """How often each hook of COUNTING_HOOKS ran."""
    import collections

    log = model_dir / "calls.log"
    return dict(collections.Counter(log.read_text().split())) if log.exists() else {}


def test_settings_choose_the_input_and_the_passes():
    from cd4ml_serving.settings import Settings, SettingsError

    assert (Settings().model_input, Settings().one_pass) == ("auto", True)
    chosen = Settings.from_env({"CD4ML_MODEL_INPUT": "DataFrame", "CD4ML_ONE_PASS": "false"})
    assert (chosen.model_input, chosen.one_pass) == ("dataframe", False)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"CD4ML_MODEL_INPUT": "arrow"})
    assert "CD4ML_MODEL_INPUT must be one of auto, dataframe" in str(raised.value)
