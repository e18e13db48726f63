#!/usr/bin/env bash
# Builds twinwatch_<version>_amd64.deb with dpkg-deb from an already built static binary
# (`make deb` builds it first: swift build -c release --static-swift-stdlib).
#
#   scripts/build-deb.sh --binary .build-static/release/twinwatch --version 0.8.0 --output twinwatch_0.8.0_amd64.deb
#
# Why dpkg-deb and not dpkg-buildpackage with a debian/ directory: Swift is not a Debian package, so
# a source package could not declare its build dependency, and debhelper would pull autotools and
# perl modules into every build host for what is a handful of files. What debhelper would generate is
# written out instead (packaging/deb/): the maintainer scripts are dh_installsysusers' and
# dh_installsystemd's snippets, Depends comes from dpkg-shlibdeps on the binary (as dh_shlibdeps),
# the binary is stripped (as dh_strip), the man page is generated from --help (help2man), the
# changelog and man page are compressed with gzip -9n (as dh_compress), md5sums are computed (as
# dh_md5sums), and every file is root:root (dpkg-deb --root-owner-group).
#
# The files are staged with the Makefile's own `install-files` (PREFIX=/usr), so the package and
# `make install` install the same files in the same places. lintian checks the result.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
binary="" version="" output=""
maintainer=${DEB_MAINTAINER:-"twinwatch maintainers <twinwatch@example.com>"}
while (($#)); do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        *) echo "usage: $0 --binary PATH --version VERSION --output FILE.deb" >&2; exit 64 ;;
    esac
done
[ -n "$binary" ] && [ -n "$version" ] && [ -n "$output" ] || { echo "usage: $0 --binary PATH --version VERSION --output FILE.deb" >&2; exit 64; }
fail() { echo "build-deb: FAILED: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "no executable at $binary (make static)"
for tool in dpkg-deb dpkg-shlibdeps help2man strip; do
    command -v "$tool" >/dev/null || fail "$tool not found (scripts/ensure-deps.sh build deb)"
done
if ldd "$binary" | grep -q /opt/swift; then fail "$binary loads libraries from /opt/swift (build it with --static-swift-stdlib)"; fi

# Timestamps of generated files (changelog date, gzip) from the commit: rebuilding the same commit
# gives the same files.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d "${TMPDIR:-/tmp}/twinwatch-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The staging tree where dpkg-shlibdeps expects a package's files: debian/<package>/ of a source tree.
root=$work/src/debian/twinwatch
mkdir -p "$root"
chmod 0755 "$root"

# --- files -------------------------------------------------------------------------------------
make -s -C "$repo" install-files DESTDIR="$root" PREFIX=/usr BINARY="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")" \
    > "$work/install-files.log" 2>&1 || { cat "$work/install-files.log" >&2; fail "make install-files"; }
[ -f "$root/etc/twinwatch/twinwatch.yaml" ] || fail "install-files did not install /etc/twinwatch/twinwatch.yaml"

strip --strip-unneeded --remove-section=.comment "$root/usr/bin/twinwatch"

doc=$root/usr/share/doc/twinwatch
install -m 0644 "$repo/packaging/deb/copyright" "$doc/copyright"
# A native version (no Debian revision) has changelog.gz, a revised one changelog.Debian.gz.
changelog=changelog.gz
case "$version" in *-*) changelog=changelog.Debian.gz ;; esac
{
    echo "twinwatch ($version) unstable; urgency=medium"
    echo
    echo "  * twinwatch $version, built from commit ${TWINWATCH_COMMIT:-unknown}."
    echo "    Changes of each release: README.md, section \"Changelog\"."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/$changelog"
chmod 0644 "$doc/$changelog"

mkdir -p "$root/usr/share/man/man1"
help2man --no-info --version-string="$version" \
    --name="drift and verification-quality monitor for metric-learning models" \
    --include=<(printf '[SEE ALSO]\n/usr/share/doc/twinwatch/deploy.md (the service), /usr/share/doc/twinwatch/README.md,\n`twinwatch help SUBCOMMAND` for each command.\n[FILES]\n/etc/twinwatch/twinwatch.yaml, /var/lib/twinwatch/twinwatch.sqlite, /usr/share/twinwatch/rules/twinwatch-alerts.yaml\n') \
    "$root/usr/bin/twinwatch" 2> "$work/help2man.log" | gzip -9n > "$root/usr/share/man/man1/twinwatch.1.gz" \
    || { cat "$work/help2man.log" >&2; fail "help2man"; }
chmod 0644 "$root/usr/share/man/man1/twinwatch.1.gz"

install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 "$repo/packaging/deb/lintian-overrides" "$root/usr/share/lintian/overrides/twinwatch"

# --- control -----------------------------------------------------------------------------------
# dpkg-shlibdeps reads debian/control of a source tree (a minimal one in the work dir) and finds
# the package's root by its DEBIAN directory.
mkdir -p "$root/DEBIAN"
printf 'Source: twinwatch\n\nPackage: twinwatch\nArchitecture: amd64\n' > "$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -edebian/twinwatch/usr/bin/twinwatch 2> "$work/shlibdeps.log") \
    || { cat "$work/shlibdeps.log" >&2; fail "dpkg-shlibdeps"; }
if [ -s "$work/shlibdeps.log" ]; then sed 's/^/  /' "$work/shlibdeps.log" >&2; fi
shlibs=${shlibs#shlibs:Depends=}
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no dependency"

installed_size=$(du -k -s --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@SHLIBS_DEPENDS@/$shlibs/" "$repo/packaging/deb/control.in" > "$root/DEBIAN/control"
if grep -q '@[A-Z_]*@' "$root/DEBIAN/control"; then fail "unexpanded @…@ in DEBIAN/control"; fi
# Every file under /etc is a conffile: an upgrade keeps the operator's edits (dpkg asks, or keeps
# them with --force-confold), remove keeps it, purge deletes it.
(cd "$root" && find etc -type f | sed 's#^#/#' | sort) > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$repo/packaging/deb/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$output" > /dev/null
echo "build-deb: $output ($(du -h "$output" | cut -f1), installed $((installed_size / 1024)) MiB)"
echo "  Depends: $(sed -n 's/^Depends: //p' "$root/DEBIAN/control")"

# --- lintian -----------------------------------------------------------------------------------
# Errors and warnings fail the build; the tags that remain by design are overridden, each with its
# reason, in packaging/deb/lintian-overrides (shipped as /usr/share/lintian/overrides/twinwatch).
# Info tags are listed (docs/deploy.md explains them).
if command -v lintian >/dev/null; then
    # (lintian notes on stderr that it runs as root: the package is only read.)
    rc=0
    lintian --display-info --fail-on error,warning "$output" > "$work/lintian.log" 2> "$work/lintian.err" || rc=$?
    grep -v '^running with root privileges is not recommended!$' "$work/lintian.err" >> "$work/lintian.log" || true
    if [ "$rc" -ne 0 ]; then
        cat "$work/lintian.log" >&2
        lintian --info "$output" 2>/dev/null | grep '^N: ' >&2 || true
        fail "lintian reported errors or warnings on $output (exit status $rc)"
    fi
    overridden=$(grep -c '^[a-z]' "$repo/packaging/deb/lintian-overrides" || true)
    echo "  lintian: no error or warning; $overridden tag(s) overridden with their reason (packaging/deb/lintian-overrides); info tags:"
    sed -E 's/^I: twinwatch: //' "$work/lintian.log" | awk '{ n[$1]++ } END { for (t in n) printf "    %s (%d)\n", t, n[t] }' | sort
else
    echo "  lintian not installed: package not checked (scripts/ensure-deps.sh build deb)"
fi
