#!/usr/bin/env bash
# Tuning benchmark: (1) trials the bayesian strategy (Optuna TPE) needs to reach a target on a known
# objective, against random search, over SEEDS seeds; (2) wall time of MAX_TRIALS real trials of
# examples/iris on the local backend at parallel_trials 1, 2 and 4, in the same run.
# Writes bench/results/tuning.md (raw numbers in bench/.work/tuning/).
set -euo pipefail

readonly SEEDS=${SEEDS:-15}
readonly STRATEGY_MAX_TRIALS=${STRATEGY_MAX_TRIALS:-300}
readonly TRIALS=${TRIALS:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/bench/.work/tuning
results=$root/bench/results/tuning.md
mkdir -p "$work" "$(dirname "$results")"
log() { printf '[bench tuning] %s\n' "$*" >&2; }

started=$(date -u +'%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "building the CLI jar"
(cd "$root" && mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests)
jar=$(ls "$root"/target/cd4ml-*-cli.jar | head -1)

log "strategies: $SEEDS seeds, up to $STRATEGY_MAX_TRIALS trials each"
java -cp "$jar" "$root/bench/TuneStrategyBench.java" "$SEEDS" "$STRATEGY_MAX_TRIALS" > "$work/strategies.tsv"

for parallel in 1 2 4; do
  log "examples/iris: $TRIALS random trials, $parallel at a time"
  rm -rf "$work/iris-$parallel"
  mkdir -p "$work/iris-$parallel"
  (cd "$root/examples/iris" && tar --exclude=.cd4ml -cf - .) | tar -C "$work/iris-$parallel" -xf -
  /usr/bin/python3 - "$work/iris-$parallel/config.yaml" "$TRIALS" "$parallel" <<'PY'
import re, sys
path, trials, parallel = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
text = re.sub(r"(?m)^(\s+strategy:)\s*\S+", r"\1 random", text)
text = re.sub(r"(?m)^(\s+max_trials:)\s*\S+", r"\g<1> " + trials, text)
text = re.sub(r"(?m)^(\s+parallel_trials:)\s*\S+", r"\g<1> " + parallel, text)
open(path, "w").write(text)
PY
  java -jar "$jar" tune -q --json "$work/iris-$parallel" > "$work/iris-$parallel.json"
done

/usr/bin/python3 - "$work" "$results" "$SEEDS" "$STRATEGY_MAX_TRIALS" "$TRIALS" "$started" "$load_start" <<'PY'
import json, os, platform, statistics, subprocess, sys, datetime
work, results, seeds, max_trials, trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
started, load_start = sys.argv[6], sys.argv[7]
rows = [line.split("\t") for line in open(os.path.join(work, "strategies.tsv")).read().split("\n")[1:] if line]
random = [int(r[1]) for r in rows]
bayes = [int(r[2]) for r in rows]
ratios = [b / r for r, b in zip(random, bayes)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
cores = os.cpu_count()
mem = round(int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024)
load = open("/proc/loadavg").read().split()[:3]
out = []
ended = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M UTC")
out.append(f"Run of {started} to {ended} — machine: {cpu}, {cores} cores, {mem} GiB RAM; load average (1, 5, 15 min) "
           f"at the start {load_start}, at the end {' '.join(load)} (the machine was shared; every ratio below comes "
           f"from this one run).\n")
out.append(f"### Bayesian (Optuna TPE) vs random: trials to reach 0.95 on the known objective\n")
out.append(f"{seeds} seeds, at most {max_trials} trials each (never reached counts as {max_trials + 1}).\n")
out.append("| seed | random | bayesian | ratio |\n|---:|---:|---:|---:|")
for (s, r, b), q in zip(rows, ratios):
    out.append(f"| {s} | {r} | {b} | {q:.2f} |")
out.append(f"\nMedian trials: random **{statistics.median(random)}**, bayesian **{statistics.median(bayes)}**; "
           f"ratio of medians **{statistics.median(bayes) / statistics.median(random):.2f}**, median of the per-seed "
           f"ratios **{statistics.median(ratios):.2f}** (goal ≤ 0.6).\n")
out.append(f"### Parallel trials: {trials} random trials of examples/iris on the local backend\n")
out.append("| parallel_trials | wall time of the tune (s) | speedup vs 1 | median trial (s) |\n|---:|---:|---:|---:|")
base = None
for p in (1, 2, 4):
    doc = json.load(open(os.path.join(work, f"iris-{p}.json")))
    wall = doc["duration_seconds"]
    base = base or wall
    median_trial = statistics.median(t["duration_seconds"] for t in doc["trials"])
    out.append(f"| {p} | {wall:.1f} | {base / wall:.2f} | {median_trial:.1f} |")
open(results, "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
