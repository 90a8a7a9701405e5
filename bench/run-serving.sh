#!/usr/bin/env bash
# Serving benchmark: builds the serving images of two models (the iris RandomForest example and a
# logistic regression) and serves each with wrk against /predict at 1, 16 and 64 connections,
# as the server is now ("after", its automatic choices and with micro-batching forced on/off) and
# as it was at BEFORE_REF ("before": that commit's server code and example predict.py mounted
# into the same image), next to a bare ASGI app (the ceiling) under the same uvicorn loop and
# HTTP implementation, all in the same run. Then times image rebuilds after a model change
# (docker-java vs Jib) against full builds, unless SERVING_ONLY=1.
# Writes bench/results/serving.md (and the raw figures under bench/.work/).
#
# Needs what scripts/setup-env prepares: Docker (host networking only), the local base image,
# the local registry with its credentials, wrk and hyperfine. Traffic stays on 127.0.0.1.
#   DURATION=8 bench/run-serving.sh        # seconds per wrk cell (default 8)
#   ROUNDS=3 bench/run-serving.sh          # alternating before/after rounds of the forest at 1 connection
#   DURATION=3 SERVING_ONLY=1 CONNS="1 16" bench/run-serving.sh   # a quick look
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$root/bench
work=$bench/.work
env_file=/var/lib/cd4ml-test/env
duration=${DURATION:-8}
runs=${RUNS:-3}
port=${PORT:-18181}
conns_list=${CONNS:-1 16 64}
phase=main
alternating_rounds=${ROUNDS:-3}
serving_only=${SERVING_ONLY:-0}
# The server as issue 14 found it (the last commit before its speed work).
before_ref=${BEFORE_REF:-5d411a3}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

setting() { # KEY: from the environment, else the test env file
  local key=$1 value=${!1:-}
  [[ -n $value ]] || value=$(sed -n "s/^$key=//p" "$env_file" 2>/dev/null | head -1)
  [[ -n $value ]] || die "$key is not set and $env_file lacks it; run scripts/setup-env"
  printf '%s' "$value"
}

base_image=$(setting CD4ML_TEST_BASE_IMAGE)
registry=$(setting CD4ML_TEST_REGISTRY)
registry_user=$(setting CD4ML_TEST_REGISTRY_USER)
password_file=$(setting CD4ML_TEST_REGISTRY_PASSWORD_FILE)
for tool in docker wrk hyperfine skopeo java git curl; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/setup-env"
done
docker image inspect "$base_image" >/dev/null 2>&1 || die "no $base_image in the Docker daemon; run scripts/setup-env"

log "building the CLI jar"
(cd "$root" && mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests)
jar=$(ls "$root"/target/cd4ml-*-cli.jar | head -1)
export CD4ML_PYTHON=${CD4ML_PYTHON:-/usr/bin/python3}
cd4ml() { java -jar "$jar" "$@"; }

