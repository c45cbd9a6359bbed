# syntax=docker/dockerfile:1
#
# Hoard, the Turborepo remote cache server, as an image. See docker/README.md.
#
#   docker build -t hoard .
#   docker run -d -p 3000:3000 -v hoard-data:/data hoard
#
# The build stage packs Hoard exactly as it is published (scripts/pack.sh); the
# runtime stage installs those tarballs with plain npm into an empty project,
# as the install test (e2e/install) does, so the image runs what users of the
# npm packages run and nothing of the workspace.

# The Node version of scripts/toolchain.sh. Any Debian-based Node 24 image
# works (e.g. node:24.21.0-trixie-slim, or one pinned by digest).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# The pnpm of package.json's "packageManager".
ARG PNPM_VERSION=10.34.9
RUN npm install --global --no-audit --no-fund pnpm@${PNPM_VERSION}

WORKDIR /src

# Dependencies first, from the lockfile alone: this layer is rebuilt only when
# the lockfile (or the root manifest) changes, not on every source change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

# The workspace, without node_modules, dist/ or build info (.dockerignore).
COPY . .
RUN pnpm install --frozen-lockfile --offline

# tsc -b to every package's dist/, then one tarball per public package in /packs.
RUN bash scripts/pack.sh /packs

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="Hoard" \
      org.opencontainers.image.description="Self-hosted Turborepo remote cache server" \
      org.opencontainers.image.source="https://github.com/hoard-cache/hoard" \
      org.opencontainers.image.licenses="MIT"

# An empty npm project with the tarballs installed, as the install test does.
# The two testkits (@hoard/index-testkit, @hoard/storage-testkit) are left
# out: they are test suites for third-party backends, nothing the server
# imports, and their vitest peers would add some 40 MB. The tarballs are
# bind-mounted from the build stage, so they are in no layer of the image.
WORKDIR /opt/hoard
RUN echo '{ "private": true, "type": "module" }' > package.json
# hadolint ignore=SC2046
RUN --mount=type=bind,from=build,source=/packs,target=/packs \
    --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --no-audit --no-fund \
      $(find /packs -name '*.tgz' ! -name '*-testkit-*' | sort) \
 && node_modules/.bin/hoard --version
COPY docker/healthcheck.mjs /opt/hoard/healthcheck.mjs

# /data holds the generated token (/data/token), the artifacts
# (/data/artifacts) and the SQLite index (/data/hoard.db) unless HOARD_STORAGE /
# HOARD_INDEX point elsewhere. It belongs to the image's non-root user `node`
# (uid 1000); a new named volume starts as a copy of it, owner included.
RUN mkdir /data && chown node:node /data
VOLUME /data

# HOARD_HOST as well as CMD's --host: `docker run hoard serve --token …`
# replaces CMD and must still listen beyond the container's loopback.
# healthcheck.mjs follows HOARD_PORT (and HOARD_BASE_PATH): change the port
# with -e HOARD_PORT=…, not --port.
ENV HOARD_DATA_DIR=/data \
    HOARD_HOST=0.0.0.0 \
    HOARD_PORT=3000

USER node
# Relative paths and ./hoard.config.json (read when present) are in /data too.
WORKDIR /data
EXPOSE 3000

# GET /openapi.json with Node's fetch (slim images have no curl): the cheapest
# GET that needs no token and answers 200. It proves the server answers, not
# that storage and the index are usable; see docker/healthcheck.mjs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "/opt/hoard/healthcheck.mjs"]

# Node runs as PID 1: `hoard serve` handles SIGTERM (docker stop) itself,
# finishing in-flight requests before it exits 0.
ENTRYPOINT ["/opt/hoard/node_modules/.bin/hoard"]
CMD ["serve", "--host", "0.0.0.0"]
