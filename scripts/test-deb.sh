#!/usr/bin/env bash
# Installs twinwatch_<version>_amd64.deb in a fresh minimal Debian 12 root (no Swift toolchain),
# runs it there, upgrades it to a rebuilt package with a changed conffile, removes and purges it,
# and checks at every step what is installed, kept and gone. `make test-deb` runs it after `make deb`.
#
#   scripts/test-deb.sh twinwatch_0.8.0_amd64.deb
#
# Needs root (mmdebstrap, chroot, unshare -m) and the network to Debian's mirror (apt resolves the
# package's dependencies there, as on a real host). KEEP_ROOT=1 keeps the root for inspection.
# Every check prints "ok: …"; the first failing one prints "FAIL: …" with what it saw, and exits 1.
set -euo pipefail

deb=${1:?usage: $0 twinwatch_VERSION_amd64.deb}
[ -f "$deb" ] || { echo "test-deb: FAIL: no package $deb (make deb)" >&2; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[ "$(id -u)" -eq 0 ] || { echo "test-deb: FAIL: needs root (mmdebstrap, chroot)" >&2; exit 1; }
for tool in mmdebstrap dpkg-deb unshare chroot; do
    command -v "$tool" >/dev/null || { echo "test-deb: FAIL: $tool not found (scripts/ensure-deps.sh test-deb)" >&2; exit 1; }
done

started=$(date +%s.%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/twinwatch-test-deb.XXXXXX")
root=$work/root
log=$work/log
cleanup() {
    # Every mount was made in a private mount namespace (unshare -m) and ended with it; refuse to
    # delete a tree that still has something mounted below it all the same.
    if findmnt -rn -o TARGET | grep -q "^$root"; then
        echo "test-deb: something is still mounted below $root: not deleted" >&2
    elif [ "${KEEP_ROOT:-0}" = 1 ]; then
        echo "test-deb: root kept in $root"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$1" >&2
    shift
    for f in "$@"; do [ -s "$f" ] && { echo "--- last lines of $(basename "$f"):" >&2; tail -n 40 "$f" >&2; }; done
    echo "test-deb: FAILED" >&2
    exit 1
}
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# Runs a command in the root, in a mount namespace of its own with /proc mounted (the binary reads
# /proc/self; SQLite, librdkafka and OpenBLAS need nothing else).
in_root() {
    unshare -m sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$root" "$root" \
        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no "$@"
}
# apt in the root, its output in $log.apt (shown only on failure).
apt_in_root() { in_root apt-get -y -o Dpkg::Use-Pty=0 "$@" > "$log.apt" 2>&1; }
package_state() { in_root dpkg-query -W -f='${db:Status-Abbrev}${Version}' twinwatch 2>/dev/null || true; }

# --- 1. a clean Debian 12 root --------------------------------------------------------------------
step "minimal Debian 12 root (mmdebstrap --variant=apt bookworm)"
t=$(date +%s.%N)
# No mirror given: Debian's default mirror with bookworm-updates and bookworm-security, as on a host.
# TEST_DEB_MIRROR: a mirror URI or sources.list line of your own instead.
mmdebstrap --quiet --variant=apt bookworm "$root" ${TEST_DEB_MIRROR:+"$TEST_DEB_MIRROR"} > "$log.mmdebstrap" 2>&1 \
    || fail "mmdebstrap" "$log.mmdebstrap"
cp /etc/resolv.conf "$root/etc/resolv.conf"
apt_in_root update || fail "apt-get update in the root" "$log.apt"
base_packages=$(in_root dpkg-query -W -f='.\n' | wc -l)
ok "root in $(seconds_since "$t") s: $base_packages packages, $(du -sm "$root" | cut -f1) MB"
[ ! -e "$root/opt/swift" ] && ! in_root sh -c 'command -v swift swiftc' > /dev/null \
    || fail "the root has a Swift toolchain: the test would prove nothing"
ok "no Swift toolchain in the root"

# --- 2. install --------------------------------------------------------------------------------
step "apt-get install ./$(basename "$deb")"
version=$(dpkg-deb -f "$deb" Version)
cp "$deb" "$root/tmp/twinwatch.deb"
t=$(date +%s.%N)
apt_in_root install ./tmp/twinwatch.deb || fail "apt-get install of the package" "$log.apt"
install_seconds=$(seconds_since "$t")
installed=$(( $(in_root dpkg-query -W -f='.\n' | wc -l) - base_packages ))
[ "$(package_state)" = "ii $version" ] || fail "twinwatch $version is not installed: $(package_state)" "$log.apt"
ok "installed in $install_seconds s with its dependencies ($installed packages: $(dpkg-deb -f "$deb" Depends))"
cp "$log.apt" "$work/install.log"

out=$(in_root twinwatch --version 2>&1) || fail "twinwatch --version exited non-zero: $out"
# The release (the package version up to a +, - or ~ suffix) and the commit it was built from:
# the one `make` passed (TWINWATCH_COMMIT), else any.
if [ -n "${TWINWATCH_COMMIT:-}" ]; then
    [ "$out" = "${version%%[-+~]*} (commit $TWINWATCH_COMMIT)" ]
else
    echo "$out" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown)\)$'
