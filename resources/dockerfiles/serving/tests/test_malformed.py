"""Malformed requests: 4xx with a bounded JSON answer saying what was wrong, limits from settings,
415 for undeclared Content-Types, and reason labels that keep client mistakes out of model_error."""
from __future__ import annotations

import json
import random

import pytest

from cd4ml_serving import codecs
from cd4ml_serving.errors import SafeJSONResponse, clip
from cd4ml_serving.settings import Settings, SettingsError
from support import SETOSA, metric_value, serve, write_model_dir

INFER = "/v2/models/iris-classifier/infer"
JSON = {"content-type": "application/json"}
CSV = {"content-type": "text/csv"}
MATRIX = {"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2]}


def errors(response, status=422):
    assert response.status_code == status, response.text
    return response.json()["detail"]


def reasons(client) -> dict:
    text = client.get("/metrics").text
    return {reason: metric_value(text, "cd4ml_prediction_errors_total", reason=reason)
            for reason in ("invalid_input", "too_large", "unsupported_media_type", "model_error", "server_error")}


class TestReproductions:
    def test_a_400_digit_integer_in_a_float_feature(self, client):
        body = json.dumps(SETOSA).replace("5.1", "1" + "0" * 399)

        detail = errors(client.post("/predict", content=body, headers=JSON))

        assert detail == [{"loc": ["body", "sepal_length"], "msg": "number too large for a 64-bit float",
                           "type": "value_error"}]

    def test_nesting_1000_deep_is_refused_before_parsing(self, client):
        detail = errors(client.post("/predict", content="[" * 1000 + "]" * 1000, headers=JSON))

        assert detail[0]["type"] == "value_error.jsondepth"
        assert "deeper than 32 levels (CD4ML_MAX_JSON_DEPTH)" in detail[0]["msg"]

    def test_tensor_data_nested_980_deep(self, client):
        body = ('{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": '
                + "[" * 980 + "]" * 980 + "}]}")

        response = client.post(INFER, content=body, headers=JSON)

        assert errors(response)[0]["type"] == "value_error.jsondepth"
        assert "CD4ML_MAX_JSON_DEPTH" in response.json()["error"]

    def test_a_csv_field_over_131072_characters(self, client):
        body = "1" * 131073 + ",3.5,1.4,0.2\n"

        detail = errors(client.post("/invocations", content=body, headers=CSV))

        assert detail[0]["loc"] == ["body", 0]
        assert "longer than 131072 characters (CD4ML_MAX_CSV_FIELD_CHARS)" in detail[0]["msg"]

    def test_bare_cr_line_endings_are_line_endings(self, client):
        response = client.post("/invocations", content="5.1,3.5,1.4,0.2\r6.9,3.1,5.8,2.2\r", headers=CSV)

        assert response.status_code == 200, response.text
        assert response.json()["predictions"] == ["setosa", "virginica"]

    def test_a_cr_inside_an_unquoted_field_is_a_bad_row(self, client):
        detail = errors(client.post("/invocations", content="5.1,3.\r5,1.4,0.2\n", headers=CSV))

        assert [e["loc"] for e in detail] == [["body", 0], ["body", 1]]

    @pytest.mark.parametrize("datatype", [[], {}, 64, None])
    def test_an_unhashable_or_missing_datatype(self, client, datatype):
        detail = errors(client.post(INFER, json={"inputs": [{**MATRIX, "datatype": datatype}]}))

        assert detail[0]["loc"] == ["body", "inputs", 0, "datatype"]

    @pytest.mark.parametrize("path, body, location", [
        ("/predict", '{"\\ud800": 1}', ["body", "\\ud800"]),
        ("/predict", json.dumps({**SETOSA, "request_id": "@"}).replace("@", "a\\udfffb"), ["body", "request_id"]),
        ("/invocations", '[{"sepal_length": "\\ud83d"}]', ["body", 0, "sepal_length"]),
        (INFER, json.dumps({"id": "@", "inputs": [MATRIX]}).replace("@", "\\ud800"), ["body", "id"]),
    ])
    def test_lone_surrogates_are_refused_with_an_answer_that_encodes(self, client, path, body, location):
        response = client.post(path, content=body, headers=JSON)

        detail = errors(response)
        assert detail[0]["loc"] == location
        assert "lone UTF-16 surrogate" in detail[0]["msg"]
        response.content.decode("utf-8")  # valid UTF-8 throughout

    def test_a_valid_surrogate_pair_is_text(self, client):
        body = json.dumps({**SETOSA, "request_id": "🌸"}, ensure_ascii=True)

        assert client.post("/predict", content=body, headers=JSON).status_code == 200


class TestBoundedAnswers:
    def test_a_megabyte_of_bad_csv_rows_gets_a_small_answer(self, client):
        body = ("x" * 120 + ",1,2\n") * 8000  # ~1 MB, every row wrong, under the row limit

        response = client.post("/invocations", content=body, headers=CSV)

        detail = errors(response)
        assert len(detail) == 51
        assert detail[-1]["type"] == "value_error.too_many_errors"
        assert "CD4ML_MAX_ERRORS" in detail[-1]["msg"]
        assert len(response.content) < 16 * 1024

    def test_validation_stops_at_the_error_limit(self, model_dir):
        with serve(model_dir, max_errors=3) as client:
            detail = errors(client.post("/predict", json=[{"x": 1}] * 40))

        assert len(detail) == 4
        assert [e["loc"] for e in detail[:3]] == [["body", 0, "sepal_length"], ["body", 0, "sepal_width"],
                                                  ["body", 0, "petal_length"]]
        assert "stopped after 3 problems" in detail[3]["msg"]

    def test_long_keys_are_clipped_in_locations(self, client):
        response = client.post("/predict", json={**SETOSA, "k" * 100000: 1})

        assert errors(response)[0]["loc"][1].startswith("k" * 120 + "… (99880 more characters)")
        assert len(response.content) < 1024

    def test_the_oip_error_field_summarises(self, client):
        response = client.post(INFER, json={"inputs": [{**MATRIX, "name": f"n{i}"} for i in range(30)]})

        assert len(errors(response)) <= 51
        assert "(and " in response.json()["error"] and len(response.json()["error"]) < 1000


class TestLimits:
    @pytest.mark.parametrize("path, body, headers", [
        ("/predict", json.dumps([SETOSA] * 3), JSON),
        ("/predict", json.dumps({"instances": [SETOSA] * 3}), JSON),
        ("/invocations", "5.1,3.5,1.4,0.2\n" * 3, CSV),
        (INFER, json.dumps({"inputs": [{**MATRIX, "shape": [3, 4], "data": MATRIX["data"] * 3}]}), JSON),
    ])
    def test_more_rows_than_the_limit_is_413(self, model_dir, path, body, headers):
        with serve(model_dir, max_rows=2) as client:
            response = client.post(path, content=body, headers=headers)
            counted = reasons(client)

        assert response.status_code == 413
        assert "3 rows in one request; at most 2 are accepted (CD4ML_MAX_ROWS)" in response.json()["detail"]
        assert counted["too_large"] == 1 and counted["invalid_input"] == 0

    def test_rows_up_to_the_limit_are_served(self, model_dir):
        with serve(model_dir, max_rows=2) as client:
            assert client.post("/invocations", content="5.1,3.5,1.4,0.2\n" * 2, headers=CSV).status_code == 200

    def test_depth_limit_is_configurable(self, model_dir):
        with serve(model_dir, max_json_depth=4) as client:
            assert client.post("/predict", json={"instances": [SETOSA]}).status_code == 200
            deep = client.post("/predict", json={"instances": [{**SETOSA, "sepal_length": [[1]]}]})

        assert "deeper than 4 levels" in errors(deep)[0]["msg"]

    def test_csv_field_limit_is_configurable(self, model_dir):
        with serve(model_dir, max_csv_field_chars=8) as client:
            assert client.post("/invocations", content="5.1,3.5,1.4,0.2\n", headers=CSV).status_code == 200
            detail = errors(client.post("/invocations", content="5.100000000,3.5,1.4,0.2\n", headers=CSV))

        assert "longer than 8 characters" in detail[0]["msg"]

    def test_limits_come_from_the_environment(self):
        settings = Settings.from_env({"CD4ML_MAX_ERRORS": "5", "CD4ML_MAX_JSON_DEPTH": "8", "CD4ML_MAX_ROWS": "100",
                                      "CD4ML_MAX_CSV_FIELD_CHARS": "1000"})

        assert (settings.max_errors, settings.max_json_depth, settings.max_rows, settings.max_csv_field_chars) == \
            (5, 8, 100, 1000)
        assert Settings() == Settings.from_env({})
        assert (Settings().max_errors, Settings().max_json_depth, Settings().max_rows,
                Settings().max_csv_field_chars) == (50, 32, 10000, 131072)

    def test_bad_limits_are_reported(self):
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({"CD4ML_MAX_ERRORS": "0", "CD4ML_MAX_JSON_DEPTH": "900", "CD4ML_MAX_ROWS": "many"})

        for expected in ("CD4ML_MAX_ERRORS must be between 1 and 10000", "CD4ML_MAX_JSON_DEPTH must be between 4 and 256",
                         "CD4ML_MAX_ROWS must be an integer"):
            assert expected in str(raised.value)


class TestContentTypes:
    @pytest.mark.parametrize("path", ["/predict", INFER, "/invocations"])
    def test_an_undeclared_type_is_415(self, client, path):
        body = json.dumps({"inputs": [MATRIX]} if path == INFER else SETOSA)

        response = client.post(path, content=body, headers={"content-type": "image/png"})

        assert response.status_code == 415
        assert "'image/png'" in response.json()["detail"] and "application/json" in response.json()["detail"]
        assert reasons(client)["unsupported_media_type"] == 1

    def test_csv_is_only_for_invocations(self, client):
        assert client.post("/predict", content="5.1,3.5,1.4,0.2\n", headers=CSV).status_code == 415

    def test_curl_default_form_type_gets_a_hint(self, client):
        response = client.post("/predict", content=json.dumps(SETOSA),
                               headers={"content-type": "application/x-www-form-urlencoded"})

        assert response.status_code == 415
        assert "-H 'Content-Type: application/json'" in response.json()["detail"]

    @pytest.mark.parametrize("content_type", [None, "", "application/json; charset=utf-8", "Application/JSON"])
    def test_json_without_or_with_parameters_or_any_case(self, client, content_type):
        headers = {} if content_type is None else {"content-type": content_type}

        response = client.post("/predict", content=json.dumps(SETOSA), headers=headers)

        assert response.status_code == 200, response.text

    def test_infer_without_a_content_type_is_json(self, client):
        assert client.post(INFER, content=json.dumps({"inputs": [MATRIX]})).status_code == 200


class TestReasons:
    def test_client_mistakes_are_never_model_errors(self, model_dir):
        with serve(model_dir, max_body_bytes=300) as client:
            client.post("/predict", json={**SETOSA, "sepal_length": "x"})
            client.post("/predict", json=[SETOSA] * 5)  # over 300 bytes
            client.post("/predict", content="{}", headers={"content-type": "text/plain"})
            client.post("/invocations", content="x", headers=CSV)
            counted = reasons(client)

        assert counted == {"invalid_input": 2, "too_large": 1, "unsupported_media_type": 1, "model_error": 0,
                           "server_error": 0}

    def test_a_failing_model_is_a_model_error(self, tmp_path):
        hooks = _failing_hooks("'broken'")
        with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
            response = client.post("/predict", json={**SETOSA, "sepal_length": 7.0})
            counted = reasons(client)

        assert response.status_code == 500
        assert response.json()["error"] == "ValueError: broken"
        assert counted["model_error"] == 1 and counted["invalid_input"] == 0

    def test_model_errors_are_clipped_in_the_answer(self, tmp_path):
        hooks = _failing_hooks("'x' * 100000")
        with serve(write_model_dir(tmp_path, predict_py=hooks)) as client:
            response = client.post("/predict", json={**SETOSA, "sepal_length": 7.0})

        assert response.status_code == 500 and len(response.content) < 1024


OUTPUT_FN_ONLY = """
import json

class Model:
    def predict(self, data):
        return ["setosa" for _ in data]

def model_fn(model_dir):
    return Model()

def output_fn(prediction, accept):
    return json.dumps({"labels": list(prediction)}), "application/json"
"""


class TestSageMakerHandlersWithTheDefaultInput:
    @pytest.mark.parametrize("body, headers", [
        ("[" * 1000 + "]" * 1000, JSON), ("[[5.1, 3.5", JSON), (b"\xff\xfe[[1]]", JSON),
        (b"5.1,\xed\xa0\x80,1.4,0.2\n", CSV), ('[["\\ud800"]]', JSON)])
    def test_what_the_default_input_fn_cannot_read_is_422(self, tmp_path, body, headers):
        with serve(write_model_dir(tmp_path, predict_py=OUTPUT_FN_ONLY)) as client:
            assert client.post("/invocations", json=[[5.1, 3.5, 1.4, 0.2]]).json() == {"labels": ["setosa"]}
            response = client.post("/invocations", content=body, headers=headers)
            counted = reasons(client)

        assert response.status_code == 422, response.text
        assert counted["invalid_input"] == 1 and counted["model_error"] == 0

    def test_types_other_than_json_and_csv_are_415(self, tmp_path):
        with serve(write_model_dir(tmp_path, predict_py=OUTPUT_FN_ONLY)) as client:
            response = client.post("/invocations", content=b"x", headers={"content-type": "application/x-npy"})

        assert response.status_code == 415


class TestDecoding:
    def test_the_depth_scan_agrees_with_the_parsed_depth(self):
        rng = random.Random(7)
        for _ in range(300):
            document = _random_json(rng, rng.randint(1, 12))
            text = json.dumps(document).encode()
            depth = _depth(document)
            for limit in (max(depth - 1, 0), depth):
                assert codecs._too_deep(text, limit) == (depth > limit), (text, limit)

    @pytest.mark.parametrize("body", [b'"' + b'\\"' * 200000, b'"\\', b'["a\\"]' * 50000 + b"]",
                                      b"[" * 400000 + b"]" * 400000, b"[{}" * 300000])
    def test_the_depth_scan_is_linear_on_hostile_strings(self, body):
        codecs._too_deep(body, 4)  # would take minutes if string matching backtracked

    def test_answers_with_lone_surrogates_still_encode(self):
        body = SafeJSONResponse({"detail": "\ud800", "ok": "é"}).body

        assert json.loads(body) == {"detail": "\ud800", "ok": "é"}
        assert clip("a\udfffb", 10) == "a\\udfffb"


def _failing_hooks(message: str) -> str:
    """predict.py that fails on sepal_length 7.0 (not on the features' examples predicted at load)."""
    return ("def load(d):\n    return None\n\ndef predict(m, rows):\n"
            f"    if rows[0]['sepal_length'] == 7.0:\n        raise ValueError({message})\n"
            "    return ['setosa' for _ in rows]\n")


def _random_json(rng, depth):
    if depth <= 1:
        return rng.choice([1, "s", "[{", 'q"]}', None, True, 2.5, "\\", '\\"[', '\\\\"{', "\\u005b", "]\n["])
    if rng.random() < 0.5:
        return [_random_json(rng, rng.randint(1, depth - 1)) for _ in range(rng.randint(0, 3))] or [1]
    return {f"k{i}[\\": _random_json(rng, rng.randint(1, depth - 1)) for i in range(rng.randint(1, 3))}


def _depth(value):
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0
