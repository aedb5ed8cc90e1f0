#!/usr/bin/env bash
# Measures the service on this machine and writes docs/BENCHMARKS.md (see that file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh >/dev/null
# wrk drives the REST measurements: a load generator in C costs the machine less per request.
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
mvn -B -q -ntp install -DskipTests
mvn -B -ntp test -pl e2e -Dtest=Benchmarks -Dexcluded.groups= -Dsurefire.failIfNoSpecifiedTests=false
echo "report: docs/BENCHMARKS.md"
