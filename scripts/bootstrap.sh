#!/usr/bin/env bash
# Install what hwtrace needs on a fresh Debian machine: system packages (zbar for decoding the
# labels in tests, poppler for PDF checks, the CJK TrueType font the labels embed, socat for
# pseudo-terminal serial pairs, Chromium for page tests) and a virtualenv at .venv with the
# project and its test/dev extras, at the tested versions of constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="libzbar0 zbar-tools poppler-utils fonts-wqy-microhei socat chromium"
if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
  fi
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e '.[test,dev,pg]'
echo "bootstrap done: .venv ready"
