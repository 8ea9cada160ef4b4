#!/usr/bin/env bash
# The one test command: every test of the solution (integration, bUnit, Playwright in Debian's Chromium).
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
# --logger console: xunit's per-assembly summary lines ("Passed! - Failed: 0, Passed: N ...").
dotnet test Centrali.Console.sln -c Release --no-build --logger "console;verbosity=normal" --results-directory artifacts/test-results
echo "All tests passed in $(( $(date +%s) - start )) s. Screenshots: artifacts/screenshots/"