fi || fail "twinwatch --version printed '$out', expected the release ${version%%[-+~]*} and the commit ${TWINWATCH_COMMIT:-}"
ok "twinwatch --version: $out"
missing=$(in_root sh -c 'ldd /usr/bin/twinwatch' | grep -E 'not found|/opt/' || true)
[ -z "$missing" ] || fail "libraries not found in the root: $missing"
ok "ldd: $(in_root sh -c 'ldd /usr/bin/twinwatch' | awk '/=>/ { print $1 }' | tr '\n' ' ')"

in_root id twinwatch > /dev/null || fail "no twinwatch user after installation"
state=$(in_root stat -c '%U:%G %a' /var/lib/twinwatch 2>/dev/null || echo missing)
[ "$state" = "twinwatch:twinwatch 700" ] || fail "/var/lib/twinwatch is '$state', expected twinwatch:twinwatch 700"
ok "user $(in_root id twinwatch), /var/lib/twinwatch $state"
grep -qx /etc/twinwatch/twinwatch.yaml "$root/var/lib/dpkg/info/twinwatch.conffiles" \
    || fail "/etc/twinwatch/twinwatch.yaml is not a conffile"
for f in /usr/bin/twinwatch /lib/systemd/system/twinwatch.service /usr/lib/sysusers.d/twinwatch.conf \
         /usr/share/twinwatch/rules/twinwatch-alerts.yaml /usr/share/twinwatch/twinwatch.example.yaml \
         /usr/share/doc/twinwatch/deploy.md /usr/share/doc/twinwatch/copyright /usr/share/man/man1/twinwatch.1.gz; do
    [ -f "$root$f" ] || fail "$f not installed"
done
[ -n "$(ls "$root"/usr/share/twinwatch/dashboards/*.json 2>/dev/null)" ] || fail "no dashboards in /usr/share/twinwatch/dashboards"
[ -n "$(ls "$root"/usr/share/doc/twinwatch/runbooks/*.md 2>/dev/null)" ] || fail "no runbooks in /usr/share/doc/twinwatch/runbooks"
grep -qx 'ExecStart=/usr/bin/twinwatch run --config /etc/twinwatch/twinwatch.yaml' "$root/lib/systemd/system/twinwatch.service" \
    || fail "the unit's ExecStart= is not /usr/bin/twinwatch"
ok "binary, unit, sysusers.d entry, conffile, rules, dashboards, runbooks, docs, man page in place"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/twinwatch.service" ] \
    || fail "the service was enabled on installation (it must wait for a configured broker)"
ok "service not enabled on installation (no broker configured yet)"

out=$(in_root runuser -u twinwatch -- twinwatch check-config /etc/twinwatch/twinwatch.yaml 2>&1) \
    || fail "twinwatch check-config /etc/twinwatch/twinwatch.yaml (as twinwatch) failed: $out"
ok "check-config /etc/twinwatch/twinwatch.yaml as the twinwatch user: $(echo "$out" | tail -1)"

# --- 3. the demo, with nothing but the package and its dependencies ------------------------------
step "twinwatch demo in the root"
t=$(date +%s.%N)
(cd / && in_root sh -c 'cd /tmp && exec twinwatch demo') > "$work/demo.log" 2>&1 || fail "twinwatch demo exited non-zero" "$work/demo.log"
demo_seconds=$(seconds_since "$t")
grep -q '^alert rules from /usr/share/twinwatch/rules/twinwatch-alerts.yaml$' "$work/demo.log" \
    || fail "the demo did not use the installed rule file" "$work/demo.log"
noise=$(grep -iE 'connection refused|rdkafka|%[0-9]+\|' "$work/demo.log" || true)
[ -z "$noise" ] || fail "the demo printed librdkafka errors: $(echo "$noise" | head -3)" "$work/demo.log"
ok "demo in $demo_seconds s, no librdkafka error line: $(grep '^done in' "$work/demo.log" | cut -c1-120)…"

# --- 4. upgrade to a rebuilt package whose conffile changed -----------------------------------------
step "upgrade to a rebuilt package with a changed conffile"
up_version="$version+testdeb1"
rebuild=$work/rebuild
dpkg-deb -R "$deb" "$rebuild"
sed -i "s/^Version: .*/Version: $up_version/" "$rebuild/DEBIAN/control"
marker="# test-deb: the conffile as shipped by $up_version"
for f in etc/twinwatch/twinwatch.yaml usr/share/twinwatch/twinwatch.example.yaml; do echo "$marker" >> "$rebuild/$f"; done
(cd "$rebuild" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort | xargs md5sum) > "$rebuild/DEBIAN/md5sums"
dpkg-deb --root-owner-group --build "$rebuild" "$root/tmp/twinwatch-up.deb" > /dev/null
# The operator's changes: a broker, a secret beside the configuration, the state, the service enabled.
sed -i 's/^  brokers: .*/  brokers: [kafka-1.internal:9092]  # operator/' "$root/etc/twinwatch/twinwatch.yaml"
grep -q '# operator$' "$root/etc/twinwatch/twinwatch.yaml" || fail "could not edit kafka.brokers in /etc/twinwatch/twinwatch.yaml"
printf 'whsec_dGVzdC1kZWItc2VjcmV0LXRlc3QtZGViLXNlY3JldA==' > "$root/etc/twinwatch/webhook-secret"
in_root sh -c 'runuser -u twinwatch -- twinwatch baseline list --config /etc/twinwatch/twinwatch.yaml' > "$work/baseline.log" 2>&1 \
    || fail "twinwatch baseline list (as twinwatch, creating the state database) failed" "$work/baseline.log"
