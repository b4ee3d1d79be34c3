#!/usr/bin/env bash
# Installs what Sextant needs on this machine, skipping whatever is already up to date:
# npm packages (npm ci), the TypeScript build, the Python venv (.venv) with the pinned test
# requirements (the real mlflow client, scikit-learn, pytest, ipykernel, JupyterLab, Ray), and the
# JupyterLab extension (prebuilt labextension + the sextant Python package, editable).
set -euo pipefail
cd "$(dirname "$0")/.."

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

lock_hash=$(hash_of package-lock.json)
if [ ! -f node_modules/.sextant-installed ] || [ "$(cat node_modules/.sextant-installed)" != "$lock_hash" ]; then
  echo "sextant setup: installing npm packages (better-sqlite3 compiles from source: ~2 min)"
  # onnxruntime-node ships its CPU libraries in the package; skip its download of CUDA ones.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.sextant-installed
fi

echo "sextant setup: building TypeScript"
npx tsc -b

req_hash=$(hash_of test/requirements.txt extension-jupyterlab/pyproject.toml)
if [ ! -x .venv/bin/python ] || [ ! -f .venv/.sextant-installed ] || [ "$(cat .venv/.sextant-installed)" != "$req_hash" ]; then
  echo "sextant setup: creating .venv with test/requirements.txt (mlflow client, scikit-learn, pytest)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r test/requirements.txt
  echo "$req_hash" > .venv/.sextant-installed
fi

# MLServer (the proxy runtime's upstream in test/compat) and the KServe SDK (the export's schema)
# pin fastapi, starlette and protobuf versions the main .venv does not take: a venv each.
for tool in mlserver kserve; do
  tool_hash=$(hash_of "test/requirements-$tool.txt")
  if [ ! -x ".venv-$tool/bin/python" ] || [ "$(cat ".venv-$tool/.sextant-installed" 2>/dev/null)" != "$tool_hash" ]; then
    echo "sextant setup: creating .venv-$tool with test/requirements-$tool.txt"
    python3 -m venv ".venv-$tool"
    ".venv-$tool/bin/pip" install --quiet --disable-pip-version-check -r "test/requirements-$tool.txt"
    echo "$tool_hash" > ".venv-$tool/.sextant-installed"
  fi
done

# The JupyterLab extension: the prebuilt labextension needs the venv's JupyterLab as its core
# (skipped when up to date), then the Python package (magics, jupyter-lsp spec, labextension) goes
# into the venv in editable mode; its build hook runs no npm.
echo "sextant setup: building the JupyterLab extension (first time: a few minutes)"
npm run --silent build:lab -w extension-jupyterlab -- --if-stale
built=extension-jupyterlab/sextant/labextension/package.json
installed=.venv/share/jupyter/labextensions/@sextant/jupyterlab/package.json
if [ ! -f "$installed" ] || [ "$built" -nt "$installed" ] || ! .venv/bin/python -c 'import sextant' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e ./extension-jupyterlab
fi
