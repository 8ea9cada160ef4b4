#!/usr/bin/env bash
# The one test command: every test of the solution (integration, bUnit, Playwright in Debian's Chromium), then the benchmark's --quick smoke.
# Works from any directory on a fresh machine: installs chromium when it is missing, restores, builds, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "chromium is not on PATH: installing Debian's package"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
start=$(date +%s)
dotnet restore Centrali.Console.sln
dotnet build Centrali.Console.sln -c Release --no-restore
# The default console logger prints each failure and one summary line per test assembly ("Passed!  - Failed: 0, Passed: N ...").
log=$(mktemp)
status=0
dotnet test Centrali.Console.sln -c Release --no-build --results-directory artifacts/test-results 2>&1 | tee "$log" || status=$?
# One plain closing line over both test projects: "N passed, N failed".
passed=$( (grep -oE 'Passed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
failed=$( (grep -oE 'Failed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
rm -f "$log"
# Benchmark smoke (issue 7): the small version of every measurement runs and writes its JSON; its figures are not judged here.
bench=0
dotnet run -c Release --no-build --project tests/Centrali.Console.Bench -- --quick --out artifacts/bench-results.json || bench=$?
if [ "$bench" -ne 0 ]; then echo "Benchmark --quick failed (exit $bench)"; status=1; fi
echo "Wall time $(( $(date +%s) - start )) s. Screenshots: artifacts/screenshots/"
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
