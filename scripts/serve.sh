#!/usr/bin/env bash
# Quick start: set up everything and start Hoard on its default fs storage.
# Any arguments are passed to `hoard serve` (see `--help`).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$HOARD_ROOT"
exec node packages/cli/src/bin.ts serve "$@"
