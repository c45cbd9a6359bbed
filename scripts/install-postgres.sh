#!/usr/bin/env bash
# Installs the PostgreSQL server the cache-index tests start on loopback
# (@hoard/index-testkit's startPostgres: a throwaway cluster in a temporary
# directory). Debian/Ubuntu, run as root. A no-op when initdb is already found.
#
# It leaves no system-wide server running: Debian's package would create and
# start a `main` cluster on port 5432; this script tells postgresql-common not
# to create it, keeps services from starting during the install, and stops any
# cluster the install started anyway.
set -euo pipefail

# Where startPostgres looks too: HOARD_PG_BINDIR, pg_config --bindir, the
# newest /usr/lib/postgresql/<version>/bin, initdb on the PATH.
find_bindir() {
  local dir
  for dir in "${HOARD_PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" \
    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  fi
  return 1
}

if bindir="$(find_bindir)"; then
  echo "PostgreSQL is already installed: $("$bindir/postgres" --version) in $bindir"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-postgres.sh needs apt-get (Debian/Ubuntu); install PostgreSQL's server another way and set HOARD_PG_BINDIR" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# Clusters (version/name) that exist before the install: those are left alone.
clusters() {
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | awk '{ print $1 "/" $2 }'
  fi
}
before="$(clusters)"

# 1. No `main` cluster: postgresql-common reads create_main_cluster from
#    createcluster.conf, which includes createcluster.d/*.conf. A drop-in is not
#    a packaged conffile, so dpkg never asks about it; it is removed afterwards.
dropin_dir=/etc/postgresql-common/createcluster.d
dropin="$dropin_dir/zz-hoard-no-main-cluster.conf"
created_dropin_dir=0
[ -d "$dropin_dir" ] || created_dropin_dir=1
mkdir -p "$dropin_dir"
printf '# temporary, from hoard scripts/install-postgres.sh\ncreate_main_cluster = false\n' >"$dropin"

# 2. No service starts during the install (invoke-rc.d and deb-systemd-invoke
#    honour policy-rc.d), unless one is already in place (e.g. Docker's).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from hoard scripts/install-postgres.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi

cleanup() {
  rm -f "$dropin"
  [ "$created_dropin_dir" -eq 0 ] || rmdir "$dropin_dir" 2>/dev/null || true
  [ "$created_policy" -eq 0 ] || rm -f "$policy"
}
trap cleanup EXIT

apt_get update
apt_get install -y --no-install-recommends postgresql

# 3. Should an older postgresql-common have ignored the drop-in, stop the
#    clusters the install created and keep them from starting at boot.
for cluster in $(clusters); do
  if ! grep -qxF "$cluster" <<<"$before"; then
    version="${cluster%%/*}"
    name="${cluster#*/}"
    echo "stopping the $cluster cluster the package created (start.conf set to manual)" >&2
    pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    echo manual >"/etc/postgresql/$version/$name/start.conf"
  fi
done

if ! bindir="$(find_bindir)"; then
  echo "postgresql is installed but initdb was not found (set HOARD_PG_BINDIR)" >&2
  exit 1
fi
echo "installed: $("$bindir/postgres" --version) in $bindir"
