#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-packages.txt when any is missing.
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t packages < <(grep -v '^#' "$here/system-packages.txt" | grep -v '^$')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "twinwatch needs these Debian packages: ${missing[*]}" >&2
    echo "run as root:  $cmd" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  bash -c "$cmd"
fi
command -v swift >/dev/null || { echo "swift is not on PATH (expected Swift 6.x, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
