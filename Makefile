# twinwatch — the two commands a newcomer needs: `make demo` and `make test`.
SWIFT ?= swift
export OPENBLAS_NUM_THREADS ?= 1
# A crashing process must not wait for a terminal in swift-backtrace (non-interactive runs).
export SWIFT_BACKTRACE ?= enable=no
# The commit `twinwatch --version` prints (Package.swift passes it to CBuildInfo; a plain
# `swift build` says "unknown"). "-dirty" when the work tree has uncommitted changes.
ifndef TWINWATCH_COMMIT
TWINWATCH_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet HEAD 2>/dev/null && echo -dirty)
endif
export TWINWATCH_COMMIT

.PHONY: deps deps-test build demo test release static deb test-deb clean

# Debian packages by need (scripts/system-packages.txt), without recommends, no service started.
deps:
	@scripts/ensure-deps.sh build

deps-test:
	@scripts/ensure-deps.sh build test

build: deps
	$(SWIFT) build

## Runs the self-contained demo: mock Kafka cluster, drift injected half-way, alerts to a local webhook.
demo: deps
	$(SWIFT) run twinwatch demo

## Runs every test (unit, golden, integration against the librdkafka mock cluster).
test: deps-test
	@scripts/reference-venv.sh
	# Prometheus rules (promtool check + unit tests) and the systemd unit (verify + security).
	scripts/check-rules.sh
	scripts/check-systemd.sh
	$(SWIFT) build --build-tests
	# The crash-recovery and CLI tests run the real executable beside the test bundle.
	$(SWIFT) build --product twinwatch
	# The reference venv's python3 first: the canonical golden case is regenerated with it.
	# One test at a time: on a 2-core machine CPU-bound tests held both threads of the Swift
	# concurrency pool for tens of seconds, so in-process HTTP sinks answered late and delivery
	# tests saw timeouts and retries that are not there (measured: 393 s serial, ~160 s parallel).
	# TMPDIR is a directory of this run's own, removed when every test passed (kept, and named,
	# when one failed): the tests' state databases, logs and rendered reports go there.
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/twinwatch-test-run.XXXXXX") && echo "test files in $$tmp (removed if every test passes)" && \
	if TMPDIR="$$tmp" PATH="$(CURDIR)/.venv-ref/bin:$$PATH" $(SWIFT) test --skip-build --no-parallel; then \
	  rm -rf "$$tmp"; \
	else \
	  rc=$$?; echo "make test: FAILED; the tests' temporary files are kept in $$tmp (rm -rf it when done)"; exit $$rc; \
	fi

release: deps
	$(SWIFT) build -c release

# ---------------------------------------------------------------------------------------------
# A release binary that needs no Swift toolchain on the host: the Swift runtime and Foundation
# linked in (--static-swift-stdlib), only Debian's libraries loaded (`ldd` on it lists them). Its
# own scratch path, so it neither waits for nor invalidates the development build in .build.
# No $ORIGIN RUNPATH (nothing is loaded from beside the binary) and immediate binding (full RELRO,
# as Debian's hardening flags).
STATIC_SCRATCH ?= .build-static
STATIC_FLAGS = -c release --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now --scratch-path $(STATIC_SCRATCH)
STATIC_BINARY = $(STATIC_SCRATCH)/release/twinwatch
VERSION := $(shell sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/TwinwatchCore/TwinwatchVersion.swift)
DEB_VERSION ?= $(VERSION)
DEB_FILE = twinwatch_$(DEB_VERSION)_amd64.deb

static: deps
	$(SWIFT) build $(STATIC_FLAGS) --product twinwatch
	@if ldd $(STATIC_BINARY) | grep /opt/swift; then echo "static: $(STATIC_BINARY) still loads the libraries above from /opt/swift" >&2; exit 1; fi
	@# Run with the toolchain hidden (root may make a mount namespace): it must not need it.
	@if [ "$$(id -u)" -eq 0 ] && [ -d /opt/swift ] && command -v unshare >/dev/null; then \
	  unshare -m sh -c 'mount -t tmpfs none /opt/swift && exec "$$0" --version' $(STATIC_BINARY) > /dev/null \
	    || { echo "static: $(STATIC_BINARY) does not run with /opt/swift hidden" >&2; exit 1; }; \
	fi
	@echo "$(STATIC_BINARY): $$(du -h $(STATIC_BINARY) | cut -f1), $$($(STATIC_BINARY) --version); runs without /opt/swift; loads $$(ldd $(STATIC_BINARY) | grep -c '=>') Debian libraries"

