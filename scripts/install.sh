#!/usr/bin/env bash
# Installs what the local stack and the tests need, only where it is missing.
# Idempotent: a second run only checks versions.
set -euo pipefail

NATS_SERVER_VERSION=v2.15.2
OAUTH2_PROXY_VERSION=v7.15.6
TOOLS_DIR="${GITFAAS_TOOLS_DIR:-$HOME/.cache/gitfaas/bin}"
mkdir -p "$TOOLS_DIR"

log() { printf '[install] %s\n' "$*" >&2; }

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v git >/dev/null || need_apt+=(git)
command -v curl >/dev/null || need_apt+=(curl)
command -v go >/dev/null || need_apt+=(golang-go)
command -v mvn >/dev/null || need_apt+=(maven)
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v prlimit >/dev/null || need_apt+=(util-linux)
# Task runtimes: the worker builds and runs tasks with the host's toolchains.
[ -x /usr/bin/python3 ] || need_apt+=(python3)
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
[ -x /usr/bin/node ] || need_apt+=(nodejs)
[ -x /usr/bin/npm ] || need_apt+=(npm)
# Rust tasks: rustup's toolchain in ~/.cargo where there is one, else Debian's.
command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] || need_apt+=(cargo)
# The sandbox's syscall filter is compiled at worker start by libseccomp's own Python bindings.
/usr/bin/python3 -c 'import seccomp' 2>/dev/null || need_apt+=(python3-seccomp)
# The metrics test scrapes the services with a real Prometheus (Debian's).
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
# The console's browser tests drive Debian's chromium (playwright-core downloads no browser).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

go_tool() { # name module version
  local name=$1 module=$2 version=$3 stamp="$TOOLS_DIR/.$1.version"
  if [ -x "$TOOLS_DIR/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return
  fi
  log "go install $module@$version"
  GOBIN="$TOOLS_DIR" GOFLAGS=-mod=mod go install "$module@$version"
  echo "$version" >"$stamp"
}
go_tool nats-server github.com/nats-io/nats-server/v2 "$NATS_SERVER_VERSION"
go_tool oauth2-proxy github.com/oauth2-proxy/oauth2-proxy/v7 "$OAUTH2_PROXY_VERSION"

# npm packages, pinned by their lock files: newman for the Postman collection's test run,
# playwright-core for the console's browser tests, Redocly's linter for the OpenAPI document.
npm_ci() { # directory
  local dir=$1
  if [ -f "$dir/package-lock.json" ] &&
     ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock"; then
    log "npm ci ($(basename "$dir"))"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
       cp package-lock.json node_modules/.installed-lock)
  fi
}
root=$(cd "$(dirname "$0")/.." && pwd)
npm_ci "$root/postman"
npm_ci "$root/e2e/browser"
npm_ci "$root/api-lint"

# The Maven seed: the plugins of a standard Maven build, which a user's first Java build starts
# from (see deploy/maven-seed). Rebuilt when its recipe or the host's Maven changes.
seed="${MAVEN_SEED_DIR:-$HOME/.cache/gitfaas/maven-seed}"
seed_stamp="$(cat "$root/deploy/maven-seed/pom.xml" "$root/deploy/maven-seed/seed.sh" | sha256sum | cut -c1-16) $(mvn -B -v 2>/dev/null | sed -n '1s/\x1b\[[0-9;]*m//gp')"
if [ ! -d "$seed" ] || [ "$(cat "$seed.stamp" 2>/dev/null)" != "$seed_stamp" ]; then
  log "Maven seed ($seed)"
  if ! "$root/deploy/maven-seed/seed.sh" "$seed" >"$seed.log" 2>&1; then
    cat "$seed.log" >&2
    exit 1
  fi
  echo "$seed_stamp" >"$seed.stamp"
fi

echo "$TOOLS_DIR"
