#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts a throwaway PostgreSQL,
# builds, runs every test, stops the server, then fuzzes for a bounded time (scripts/fuzz). Used by .ci/run and
# by people; extra arguments go to `swift test` (e.g. `scripts/test.sh --filter EndToEnd`) and skip the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for package in libpq-dev libsqlite3-dev postgresql-15 procps util-linux; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "test.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Build first: the server is not needed for it, and the build is the slow part.
swift build --build-tests

pg_dir=$(mktemp -d /tmp/prestart-test-pg.XXXXXX)
trap 'scripts/pg-throwaway stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
PRESTART_TEST_DATABASE_URL=$(scripts/pg-throwaway start "$pg_dir")
export PRESTART_TEST_DATABASE_URL
echo "test.sh: PostgreSQL at $PRESTART_TEST_DATABASE_URL" >&2

swift test --skip-build "$@"

# A bounded fuzzing run of Fuzz/ (PRESTART_FUZZ_SECONDS per target, 0 to skip); not when only some tests were asked for.
if [ $# -eq 0 ] && [ "${PRESTART_FUZZ_SECONDS:-30}" != 0 ]; then
    scripts/fuzz "${PRESTART_FUZZ_SECONDS:-30}"
fi
