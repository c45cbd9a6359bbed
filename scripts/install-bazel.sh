#!/usr/bin/env bash
# Installs the real Bazel client the build-tool end-to-end tests drive against
# Hoard's Bazel HTTP remote cache (e2e/buildtools/src/bazelRun.ts: `genrule`
# targets in a throwaway workspace, built offline). Debian/Ubuntu, run as root.
# A no-op when `bazel` is already on the PATH.
#
# Debian's `bazel-bootstrap` (4.2.x) is the only Bazel reachable from the
# package registries this project may use: bazelisk and Bazel's own release
# binaries are downloads. It is a launcher plus a server that runs on the
# system JDK (default-jdk-headless) and Debian's Java libraries: about 45
# packages, ~38 MB to download, ~20 s to install. No service comes with it.
# Recommends are skipped: the builds need none of them.
set -euo pipefail

if command -v bazel >/dev/null 2>&1; then
  echo "Bazel is already installed at $(command -v bazel)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-bazel.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bazel.sh needs apt-get (Debian/Ubuntu); install bazel another way and put it on the PATH" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# The package lists are fetched once, when they do not know bazel-bootstrap yet.
# (No `grep -q` in a pipe: under pipefail its early exit fails apt-cache with SIGPIPE.)
if ! apt-cache policy bazel-bootstrap 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
  apt_get update
fi
apt_get install -y --no-install-recommends bazel-bootstrap

if ! command -v bazel >/dev/null 2>&1; then
  echo "bazel-bootstrap was installed but bazel is not on the PATH" >&2
  exit 1
fi
echo "installed: $(dpkg-query -W -f='bazel-bootstrap ${Version}' bazel-bootstrap) at $(command -v bazel)"
