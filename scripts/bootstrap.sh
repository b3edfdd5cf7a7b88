#!/usr/bin/env bash
# Installs what is missing: Debian packages from scripts/system-packages.txt, the .venv with the
# pinned Python packages, and the CJK font with radicals removed (see reports/fonts.py).
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(grep -v '^#' scripts/system-packages.txt | xargs)
missing=""
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "==> apt-get install$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> creating .venv with pinned packages"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # constraints.txt: every transitive package at the version the suite last passed with
  .venv/bin/pip install -q -c constraints.txt -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
if [ -f reports/fonts.py ]; then
  .venv/bin/python -m reports.fonts
fi
