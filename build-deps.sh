#!/usr/bin/env bash
# Installs the C libraries AsyncRTC binds (libsrtp2, OpenSSL 3, libopus, libvpx, usrsctp) and pkg-config.
# Idempotent: does nothing when everything is present. Debian/Ubuntu use apt-get, macOS uses Homebrew.
# Fails with a message naming what is missing when it cannot install it.
#   ./build-deps.sh          the libraries the package builds against
#   ./build-deps.sh --test   also what the test suite runs: Python 3 with venv (for the pinned aiortc peer) and
#                            coturn (a real TURN server for the TURN tests), ffmpeg and opus-tools (media-file tests),
#                            chromium and chromium-driver (the headless browser the browser tests drive through Selenium)
set -euo pipefail

WITH_TEST_TOOLS=0
[ "${1:-}" = "--test" ] && WITH_TEST_TOOLS=1

APT_PACKAGES=(libsrtp2-dev libssl-dev libopus-dev libvpx-dev libusrsctp-dev pkg-config)
BREW_PACKAGES=(srtp openssl@3 opus libvpx usrsctp pkg-config)
PKGCONFIG_MODULES=(libsrtp2 openssl opus vpx usrsctp)

say() { printf 'build-deps: %s\n' "$*" >&2; }

if ! command -v swift >/dev/null 2>&1; then
    say "swift is not on PATH; install a Swift 6 toolchain first (https://www.swift.org/install/)"
    exit 1
fi

case "$(uname -s)" in
Linux)
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system; install these by hand: ${APT_PACKAGES[*]} (pkg-config names: ${PKGCONFIG_MODULES[*]})"
        command -v pkg-config >/dev/null && pkg-config --exists "${PKGCONFIG_MODULES[@]}" && exit 0
        exit 1
    fi
    if [ $WITH_TEST_TOOLS -eq 1 ] && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        APT_PACKAGES+=(python3 python3-venv python3-pip)
    fi
    # coturn: the real TURN/STUN server the TURN interop tests start on loopback.
    if [ $WITH_TEST_TOOLS -eq 1 ] && ! command -v turnserver >/dev/null 2>&1; then
        APT_PACKAGES+=(coturn)
    fi
    # chromium and its WebDriver: the real browser of scripts/browser-tests (Google's libwebrtc on the far end).
    if [ $WITH_TEST_TOOLS -eq 1 ]; then
        APT_PACKAGES+=(chromium chromium-driver)
    fi
    # ffmpeg (ffprobe) and opus-tools (opusinfo): the media-file tests check what we write with them and play what
    # ffmpeg writes.
    if [ $WITH_TEST_TOOLS -eq 1 ]; then
        APT_PACKAGES+=(ffmpeg opus-tools)
    fi
    missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        exit 0
    fi
    say "installing: ${missing[*]}"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
            say "missing ${missing[*]} and not root (no sudo): run 'apt-get install ${missing[*]}' as root"
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        "${SUDO[@]}" apt-get update -q >/dev/null
        "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
            say "apt-get could not install: ${missing[*]}"
            exit 1
        }
    fi
    ;;
Darwin)
    if ! command -v brew >/dev/null 2>&1; then
        say "Homebrew is needed on macOS to install: ${BREW_PACKAGES[*]}"
        exit 1
    fi
    missing=()
    for p in "${BREW_PACKAGES[@]}"; do
        brew list --versions "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing: ${missing[*]}"
        brew install "${missing[@]}" || { say "brew could not install: ${missing[*]}"; exit 1; }
    fi
    ;;
*)
    say "unsupported system $(uname -s); install by hand: ${PKGCONFIG_MODULES[*]} (pkg-config names)"
    exit 1
    ;;
esac

if ! pkg-config --exists "${PKGCONFIG_MODULES[@]}"; then
    for m in "${PKGCONFIG_MODULES[@]}"; do pkg-config --exists "$m" || say "pkg-config cannot find: $m"; done
    exit 1
fi
