#!/usr/bin/env bash
# Builds the Maven seed repository at $1 with the same goals the worker's Maven steps run
# (worker/.../runtime/JavaRuntime.java), so the seed holds all they need.
set -euo pipefail
seed=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/pom.xml" "$here/src" "$work/"
plugin=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
mvn() { command mvn --batch-mode --no-transfer-progress -q -Dstyle.color=never -Dmaven.repo.local="$seed.new" -f "$work/pom.xml" "$@"; }
rm -rf "$seed.new"
mvn "$plugin:go-offline"
mvn -Dmaven.test.skip=true package "$plugin:copy-dependencies" -DincludeScope=runtime \
    -DoutputDirectory=target/lib
rm -rf "$seed"
mv "$seed.new" "$seed"
