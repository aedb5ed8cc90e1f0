#!/usr/bin/env bash
# Signs EMAIL in at the local dev identity provider through oauth2-proxy, with plain HTTP
# requests, and prints the _oauth2_proxy cookie value (for curl, Postman, congestion.sh).
# Usage: scripts/login.sh EMAIL [BASE_URL]   (BASE_URL defaults to http://localhost:4180)
set -euo pipefail
email=${1:?usage: scripts/login.sh EMAIL [BASE_URL]}
base=${2:-${GITFAAS_URL:-http://localhost:4180}}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT

location() { # prints the Location of a 302, or fails with what came instead
  local out code loc
  out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "$@") || return 1
  code=${out%% *}; loc=${out#* }
  if [ "$code" != 302 ] || [ -z "$loc" ]; then
    echo "login.sh: expected a redirect, got HTTP $code from ${*: -1}" >&2; return 1
  fi
  printf '%s' "$loc"
}

authorize=$(location -c "$jar" -b "$jar" "$base/oauth2/start?rd=%2F")
callback=$(location --data-urlencode "username=$email" --data-urlencode "claims=" "$authorize")
location -c "$jar" -b "$jar" "$callback" >/dev/null
cookie=$(awk '$6 == "_oauth2_proxy" { print $7 }' "$jar")
if [ -z "$cookie" ]; then
  echo "login.sh: oauth2-proxy set no session cookie" >&2; exit 1
fi
printf '%s\n' "$cookie"
