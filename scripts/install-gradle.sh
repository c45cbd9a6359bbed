#!/usr/bin/env bash
# Installs the real Gradle client the build-tool end-to-end tests drive against
# Hoard's Gradle HTTP build cache (e2e/buildtools/src/gradleRun.ts: one Java
# class compiled by the bundled `java` plugin, `--offline`, with
# `buildCache { remote(HttpBuildCache) { ... } }` pointing at a loopback Hoard).
# Debian/Ubuntu, run as root. A no-op when `gradle` is already on the PATH.
#
# Debian 12 ships Gradle 4.4.1 (package 4.4.1-18), patched by Debian to run on
# the Debian JDK 17 (upstream 4.4 stops at Java 9). About 68 packages (Groovy,
# Ant, Ivy, Maven and many Java libraries): 63.5 MB download, 96 MB on disk,
# ~25 s. It installs no JDK when openjdk-17-jre-headless (or another
# java8-runtime-headless) is already there, otherwise it pulls
# default-jre-headless. No service comes with it. Recommends are skipped: the
# tests need none of them.
set -euo pipefail

if command -v gradle >/dev/null 2>&1; then
  echo "Gradle is already installed at $(command -v gradle)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-gradle.sh must run as root (it calls apt-get)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-gradle.sh needs apt-get (Debian/Ubuntu); install Gradle another way and put it on the PATH" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. a parallel CI step) may hold the lock: wait for it.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# The package lists are fetched once, when they do not know gradle yet.
# (No `grep -q` in a pipe: under pipefail its early exit fails apt-cache with SIGPIPE.)
if ! apt-cache policy gradle 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
  apt_get update
fi
apt_get install -y --no-install-recommends gradle

if ! command -v gradle >/dev/null 2>&1; then
  echo "gradle was installed but is not on the PATH" >&2
  exit 1
fi
echo "installed: Gradle $(dpkg-query -W -f='${Version}' gradle) at $(command -v gradle)"
