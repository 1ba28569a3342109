#!/usr/bin/env bash
# Prove the air-gapped path on this machine, and say how long each step takes.
#
#   packaging/check_offline.sh [--wheelhouse DIR] [--frozen DIR] [--work DIR]
#
# 1. Builds the wheelhouse (with network) unless --wheelhouse names one already built.
# 2. Inside a network namespace with no network but loopback (`unshare -n`, needs root):
#    - installs into a fresh venv from the wheelhouse only: pip --isolated (no pip.conf, no extra
#      find-links or index), --no-index, --require-hashes against wheelhouse.lock;
#    - runs the CLI workflow: import → train → register → stage → predict → serve → request → monitor;
#    - with --frozen DIR (the PyInstaller folder, dist/mlops-desktop): the same workflow with the
#      frozen executable (its model server is the executable itself), then the frozen app started
#      offscreen on a new workspace, which adds the sample datasets in a worker process.
# Exits non-zero at the first step that fails.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
script="$repo/packaging/check_offline.sh"
python="${PYTHON:-python3}"

now() { date +%s.%N; }
took() { "$python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }
say() { echo "== $*"; }

# Requests to the model server: three rows whose answers are checked, then every sample row as CSV
# (the prediction log the monitor reads). The host's Python is only the HTTP client here.
request() {
  "$python" - "$1" "$2" <<'EOF'
import json
import sys
import time
import urllib.request

url = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(300):  # the server needs a moment to load the model
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            print("health:", response.read().decode())
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the model server did not answer on /health within 30 s")
# One flower of each species.
rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
columns = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
body = json.dumps({"dataframe_split": {"columns": columns, "data": rows}}).encode()
with urllib.request.urlopen(
    urllib.request.Request(f"{url}/invocations", body, {"Content-Type": "application/json"}),
    timeout=10,
) as response:
    predictions = json.loads(response.read())["predictions"]
print("predictions:", predictions)
assert predictions == ["setosa", "virginica", "versicolor"], predictions
with open(sys.argv[2], encoding="utf-8") as sample:
    lines = [line.rsplit(",", 1)[0] for line in sample.read().splitlines()]
body = "\n".join(lines).encode()
with urllib.request.urlopen(
    urllib.request.Request(f"{url}/invocations", body, {"Content-Type": "text/csv"}), timeout=10
) as response:
    print("rows predicted from CSV:", len(json.loads(response.read())["predictions"]))
EOF
}

# import → train → register → stage → predict → serve → request → monitor, with the program in $1.
workflow() {
  local app="$1" home="$2" samples="$3" port="$4" run server
  "$app" --home "$home" datasets import "$samples/iris.csv" --json
  run="$("$app" --home "$home" train --dataset iris --target species \
    --algorithm logistic_regression --json | "$python" -c "import json,sys; print(json.load(sys.stdin)['run_id'])")"
  echo "run: $run"
  "$app" --home "$home" models register "$run" --name iris-model --json
  "$app" --home "$home" models stage iris-model 1 production --json
  "$app" --home "$home" predict iris-model@production "$samples/iris.csv" --output "$home/scored.csv" --json
  "$app" --home "$home" serve iris-model@production --port "$port" --json &
  server=$!
  if ! request "$port" "$samples/iris.csv"; then
    kill "$server"
    return 1
  fi
  kill -INT "$server"
  wait "$server"
  "$app" --home "$home" monitor iris-model@production --reference iris --from-log --json >"$home/monitor.json"
  "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); print('monitor status:', r.get('status'))" \
    "$home/monitor.json"
}

inside() {
  local work="$1" wheelhouse="$2" frozen="$3" start
  ip link set lo up
  if "$python" -c "import socket; socket.create_connection(('pypi.org', 443), timeout=5)" 2>/dev/null; then
    echo "the network is reachable inside the namespace: this is no proof" >&2
    exit 1
  fi
  say "no network here: pypi.org cannot be reached; loopback is up"

  start="$(now)"
  "$python" -m venv "$work/venv"
  "$work/venv/bin/pip" install --isolated --quiet --no-index --find-links "$wheelhouse" \
    --require-hashes -r "$wheelhouse/wheelhouse.lock"
  say "offline install (venv + pip --no-index --require-hashes): $(took "$start")"

  local samples
  # -I: the installed package, never a checkout in the current folder.
  samples="$("$work/venv/bin/python" -I -c "from mlops_desktop.config import samples_dir; print(samples_dir())")"
  echo "installed: $samples"
  start="$(now)"
  (cd "$work" && workflow "$work/venv/bin/mlops-desktop" "$work/home" "$samples" 8765)
  say "CLI workflow from the wheelhouse install: $(took "$start")"

  [ -n "$frozen" ] || return 0
  start="$(now)"
  (cd "$work" && workflow "$frozen/mlops-desktop" "$work/frozen-home" "$samples" 8766)
  say "CLI workflow with the frozen executable: $(took "$start")"

  # The frozen app, offscreen, on a new default workspace: it adds the samples in a worker process.
  local app_home="$work/frozen-app-home" app datasets=0
  start="$(now)"
  QT_QPA_PLATFORM=offscreen MLOPS_DESKTOP_HOME="$app_home" MLOPS_DESKTOP_CONFIG_DIR="$work/config" \
    "$frozen/mlops-desktop" >"$work/frozen-app.out" 2>&1 &
  app=$!
  for _ in $(seq 600); do
    if [ -f "$app_home/store.db" ]; then
      datasets="$("$frozen/mlops-desktop" --home "$app_home" datasets list --json 2>/dev/null |
        "$python" -c "import json,sys; print(len(json.load(sys.stdin)))" || echo 0)"
      [ "$datasets" -ge 4 ] && break
    fi
    kill -0 "$app" 2>/dev/null || break
    sleep 0.2
  done
  say "frozen app started offscreen; its workspace holds $datasets sample datasets: $(took "$start")"
  kill -TERM "$app" 2>/dev/null || true
  wait "$app" || true
  echo "-- the frozen app's log:"
  cat "$app_home"/logs/*.log
  [ "$datasets" -ge 4 ]
}

if [ "${1:-}" = "--inside" ]; then
  shift
  inside "$@"
  exit
fi

wheelhouse="" frozen="" work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wheelhouse) wheelhouse="$(cd "$2" && pwd)"; shift 2 ;;
    --frozen) frozen="$(cd "$2" && pwd)"; shift 2 ;;
    --work) mkdir -p "$2"; work="$(cd "$2" && pwd)"; shift 2 ;;
    *) echo "usage: $0 [--wheelhouse DIR] [--frozen DIR] [--work DIR]" >&2; exit 2 ;;
  esac
done
work="${work:-$(mktemp -d)}"
rm -rf "$work/venv" "$work/home" "$work/frozen-home" "$work/frozen-app-home" "$work/config"

if [ -z "$wheelhouse" ]; then
  wheelhouse="$work/wheelhouse"
  rm -rf "$wheelhouse"
  start="$(now)"
  "$repo/packaging/build_wheelhouse.sh" "$wheelhouse"
  say "wheelhouse build (with network): $(took "$start"), $(du -sh "$wheelhouse" | cut -f1)"
fi

if ! unshare -n true 2>/dev/null; then
  echo "unshare -n is refused here (it needs root and a kernel that allows network namespaces)" >&2
  exit 1
fi
unshare -n "$script" --inside "$work" "$wheelhouse" "$frozen"
say "all offline checks passed (work folder: $work)"
