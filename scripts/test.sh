#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts a throwaway PostgreSQL,
# builds, runs every test, stops the server. Used by .ci/run and by people.
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

swift build --build-tests

exec swift test --skip-build "$@"
