#!/usr/bin/env bash
# Set up everything (as scripts/serve.sh does) and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$HOARD_ROOT"
exec pnpm test "$@"