## The Debian package twinwatch_$(DEB_VERSION)_amd64.deb (scripts/build-deb.sh; docs/deploy.md).
# (Steps in order rather than prerequisites, which `make -j` would run in parallel.)
deb:
	@scripts/ensure-deps.sh build deb
	$(MAKE) --no-print-directory static
	scripts/build-deb.sh --binary $(STATIC_BINARY) --version $(DEB_VERSION) --output $(DEB_FILE)

## Installs the package in a fresh minimal Debian 12 root and runs it there (scripts/test-deb.sh).
test-deb:
	@scripts/ensure-deps.sh build deb test-deb
	$(MAKE) --no-print-directory deb
	scripts/test-deb.sh $(DEB_FILE)

clean:
	rm -rf .build $(STATIC_SCRATCH)

# ---------------------------------------------------------------------------------------------
# Installation as a systemd service from source (docs/deploy.md; the package, `make deb`, is the
# production path). `make install` builds the static release binary and installs everything;
# `make install-files` installs without building (scripts/build-deb.sh stages the package with it):
#   make install-files DESTDIR=/tmp/root PREFIX=/usr BINARY=/path/to/twinwatch
# The unit, sysusers.d entry and /etc/twinwatch do not move with PREFIX; /lib/systemd/system is
# where Debian 12 keeps units of packages and of `make install` alike.
PREFIX ?= /usr/local
DESTDIR ?=
BINARY ?= .build/release/twinwatch
INSTALL ?= install
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/twinwatch
DOCDIR = $(PREFIX)/share/doc/twinwatch
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
CONFDIR = /etc/twinwatch
STATEDIR = /var/lib/twinwatch

.PHONY: install install-files uninstall check-systemd

# install-files runs after the build (not as a second prerequisite, which `make -j` would run in parallel).
# The static binary: the host needs no Swift toolchain at run time.
install: static
	$(MAKE) install-files BINARY=$(STATIC_BINARY)
	@if [ -z "$(DESTDIR)" ]; then \
	  if command -v systemd-sysusers >/dev/null; then \
	    echo "systemd-sysusers $(SYSUSERSDIR)/twinwatch.conf"; systemd-sysusers $(SYSUSERSDIR)/twinwatch.conf; \
	  fi; \
	  if [ -d /run/systemd/system ]; then echo "systemctl daemon-reload"; systemctl daemon-reload; fi; \
	  echo "next: edit $(CONFDIR)/twinwatch.yaml, then: systemctl enable --now twinwatch (docs/deploy.md)"; \
	fi

