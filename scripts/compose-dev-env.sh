#!/usr/bin/env bash
# Writes .env.dev (or FILE) for `make up-dev` (docker compose, profile dev) when it is missing:
# the local identity provider's settings and fresh random secrets, made here and never committed.
#   scripts/compose-dev-env.sh [FILE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$root/.env.dev}
[ -f "$file" ] && exit 0
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077
{
  echo "# Made by scripts/compose-dev-env.sh for docker compose's dev profile; delete it for new secrets."
  echo "COMPOSE_PROFILES=dev"
  echo "OIDC_ISSUER_URL=http://devidp:4190/default"
  echo "OIDC_CLIENT_ID=gitfaas-dev"
  echo "OIDC_CLIENT_SECRET=dev-$(hex 8)"
  echo "OIDC_EMAIL_CLAIM=sub"
  echo "COOKIE_SECRET=$(hex 16)"
  for service in FRONTEND WORKER OBSERVER INJECTOR; do
    echo "GITFAAS_NATS_${service}_PASSWORD=p$(hex 24)"
  done
  echo "CALLBACK_SIGNING_KEY=$(hex 32)"
  echo "ADMIN_EMAILS=${ADMIN_EMAILS:-admin@example.com}"
} >"$file"
echo "wrote $file" >&2
