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
# The Kubernetes Secrets script makes the NATS routes' certificates with openssl.
command -v openssl >/dev/null || need_apt+=(openssl)
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

# The deploy test's Kubernetes: a real control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd) built from the module proxy through the project's tools modules,
# pinned and verified by their go.sum; kwok for fake nodes with its own stage files; KEDA's CRDs
# from its module. Built once per machine: about 9 minutes cold on 2 cores (downloads included),
# then nothing.
KWOK_VERSION=v0.8.0
KEDA_VERSION=v2.21.0
root=$(cd "$(dirname "$0")/.." && pwd)
go_tools_module() { # tools/<dir> binary...
  local dir=$1; shift
  local stamp="$TOOLS_DIR/.tools-$(basename "$dir").version" want missing=0
  want=$(cat "$root/$dir/go.mod" "$root/$dir/go.sum" | sha256sum | cut -c1-16)
  for bin in "$@"; do [ -x "$TOOLS_DIR/$bin" ] || missing=1; done
  if [ $missing = 0 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  log "building $* from $dir (once per machine)"
  local cache; cache=$(mktemp -d)
  if [ $# = 1 ]; then
    # One tool: built under the name asked for (etcd's package is .../server/v3, compose's .../cmd).
    (cd "$root/$dir" && GOCACHE="$cache" GOFLAGS=-mod=readonly \
       go build -o "$TOOLS_DIR/$1" "$(awk '$1 == "tool" { print $2 }' go.mod)")
  else
    (cd "$root/$dir" && GOBIN="$TOOLS_DIR" GOCACHE="$cache" GOFLAGS=-mod=readonly go install tool)
  fi
  rm -rf "$cache"
  echo "$want" >"$stamp"
}
go_tools_module tools/kubernetes kube-apiserver kube-controller-manager kube-scheduler kubectl
go_tools_module tools/etcd etcd
# docker compose itself, to check the compose file as compose reads it (`config` needs no engine).
go_tools_module tools/compose docker-compose
go_tool kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
module_dir() { # module version: the module's files, downloaded and verified by the go command
  GOFLAGS=-mod=mod go mod download -json "$1@$2" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])'
}
if [ "$(cat "$TOOLS_DIR/.kwok-stages.version" 2>/dev/null)" != "$KWOK_VERSION" ]; then
  stages=$(module_dir sigs.k8s.io/kwok "$KWOK_VERSION")/kustomize/stage
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cat "$stages/$f"; echo "---"
  done >"$TOOLS_DIR/kwok-stages.yaml"
  echo "$KWOK_VERSION" >"$TOOLS_DIR/.kwok-stages.version"
fi
if [ "$(cat "$TOOLS_DIR/.keda-crds.version" 2>/dev/null)" != "$KEDA_VERSION" ]; then
  mkdir -p "$TOOLS_DIR/keda-crds"
  cp "$(module_dir github.com/kedacore/keda/v2 "$KEDA_VERSION")"/config/crd/bases/keda.sh_*.yaml \
    "$TOOLS_DIR/keda-crds/"
  chmod -R u+w "$TOOLS_DIR/keda-crds"
  echo "$KEDA_VERSION" >"$TOOLS_DIR/.keda-crds.version"
fi

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
