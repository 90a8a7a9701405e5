"""A training script of the shape of AWS's scikit_learn_iris example for SageMaker script mode:
hyperparameters as argparse arguments, directories from SM_* variables, a headerless CSV with the
label in the first column, and model_fn for serving. It runs unchanged on every cd4ml backend.

Before training it also checks that it got exactly what SageMaker's training toolkit would hand
it for these hyperparameters (arguments, SM_HPS, SM_HP_*, SM_USER_ARGS, SM_TRAINING_ENV), computed
here the toolkit's way from hyperparameters.json, and fails naming the difference.
"""
import argparse
import json
import os
import sys

import joblib
import pandas as pd
from sklearn import tree


def toolkit_view():
    """What sagemaker-training derives from hyperparameters.json (read_hyperparameters,
    mapping.to_cmd_args, mapping.to_env_vars)."""
    with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json")) as f:
        raw = json.load(f)

    def loads(value):
        try:
            return json.loads(value)
        except (ValueError, TypeError):
            return value

    hps = {k: loads(v) for k, v in raw.items()}

    def arg(value):
        if hasattr(value, "items"):
            return ",".join("%s=%s" % (k, v) for k, v in sorted(value.items()))
        return "" if value is None else str(value)

    args = []
    for key in sorted(hps):
        args += ["--%s" % key if len(key) > 1 else "-%s" % key, arg(hps[key])]

    def env(value):
        if isinstance(value, str):
            return value
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    return hps, args, env


def check_script_mode():
    hps, args, env = toolkit_view()
    problems = []

    def expect(what, actual, wanted):
        if actual != wanted:
            problems.append("%s: got %r, the toolkit gives %r" % (what, actual, wanted))

    expect("arguments", sys.argv[1:], args)
    expect("SM_HPS", os.environ.get("SM_HPS"), env(hps))
    for key, value in hps.items():
        expect("SM_HP_" + key.upper(), os.environ.get("SM_HP_" + key.upper()), env(value))
    expect("SM_USER_ARGS", json.loads(os.environ.get("SM_USER_ARGS", "null")), args)
    training_env = json.loads(os.environ["SM_TRAINING_ENV"])
    expect("SM_TRAINING_ENV hyperparameters", training_env["hyperparameters"], hps)
    expect("SM_TRAINING_ENV job_name", training_env["job_name"], os.environ.get("TRAINING_JOB_NAME"))
    expect("SM_TRAINING_ENV module_name", training_env["module_name"], "train")
    expect("SM_TRAINING_ENV channel_input_dirs", training_env["channel_input_dirs"],
           {"train": os.environ["SM_CHANNEL_TRAIN"]})
    expect("SM_MODULE_DIR", os.path.realpath(os.environ["SM_MODULE_DIR"]), os.path.realpath(os.getcwd()))
    expect("SM_USER_ENTRY_POINT", os.environ.get("SM_USER_ENTRY_POINT"), "train.py")
    expect("SM_CURRENT_HOST", os.environ.get("SM_CURRENT_HOST"), "algo-1")
    expect("SM_CHANNELS", json.loads(os.environ["SM_CHANNELS"]), ["train"])
    with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "resourceconfig.json")) as f:
        expect("resourceconfig.json hosts", json.load(f)["hosts"], ["algo-1"])
    if problems:
        raise SystemExit("not what the SageMaker training toolkit gives a script:\n  " + "\n  ".join(problems))
    print("script mode: arguments and SM_* variables as the SageMaker training toolkit sets them")


if __name__ == "__main__":
    check_script_mode()
    parser = argparse.ArgumentParser()

    # Hyperparameters are described here; all of them arrive as arguments.
    parser.add_argument("--max_leaf_nodes", type=int, default=-1)
    parser.add_argument("--criterion", type=str, default="gini")
    parser.add_argument("--use_bias", type=str)
    parser.add_argument("--learning_rate", type=float)
    parser.add_argument("--tiny", type=float)
    parser.add_argument("--layers", type=str)
    parser.add_argument("--opts", type=str)
    parser.add_argument("--label", type=str)

    # Sagemaker specific arguments. Defaults are set in the environment variables.
    parser.add_argument("--output-data-dir", type=str, default=os.environ["SM_OUTPUT_DATA_DIR"])
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])

    args = parser.parse_args()

    # Take the set of files and read them all into a single pandas dataframe
    input_files = [os.path.join(args.train, file) for file in os.listdir(args.train)]
    if len(input_files) == 0:
        raise ValueError("There are no files in {}.".format(args.train))
    raw_data = [pd.read_csv(file, header=None, engine="python") for file in input_files]
    train_data = pd.concat(raw_data)

    # labels are in the first column
    train_y = train_data.iloc[:, 0]
    train_X = train_data.iloc[:, 1:]

    clf = tree.DecisionTreeClassifier(max_leaf_nodes=args.max_leaf_nodes, criterion=args.criterion,
                                      random_state=0)
    clf = clf.fit(train_X.to_numpy(), train_y)
    print("accuracy=%.4f" % clf.score(train_X.to_numpy(), train_y))

    joblib.dump(clf, os.path.join(args.model_dir, "model.joblib"))


def model_fn(model_dir):
    """Deserialized and return fitted model

    Note that this should have the same name as the serialized model in the main method
    """
    clf = joblib.load(os.path.join(model_dir, "model.joblib"))
    return clf
