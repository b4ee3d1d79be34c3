#!/usr/bin/env bash
# Runs the JupyterLab UI test: installs Debian's Chromium when missing, builds the prebuilt
# extension (npm run build:lab, skipped when up to date), installs sextant-jupyterlab into .venv
# (editable; the build hook runs no npm), then drives a real `jupyter lab` with playwright-core:
# the main test, then serving (deploy, test request, canary, promote, roll back), then the runs
# (sidebar filter, sort and context menus; the runs table; a logged model opened from its run).
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  echo "sextant: installing Debian's chromium for the UI test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi
npx tsc -b language-server media test
npm run --silent build:lab -w extension-jupyterlab -- --if-stale >/dev/null
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e ./extension-jupyterlab
node test/dist/e2e/jupyterlab/ui.js
node test/dist/e2e/jupyterlab/uiDeployments.js
node test/dist/e2e/jupyterlab/uiTimeline.js
node test/dist/e2e/jupyterlab/uiMonitoring.js
node test/dist/e2e/jupyterlab/uiExperimentReport.js
node test/dist/e2e/jupyterlab/uiRunsTable.js
