#!/usr/bin/env bash
# Installs the Redis server the shared rate-limit tests start on loopback
# (packages/cli/test/redis.ts: a throwaway `redis-server` on a free port in a
# temporary directory). Debian/Ubuntu, run as root. A no-op when redis-server
# is already on the PATH.
#
# It leaves no system-wide server running: Debian's package would start a
# `redis-server` service on port 6379; this script keeps services from
# starting during the install, stops any server the install started anyway,
# and keeps the service from starting at boot.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "Redis is already installed: $(redis-server --version) at $(command -v redis-server)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-redis.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-redis.sh needs apt-get (Debian/Ubuntu); install redis-server another way and put it on the PATH" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# redis-server processes running before the install: those are left alone.
servers() {
  pgrep -x redis-server 2>/dev/null || true
}
before="$(servers)"

# 1. No service starts during the install (invoke-rc.d and deb-systemd-invoke
#    honour policy-rc.d), unless one is already in place (e.g. Docker's).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from hoard scripts/install-redis.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() {
  [ "$created_policy" -eq 0 ] || rm -f "$policy"
}
trap cleanup EXIT

# The package lists are fetched once, when they do not know redis-server yet.
if ! apt-cache policy redis-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt_get update
fi
apt_get install -y --no-install-recommends redis-server

# 2. Should a server have started anyway, stop it and keep the service from
#    starting at boot (systemd would restart a killed one: ask it first), then
#    end, by pid, any redis-server the install started outside it.
if command -v systemctl >/dev/null 2>&1; then
  # Works without a running systemd too: it removes the unit's boot links.
  systemctl disable redis-server.service >/dev/null 2>&1 || true
  if [ -d /run/systemd/system ]; then
    systemctl stop redis-server.service >/dev/null 2>&1 || true
  fi
fi
if command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/redis-server ]; then
  update-rc.d redis-server disable >/dev/null 2>&1 || true
fi
for pid in $(servers); do
  if ! grep -qxF "$pid" <<<"$before"; then
    echo "stopping the redis-server (pid $pid) the package started" >&2
    kill "$pid" 2>/dev/null || true
  fi
done

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server was installed but is not on the PATH" >&2
  exit 1
fi
echo "installed: $(redis-server --version) at $(command -v redis-server)"
