# Sourced by the other scripts: makes Node >= 24 and pnpm available, then installs
# the workspace. On a machine whose Node is older, Node 24 and pnpm are installed
# from the npm registry into ./.tools (no root needed, the system Node is untouched).
set -euo pipefail

HOARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
PNPM_VERSION="10.34.9"
TOOLS_DIR="$HOARD_ROOT/.tools"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$TOOLS_DIR/node_modules/.bin/node" ]; then
  export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
fi

if [ "$(node_major)" -lt 24 ] || ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "hoard setup: npm is required to install Node $NODE_VERSION and pnpm $PNPM_VERSION" >&2
    exit 1
  fi
  echo "hoard setup: installing Node $NODE_VERSION and pnpm $PNPM_VERSION into $TOOLS_DIR" >&2
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error \
    "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
  export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
fi

echo "hoard setup: node $(node --version), pnpm $(pnpm --version)" >&2
(cd "$HOARD_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
# The dashboard's bundle (packages/dashboard/dist/ui), which `hoard serve` serves at /ui: about 2 s.
(cd "$HOARD_ROOT" && pnpm --filter @hoard/dashboard run --silent build:ui >&2)
