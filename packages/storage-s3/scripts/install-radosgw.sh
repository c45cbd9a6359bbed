#!/usr/bin/env bash
# Installs the Ceph daemons the radosgw conformance run needs (Debian bookworm,
# run as root). A no-op when they are already installed.
set -euo pipefail

packages=(ceph-mon ceph-osd radosgw ceph-common uuid-runtime)
commands=(ceph-mon ceph-osd radosgw radosgw-admin ceph uuidgen)

missing=0
for command in "${commands[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing=1
done
if [ "$missing" -eq 0 ]; then
  echo "radosgw is already installed: $(radosgw --version 2>/dev/null | head -n 1)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-radosgw.sh must run as root (it calls apt-get)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}
apt_get update
apt_get install -y --no-install-recommends "${packages[@]}"
echo "installed: $(radosgw --version | head -n 1)"
