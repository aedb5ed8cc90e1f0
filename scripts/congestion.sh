#!/usr/bin/env bash
# Congestion test: sends N createTask requests at once, then shows the system status, queue lag
# and worker count every few seconds until every task has ended and the system is back to OK at
# MIN_WORKERS, and prints a summary (refusals by status, peak lag, time to the first scale-up,
# time to drain, tasks finished and failed). The work is done by scripts/congestion.py.
#
# Usage: TASK_URL=https://github.com/you/task.git scripts/congestion.sh N [BASE_URL]
#   Credentials (an admin's), from the environment, never the command line where ps shows them:
#     GITFAAS_TOKEN (scripts/login.sh --token EMAIL), or GITFAAS_COOKIE (scripts/login.sh EMAIL),
#     or GITFAAS_COOKIE_FILE (a file holding it)
#   BASE_URL: defaults to $GITFAAS_URL or http://localhost:4180
#   TASK_URL: the repository every task runs; TASK_PARAMS: its parameters, space-separated
#   POLL_SECONDS [3], TIMEOUT_SECONDS [1800], CONCURRENCY [16]
set -euo pipefail
usage() { sed -n '2,13p' "$0" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
if ! [[ $1 =~ ^[1-9][0-9]{0,5}$ ]]; then
  echo "congestion: N must be a number of tasks from 1 to 999999, not '$1'" >&2; exit 2
fi
: "${TASK_URL:?set TASK_URL to the repository the tasks run}"
if [ -z "${GITFAAS_TOKEN:-}${GITFAAS_COOKIE:-}${GITFAAS_COOKIE_FILE:-}" ]; then
  echo "congestion: set GITFAAS_TOKEN, GITFAAS_COOKIE or GITFAAS_COOKIE_FILE (an admin's)" >&2; exit 2
fi
exec python3 "$(dirname "$0")/congestion.py" "$1" "${2:-${GITFAAS_URL:-http://localhost:4180}}"
