# twinwatch — the two commands a newcomer needs: `make demo` and `make test`.
SWIFT ?= swift
export OPENBLAS_NUM_THREADS ?= 1
# A crashing process must not wait for a terminal in swift-backtrace (non-interactive runs).
export SWIFT_BACKTRACE ?= enable=no

.PHONY: deps build demo test release clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

## Runs the self-contained demo: mock Kafka cluster, drift injected half-way, alerts to a local webhook.
demo: deps
	$(SWIFT) run twinwatch demo

## Runs every test (unit, golden, integration against the librdkafka mock cluster).
test: deps
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
	PATH="$(CURDIR)/.venv-ref/bin:$$PATH" $(SWIFT) test --skip-build --no-parallel

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build

# ---------------------------------------------------------------------------------------------
# Installation as a systemd service (docs/deploy.md). `make install` builds the release binary
# and installs everything; `make install-files` installs without building (packaging, tests):
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
install: release
	$(MAKE) install-files
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
