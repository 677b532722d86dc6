# Two commands do everything on a fresh Debian machine:
#   make run    install what is missing, build, and serve the portal on http://127.0.0.1:3000
#   make test   install what is missing, then run every test (unit, integration, browser)

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/leptos-2fa/target
# npm's wasm-opt 132 must come before any other on PATH.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

export E2E_DATA := $(CARGO_TARGET_DIR)/e2e-data
# The example host site builds in a target folder of its own: cargo-leptos passes each project's
# settings to the Leptos crates at compile time, so one folder for both would rebuild them each time.
export HOST_TARGET_DIR ?= $(HOME)/.cache/leptos-2fa/host-target

.PHONY: run test tools test-tools unit unit-matrix e2e build lint bench

run: tools
	cargo leptos serve --release --precompress --project leptos-2fa

build: tools
	cargo leptos build --release --precompress --project leptos-2fa

tools:
	bash .ci/tools.sh build

test-tools:
	bash .ci/tools.sh test

test: test-tools lint unit e2e

# erase_components type-erases views, as cargo-leptos does for debug builds: without it the
# test binaries carry gigabytes of view type names.
# Beside a throw-away PostgreSQL and Redis: every test once on SQLite, then the integration
# suite again on PostgreSQL with sessions in Redis (tests/integration/support).
unit:
	bash .ci/services.sh $(MAKE) --no-print-directory unit-matrix

unit-matrix:
	RUSTFLAGS="--cfg erase_components" cargo test --features ssr
	TWOFA_TEST_DATABASE_URL="$$TWOFA_TEST_POSTGRES" TWOFA_TEST_REDIS_URL="$$TWOFA_TEST_REDIS" \
	  RUSTFLAGS="--cfg erase_components" cargo test --features ssr --test integration

# A fresh database per run; servers left on their ports by an earlier failed run are stopped first.
# Every browser test comes from 127.0.0.1, one client to the per-client send limit: it is lifted.
# Playwright starts the Twilio stand-in, the SMTP server, two more portals that use them and the
# example host site (end2end/playwright.config.ts); cargo-leptos starts the portal on its embedded defaults.
e2e:
	-@for port in 3000 3002 3004 3006 3010 2526; do \
	  pid=$$(ss -ltnpH "sport = :$$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1); \
	  if [ -n "$$pid" ]; then echo "stopping stale server $$pid on :$$port"; kill $$pid; sleep 1; fi; \
	done
	rm -rf $(E2E_DATA) && mkdir -p $(E2E_DATA)
	RUSTFLAGS="--cfg erase_components" cargo build --features ssr --example twilio_standin
	CARGO_TARGET_DIR=$(HOST_TARGET_DIR) cargo leptos build --release --project host-site
	TWOFA_DATA_DIR=$(E2E_DATA) TWOFA_DATABASE_URL=sqlite://$(E2E_DATA)/e2e.db TWOFA_LOG=warn \
	  TWOFA_MAX_SENDS_PER_CLIENT=10000 \
	  cargo leptos end-to-end --release --precompress --project leptos-2fa

# The release portal under load on 127.0.0.1 (bench/): every figure beside its budget (BENCHMARKS.md).
# The load driver builds in release without the portal's crates; the Twilio stand-in is the tests' build.
bench: tools
	command -v oha >/dev/null || cargo install oha --locked
	cargo leptos build --release --precompress --project leptos-2fa
	RUSTFLAGS="--cfg erase_components" cargo build --features ssr --example twilio_standin
	cargo build --release -p leptos-2fa-bench
	$(CARGO_TARGET_DIR)/release/leptos-2fa-bench

lint:
	RUSTFLAGS="--cfg erase_components" cargo clippy --features ssr --all-targets -- -D warnings
	RUSTFLAGS="--cfg erase_components" cargo clippy -p host-site --features ssr -- -D warnings
	RUSTFLAGS="--cfg erase_components" cargo clippy -p leptos-2fa-bench -- -D warnings
