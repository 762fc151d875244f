#!/bin/sh
# The two Quick start commands (`npm run sample`, `npm test`) land here, so that a fresh clone needs nothing
# but Node and npm: pnpm itself comes through npx, pinned to the version in package.json.
set -eu
cd "$(dirname "$0")/.."
PNPM="npx -y pnpm@10.34.8"

# The test suites start a real redis-server (@rs/redis), a real nginx (the sample's end-to-end mTLS
# test) on loopback and a headless Chromium (the sample console's test). Without them a suite cannot run, so they are installed first where that is possible
# (root with apt-get, as on CI), and otherwise the run stops here, naming what to install.
require_test_programs() {
  missing=""
  command -v redis-server >/dev/null 2>&1 || missing="redis-server"
  # The cluster and Sentinel suites join nodes with redis-cli (Debian: redis-tools, a dependency of
  # redis-server); sentinels run as `redis-server --sentinel`, so no redis-sentinel package is needed.
  command -v redis-cli >/dev/null 2>&1 || missing="$missing redis-tools"
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
  # The sample console's browser test drives Debian's headless Chromium through playwright-core.
  # (with a font, so that its screenshots show text)
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing="$missing chromium fonts-liberation"
  missing="${missing# }"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $missing (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    return 0
  fi
  echo "npm test needs: $missing (the suites run a real one on 127.0.0.1)." >&2
  echo "Install it first (Debian/Ubuntu: sudo apt-get install -y $missing; macOS: brew install redis nginx chromium, and set CHROMIUM_PATH)." >&2
  exit 1
}

case "${1:-}" in
  sample)
    $PNPM install --frozen-lockfile --reporter=append-only
    $PNPM exec turbo run build --filter=@rs/sample...
    exec node apps/sample/dist/main.js
    ;;
  test)
    require_test_programs
    $PNPM install --frozen-lockfile --reporter=append-only
    rm -rf packages/*/.test-results apps/*/.test-results
    # Every step runs whatever the others did; the names of those that failed go to the summary, whose
    # line `tests: N passed, N failed, N skipped` is the last one printed.
    failures=""
    $PNPM exec turbo run build typecheck test --concurrency=2 --continue || failures="$failures build/typecheck/test"
    node scripts/check-readme-examples.mjs || failures="$failures readme-examples"
    node scripts/check-package-exports.mjs || failures="$failures package-exports"
    node scripts/check-changesets.mjs || failures="$failures changesets"
    node scripts/check-import-cycles.mjs || failures="$failures import-cycles"
    node scripts/check-troubleshooting.mjs || failures="$failures troubleshooting"
    node scripts/check-tsdoc.mjs || failures="$failures tsdoc"
    # Publishes the built packages to a local registry and installs them in fresh projects (npm and pnpm).
    node scripts/registry-round-trip.mjs || failures="$failures registry-round-trip"
    $PNPM exec biome ci . --colors=off || failures="$failures lint"
    # shellcheck disable=SC2086 # one argument per failed step
    exec node scripts/test-summary.mjs $failures
    ;;
  *)
    echo "usage: scripts/quickstart.sh sample|test" >&2
    exit 64
    ;;
esac
