#!/usr/bin/env bash
# Runs the VS Code tests on code-server (shared/recipes/vscode-real-ui.md): installs code-server
# and Chromium when missing, builds the .vsix, then runs the extension-host tests (mocha inside
# the real extension host) and the UI test (playwright-core on the workbench with the .vsix).
set -euo pipefail
cd "$(dirname "$0")/../../.."
CODE_SERVER=$(bash test/e2e/vscode/setup.sh | tail -1)
export CODE_SERVER
npm run --silent package -w extension-vscode >/dev/null
npx tsc -b
echo "-- extension-host tests"
node test/dist/e2e/vscode/host.js
echo "-- UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/ui.js
echo "-- pipelines UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiPipelines.js
echo "-- models UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiModels.js
echo "-- experiment views UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiExperimentViews.js
echo "-- runs table UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiRunsTable.js
echo "-- deployments UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiDeployments.js
echo "-- loop timeline UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiTimeline.js
echo "-- monitoring UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiMonitoring.js
echo "-- experiment report UI test"
VSIX="$PWD/extension-vscode/out/sextant.vsix" PYTHON="$PWD/.venv/bin/python" node test/dist/e2e/vscode/uiExperimentReport.js
