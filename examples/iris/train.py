"""Trains a random forest on the Iris data set.

The script follows the SageMaker training-container contract, so it runs unchanged on every
cd4ml backend (local, Docker, Kubernetes, SageMaker):

  hyperparameters  $SM_HPS (JSON) or /opt/ml/input/config/hyperparameters.json; every value is a
                   string, as SageMaker writes them, so they are converted here
  training data    every *.csv under $SM_CHANNEL_TRAIN (default /opt/ml/input/data/train)
  model            $SM_MODEL_DIR/model.joblib (default /opt/ml/model)
  metrics          `name=value` lines on stdout (read by the `metrics` regexes in config.yaml)
                   and $SM_OUTPUT_DATA_DIR/metrics.json (default /opt/ml/output/data)
  failure          the error text in $SM_OUTPUT_DIR/failure (default /opt/ml/output/failure),
                   then exit status 1

Run it by hand the way the engine does:  bin/cd4ml run examples/iris
"""
import json
import os
import sys
import time
import traceback
from pathlib import Path

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]  # as in features.yaml
TARGET = "species"

# name -> (converter, default). Values arrive as strings; defaults match config.yaml.
HYPERPARAMETERS = {
    "n_estimators": ("int", 100),
    "max_depth": ("int_or_none", 4),
    "criterion": ("str", "gini"),
    "min_samples_leaf": ("int", 1),
    "test_size": ("float", 0.2),
    "random_state": ("int", 42),
}


def log(message):
    """Progress for the streamed training log; flushed so it appears as it happens."""
    print(message, flush=True)


def env_path(name, default):
    return Path(os.environ.get(name) or default)


# --- hyperparameters ----------------------------------------------------------------------------

def read_raw_hyperparameters():
    """The hyperparameters as given: a dict of strings."""
    if os.environ.get("SM_HPS"):
        return json.loads(os.environ["SM_HPS"])
    config_dir = env_path("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")
    path = config_dir / "hyperparameters.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    log(f"no hyperparameters given ({path} does not exist); using the defaults")
    return {}


def to_int(name, text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not value.is_integer():
        raise ValueError(f"hyperparameter {name}={text!r} is not a whole number")
    return int(value)


def convert(name, kind, text):
    text = str(text).strip()
    if kind == "int":
        return to_int(name, text)
    if kind == "int_or_none":
        return None if text.lower() in ("", "none", "null") else to_int(name, text)
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"hyperparameter {name}={text!r} is not a number") from None
    return text


def parse_hyperparameters(raw):
    """Converts the string values and fills in defaults. Unknown names are reported and ignored
    (SageMaker adds its own, e.g. sagemaker_* and _tuning_objective_metric)."""
    params = {name: default for name, (_, default) in HYPERPARAMETERS.items()}
    for name, text in raw.items():
        if name in HYPERPARAMETERS:
            params[name] = convert(name, HYPERPARAMETERS[name][0], text)
        elif not (name.startswith("sagemaker_") or name.startswith("_")):
            log(f"warning: ignoring unknown hyperparameter {name}={text!r}")
    if not 0 < params["test_size"] < 1:
        raise ValueError(f"hyperparameter test_size={params['test_size']} must be between 0 and 1")
    if params["n_estimators"] < 1:
        raise ValueError(f"hyperparameter n_estimators={params['n_estimators']} must be at least 1")
    if params["max_depth"] is not None and params["max_depth"] < 1:
        raise ValueError(f"hyperparameter max_depth={params['max_depth']} must be at least 1 (or None)")
    if params["criterion"] not in ("gini", "entropy", "log_loss"):
        raise ValueError(f"hyperparameter criterion={params['criterion']!r} must be gini, entropy or log_loss")
    return params


# --- data ---------------------------------------------------------------------------------------

def load_data(channel):
    """Every CSV file of the channel (a directory, or a single file), concatenated."""
    import pandas as pd

    files = [channel] if channel.is_file() else sorted(channel.rglob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no *.csv files in the train channel {channel}")
    frames = []
    for path in files:
        frame = pd.read_csv(path)
        log(f"read {len(frame)} rows from {path.name}")
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    missing = [c for c in FEATURES + [TARGET] if c not in data.columns]
    if missing:
        raise ValueError(f"training data lacks column(s) {', '.join(missing)}; "
                         f"found {', '.join(map(str, data.columns))}")
    before = len(data)
    data = data.dropna(subset=FEATURES + [TARGET])
    if len(data) < before:
        log(f"dropped {before - len(data)} rows with missing values")
    counts = data[TARGET].value_counts().sort_index()
    log(f"loaded {len(data)} rows, {len(FEATURES)} features, classes: "
        + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return data[FEATURES].astype(float), data[TARGET].astype(str)


# --- training -----------------------------------------------------------------------------------

def train(X, y, params):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=params["test_size"], random_state=params["random_state"], stratify=y)
    model = RandomForestClassifier(
        n_estimators=params["n_estimators"],
        max_depth=params["max_depth"],
        criterion=params["criterion"],
        min_samples_leaf=params["min_samples_leaf"],
        random_state=params["random_state"],
        n_jobs=int(os.environ.get("SM_NUM_CPUS") or 1),
    )
    log(f"fitting RandomForestClassifier(n_estimators={params['n_estimators']}, "
        f"max_depth={params['max_depth']}, criterion={params['criterion']}) on {len(X_train)} rows...")
    started = time.monotonic()
    model.fit(X_train, y_train)
    log(f"fitted in {time.monotonic() - started:.2f}s; evaluating on {len(X_test)} held-out rows")
    return model, X_test, y_test


def evaluate(model, X_test, y_test):
    from sklearn.metrics import accuracy_score, f1_score

    predicted = model.predict(X_test)
    return {
        "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
        "f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
    }


def report(metrics, output_data_dir):
    # One `name=value` line per metric: config.yaml's regexes read these from the log.
    for name, value in metrics.items():
        print(f"{name}={value:.4f}", flush=True)
    output_data_dir.mkdir(parents=True, exist_ok=True)
    (output_data_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")


def save(model, model_dir):
    import joblib

    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / "model.joblib"
    joblib.dump(model, path)
    log(f"saved model to {path} (classes: {', '.join(map(str, model.classes_))})")


def write_failure(error):
    """SageMaker (and cd4ml) report the content of this file as the reason the job failed."""
    path = env_path("SM_OUTPUT_DIR", "/opt/ml/output") / "failure"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{type(error).__name__}: {error}\n", encoding="utf-8")
    except OSError as e:
        print(f"could not write {path}: {e}", file=sys.stderr)


def main():
    try:
        params = parse_hyperparameters(read_raw_hyperparameters())
        log("hyperparameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
        X, y = load_data(env_path("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
        model, X_test, y_test = train(X, y, params)
        report(evaluate(model, X_test, y_test), env_path("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"))
        save(model, env_path("SM_MODEL_DIR", "/opt/ml/model"))
    except Exception as e:
        traceback.print_exc()
        write_failure(e)
        return 1
    log("training complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