rm -rf "$work"
mkdir -p "$work/builds" "$bench/results"
results=$work/serving.jsonl
: >"$results"
containers=()
cleanup() {
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  docker image ls -q --filter reference='cd4ml-bench/*' | xargs -r docker image rm -f >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- models and images ---------------------------------------------------------------------------
cp -r "$root/examples/iris" "$work/iris"
rm -rf "$work/iris/.cd4ml"
cp -r "$work/iris" "$work/linear"
cp "$bench/train_linear.py" "$work/linear/train.py"
rm -f "$work/linear/predict.py"
sed -i 's/name: iris-classifier/name: iris-linear/' "$work/linear/config.yaml"
for model in iris linear; do
  log "training and building $model"
  cd4ml train -q "$work/$model" >/dev/null
  cd4ml build-image -q "$work/$model" --builder docker --base-image "$base_image" \
    --repository "cd4ml-bench/$model" --tag bench >/dev/null
done
log "extracting the server and example hooks of $before_ref (the 'before' server)"
mkdir -p "$work/before"
git -C "$root" archive "$before_ref" resources/dockerfiles/serving/app examples/iris/predict.py | tar -x -C "$work/before"
chmod -R a+rX "$work/before"
before_app=$work/before/resources/dockerfiles/serving/app
before_hooks=$work/before/examples/iris/predict.py
log "timing one-row model calls of the iris forest (n_jobs as trained vs 1)"
/usr/bin/python3 "$bench/model_call.py" "$(ls -d "$work"/iris/.cd4ml/runs/*/model | tail -1)" >"$work/model_call.md"

# --- serving --------------------------------------------------------------------------------------
wait_ready() {
  local url=$1 i
  for i in $(seq 1 600); do
    curl -fs -o /dev/null "$url" && return 0
    sleep 0.1
  done
  die "$url did not become ready"
}

dropped_records() { # sum of cd4ml_log_records_dropped_total on the running server
  curl -fs "http://127.0.0.1:$port/metrics" |
    awk '/^cd4ml_log_records_dropped_total/ {sum += $NF} END {printf "%d", sum}'
}

container_cpu_ns() { # CONTAINER: CPU time its processes used so far (cgroup v1 or v2), or -1
  local id
  id=$(docker inspect -f '{{.Id}}' "$1")
  if [[ -r /sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage ]]; then
    cat "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage"
  elif [[ -r /sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat ]]; then
    awk '/^usage_usec/ {printf "%d", $2 * 1000}' "/sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat"
  else
    echo -1
  fi
}

measure() { # SERVER MODEL BATCHING EXECUTION CONTAINER
  local conns threads line dropped cpu_before cpu_after
  for conns in $conns_list; do
    threads=$((conns < 2 ? 1 : 2))
    cpu_before=$(container_cpu_ns "$5")
    wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s -s "$bench/predict.lua" \
      "http://127.0.0.1:$port/predict" >"$work/wrk.out" 2>&1 || die "wrk failed: $(cat "$work/wrk.out")"
    cpu_after=$(container_cpu_ns "$5")
    line=$(tail -1 "$work/wrk.out")
    dropped=-1
    [[ $1 == ceiling || $1 == floor ]] || { sleep 1; dropped=$(dropped_records); }
    printf '{"server": "%s", "model": "%s", "batching": "%s", "execution": "%s", "phase": "%s", "connections": %d, "log_dropped": %d, "server_cpu_ns": %d, %s\n' \
      "$1" "$2" "$3" "$4" "$phase" "$conns" "$dropped" "$(( cpu_before < 0 ? -1 : cpu_after - cpu_before ))" "${line#\{}" >>"$results"
    log "$1 $2 batching=$3 execution=$4 c=$conns: $line (log records dropped so far: $dropped)"
  done
}

serve() { # before|after|bound MODEL BATCHING(auto|off|on)
  local name=cd4ml-bench-$1-$2-$3 batch_env=() run_options=() command=() plan batching execution
  case $3 in
    off) batch_env=(-e CD4ML_BATCH_MAX_SIZE=0) ;;
    on) batch_env=(-e CD4ML_BATCH_MAX_SIZE=32) ;;
  esac
  if [[ $1 == before ]]; then
    run_options=(-v "$before_app:/opt/cd4ml/app:ro")
    [[ $2 == iris ]] && run_options+=(-v "$before_hooks:/opt/ml/model/predict.py:ro")
  fi
  if [[ $1 == bound ]]; then # this server with its per-request work made free (bench/work_free.py)
    run_options=(-v "$bench/work_free.py:/bench/work_free.py:ro" --entrypoint python3)
    command=(/bench/work_free.py serve)
  fi
  # Prediction logging to stdout stays on, as deployed; Docker's json-file driver takes it.
  docker run -d --name "$name" --network host -e PORT="$port" -e CD4ML_LOG_STDOUT=true \
    "${batch_env[@]}" -e CD4ML_BATCH_MAX_LATENCY_MS=5 -e CD4ML_WORKERS=1 "${run_options[@]}" \
    "cd4ml-bench/$2:bench" "${command[@]}" >/dev/null
  containers+=("$name")
  wait_ready "http://127.0.0.1:$port/ready"
  batching=$3 execution=thread
  if [[ $1 != before ]]; then
    plan=$(docker logs "$name" 2>&1 | grep -m1 'model calls run' || true)
    [[ $plan == *inline* ]] && execution=inline
    if [[ $plan == *"micro-batching up to"* ]]; then batching=on; else batching=off; fi
    [[ $3 == auto ]] && batching="$batching (auto)"
    log "$name: ${plan#*INFO*:}"
  fi
  measure "$1" "$2" "$batching" "$execution" "$name"
  docker rm -f "$name" >/dev/null
}

