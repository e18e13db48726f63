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
	$(SWIFT) build --build-tests
	# The crash-recovery and CLI tests run the real executable beside the test bundle.
	$(SWIFT) build --product twinwatch
	# The reference venv's python3 first: the canonical golden case is regenerated with it.
	PATH="$(CURDIR)/.venv-ref/bin:$$PATH" $(SWIFT) test --skip-build

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build
