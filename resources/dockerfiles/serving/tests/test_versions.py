"""The training versions of model.json against the server's: a mismatch is logged at start, shown
in the model metadata, and named when the model fails to load."""
from __future__ import annotations

import json
import logging
import platform

import pytest
import sklearn

from support import MODEL_NAME, manifest, serve, write_model_dir
from cd4ml_serving.manifest import ManifestError, load_manifest

PYTHON = platform.python_version()
SKLEARN = sklearn.__version__
OTHER = "0.0.1"  # no scikit-learn this server could be running


def environment(sklearn_version: str, python: str = PYTHON) -> dict:
    return {"python": python, "packages": {"scikit-learn": sklearn_version}}


def test_a_model_trained_with_another_scikit_learn_is_reported_at_start_and_in_metadata(tmp_path, model_dir, caplog):
    other = write_model_dir(tmp_path / "m", manifest_doc=manifest(environment=environment(OTHER)))
    (other / "model.joblib").write_bytes((model_dir / "model.joblib").read_bytes())

    with caplog.at_level(logging.WARNING, logger="cd4ml_serving"):
        with serve(other) as client:
            metadata = client.get(f"/v2/models/{MODEL_NAME}").json()

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"scikit-learn: trained with {OTHER}, serving with {SKLEARN}" in w for w in warnings), warnings
    parameters = metadata["parameters"]
    assert parameters["version_mismatches"] == [f"scikit-learn: trained with {OTHER}, serving with {SKLEARN}"]
    assert parameters["training_environment"] == environment(OTHER)
    assert parameters["serving_environment"] == environment(SKLEARN)


def test_matching_versions_report_no_mismatch(tmp_path, model_dir, caplog):
    # another patch release of the same Python minor is no mismatch
    patch = ".".join(PYTHON.split(".")[:2]) + ".999"
    same = write_model_dir(tmp_path / "m", manifest_doc=manifest(environment=environment(SKLEARN, patch)))
    (same / "model.joblib").write_bytes((model_dir / "model.joblib").read_bytes())

    with caplog.at_level(logging.WARNING, logger="cd4ml_serving"):
        with serve(same) as client:
            metadata = client.get(f"/v2/models/{MODEL_NAME}").json()

    assert metadata["parameters"]["version_mismatches"] == []
    assert not [r for r in caplog.records if "library versions" in r.getMessage()]


def test_another_python_minor_and_a_missing_package_are_mismatches(tmp_path, model_dir):
    trained = {"python": "2.7.18", "packages": {"scikit-learn": SKLEARN, "No_Such.Package-Of-cd4ml": "1.0"}}
    other = write_model_dir(tmp_path / "m", manifest_doc=manifest(environment=trained))
    (other / "model.joblib").write_bytes((model_dir / "model.joblib").read_bytes())

    with serve(other) as client:
        assert client.get(f"/v2/models/{MODEL_NAME}").json()["parameters"]["version_mismatches"] == [
            f"Python: trained with 2.7.18, serving with {PYTHON}",
            "no-such-package-of-cd4ml: trained with 1.0, serving with none installed"]


def test_a_model_that_fails_to_load_names_both_versions(tmp_path):
    broken = write_model_dir(tmp_path / "m", manifest_doc=manifest(environment=environment(OTHER)))
    (broken / "model.joblib").write_bytes(b"not a pickle")

    with serve(broken) as client:
        answer = client.post("/predict", json={"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4,
                                               "petal_width": 0.2})

    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert "cannot load" in detail
    assert f"trained with Python {PYTHON}, scikit-learn {OTHER}; serving with Python {PYTHON}, scikit-learn {SKLEARN}" \
        in detail


def test_a_model_without_recorded_versions_fails_to_load_with_the_servers_versions(tmp_path):
    broken = write_model_dir(tmp_path / "m")
    (broken / "model.joblib").write_bytes(b"not a pickle")

    with serve(broken) as client:
        ready = client.get("/ready")

    assert ready.status_code == 503 and ready.json()["status"] == "failed"
    assert f"model.json does not record the training versions; serving with Python {PYTHON}, scikit-learn {SKLEARN}" \
        in ready.json()["error"]


@pytest.mark.parametrize("value", ["1.2", {"packages": {}}, {"python": "3.11", "packages": {"a": 1}}])
def test_a_malformed_environment_is_a_manifest_error(tmp_path, value):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(manifest(environment=value)))

    with pytest.raises(ManifestError) as raised:
        load_manifest(path)

    assert "`environment`" in str(raised.value)
