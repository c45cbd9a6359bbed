#!/usr/bin/env bash
# Installs the real ccache client the build-tool end-to-end tests drive against
# Hoard's ccache HTTP storage (e2e/buildtools/src/ccacheRun.ts: a few C files
# compiled with `gcc -c` through ccache, with `remote_storage` pointing at a
# loopback Hoard). Debian/Ubuntu, run as root. A no-op when `ccache` is
# already on the PATH.
#
# Debian 12 ships ccache 4.7.5 (package version 4.8+really4.7.5-1): one small
# package (~650 KB) plus libhiredis, a few seconds to install. No service
# comes with it. Recommends are skipped: the tests need none of them. gcc is
# not installed here (the CI image has it).
set -euo pipefail

if command -v ccache >/dev/null 2>&1; then
  echo "ccache is already installed: $(ccache --version | head -n 1) at $(command -v ccache)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ccache.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-ccache.sh needs apt-get (Debian/Ubuntu); install ccache another way and put it on the PATH" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# The package lists are fetched once, when they do not know ccache yet.
# (No `grep -q` in a pipe: under pipefail its early exit fails apt-cache with SIGPIPE.)
if ! apt-cache policy ccache 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
  apt_get update
fi
apt_get install -y --no-install-recommends ccache

if ! command -v ccache >/dev/null 2>&1; then
  echo "ccache was installed but is not on the PATH" >&2
  exit 1
fi
echo "installed: $(ccache --version | head -n 1) at $(command -v ccache)"
