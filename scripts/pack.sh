#!/usr/bin/env bash
# Builds every public package and packs it, as `npm publish` would ship it,
# into the directory given (default ./.packs): one tarball per package, with
# workspace versions resolved and `publishConfig` applied. The install test
# (e2e/install) and the Dockerfile install Hoard from these tarballs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(mkdir -p "${1:-.packs}" && cd "${1:-.packs}" && pwd)"
rm -f "$out"/*.tgz
pnpm run --silent build
# The dashboard's page and assets (dist/ui/), which its tarball ships.
pnpm --filter @hoard/dashboard run --silent build:ui
for dir in packages/*/; do
  if [ "$(node -p "require('./${dir}package.json').private === true")" = "true" ]; then continue; fi
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
done
ls "$out"/*.tgz
