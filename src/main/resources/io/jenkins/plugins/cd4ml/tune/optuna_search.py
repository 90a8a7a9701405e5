"""Optuna's ask-and-tell interface over JSON lines, for the cd4ml engine (bundled in its jar).

The engine owns the trials and the training backends; this process owns only the study. One
request per line on stdin, one answer per line on stdout:

  {"op": "init", "direction": "maximize", "sampler": "tpe"|"random", "pruner": "none"|"median"|"hyperband",
   "seed": 42, "startup_trials": 4, "parallel": 2, "max_trials": 20,
   "parameters": {"x": {"type": "float", "min": 0, "max": 1, "log": false},
                  "n": {"type": "int", "min": 1, "max": 9, "log": true},
                  "c": {"type": "categorical", "values": ["a", "b"]}}}
      -> {"ok": true, "optuna": "3.1.0"}
  {"op": "ask"}                                            -> {"trial": 0, "params": {"x": 0.5, ...}}
  {"op": "report", "trial": 0, "step": 1, "value": 0.8}    -> {"prune": false}
  {"op": "tell", "trial": 0, "state": "complete"|"pruned"|"fail", "value": 0.9}   -> {"ok": true}

Errors answer {"error": "..."}; a missing Optuna answers {"error": "...", "missing": "optuna"} to
the first request. Nothing else is ever written to stdout.
"""
import json
import sys


def answer(document):
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def main():
    try:
        import optuna
        from optuna.trial import TrialState
    except ImportError as e:
        for _ in sys.stdin:
            answer({"error": f"cannot import optuna: {e}", "missing": "optuna"})
        return 0
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import warnings
    warnings.simplefilter("ignore")  # experimental-feature warnings (constant_liar) go to stderr anyway

    study = None
    spaces = {}
    trials = {}
    states = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "fail": TrialState.FAIL}

    def distributions(parameters):
        out = {}
        for name, p in parameters.items():
            if p["type"] == "categorical":
                out[name] = optuna.distributions.CategoricalDistribution(p["values"])
            elif p["type"] == "int":
                out[name] = optuna.distributions.IntDistribution(int(p["min"]), int(p["max"]), log=p["log"])
            else:
                out[name] = optuna.distributions.FloatDistribution(float(p["min"]), float(p["max"]), log=p["log"])
        return out

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "init":
                seed = request["seed"]
                if request["sampler"] == "tpe":
                    sampler = optuna.samplers.TPESampler(
                        seed=seed, n_startup_trials=request["startup_trials"], multivariate=True,
                        constant_liar=request["parallel"] > 1)
                else:
                    sampler = optuna.samplers.RandomSampler(seed=seed)
                if request["pruner"] == "median":
                    pruner = optuna.pruners.MedianPruner(n_startup_trials=5)
                elif request["pruner"] == "hyperband":
                    pruner = optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
                else:
                    pruner = optuna.pruners.NopPruner()
                study = optuna.create_study(direction=request["direction"], sampler=sampler, pruner=pruner)
                spaces = distributions(request["parameters"])
                if request.get("baseline"):
                    # the configured hyperparameters are the first trial: the tune never ends below them
                    study.enqueue_trial(request["baseline"])
                answer({"ok": True, "optuna": optuna.__version__})
            elif op == "ask":
                trial = study.ask(spaces)
                trials[trial.number] = trial
                answer({"trial": trial.number, "params": trial.params})
            elif op == "report":
                trial = trials[request["trial"]]
                trial.report(float(request["value"]), int(request["step"]))
                answer({"prune": bool(trial.should_prune())})
            elif op == "tell":
                number = request["trial"]
                state = states[request["state"]]
                value = request.get("value")
                if state == TrialState.COMPLETE:
                    study.tell(number, float(value))
                else:
                    study.tell(number, state=state)
                trials.pop(number, None)
                answer({"ok": True})
            else:
                answer({"error": f"unknown op {op!r}"})
        except Exception as e:  # answer, never die: the engine reports the error with context
            answer({"error": f"{type(e).__name__}: {e}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
