#!/usr/bin/env bash
# Starts the whole stack on this machine without containers: nats-server, the dev identity
# provider, the frontend, oauth2-proxy on http://localhost:4180 and the workers. Ctrl-C (or
# SIGTERM) stops everything it started. State and logs live under .run/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=$(scripts/install.sh)
export PATH="$tools:$PATH"

run="$root/.run"
mkdir -p "$run/logs" "$run/nats" "$run/work" "$run/cache"
if ! grep -qs GITFAAS_NATS_INJECTOR_PASSWORD "$run/secrets.env"; then
  umask 077
  {
    echo "COOKIE_SECRET=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 32)"
    echo "OIDC_CLIENT_SECRET=p$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GITFAAS_NATS_FRONTEND_PASSWORD=p$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GITFAAS_NATS_WORKER_PASSWORD=p$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GITFAAS_NATS_OBSERVER_PASSWORD=p$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GITFAAS_NATS_INJECTOR_PASSWORD=p$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  } >"$run/secrets.env"
fi
if ! grep -qs CALLBACK_SIGNING_KEY "$run/secrets.env"; then
  (umask 077; echo "CALLBACK_SIGNING_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    >>"$run/secrets.env")
fi
# Not exported: each service gets only its own secret.
. "$run/secrets.env"

NATS_PORT=${NATS_PORT:-4222}
IDP_PORT=${IDP_PORT:-4190}
FRONTEND_PORT=${FRONTEND_PORT:-8080}
PROXY_PORT=${PROXY_PORT:-4180}
export NATS_URL=${NATS_URL:-nats://127.0.0.1:$NATS_PORT}
export OIDC_ISSUER_URL=${OIDC_ISSUER_URL:-http://127.0.0.1:$IDP_PORT/default}
export OIDC_CLIENT_ID=${OIDC_CLIENT_ID:-gitfaas-local}
# The dev provider signs in whatever name is typed: the name (an e-mail address) is the subject.
export OIDC_EMAIL_CLAIM=${OIDC_EMAIL_CLAIM:-sub}
export FRONTEND_PORT WORKER_WORK_DIR="$run/work" WORKER_CACHE_DIR="$run/cache"

if [ "${SKIP_BUILD:-}" != 1 ]; then
  echo "building (mvn package)..." >&2
  mvn -q -B package -DskipTests -Dspotless.skip=true >"$run/logs/build.log" 2>&1 ||
    { tail -40 "$run/logs/build.log" >&2; exit 1; }
fi

pids=()
stop() {
  local code=$1
  # A second Ctrl-C (or TERM) while stopping must not cut the stopping short.
  trap '' INT TERM
  trap - EXIT
  echo "stopping..." >&2
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  # Workers outlive an observer on purpose (a new one adopts them): here everything stops.
  for f in "$run"/observer/*.pid; do
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive=0
    for f in "$run"/observer/*.pid; do
      [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  echo "stopped" >&2
  exit "$code"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

start() { # name command...
  local name=$1; shift
  "$@" >"$run/logs/$name.log" 2>&1 &
  pids+=($!)
}

wait_port() { # name port
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not start; see $run/logs/$1.log" >&2; tail -20 "$run/logs/$1.log" >&2; exit 1
}

# shellcheck disable=SC2046 # the file holds plain NAME=value lines, one word each
start nats env $(grep -E '^[A-Z_]+=[^ ]+$' deploy/nats/local.env) \
  GITFAAS_NATS_FRONTEND_PASSWORD="$GITFAAS_NATS_FRONTEND_PASSWORD" \
  GITFAAS_NATS_WORKER_PASSWORD="$GITFAAS_NATS_WORKER_PASSWORD" \
  GITFAAS_NATS_OBSERVER_PASSWORD="$GITFAAS_NATS_OBSERVER_PASSWORD" \
  GITFAAS_NATS_INJECTOR_PASSWORD="$GITFAAS_NATS_INJECTOR_PASSWORD" \
  nats-server -c deploy/nats/nats-server.conf -a 127.0.0.1 -p "$NATS_PORT" \
  -m "${NATS_MONITOR_PORT:-8222}" -js -sd "$run/nats"
wait_port nats "$NATS_PORT"
start idp env DEV_IDP_PORT="$IDP_PORT" java -XX:+ExitOnOutOfMemoryError -jar devidp/target/devidp-all.jar
start frontend env NATS_USER=frontend NATS_PASSWORD="$GITFAAS_NATS_FRONTEND_PASSWORD" \
  CALLBACK_SIGNING_KEY="$CALLBACK_SIGNING_KEY" java -XX:+ExitOnOutOfMemoryError -jar frontend/target/frontend-all.jar
wait_port idp "$IDP_PORT"
wait_port frontend "$FRONTEND_PORT"
start oauth2-proxy env UPSTREAM="http://127.0.0.1:$FRONTEND_PORT" PROXY_PORT="$PROXY_PORT" \
  COOKIE_SECRET="$COOKIE_SECRET" OIDC_CLIENT_SECRET="$OIDC_CLIENT_SECRET" scripts/oauth2-proxy.sh
start injector env NATS_USER=injector NATS_PASSWORD="$GITFAAS_NATS_INJECTOR_PASSWORD" \
  java -XX:+ExitOnOutOfMemoryError -jar injector/target/injector-all.jar
# The observer starts the workers (MIN_WORKERS of them, more when the queue grows) and adopts
# the ones an earlier observer left running.
export OBSERVER_STATE_DIR="$run/observer"
start observer env NATS_USER=observer NATS_PASSWORD="$GITFAAS_NATS_OBSERVER_PASSWORD" \
  WORKER_NATS_USER=worker WORKER_NATS_PASSWORD="$GITFAAS_NATS_WORKER_PASSWORD" \
  CALLBACK_SIGNING_KEY="$CALLBACK_SIGNING_KEY" \
  WORKER_COMMAND="java -XX:+ExitOnOutOfMemoryError -jar $root/worker/target/worker-all.jar" \
  java -XX:+ExitOnOutOfMemoryError -jar observer/target/observer-all.jar
wait_port oauth2-proxy "$PROXY_PORT"

cat >&2 <<MSG

gitfaas is running.
  Sign in:      http://localhost:$PROXY_PORT  (type any e-mail address at the dev login form)
  Cookie:       scripts/login.sh alice@example.com
  Try it:       curl -b "_oauth2_proxy=\$(scripts/login.sh alice@example.com)" http://localhost:$PROXY_PORT/whoami
  Logs:         $run/logs/
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a service exited; see $run/logs/ - stopping the rest" >&2
exit 1
