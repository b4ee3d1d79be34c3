#!/usr/bin/env bash
# Installs what the real-UI tests of the VS Code extension need, outside node_modules:
# Debian's Chromium (and ripgrep, libkrb5-dev for code-server's native modules) and code-server
# 4.100.3 (VS Code 1.100.3, the newest that runs on Node 20) in a cache directory.
# Prints the code-server binary path on its last line. See shared/recipes/vscode-real-ui.md.
set -euo pipefail
CODE_SERVER_VERSION=4.100.3
CACHE_DIR=${SEXTANT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sextant-e2e}
PREFIX="$CACHE_DIR/code-server-$CODE_SERVER_VERSION"
BIN="$PREFIX/node_modules/.bin/code-server"

if ! command -v chromium >/dev/null || ! command -v rg >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium libkrb5-dev ripgrep >/dev/null
fi

if [ ! -x "$BIN" ]; then
  mkdir -p "$PREFIX"
  tmp=$(mktemp -d)
  # code-server's postinstall fetches ripgrep from GitHub; seed the cache it reads with Debian's rg.
  mkdir -p "$tmp/vscode-ripgrep-cache-1.15.11"
  tar czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" \
    -C "$(dirname "$(command -v rg)")" rg
  (cd "$PREFIX" && [ -f package.json ] || echo '{"private":true}' > "$PREFIX/package.json")
  (cd "$PREFIX" && npm_config_unsafe_perm=true npm_config_yes=true TMPDIR="$tmp" \
    npm i --no-audit --no-fund --loglevel=error --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$tmp/install.log" 2>&1) ||
    { tail -40 "$tmp/install.log"; exit 1; }
  rm -rf "$tmp"
fi
echo "$BIN"
