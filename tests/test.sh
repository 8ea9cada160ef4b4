#!/usr/bin/env bash
# The one test command: every test of the solution (integration, bUnit, Playwright in Debian's Chromium, and the Postgres
# category on a throwaway PostgreSQL cluster the tests start and stop themselves), then the benchmark's --quick smoke.
# Works from any directory on a fresh machine: installs chromium, postgresql and python3 when missing, checks that the
# folders depend on each other one way (tests/deps.sh), restores, builds, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Installs Debian's package $1 (as root, or through sudo), saying why ($2).
install_package() {
    echo "$2: installing Debian's package $1"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

command -v chromium >/dev/null 2>&1 || install_package chromium "chromium is not on PATH"
# The Postgres test category starts its own throwaway cluster with initdb/pg_ctl (on PATH or Debian's /usr/lib/postgresql/<version>/bin).
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    install_package postgresql "PostgreSQL's initdb is missing"
fi
# The web project's folders depend on each other one way (README, "Where things live"): a loop fails the run at once.
command -v python3 >/dev/null 2>&1 || install_package python3 "python3 is missing (tests/deps.sh needs it)"
if ! deps=$(bash tests/deps.sh); then
    echo "$deps" | sed -n '/^Folders/,$p'
    echo "Dependency loop between folders of src/Centrali.Console (bash tests/deps.sh shows the whole picture)"
    exit 1
fi

# Clusters live under one folder the server's user can reach; whatever a crashed run leaves running there is stopped on exit.
export CENTRALI_PG_ROOT
CENTRALI_PG_ROOT=$(mktemp -d -t centrali-pg.XXXXXX)
chmod 755 "$CENTRALI_PG_ROOT"
stop_clusters() {
    for pidfile in "$CENTRALI_PG_ROOT"/*/data/postmaster.pid; do
        [ -f "$pidfile" ] && kill -QUIT "$(head -1 "$pidfile")" 2>/dev/null || true
    done
    rm -rf "$CENTRALI_PG_ROOT"
}
trap stop_clusters EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
start=$(date +%s)
dotnet restore Centrali.Console.sln
dotnet build Centrali.Console.sln -c Release --no-restore
# The default console logger prints each failure and one summary line per test assembly ("Passed!  - Failed: 0, Passed: N ...").
log=$(mktemp)
status=0
# Test processes are short-lived and many: profile-guided tiering and thread-pool spinning cost them CPU they never repay.
run_tests() {
    DOTNET_TieredPGO=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 \
        dotnet test "tests/$1" -c Release --no-build --results-directory artifacts/test-results 2>&1 | tee "$2"
}
# The integration tests take the longest and mostly wait on real time, so the browser tests and then the benchmark
# smoke run beside them; their outputs interleave.
run_tests Centrali.Console.Tests "$log.tests" &
tests=$!
run_tests Centrali.Console.E2E "$log" || status=$?
# Benchmark smoke: the small version of every measurement runs and writes its JSON; its figures are not judged here.
bench=0
dotnet run -c Release --no-build --project tests/Centrali.Console.Bench -- --quick --out artifacts/bench-results.json || bench=$?
if [ "$bench" -ne 0 ]; then echo "Benchmark --quick failed (exit $bench)"; status=1; fi
wait "$tests" || status=$?
cat "$log.tests" >> "$log"
# One plain closing line over both test projects: "N passed, N failed".
passed=$( (grep -oE 'Passed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
failed=$( (grep -oE 'Failed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
rm -f "$log" "$log.tests"
echo "Wall time $(( $(date +%s) - start )) s. Screenshots: artifacts/screenshots/"
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
