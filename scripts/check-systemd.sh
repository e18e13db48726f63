#!/usr/bin/env bash
# Checks the systemd unit (DESIGN §10) offline — systemd need not be PID 1, nothing need be installed:
#   1. `systemd-analyze verify` prints nothing (it exits 0 on many warnings, so any output on
#      stdout or stderr fails the check, and so does a non-zero exit);
#   2. `systemd-analyze security --offline=yes` rates the overall exposure ≤ MAX_EXPOSURE (2.0);
#   3. the sysusers.d entry beside the unit (if any) parses and creates the user it names.
#
# Usage: scripts/check-systemd.sh [UNIT_FILE]      (default: systemd/twinwatch.service)
#        MAX_EXPOSURE=1.5 scripts/check-systemd.sh
#
# The executable: `verify` fails when ExecStart='s binary does not exist, and in CI the daemon is not
# installed. The unit is therefore verified as a copy in a temporary directory in which only the path
# of the twinwatch executable is replaced by a stand-in script (the copy is diffed against the
# original to prove nothing else changed). Every directive — including ExecReload='s /bin/kill,
# which must exist — is verified as shipped. `--root=` is not used: with it systemd 252 also
# resolves the unit's dependencies (sysinit.target, …) and /bin/kill under that root.
# When the unit's binary does exist (an installed system) the unmodified file is verified too.
#
# The score: `--threshold=N` counts in tenths (exposure 2.0 = 20; systemd 252 fails when the
# exposure is greater than N, so 2.0 itself passes). The script passes --threshold and also parses
# the "Overall exposure level" line, so the number is printed and checked either way.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
unit=${1:-$repo/systemd/twinwatch.service}
max_exposure=${MAX_EXPOSURE:-2.0}
fail=0

command -v systemd-analyze >/dev/null || { echo "check-systemd: systemd-analyze not found (apt-get install systemd)" >&2; exit 2; }
[ -f "$unit" ] || { echo "check-systemd: no unit file $unit" >&2; exit 2; }
name=$(basename "$unit")
echo "check-systemd: $unit ($(systemd-analyze --version | head -1))"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. verify ---------------------------------------------------------------------------------
exec_line=$(grep -E '^ExecStart=' "$unit" | head -1 || true)
[ -n "$exec_line" ] || { echo "FAIL verify: no ExecStart= line in $unit" >&2; exit 1; }
binary=${exec_line#ExecStart=}
binary=${binary#[-@:+!]}
binary=${binary%% *}
case "$binary" in
    /*) ;;
    *) echo "FAIL verify: ExecStart= binary '$binary' is not an absolute path" >&2; exit 1 ;;
esac

run_verify() {  # $1: unit file; prints the output, returns non-zero on any output or failure
    local out rc=0
    out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$1" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
        printf '%s\n' "$out" | sed 's/^/    /'
        echo "FAIL verify: exit status $rc, $(printf '%s' "$out" | grep -c '') line(s) of output (must be 0 and none)"
        return 1
    fi
}

mkdir -p "$tmp/bin" "$tmp/unit"
printf '#!/bin/sh\nexit 0\n' > "$tmp/bin/twinwatch"
chmod 0755 "$tmp/bin/twinwatch"
stand_in="$tmp/bin/twinwatch"
# Replace the binary path only where it is the command of an Exec*= line.
sed -E "s#^(Exec[A-Za-z]*=[-@:+!]*)$binary( |\$)#\1$stand_in\2#" "$unit" > "$tmp/unit/$name"
changed=$(diff "$unit" "$tmp/unit/$name" | grep -c '^>' || true)
if [ "$changed" -lt 1 ]; then echo "FAIL verify: could not substitute the ExecStart binary $binary" >&2; exit 1; fi
if diff "$unit" "$tmp/unit/$name" | grep '^>' | grep -qv "^> Exec[A-Za-z]*=[-@:+!]*$stand_in"; then
    echo "FAIL verify: the substitution changed more than Exec*= command paths" >&2; exit 1
fi
echo "verify: $name with $binary → stand-in ($changed line(s) changed)"
if run_verify "$tmp/unit/$name"; then echo "  ok: no output"; else fail=1; fi
if [ -x "$binary" ]; then
    echo "verify: $name as shipped ($binary exists on this host)"
    if run_verify "$unit"; then echo "  ok: no output"; else fail=1; fi
fi

# --- 2. security exposure ------------------------------------------------------------------------
threshold=$(awk -v m="$max_exposure" 'BEGIN { printf "%d", m * 10 + 0.5 }')
rc=0
report=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes --no-pager \
    --threshold="$threshold" "$unit" 2>&1) || rc=$?
overall=$(printf '%s\n' "$report" | grep 'Overall exposure level' | tail -1 || true)
exposure=$(printf '%s\n' "$overall" | sed -nE 's/.*: ([0-9]+\.[0-9]+).*/\1/p')
if [ -z "$exposure" ]; then
    printf '%s\n' "$report" | sed 's/^/    /'
    echo "FAIL security: no overall exposure level in the output (exit status $rc)"
    fail=1
else
    echo "security: ${overall#→ }"
    if awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }' || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$report" | grep -E '^✗' | sed 's/^/    /'
        echo "FAIL security: exposure $exposure > $max_exposure (systemd-analyze --threshold=$threshold exit status $rc)"
        fail=1
    else
        echo "  ok: $exposure ≤ $max_exposure"
    fi
fi

# --- 3. sysusers.d -------------------------------------------------------------------------------
sysusers="$(dirname "$unit")/${name%.service}.sysusers"
if [ -f "$sysusers" ]; then
    user=$(sed -nE 's/^User=(.*)$/\1/p' "$unit" | tail -1)
    if ! command -v systemd-sysusers >/dev/null; then
        echo "sysusers: systemd-sysusers not found, $sysusers not checked"
    else
        mkdir -p "$tmp/root/etc"
        # Its plan ("Creating user …") is logged at info level: at notice level anything printed is a
        # warning or an error (which may come with exit status 0).
        rc=0
        problems=$(SYSTEMD_LOG_LEVEL=notice systemd-sysusers --dry-run --root="$tmp/root" - < "$sysusers" 2>&1) || rc=$?
        plan=$(SYSTEMD_LOG_LEVEL=info systemd-sysusers --dry-run --root="$tmp/root" - < "$sysusers" 2>&1 || true)
        if [ "$rc" -ne 0 ] || [ -n "$problems" ] || ! printf '%s\n' "$plan" | grep -q "Creating user '$user'"; then
            printf '%s\n' "$problems" | sed 's/^/    /'
            echo "FAIL sysusers: $sysusers must create User=$user without warnings (exit status $rc)"
            fail=1
        else
            echo "sysusers: $(basename "$sysusers") creates user '$user'"
            echo "  ok"
        fi
    fi
fi

if [ "$fail" -ne 0 ]; then echo "check-systemd: FAILED"; exit 1; fi
echo "check-systemd: OK"
