#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: install, start PostgreSQL, lint, types, layers, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -e ".[test]"
if ! command -v chromium >/dev/null; then  # browser tests render the HTML reports offline
  echo "installing chromium from Debian's packages" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
fi
TRUTHLINE_TEST_POSTGRES_URL=$(bash scripts/postgres.sh)
export TRUTHLINE_TEST_POSTGRES_URL
echo "== ruff";         ruff check src tests benchmarks && ruff format --check src tests benchmarks
echo "== mypy";         mypy
echo "== import-linter"; lint-imports
echo "== pytest";       python -m pytest -n 2 --dist loadfile -q "$@"
