#!/usr/bin/env bash
# Runs oauth2-proxy in front of the frontend with the project's settings: OIDC provider, the ID
# token passed to the frontend, API routes answering 401 instead of a login redirect, a session
# refreshed before the ID token expires, and scripts signing in with "Authorization: Bearer <ID
# token>" (verified by the proxy against the provider's keys and this client id, then passed on
# for the frontend to verify again).
# Environment: OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, COOKIE_SECRET,
#   UPSTREAM (frontend URL), PROXY_PORT [4180], OIDC_EMAIL_CLAIM [email], EXTRA flags as args.
set -euo pipefail
: "${OIDC_ISSUER_URL:?}" "${OIDC_CLIENT_ID:?}" "${OIDC_CLIENT_SECRET:?}" "${COOKIE_SECRET:?}" "${UPSTREAM:?}"
PROXY_PORT=${PROXY_PORT:-4180}
PROXY_HOST=${PROXY_HOST:-127.0.0.1}
bin=$(command -v oauth2-proxy || echo "${GITFAAS_TOOLS_DIR:-$HOME/.cache/gitfaas/bin}/oauth2-proxy")
exec "$bin" \
  --provider=oidc \
  --oidc-issuer-url="$OIDC_ISSUER_URL" \
  --client-id="$OIDC_CLIENT_ID" \
  --client-secret="$OIDC_CLIENT_SECRET" \
  --cookie-secret="$COOKIE_SECRET" \
  --cookie-secure="${COOKIE_SECURE:-false}" \
  --cookie-refresh="${COOKIE_REFRESH:-30m}" \
  --cookie-samesite=lax \
  --email-domain='*' \
  --oidc-email-claim="${OIDC_EMAIL_CLAIM:-email}" \
  --upstream="$UPSTREAM" \
  --http-address="$PROXY_HOST:$PROXY_PORT" \
  --redirect-url="${REDIRECT_URL:-http://localhost:$PROXY_PORT/oauth2/callback}" \
  --pass-authorization-header=true \
  --skip-jwt-bearer-tokens=true \
  --skip-provider-button=true \
  --config="$(dirname "$0")/../deploy/oauth2-proxy/routes.cfg" \
  --reverse-proxy=false \
  "$@"
