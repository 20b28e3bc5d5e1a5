#!/usr/bin/env bash
# The one entry point for a fresh Debian 12 machine with the .NET SDK:
#   ./braingen.sh demo          set up, build, and run the main job on the bundled default
#   ./braingen.sh test          set up, build, and run every test
#   ./braingen.sh ARGS...       set up, build, and run `braingen ARGS...`
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"

scripts/setup.sh

case "${1:-demo}" in
  test)
    shift || true
    rm -rf .test-results
    status=0
    dotnet test BrainGen.slnx -c Release --nologo -v q --logger "trx" --results-directory .test-results "$@" || status=$?
    # One plain closing line over every test assembly. A skipped test is a UnitTestResult with
    # outcome="NotExecuted"; the <Counters> notExecuted attribute stays 0 for them.
    awk -F'"' '/<Counters /{ for (i=1;i<NF;i++) { if ($i ~ / passed=$/) p+=$(i+1); if ($i ~ / failed=$/) f+=$(i+1) } }
               /<UnitTestResult / && /outcome="NotExecuted"/ { s++ }
               END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' .test-results/*.trx 2>/dev/null || true
    exit $status
    ;;
  *)
    dotnet build src/BrainGen.Cli -c Release --nologo -v q -o out/cli >/dev/null
    if [[ "${1:-demo}" == "demo" ]]; then
      shift || true
      exec out/cli/braingen demo "$@"
    fi
    exec out/cli/braingen "$@"
    ;;
esac
