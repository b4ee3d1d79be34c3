#!/usr/bin/env bash
# Installs what Sextant needs on this machine, skipping whatever is already up to date:
# npm packages (npm ci), the TypeScript build, and the Python venv (.venv) with the pinned
# test requirements (the real mlflow client, scikit-learn, pytest, ipykernel) and the
# sextant kernel package (%sextant magics) in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

lock_hash=$(hash_of package-lock.json)
if [ ! -f node_modules/.sextant-installed ] || [ "$(cat node_modules/.sextant-installed)" != "$lock_hash" ]; then
  echo "sextant setup: installing npm packages (better-sqlite3 compiles from source: ~2 min)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.sextant-installed
fi

echo "sextant setup: building TypeScript"
npx tsc -b

req_hash=$(hash_of test/requirements.txt extension-jupyterlab/pyproject.toml)
if [ ! -x .venv/bin/python ] || [ ! -f .venv/.sextant-installed ] || [ "$(cat .venv/.sextant-installed)" != "$req_hash" ]; then
  echo "sextant setup: creating .venv with test/requirements.txt (mlflow client, scikit-learn, pytest)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r test/requirements.txt
  .venv/bin/pip install --quiet --disable-pip-version-check -e ./extension-jupyterlab
  echo "$req_hash" > .venv/.sextant-installed
fi
