# The `helm test` hook: wait for /ready, send one prediction, fail unless it answers 200 with one
# prediction. The row comes from CD4ML_TEST_REQUEST or from the image's features.yaml.
import json
import os
import sys
import time
import urllib.error
import urllib.request

URL = os.environ["CD4ML_TEST_URL"].rstrip("/")


def row_from_features(path):
    import yaml
    with open(path) as f:
        document = yaml.safe_load(f)
    features = document.get("features", document) if isinstance(document, dict) else document
    zero = {"float": 0.0, "int": 0, "str": "", "bool": False}
    row = {}
    for feature in features:
        if feature.get("example") is not None:
            value = feature["example"]
        elif feature.get("enum"):
            value = feature["enum"][0]
        elif feature.get("min") is not None:
            value = feature["min"]
        elif feature.get("max") is not None:
            value = feature["max"]
        else:
            value = zero.get(feature.get("type"), 0)
        row[feature["name"]] = value
    return row


def main():
    request = os.environ.get("CD4ML_TEST_REQUEST", "").strip()
    model_dir = os.environ.get("CD4ML_MODEL_DIR", "/opt/ml/model")
    row = json.loads(request) if request else row_from_features(os.path.join(model_dir, "features.yaml"))
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(URL + "/ready", timeout=5) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, OSError) as e:
            if time.monotonic() > deadline:
                print(f"FAIL: {URL}/ready did not answer 200 within 120 s: {e}")
                return 1
        time.sleep(2)
    body = json.dumps(row).encode()
    req = urllib.request.Request(URL + "/predict", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        print(f"FAIL: POST {URL}/predict {json.dumps(row)} answered {e.code}: {e.read().decode(errors='replace')}")
        return 1
    predictions = answer.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != 1:
        print(f"FAIL: POST {URL}/predict answered without one prediction: {answer}")
        return 1
    print(f"OK: {json.dumps(row)} -> {predictions[0]} (model {answer.get('model')})")
    return 0


sys.exit(main())
