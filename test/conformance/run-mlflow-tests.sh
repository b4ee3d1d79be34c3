#!/usr/bin/env bash
# Runs MLflow's own REST tracking and registry tests against `sextant server`.
#
#   test/conformance/run-mlflow-tests.sh MLFLOW_CHECKOUT [pytest args or test ids...]
#
# MLFLOW_CHECKOUT is a work tree of github.com/mlflow/mlflow at the version pinned in
# test/requirements.txt. Nothing is downloaded: the test files are copied from that checkout into
# a temporary folder outside this repository, next to conftest_sextant.py, which swaps MLflow's
# test server for `sextant server`. Build first (`npx tsc -b`). See docs/mlflow-conformance.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=${1:?usage: run-mlflow-tests.sh MLFLOW_CHECKOUT [pytest args...]}
shift
[ -f "$src/tests/tracking/test_rest_tracking.py" ] || { echo "no tests/tracking in $src" >&2; exit 2; }
python=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/mlflow-conformance-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tests"
for p in __init__.py conftest.py helper_functions.py helpers integration tracking \
  autologging/__init__.py autologging/fixtures.py tracing/__init__.py tracing/helper.py \
  simple_repository_server.py; do
  [ -e "$src/tests/$p" ] || continue
  mkdir -p "$work/tests/$(dirname "$p")"
  cp -r "$src/tests/$p" "$work/tests/$p"
done
cp "$here/conftest_sextant.py" "$work/conftest.py"
printf '[pytest]\naddopts = -p no:cacheprovider -p no:legacypath\n' > "$work/pytest.ini"
# Both files, unless the arguments name tests themselves (tests/...::test_x[...]).
targets=(tests/tracking/test_rest_tracking.py tests/tracking/test_model_registry.py)
for arg in "$@"; do [[ $arg == tests/* ]] && targets=(); done
cd "$work"
# A failed request fails the test at once instead of after minutes of client retries.
SEXTANT_BIN="${SEXTANT_BIN:-$repo/core/bin/sextant.js}" MLFLOW_HTTP_REQUEST_MAX_RETRIES=0 MLFLOW_HTTP_REQUEST_TIMEOUT=60 \
  "$python" -m pytest -c pytest.ini --rootdir . "${targets[@]}" "$@"
