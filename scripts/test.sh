#!/usr/bin/env bash
# Runs every test tier this machine can run: lint, unit tests (core), integration tests
# (HTTP security, crash recovery, CLI) and the MLflow compatibility suite (real mlflow client).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== lint"
npm run --silent lint

echo "== unit and integration tests (node --test)"
node --test --test-concurrency=2 core/dist language-server/dist test/dist

echo "== MLflow compatibility suite (pytest + real mlflow client)"
.venv/bin/python -m pytest -q -p no:cacheprovider test/compat
