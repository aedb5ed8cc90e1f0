#!/usr/bin/env bash
# Creates the Secrets gitfaas needs on Kubernetes, each only where it is missing (a second run
# changes nothing, so no password is ever rotated by accident). Values are made here, at random,
# and reach kubectl as files in a private directory, never as command-line arguments.
#   deploy/kubernetes/secrets.sh google   Google sign-in: GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
#                                         in the environment (from the Google Cloud console)
#   deploy/kubernetes/secrets.sh dev      the local identity provider of the dev overlay
# Uses kubectl's current context (or KUBECONFIG); KUBECTL names another kubectl.
set -euo pipefail
mode=${1:?usage: deploy/kubernetes/secrets.sh google|dev}
kubectl=${KUBECTL:-kubectl}
case "$mode" in
  google) : "${GOOGLE_CLIENT_ID:?set GOOGLE_CLIENT_ID}" "${GOOGLE_CLIENT_SECRET:?set GOOGLE_CLIENT_SECRET}" ;;
  dev) GOOGLE_CLIENT_ID=gitfaas-dev GOOGLE_CLIENT_SECRET=dev-secret ;;
  *) echo "usage: deploy/kubernetes/secrets.sh google|dev" >&2; exit 2 ;;
esac

dir=$(umask 077 && mktemp -d); trap 'rm -rf "$dir"' EXIT
log() { printf '[secrets] %s\n' "$*" >&2; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# NATS passwords start with a letter (a leading digit would be read as a number).
password() { printf 'p%s' "$(random_hex 24)"; }
exists() { "$kubectl" -n "$1" get secret "$2" >/dev/null 2>&1; }
# create NAMESPACE NAME: a generic Secret from the files in $dir/NAME (one file a key)
create() {
  if exists "$1" "$2"; then log "$1/$2 is there, kept"; return; fi
  "$kubectl" -n "$1" create secret generic "$2" --from-file="$dir/$2" >/dev/null
  log "$1/$2 created"
}
# value NAMESPACE NAME KEY: a key of an existing Secret
value() { "$kubectl" -n "$1" get secret "$2" -o "jsonpath={.data.$3}" | base64 -d; }

for ns in gitfaas gitfaas-workers; do
  "$kubectl" get namespace "$ns" >/dev/null 2>&1 || "$kubectl" create namespace "$ns" >/dev/null
done

mkdir "$dir/gitfaas-nats" "$dir/gitfaas-callbacks" "$dir/gitfaas-oauth" "$dir/gitfaas-worker" \
  "$dir/gitfaas-nats-routes"
for user in frontend worker observer injector; do password >"$dir/gitfaas-nats/$user"; done
create gitfaas gitfaas-nats
random_hex 32 >"$dir/gitfaas-callbacks/signing-key"
create gitfaas gitfaas-callbacks
printf '%s' "$GOOGLE_CLIENT_ID" >"$dir/gitfaas-oauth/client-id"
printf '%s' "$GOOGLE_CLIENT_SECRET" >"$dir/gitfaas-oauth/client-secret"
head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 32 >"$dir/gitfaas-oauth/cookie-secret"
create gitfaas gitfaas-oauth

# The workers' namespace holds only what workers need: their NATS password and the key that
# signs callbacks, the same values as in the namespace gitfaas.
value gitfaas gitfaas-nats worker >"$dir/gitfaas-worker/nats-password"
value gitfaas gitfaas-callbacks signing-key >"$dir/gitfaas-worker/callback-signing-key"
create gitfaas-workers gitfaas-worker

# The NATS cluster's routes use mutual TLS with a CA of their own: a certificate for the three
# pods, for server and client use. A pod without one signed by this CA cannot join the cluster.
if ! exists gitfaas gitfaas-nats-routes; then
  r="$dir/gitfaas-nats-routes"
  openssl req -x509 -newkey rsa:3072 -nodes -days 825 -subj /CN=gitfaas-nats-routes-ca \
    -keyout "$dir/ca.key" -out "$r/ca.crt" 2>/dev/null
  openssl req -newkey rsa:3072 -nodes -subj /CN=gitfaas-nats-route \
    -keyout "$r/tls.key" -out "$dir/tls.csr" 2>/dev/null
  printf '%s\n' \
    'subjectAltName=DNS:*.gitfaas-nats-cluster,DNS:*.gitfaas-nats-cluster.gitfaas.svc.cluster.local' \
    'extendedKeyUsage=serverAuth,clientAuth' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/tls.csr" -CA "$r/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$dir/ext.cnf" -out "$r/tls.crt" 2>/dev/null
fi
create gitfaas gitfaas-nats-routes
