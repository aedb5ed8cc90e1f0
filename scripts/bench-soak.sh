#!/usr/bin/env bash
# The long benchmark: 1,000 tasks from 20 users while the observer scales the workers from 1 to 4,
# then SOAK_MINUTES (10) minutes at half the rate the machine drained them at. Prints its progress
# and writes docs/BENCHMARKS-SOAK.md. About SOAK_MINUTES + 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${SOAK_MINUTES:-10}
if ! [[ $minutes =~ ^[0-9]{1,3}$ ]] || (( minutes < 2 )); then
  echo "SOAK_MINUTES must be a whole number of at least 2 (a first and a last minute)" >&2
  exit 2
fi
scripts/install.sh >/dev/null
mvn -B -q -ntp install -DskipTests
SOAK_MINUTES=$minutes mvn -B -ntp test -pl e2e -Dtest=ScaleAndSoakBenchmark -Dexcluded.groups= \
  -Dsurefire.failIfNoSpecifiedTests=false -Dtest.output.toFile=false
echo "report: docs/BENCHMARKS-SOAK.md"
