#!/usr/bin/env bash
# Signs EMAIL in at the local dev identity provider with plain HTTP requests, and prints what a
# script calls the API with:
#   scripts/login.sh EMAIL [BASE_URL]          the _oauth2_proxy cookie value (curl -b, Postman,
#                                              congestion.sh), signing in through oauth2-proxy; for
#                                              a session split into parts, the Cookie header
#   scripts/login.sh --token EMAIL [ISSUER]    an ID token for "Authorization: Bearer <token>",
#                                              straight from the provider (valid one hour)
# BASE_URL defaults to $GITFAAS_URL or http://localhost:4180; ISSUER to $OIDC_ISSUER_URL or
# http://127.0.0.1:4190/default; the client is $OIDC_CLIENT_ID or gitfaas-local (make run's).
set -euo pipefail
mode=cookie
if [ "${1:-}" = "--token" ]; then mode=token; shift; fi
email=${1:?usage: scripts/login.sh [--token] EMAIL [BASE_URL or ISSUER]}
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

json_field() { # FIELD: prints one string field of the JSON object on stdin
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

if [ "$mode" = token ]; then
  issuer=${2:-${OIDC_ISSUER_URL:-http://127.0.0.1:4190/default}}
  client=${OIDC_CLIENT_ID:-gitfaas-local}
  config=$(curl -sS --fail "$issuer/.well-known/openid-configuration")
  authorize=$(json_field authorization_endpoint <<<"$config")
  token_endpoint=$(json_field token_endpoint <<<"$config")
  redirect=http://localhost/login.sh
  # The authorization code flow, as a browser would go through it, with the login form filled in.
  callback=$(location --data-urlencode "username=$email" --data-urlencode "claims=" \
    "$authorize?client_id=$client&response_type=code&scope=openid%20email&state=s&nonce=n&redirect_uri=$redirect")
  code=$(python3 -c 'import sys, urllib.parse as u; print(u.parse_qs(u.urlparse(sys.argv[1]).query)["code"][0])' "$callback")
  curl -sS --fail -d grant_type=authorization_code --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$redirect" -d "client_id=$client" -d client_secret=unused \
    "$token_endpoint" | json_field id_token
  exit 0
fi

base=${2:-${GITFAAS_URL:-http://localhost:4180}}
authorize=$(location -c "$jar" -b "$jar" "$base/oauth2/start?rd=%2F")
callback=$(location --data-urlencode "username=$email" --data-urlencode "claims=" "$authorize")
location -c "$jar" -b "$jar" "$callback" >/dev/null
cookie=$(awk '$6 == "_oauth2_proxy" { print $7 }' "$jar")
# A large session is split into _oauth2_proxy_0, _1, ...: then the whole Cookie header is printed
# (curl -b, the CLI's cookie file, congestion.sh and the Postman collection all take it).
parts=$(awk '$6 ~ /^_oauth2_proxy_[0-9]+$/ { print $6 "=" $7 }' "$jar" | sort -t_ -k4 -n | paste -sd';' - | sed 's/;/; /g')
if [ -n "$parts" ]; then
  printf '%s\n' "$parts"
elif [ -n "$cookie" ]; then
  printf '%s\n' "$cookie"
else
  echo "login.sh: oauth2-proxy set no session cookie" >&2; exit 1
fi
