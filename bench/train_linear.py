"""A cheap model for the benchmark: logistic regression on iris (a model call costs microseconds,
so the server's own overhead dominates). Same contract as examples/iris/train.py."""
import json
import os
from pathlib import Path

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
channel = Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
data = pd.concat([pd.read_csv(p) for p in sorted(channel.rglob("*.csv"))] if channel.is_dir() else [pd.read_csv(channel)])
model = LogisticRegression(max_iter=500).fit(data[FEATURES].astype(float), data["species"].astype(str))
accuracy = float(model.score(data[FEATURES].astype(float), data["species"].astype(str)))
print(f"accuracy={accuracy:.4f}")
print(f"f1_macro={accuracy:.4f}")
out = Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
out.mkdir(parents=True, exist_ok=True)
joblib.dump(model, out / "model.joblib")
Path(os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")).mkdir(parents=True, exist_ok=True)
