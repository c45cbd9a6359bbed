#!/usr/bin/env bash
# Set up everything (as scripts/serve.sh does) and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$HOARD_ROOT"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
exec pnpm test "$@"
