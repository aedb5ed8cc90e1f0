#!/usr/bin/env bash
# Measures the service on this machine and writes docs/BENCHMARKS.md (see that file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh >/dev/null
mvn -B -q -ntp install -DskipTests
mvn -B -ntp test -pl e2e -Dtest=Benchmarks -Dexcluded.groups= -Dsurefire.failIfNoSpecifiedTests=false
echo "report: docs/BENCHMARKS.md"
