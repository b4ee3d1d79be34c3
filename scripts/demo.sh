#!/usr/bin/env bash
# Sextant's main job on its embedded default: a tracking server on a SQLite store in .sextant/,
# an example training script that logs a run through the unchanged `mlflow` client, and where
# the run went; then the example pipeline, run twice (the second time from the cache).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

store="$PWD/.sextant"
log=$(mktemp)
node core/bin/sextant.js server --port 0 --store "$store" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Sextant tracking server at \(http[^ ]*\).*/\1/p' "$log")
  [ -n "$url" ] && break
  kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the Sextant server did not start:"; cat "$log"; exit 1; }
echo "Sextant server at $url (store: $store)"

MLFLOW_TRACKING_URI="$url" .venv/bin/python examples/train.py

echo
echo "Runs of experiment 'sextant-demo' in $store:"
node core/bin/sextant.js runs list --store "$store" --experiment sextant-demo --max 5

echo
echo "The example pipeline (prepare → train → evaluate → gate → register), twice: the second run"
echo "comes from the cache, but for gate and register, which reuse the version registered first."
(
  cd examples/pipeline
  export PATH="$OLDPWD/.venv/bin:$PATH"
  node ../../core/bin/sextant.js pipeline run --store "$store"
  node ../../core/bin/sextant.js pipeline run --store "$store"
)
node core/bin/sextant.js pipeline runs --store "$store" --limit 2
echo
echo "The model the pipeline registered:"
node core/bin/sextant.js models show classify-forest --store "$store"
