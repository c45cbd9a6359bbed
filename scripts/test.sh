#!/usr/bin/env bash
# Set up everything (as scripts/serve.sh does) and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$HOARD_ROOT"

# Services the tests start on loopback: the npm ones (Azurite, the firebase
# Storage emulator, fauxqs) come with `pnpm install`; Ceph radosgw (the S3
# server that checks signatures and conditional writes), PostgreSQL (the
# cache index for replicas) and Redis (rate limits shared by replicas) come
# from apt; the tests start their own throwaway PostgreSQL and Redis servers.
# ccache, Gradle and Bazel (the other build tools' real clients) come from apt too.
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/install-postgres.sh >&2
  bash scripts/install-redis.sh >&2
  bash scripts/install-chromium.sh >&2
  bash packages/storage-s3/scripts/install-radosgw.sh >&2
  # The real clients of the other build tools' protocols (e2e/buildtools).
  bash scripts/install-ccache.sh >&2
  bash scripts/install-gradle.sh >&2
  bash scripts/install-bazel.sh >&2
elif ! command -v radosgw >/dev/null 2>&1; then
  echo "hoard setup: radosgw is not installed and this is not root: the S3 suite runs on fauxqs only" >&2
fi
for client in ccache gradle bazel; do
  if [ "$(id -u)" -ne 0 ] && ! command -v "$client" >/dev/null 2>&1; then
    echo "hoard setup: $client is not installed and this is not root: its real-client test (e2e/buildtools) will fail" >&2
  fi
done
if [ "$(id -u)" -ne 0 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "hoard setup: chromium is not installed and this is not root: the dashboard's browser test (e2e/dashboard) will fail" >&2
fi

export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
exec pnpm test "$@"
