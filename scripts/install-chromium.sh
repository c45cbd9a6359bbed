#!/usr/bin/env bash
# Installs the Chromium the dashboard's browser test drives (e2e/dashboard:
# playwright-core with `executablePath`, headless). Debian/Ubuntu, run as root.
# A no-op when `chromium` is already on the PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "Chromium is already installed: $(chromium --version 2>/dev/null || echo '?') at $(command -v chromium)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium.sh needs apt-get (Debian/Ubuntu); install chromium another way and put it on the PATH" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# The package lists are fetched once, when they do not know chromium yet.
if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt_get update
fi
apt_get install -y --no-install-recommends chromium

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium was installed but is not on the PATH" >&2
  exit 1
fi
echo "installed: $(chromium --version 2>/dev/null || echo chromium) at $(command -v chromium)"
