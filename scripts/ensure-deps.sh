#!/usr/bin/env bash
# Installs the Debian packages of the given needs (scripts/system-packages.txt) that are missing:
#   scripts/ensure-deps.sh build            make demo: the libraries to build and run twinwatch
#   scripts/ensure-deps.sh build test       make test: and the test tools
#   scripts/ensure-deps.sh build deb        make deb
# Always with --no-install-recommends (prometheus, prometheus-alertmanager and chromium pulled 160
# packages with their recommends), and with a policy-rc.d that refuses every service start while
# apt runs: Debian's prometheus and prometheus-alertmanager packages start their servers on
# installation otherwise; the tests start their own instances on loopback.
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(($#)) || { echo "usage: $0 NEED... (needs: $(awk '!/^#/ && NF >= 2 { print $2 }' "$here/system-packages.txt" | sort -u | tr '\n' ' '))" >&2; exit 64; }
for need in "$@"; do
  grep -Eq "^[^#[:space:]]+[[:space:]]+$need([[:space:]]|\$)" "$here/system-packages.txt" \
    || { echo "ensure-deps: no package has the need '$need' in scripts/system-packages.txt" >&2; exit 64; }
done
mapfile -t packages < <(awk -v needs=" $* " '!/^#/ && NF >= 2 && index(needs, " " $2 " ") { print $1 }' "$here/system-packages.txt")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "twinwatch ($*) needs these Debian packages: ${missing[*]}" >&2
    echo "run as root:  $cmd" >&2
    echo "(with /usr/sbin/policy-rc.d exiting 101 first if you do not want their services started)" >&2
    exit 1
  fi
  echo "installing for $*: ${missing[*]}"
  policy=/usr/sbin/policy-rc.d
  if [ -e "$policy" ]; then
    echo "ensure-deps: $policy exists and stays as it is (it decides which services apt may start)"
  else
    printf '#!/bin/sh\n# ensure-deps.sh: no service starts while it installs packages.\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  bash -c "$cmd"
  # Debian enables the services of packages it installs (for the next boot); say which, so that
  # nobody is surprised by a Prometheus after a reboot.
  units=$(for p in "${missing[@]}"; do dpkg -L "$p" 2>/dev/null; done | sed -n 's#^/lib/systemd/system/\([^/@]*\.service\)$#\1#p' | sort -u)
  enabled=$(for u in $units; do [ -e "/etc/systemd/system/multi-user.target.wants/$u" ] && echo "$u"; done | tr '\n' ' ' || true)
  if [ -n "$enabled" ]; then
    echo "ensure-deps: not started (policy-rc.d); enabled by their packages for the next boot: $enabled"
    echo "ensure-deps: the tests start their own instances; to keep these off: systemctl disable $enabled"
  fi
  if [ -d /run/systemd/system ]; then
    running=$(for u in $units; do systemctl is-active --quiet "$u" && echo "$u"; done | tr '\n' ' ' || true)
    [ -z "$running" ] || echo "ensure-deps: running although policy-rc.d refused them: $running" >&2
  fi
fi
command -v swift >/dev/null || { echo "swift is not on PATH (expected Swift 6.x, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
