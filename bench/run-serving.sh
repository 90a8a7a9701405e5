#!/usr/bin/env bash
# Serving benchmark: builds the serving images of two models (the iris RandomForest example and a
# logistic regression), serves each with wrk against /predict at 1, 16 and 64 connections with
# prediction logging on/off and micro-batching on/off, measures a bare ASGI app (the ceiling) in
# the same run, and times image rebuilds after a model change (docker-java vs Jib) against full
# builds. Writes bench/results/serving.md (and the raw figures under bench/.work/).
#
# Needs what scripts/setup-env prepares: Docker (host networking only), the local base image,
# the local registry with its credentials, wrk and hyperfine. Traffic stays on 127.0.0.1.
#   DURATION=8 bench/run-serving.sh        # seconds per wrk cell (default 8)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$root/bench
work=$bench/.work
env_file=/var/lib/cd4ml-test/env
duration=${DURATION:-8}
runs=${RUNS:-3}
port=${PORT:-18181}

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
for tool in docker wrk hyperfine skopeo java; do
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

measure() { # SERVER-LABEL MODEL LOGGING BATCHING
  local conns threads line
  for conns in 1 16 64; do
    threads=$((conns < 2 ? 1 : 2))
    wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s -s "$bench/predict.lua" \
      "http://127.0.0.1:$port/predict" >"$work/wrk.out" 2>&1 || die "wrk failed: $(cat "$work/wrk.out")"
    line=$(tail -1 "$work/wrk.out")
    printf '{"server": "%s", "model": "%s", "logging": "%s", "batching": "%s", "connections": %d, %s\n' \
      "$1" "$2" "$3" "$4" "$conns" "${line#\{}" >>"$results"
    log "$1 $2 logging=$3 batching=$4 c=$conns: $line"
  done
}

serve() { # MODEL LOGGING(on|off) BATCHING(on|off)
  local name=cd4ml-bench-$1-$2-$3
  local batch=0
  [[ $3 == on ]] && batch=32
  local logging=true
  [[ $2 == off ]] && logging=false
  docker run -d --name "$name" --network host -e PORT="$port" -e CD4ML_LOG_STDOUT="$logging" \
    -e CD4ML_BATCH_MAX_SIZE="$batch" -e CD4ML_BATCH_MAX_LATENCY_MS=5 -e CD4ML_WORKERS=1 \
    "cd4ml-bench/$1:bench" >/dev/null
  containers+=("$name")
  wait_ready "http://127.0.0.1:$port/ready"
  measure server "$1" "$2" "$3"
  docker rm -f "$name" >/dev/null
}

log "ceiling: bare ASGI app under the same uvicorn and base image"
docker run -d --name cd4ml-bench-ceiling --network host -v "$bench/ceiling_app.py:/bench/ceiling_app.py:ro" \
  -w /bench "$base_image" python3 -m uvicorn ceiling_app:app --host 0.0.0.0 --port "$port" \
  --no-access-log --log-level warning >/dev/null
containers+=(cd4ml-bench-ceiling)
wait_ready "http://127.0.0.1:$port/"
measure ceiling - - -
docker rm -f cd4ml-bench-ceiling >/dev/null

for model in iris linear; do
  for logging in on off; do
    for batching in off on; do
      serve "$model" "$logging" "$batching"
    done
  done
done

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

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
printf '{"date": "%s", "machine": "%s, %s cores, %s GiB RAM, Docker %s", "duration_s": %s}\n' \
  "$(date -u +%Y-%m-%d)" "$cpu" "$(nproc)" "$(($(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo) / 1048576))" \
  "$(docker version --format '{{.Server.Version}}')" "$duration" >"$work/meta.json"
{ /usr/bin/python3 "$bench/report.py" "$results" "$work/builds" "$work/meta.json"; echo; cat "$work/model_call.md"; } \
  >"$bench/results/serving.md"
log "wrote bench/results/serving.md"
cat "$bench/results/serving.md"
