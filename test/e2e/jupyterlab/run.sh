#!/usr/bin/env bash
# Runs the JupyterLab UI test: builds the prebuilt extension (npm run build:lab), installs
# sextant-jupyterlab into .venv (editable, no network: the hook skips when the build is fresh),
# then drives a real `jupyter lab` with playwright-core and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/../../.."
npx tsc -b language-server media test
npm run --silent build:lab -w extension-jupyterlab >/dev/null
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e ./extension-jupyterlab
node test/dist/e2e/jupyterlab/ui.js
