"""One-row model-call cost of the iris forest: with the n_jobs it was trained with vs one thread.

Usage: /usr/bin/python3 bench/model_call.py MODEL_DIR [REPEATS]
Prints a Markdown section. Both settings are timed in this one process, alternating rounds, so
the ratio compares like with like; this is what examples/iris/predict.py's n_jobs=1 rests on.
"""
import sys
import time
from pathlib import Path

import joblib
import pandas as pd


def per_call_ms(estimator, frame, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        estimator.predict_proba(frame)
    return (time.perf_counter() - start) / repeats * 1000


def main(model_dir, repeats="50"):
    repeats = int(repeats)
    estimator = joblib.load(Path(model_dir) / "model.joblib")
    trained_jobs = estimator.get_params().get("n_jobs")
    columns = [str(c) for c in estimator.feature_names_in_]
    frame = pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=columns)
    timings = {"trained": [], "one": []}
    for _ in range(5):  # alternate so drift affects both alike; keep each setting's best round
        estimator.set_params(n_jobs=trained_jobs)
        timings["trained"].append(per_call_ms(estimator, frame, repeats))
        estimator.set_params(n_jobs=1)
        timings["one"].append(per_call_ms(estimator, frame, repeats))
    trained, one = min(timings["trained"]), min(timings["one"])
    print("## Model call: thread fan-out\n")
    print(f"One-row `predict_proba` of the iris RandomForest ({estimator.n_estimators} trees) in one "
          f"Python process, best of 5 alternating rounds of {repeats} calls.\n")
    print("| n_jobs | ms per call | ratio |")
    print("|---|---:|---:|")
    print(f"| {trained_jobs} (as trained) | {trained:.2f} | 1.00 |")
    print(f"| 1 (as `predict.py` serves it) | {one:.2f} | {one / trained:.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