[ -f "$root/var/lib/twinwatch/twinwatch.sqlite" ] || fail "no state database /var/lib/twinwatch/twinwatch.sqlite after a CLI command" "$work/baseline.log"
in_root systemctl enable twinwatch.service > "$work/enable.log" 2>&1 || fail "systemctl enable twinwatch" "$work/enable.log"
[ -L "$root/etc/systemd/system/multi-user.target.wants/twinwatch.service" ] || fail "systemctl enable made no symlink" "$work/enable.log"
ok "operator: kafka.brokers edited, a secret file, a state database (CLI as twinwatch), service enabled"

t=$(date +%s.%N)
apt_in_root -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install ./tmp/twinwatch-up.deb \
    || fail "apt-get install of the rebuilt package" "$log.apt"
[ "$(package_state)" = "ii $up_version" ] || fail "after the upgrade: $(package_state), expected ii $up_version" "$log.apt"
grep -q '# operator$' "$root/etc/twinwatch/twinwatch.yaml" || fail "the upgrade lost the operator's edit of /etc/twinwatch/twinwatch.yaml"
grep -qx "$marker" "$root/etc/twinwatch/twinwatch.yaml" && fail "the upgrade overwrote the operator's /etc/twinwatch/twinwatch.yaml"
grep -qx "$marker" "$root/etc/twinwatch/twinwatch.yaml.dpkg-dist" 2>/dev/null \
    || fail "the new conffile was not saved as /etc/twinwatch/twinwatch.yaml.dpkg-dist" "$log.apt"
grep -qx "$marker" "$root/usr/share/twinwatch/twinwatch.example.yaml" || fail "/usr/share/twinwatch/twinwatch.example.yaml was not upgraded"
[ -f "$root/etc/twinwatch/webhook-secret" ] && [ -f "$root/var/lib/twinwatch/twinwatch.sqlite" ] \
    || fail "the upgrade lost the secret file or the state database"
[ -L "$root/etc/systemd/system/multi-user.target.wants/twinwatch.service" ] || fail "the upgrade disabled the service"
ok "upgraded to $up_version in $(seconds_since "$t") s: the operator's twinwatch.yaml kept, the new one in twinwatch.yaml.dpkg-dist, secret, state and enablement kept"

# --- 5. remove, then purge -------------------------------------------------------------------------
step "apt-get remove twinwatch"
apt_in_root remove twinwatch || fail "apt-get remove twinwatch" "$log.apt"
[ "$(package_state)" = "rc $up_version" ] || fail "after remove: '$(package_state)', expected rc (config files kept)" "$log.apt"
for f in /usr/bin/twinwatch /lib/systemd/system/twinwatch.service /usr/share/twinwatch; do
    [ ! -e "$root$f" ] || fail "remove left $f"
done
for f in /etc/twinwatch/twinwatch.yaml /etc/twinwatch/webhook-secret /var/lib/twinwatch/twinwatch.sqlite; do
    [ -e "$root$f" ] || fail "remove deleted $f (configuration and state must stay)"
done
grep -q '# operator$' "$root/etc/twinwatch/twinwatch.yaml" || fail "remove changed /etc/twinwatch/twinwatch.yaml"
ok "removed: program files gone; /etc/twinwatch (configuration, secret) and /var/lib/twinwatch (state) kept"

step "apt-get purge twinwatch"
apt_in_root purge twinwatch || fail "apt-get purge twinwatch" "$log.apt"
[ -z "$(package_state)" ] || [ "$(package_state | cut -c1-2)" = "un" ] || fail "after purge: '$(package_state)'"
for f in /etc/twinwatch /var/lib/twinwatch /etc/systemd/system/multi-user.target.wants/twinwatch.service; do
    [ ! -e "$root$f" ] && [ ! -L "$root$f" ] || fail "purge left $f"
done
in_root id twinwatch > /dev/null || fail "purge deleted the twinwatch user (Debian keeps system users)"
ok "purged: /etc/twinwatch, /var/lib/twinwatch and the enablement gone; the twinwatch user stays (as Debian leaves system users)"

printf '\ntest-deb: OK in %s s (package %s, %s; install %s s with %s new packages; demo %s s)\n' \
    "$(seconds_since "$started")" "$(basename "$deb")" "$(du -h "$deb" | cut -f1)" "$install_seconds" "$installed" "$demo_seconds"
