#!/usr/bin/env bash
# Best effort, for the golden tests: a venv (.venv-ref) with the Python packages of the golden
# references (scripts/reference-requirements.txt), so that the canonical 10k × 256 case is
# regenerated and checked. Reuses a complete venv; never fails its caller: without python3 or
# PyPI the canonical suite is skipped (or partly compared) and says so.
set -u
cd "$(dirname "$0")/.."
venv=.venv-ref
numpy=$(sed -n 's/^numpy==//p' scripts/reference-requirements.txt)
check="import numpy, scipy, ot, sklearn; assert numpy.__version__ == '$numpy'"
if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c "$check" 2>/dev/null; then exit 0; fi
if ! command -v python3 >/dev/null; then
  echo "reference-venv: no python3 on PATH: the canonical golden test will be skipped"
  exit 0
fi
rm -rf "$venv"
echo "reference-venv: installing scripts/reference-requirements.txt into $venv"
if python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 2 --timeout 60 -r scripts/reference-requirements.txt \
   && "$venv/bin/python3" -c "$check"; then
  echo "reference-venv: ready"
else
  echo "reference-venv: could not set up $venv: the canonical golden test will be skipped or partly compared"
  rm -rf "$venv"
fi
exit 0