# The packaged configuration is config/twinwatch.example.yaml with two lines changed, because the
# repository layout (rules in ../rules relative to config/) does not exist once installed:
#   alerting.rules_file → $(DATADIR)/rules/twinwatch-alerts.yaml (absolute)
#   store.path          → $(STATEDIR)/twinwatch.sqlite (the unit's StateDirectory; explicit so
#                         that CLI commands run with --config outside the unit open the same file)
# It goes to $(DATADIR)/twinwatch.example.yaml on every install and to $(CONFDIR)/twinwatch.yaml
# only when that file does not exist: a configuration in place is never overwritten.
install-files:
	@test -x "$(BINARY)" || { echo "install-files: no executable at BINARY=$(BINARY) (make release, or pass BINARY=...)" >&2; exit 1; }
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/dashboards $(DESTDIR)$(DOCDIR)/runbooks $(DESTDIR)$(CONFDIR)
	$(INSTALL) -m 0755 $(BINARY) $(DESTDIR)$(BINDIR)/twinwatch
	sed -e 's#/usr/local/bin/twinwatch#$(BINDIR)/twinwatch#g' -e 's#/usr/local/share/doc/twinwatch#$(DOCDIR)#g' \
	  systemd/twinwatch.service > $(DESTDIR)$(UNITDIR)/twinwatch.service.tmp
	grep -qx 'ExecStart=$(BINDIR)/twinwatch run --config $(CONFDIR)/twinwatch.yaml' $(DESTDIR)$(UNITDIR)/twinwatch.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/twinwatch.service.tmp
	mv $(DESTDIR)$(UNITDIR)/twinwatch.service.tmp $(DESTDIR)$(UNITDIR)/twinwatch.service
	$(INSTALL) -m 0644 systemd/twinwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/twinwatch.conf
	sed -e 's#^  rules_file: \.\./rules/twinwatch-alerts\.yaml$$#  rules_file: $(DATADIR)/rules/twinwatch-alerts.yaml#' \
	    -e 's#^  \# path: /var/lib/twinwatch/twinwatch\.sqlite$$#  path: $(STATEDIR)/twinwatch.sqlite#' \
	  config/twinwatch.example.yaml > $(DESTDIR)$(DATADIR)/twinwatch.example.yaml.tmp
	grep -qx '  rules_file: $(DATADIR)/rules/twinwatch-alerts.yaml' $(DESTDIR)$(DATADIR)/twinwatch.example.yaml.tmp
	grep -qx '  path: $(STATEDIR)/twinwatch.sqlite' $(DESTDIR)$(DATADIR)/twinwatch.example.yaml.tmp
	chmod 0644 $(DESTDIR)$(DATADIR)/twinwatch.example.yaml.tmp
	mv $(DESTDIR)$(DATADIR)/twinwatch.example.yaml.tmp $(DESTDIR)$(DATADIR)/twinwatch.example.yaml
	@if [ -e $(DESTDIR)$(CONFDIR)/twinwatch.yaml ]; then \
	  echo "keeping $(DESTDIR)$(CONFDIR)/twinwatch.yaml (the new default is $(DESTDIR)$(DATADIR)/twinwatch.example.yaml)"; \
	else \
	  echo "$(INSTALL) -m 0644 $(DESTDIR)$(DATADIR)/twinwatch.example.yaml $(DESTDIR)$(CONFDIR)/twinwatch.yaml"; \
	  $(INSTALL) -m 0644 $(DESTDIR)$(DATADIR)/twinwatch.example.yaml $(DESTDIR)$(CONFDIR)/twinwatch.yaml; \
	fi
	@# rules/*.yml (Prometheus recording and alerting rules) and rules/*.yaml (the daemon's alert rules)
	@set -e; for f in rules/*.yml rules/*.yaml; do \
	  [ -f "$$f" ] || continue; echo "$(INSTALL) -m 0644 $$f $(DESTDIR)$(DATADIR)/rules/"; $(INSTALL) -m 0644 "$$f" $(DESTDIR)$(DATADIR)/rules/; \
	done
	@set -e; for f in dashboards/*.json; do \
	  [ -f "$$f" ] || continue; echo "$(INSTALL) -m 0644 $$f $(DESTDIR)$(DATADIR)/dashboards/"; $(INSTALL) -m 0644 "$$f" $(DESTDIR)$(DATADIR)/dashboards/; \
	done
	@set -e; for f in docs/runbooks/*.md; do \
	  [ -f "$$f" ] || continue; $(INSTALL) -m 0644 "$$f" $(DESTDIR)$(DOCDIR)/runbooks/; \
	done; echo "$(INSTALL) -m 0644 docs/runbooks/*.md $(DESTDIR)$(DOCDIR)/runbooks/"
	$(INSTALL) -m 0644 README.md docs/deploy.md $(DESTDIR)$(DOCDIR)/

# Removes what install-files installed. Keeps $(CONFDIR) (your configuration and secrets), the
# state in $(STATEDIR) and the twinwatch user: delete them by hand if you mean it.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	  echo "systemctl disable --now twinwatch.service"; systemctl disable --now twinwatch.service || true; \
	fi
	rm -f $(DESTDIR)$(BINDIR)/twinwatch $(DESTDIR)$(UNITDIR)/twinwatch.service $(DESTDIR)$(SYSUSERSDIR)/twinwatch.conf
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then echo "systemctl daemon-reload"; systemctl daemon-reload; fi
	@echo "kept: $(DESTDIR)$(CONFDIR) (configuration, secrets), $(DESTDIR)$(STATEDIR) (state database), the twinwatch user"

## systemd-analyze verify (no output allowed) and security --offline (exposure ≤ 2.0) on the unit.
check-systemd:
	@scripts/check-systemd.sh
