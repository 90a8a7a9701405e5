#!/usr/bin/env bash
# host-bare.sh ceiling|floor [CONNS]: serves bench/<app>_app.py with the host's uvicorn (uvloop +
# httptools, as the server picks them), drives it with wrk (1 s warm-up, then 3 s at CONNS
# connections, default 64; one iris row per POST /predict) and prints the requests answered and
# the server process's CPU µs per request. Outside Docker, for alternating runs:
#   for i in 1 2 3; do bench/host-bare.sh ceiling; bench/host-bare.sh floor; FLOOR_WAIT=0 bench/host-bare.sh floor; done
set -euo pipefail

app=${1:?usage: host-bare.sh ceiling|floor [CONNS]}
conns=${2:-64}
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${PORT:-18933}
python=${CD4ML_TEST_PYTHON:-/usr/bin/python3}
command -v wrk >/dev/null || { echo "host-bare.sh: wrk is missing (scripts/setup-env installs it)" >&2; exit 2; }

cd "$bench"
"$python" -m uvicorn "${app}_app:app" --host 127.0.0.1 --port "$port" --loop uvloop --http httptools \
  --no-access-log --log-level warning &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
wrk -t2 -c"$conns" -d1s -s "$bench/predict.lua" "http://127.0.0.1:$port/predict" >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(ticks)
requests=$(wrk -t2 -c"$conns" -d3s -s "$bench/predict.lua" "http://127.0.0.1:$port/predict" | tail -1 |
  "$python" -c 'import json, sys; print(json.load(sys.stdin)["requests"])')
after=$(ticks)
hz=$(getconf CLK_TCK)
echo "$app${FLOOR_WAIT:+ FLOOR_WAIT=$FLOOR_WAIT} conns=$conns requests=$requests cpu_us_per_request=$(( (after - before) * 1000000 / hz / requests ))"
