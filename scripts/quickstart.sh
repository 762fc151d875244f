#!/bin/sh
# The two Quick start commands (`npm run sample`, `npm test`) land here, so that a fresh clone needs nothing
# but Node and npm: pnpm itself comes through npx, pinned to the version in package.json.
set -eu
cd "$(dirname "$0")/.."
PNPM="npx -y pnpm@10.34.8"
$PNPM install --frozen-lockfile --reporter=append-only
case "${1:-}" in
  sample)
    $PNPM exec turbo run build --filter=@rs/sample...
    exec node apps/sample/dist/main.js
    ;;
  test)
    rm -rf packages/*/.test-results apps/*/.test-results
    status=0
    $PNPM exec turbo run build typecheck test --concurrency=2 --continue || status=$?
    node scripts/check-readme-examples.mjs || status=$?
    node scripts/check-package-exports.mjs || status=$?
    node scripts/test-summary.mjs || status=$?
    $PNPM exec biome ci . --colors=off || status=$?
    exit $status
    ;;
  *)
    echo "usage: scripts/quickstart.sh sample|test" >&2
    exit 64
    ;;
esac
