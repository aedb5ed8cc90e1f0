#!/usr/bin/env bash
# Congestion test: sends N createTask requests at once, then shows the system status, queue lag
# and worker count every few seconds until the system is OK and back to MIN_WORKERS, and prints
# a summary (peak lag, time to the first scale-up, time to drain, tasks finished and failed).
#
# Usage: TASK_URL=https://github.com/you/task.git scripts/congestion.sh N COOKIE [BASE_URL]
#   COOKIE: an admin's _oauth2_proxy cookie value (scripts/login.sh prints one)
#   BASE_URL: defaults to http://localhost:4180
#   TASK_URL: the repository every task runs; TASK_PARAMS: its parameters, space-separated
#   POLL_SECONDS [3], TIMEOUT_SECONDS [1800], CONCURRENCY [16]
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
: "${TASK_URL:?set TASK_URL to the repository the tasks run}"
exec python3 - "$@" <<'PY'
import json, os, sys, threading, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor

n, cookie = int(sys.argv[1]), sys.argv[2]
base = (sys.argv[3] if len(sys.argv) > 3 else "http://localhost:4180").rstrip("/")
params = os.environ.get("TASK_PARAMS", "").split()
poll = float(os.environ.get("POLL_SECONDS", "3"))
timeout = float(os.environ.get("TIMEOUT_SECONDS", "1800"))
concurrency = int(os.environ.get("CONCURRENCY", "16"))

def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Cookie": "_oauth2_proxy=" + cookie,
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"{}")
        except ValueError:
            return e.code, {}

status, me = call("GET", "/getSystemStatus")
if status != 200:
    sys.exit("getSystemStatus answered %d (%s): the cookie must be an admin's"
             % (status, me.get("error", "")))
start_workers = me["workers"]["current"]
print("before: %s, %d workers (min %d, max %d), lag %d"
      % (me["status"], start_workers, me["workers"]["min"], me["workers"]["max"],
         me["queue"]["pending"] + me["queue"]["inFlight"]))

ids, refused, sent, lock = [], [], [0], threading.Lock()
def create(_):
    code, body = call("POST", "/createTask", {"url": os.environ["TASK_URL"], "parameters": params})
    with lock:
        sent[0] += 1
        (ids if code == 201 else refused).append(body.get("taskId") if code == 201 else code)
        sys.stdout.write("\rsent %d/%d (accepted %d, refused %d)" % (sent[0], n, len(ids), len(refused)))
        sys.stdout.flush()

t0 = time.monotonic()
with ThreadPoolExecutor(concurrency) as pool:
    list(pool.map(create, range(n)))
print()

def outcome(task_id):
    code, t = call("GET", "/getTaskStatus?taskId=" + task_id)
    return t.get("status")

peak, first_up, drained, done = 0, None, None, False
burst_sent = time.monotonic()
while True:
    elapsed = time.monotonic() - t0
    code, s = call("GET", "/getSystemStatus")
    if code == 200:
        lag = s["queue"]["pending"] + s["queue"]["inFlight"]
        w = s["workers"]
        peak = max(peak, lag)
        if first_up is None and w["current"] > start_workers:
            first_up = elapsed
        print("%6.1fs  %-9s  lag %4d (pending %d, in flight %d)  workers %d -> %d (busy %d)"
              % (elapsed, s["status"], lag, s["queue"]["pending"], s["queue"]["inFlight"],
                 w["current"], w["desired"], w["busy"]))
        # The observer's figures lag behind; whether every task ended is asked of the tasks.
        if lag == 0 and all(outcome(i) in ("FINISHED", "FINISHED_ERRORS", "UNEXPECTED_ERRORS")
                            for i in ids):
            if drained is None:
                drained = elapsed
            if s["status"] == "OK" and w["current"] <= w["min"]:
                break
    if elapsed > timeout:
        print("giving up after %ds" % timeout)
        break
    time.sleep(poll)

finished = failed = other = 0
for task_id in ids:
    st = outcome(task_id)
    if st == "FINISHED":
        finished += 1
    elif st in ("FINISHED_ERRORS", "UNEXPECTED_ERRORS"):
        failed += 1
    else:
        other += 1
fmt = lambda v: "never" if v is None else "%.1f s" % v
print("summary: sent %d, accepted %d, refused %d; peak lag %d; first scale-up after %s;"
      " drained after %s; back to minimum after %.1f s; finished %d, failed %d, not done %d"
      % (n, len(ids), len(refused), peak, fmt(first_up), fmt(drained),
         time.monotonic() - t0, finished, failed, other))
sys.exit(0 if other == 0 else 1)
PY