# The server's uvicorn picks uvloop and httptools when the base image has them (loop/http
# "auto"); the ceiling runs with the same choice.
runtime=$(docker run --rm "$base_image" python3 -c '
import importlib.util as u
print(("uvloop" if u.find_spec("uvloop") else "asyncio") + " " + ("httptools" if u.find_spec("httptools") else "h11"))')
read -r loop_impl http_impl <<<"$runtime"
serve_bare() { # ceiling|floor: bench/<it>_app.py under the server's uvicorn settings in the base image
  docker run -d --name "cd4ml-bench-$1" --network host -v "$bench/$1_app.py:/bench/$1_app.py:ro" \
    -w /bench "$base_image" python3 -m uvicorn "$1_app:app" --host 0.0.0.0 --port "$port" \
    --loop "$loop_impl" --http "$http_impl" --no-access-log --log-level warning >/dev/null
  containers+=("cd4ml-bench-$1")
  wait_ready "http://127.0.0.1:$port/"
  measure "$1" - - - "cd4ml-bench-$1"
  docker rm -f "cd4ml-bench-$1" >/dev/null
}

bare_apps() {
  log "ceiling: bare ASGI app under the same uvicorn and base image (loop $loop_impl, http $http_impl)"
  serve_bare ceiling
  log "floor: a batching ASGI app that does no work of its own, same uvicorn and base image"
  serve_bare floor
}

# Measured before and after the servers: the report takes the faster of the two runs of each
# (a ceiling starved by other work on the machine would inflate every ratio).
bare_apps

for model in iris linear; do
  serve before "$model" off
  serve before "$model" on
  serve after "$model" auto
  # the automatic choice is batching for the forest and none for the linear model: the other one
  if [[ $model == iris ]]; then serve after "$model" off; else serve after "$model" on; fi
done
# How far the linear server could go if validation, the answer and the log line cost nothing.
serve bound linear on
# The forest's target at 1 connection compares cells that ran minutes apart, and this VM's speed
# drifts by a third within minutes: that pair runs again, alternating, and the report takes the
# median of the rounds' ratios.
if [[ " $conns_list " == *" 1 "* ]]; then
  saved_conns=$conns_list phase=alternating conns_list=1
  for _ in $(seq "$alternating_rounds"); do
    serve before iris off
    serve after iris auto
  done
  phase=main conns_list=$saved_conns
fi
bare_apps

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
printf '{"date": "%s", "machine": "%s, %s cores, %s GiB RAM, Docker %s", "duration_s": %s, "load": "%s", "runtime": "uvicorn loop %s, http %s", "before_ref": "%s", "after_ref": "%s"}\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$cpu" "$(nproc)" "$(($(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo) / 1048576))" \
  "$(docker version --format '{{.Server.Version}}')" "$duration" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$loop_impl" "$http_impl" "$before_ref" "$(git -C "$root" rev-parse --short HEAD)" >"$work/meta.json"

if [[ $serving_only == 1 ]]; then
  { /usr/bin/python3 "$bench/report.py" "$results" "$work/builds" "$work/meta.json"; echo; cat "$work/model_call.md"; } \
    >"$bench/results/serving.md"
  log "wrote bench/results/serving.md (serving only)"
  cat "$bench/results/serving.md"
  exit 0
fi

# --- rebuild after a model change -----------------------------------------------------------------
log "rebuild timings (hyperfine, $runs runs each)"
CD4ML_REGISTRY_USERNAME=$registry_user
CD4ML_REGISTRY_PASSWORD=$(<"$password_file")
export CD4ML_REGISTRY_USERNAME CD4ML_REGISTRY_PASSWORD
registry_base=$registry/$base_image
printf '{"auths": {"%s": {"auth": "%s"}}}' "$registry" \
  "$(printf '%s:%s' "$registry_user" "$CD4ML_REGISTRY_PASSWORD" | base64 -w0)" >"$work/auth.json"
skopeo copy -q --dest-tls-verify=false --dest-authfile "$work/auth.json" \
  "docker-daemon:$base_image" "docker://$registry_base" >/dev/null
rm -f "$work/auth.json"

retrain="java -jar $jar train -q $work/iris -p random_state=\$RANDOM >/dev/null"
docker_build="java -jar $jar build-image -q $work/iris --builder docker --base-image $base_image \
--repository cd4ml-bench/rebuild --tag '{model_version}'"
jib_build="java -jar $jar build-image -q $work/iris --builder jib --base-image registry://$registry_base \
--repository $registry/cd4ml-bench/rebuild-jib --tag '{model_version}' --push"
export XDG_CACHE_HOME=$work/cache
hyperfine --shell=bash --runs "$runs" --prepare "$retrain" --export-json "$work/builds/docker-full.json" \
  "$docker_build --no-cache" >&2
hyperfine --shell=bash --runs "$runs" --prepare "$retrain" --export-json "$work/builds/docker-rebuild.json" \
  "$docker_build" >&2
hyperfine --shell=bash --runs "$runs" --prepare "$retrain" --export-json "$work/builds/jib-full.json" \
  "$jib_build --no-cache" >&2
# warm the Jib cache once, then time rebuilds
eval "$jib_build" >/dev/null
hyperfine --shell=bash --runs "$runs" --prepare "$retrain" --export-json "$work/builds/jib-rebuild.json" \
  "$jib_build" >&2
unset CD4ML_REGISTRY_PASSWORD

{ /usr/bin/python3 "$bench/report.py" "$results" "$work/builds" "$work/meta.json"; echo; cat "$work/model_call.md"; } \
  >"$bench/results/serving.md"
log "wrote bench/results/serving.md"
cat "$bench/results/serving.md"
