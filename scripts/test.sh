#!/usr/bin/env bash
# The project's one test command (`npm test`): build, lint, the whole suite (with a throwaway
# PostgreSQL server for the store contract: scripts/with-postgres.sh), then the date tests
# again under other host time zones (results must never depend on the host TZ), then the CLI contract.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build --silent
npm run lint --silent
bash scripts/with-postgres.sh env TZ=UTC npx vitest run
for tz in Pacific/Auckland America/New_York; do
  echo "== date tests under host TZ=$tz"
  TZ="$tz" npx vitest run test/domain test/cli
done
if [ -f ../shared/contract/check-cli.mjs ]; then
  echo "== CLI contract (../shared/contract/check-cli.mjs)"
  node ../shared/contract/check-cli.mjs
fi
