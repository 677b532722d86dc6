#!/usr/bin/env bash
# Installs what building and testing need, each only when missing. Usage: tools.sh build|test
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/lib.sh

locked_version() {
    grep -A1 "^name = \"$1\"$" Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p'
}

build_tools() {
    command -v cc >/dev/null || apt_install build-essential
    command -v npm >/dev/null || apt_install nodejs npm
    command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }

    rustup target list --installed | grep -qx wasm32-unknown-unknown || {
        log "rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    }

    if ! cargo leptos --version 2>/dev/null | grep -q '0.3.4'; then
        log "cargo install cargo-leptos 0.3.4 (about 10 minutes, once)"
        cargo install cargo-leptos --version 0.3.4 --locked --features no_downloads
    fi

    # The CLI must match the wasm-bindgen in Cargo.lock exactly; its own lock file does not resolve here.
    local bindgen
    bindgen="$(locked_version wasm-bindgen)"
    if ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen}\$"; then
        log "cargo install wasm-bindgen-cli ${bindgen}"
        cargo install wasm-bindgen-cli --version "${bindgen}" --force
    fi

    # wasm-opt 132 from npm (Debian's binaryen 108 breaks hydration) and Playwright.
    if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
        log "npm ci (end2end)"
        (cd end2end && npm ci --no-audit --no-fund)
    fi
}

test_tools() {
    # The browser for Playwright, and the SMTP server the e-mail tests send to.
    apt_install chromium python3-aiosmtpd
}

case "${1:-build}" in
    build) build_tools ;;
    test) build_tools; test_tools ;;
    *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
