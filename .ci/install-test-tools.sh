#!/usr/bin/env bash
# Installs the external tools some tests use: Microsoft's SARIF validator (npm, offline
# binary) under .ci/node/, and Debian's Chromium for the headless HTML report test.
# Idempotent; safe to run on a fresh machine or a warm one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .ci/node/node_modules/.bin/sarif-multitool ]; then
  mkdir -p .ci/node
  (cd .ci/node && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool@5.7.0 >/dev/null)
fi

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi
