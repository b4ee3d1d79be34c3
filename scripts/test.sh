#!/usr/bin/env bash
# Runs every test tier this machine can run: lint, unit tests (core, language server, media, VS
# Code extension), integration tests (HTTP security, crash recovery, CLI), the MLflow compatibility
# suite (real mlflow client), the VS Code extension-host and UI tests on code-server, and the
# JupyterLab UI test on a real jupyter lab, and the install smoke tests of the wheel and the .vsix.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== lint"
npm run --silent lint

echo "== unit and integration tests (node --test)"
node --test --test-concurrency=2 core/dist language-server/dist test/dist media/dist/lib extension-vscode/dist extension-jupyterlab/dist

echo "== Ray compute backend on a real Ray cluster (alone: Ray's raylet aborts when its agent starts slowly)"
node --test test/dist/ray/ray.serial.js

echo "== MLflow compatibility suite (pytest + real mlflow client)"
.venv/bin/python -m pytest -q -p no:cacheprovider test/compat extension-jupyterlab/tests

echo "== VS Code extension: extension-host and UI tests (code-server + Chromium)"
if [ "${SEXTANT_SKIP_VSCODE_TESTS:-}" = 1 ]; then
  echo "skipped (SEXTANT_SKIP_VSCODE_TESTS=1)"
else
  bash test/e2e/vscode/run.sh
fi

echo "== JupyterLab extension: UI test (real jupyter lab + Chromium)"
if [ "${SEXTANT_SKIP_JUPYTERLAB_TESTS:-}" = 1 ]; then
  echo "skipped (SEXTANT_SKIP_JUPYTERLAB_TESTS=1)"
else
  bash test/e2e/jupyterlab/run.sh
fi

echo "== Installed as a user installs it: the wheel and the .vsix, no checkout on any path"
if [ "${SEXTANT_SKIP_INSTALL_TESTS:-}" = 1 ]; then
  echo "skipped (SEXTANT_SKIP_INSTALL_TESTS=1)"
else
  bash test/e2e/install/run.sh
fi
