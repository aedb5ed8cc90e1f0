"""Congestion test: sends N createTask requests at once, then shows the system status, the queue's
lag and the worker count every few seconds until every task has ended and the system is back to
OK at MIN_WORKERS, and prints a summary. Run it through scripts/congestion.sh, which checks its
arguments and where the credentials come from."""
import collections
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TERMINAL = ("FINISHED", "FINISHED_ERRORS", "UNEXPECTED_ERRORS")


def credentials():
    """The Authorization or Cookie header, from the environment only (argv shows in ps)."""
    token = os.environ.get("GITFAAS_TOKEN", "").strip()
    if token:
        return {"Authorization": "Bearer " + token}
    cookie = os.environ.get("GITFAAS_COOKIE", "").strip()
    path = os.environ.get("GITFAAS_COOKIE_FILE", "").strip()
    if not cookie and path:
        with open(path, encoding="utf-8") as f:
            cookie = f.read().strip()
    if cookie:
        # the bare _oauth2_proxy value, or a whole Cookie header (a split session's parts)
        return {"Cookie": cookie if cookie.startswith("_oauth2_proxy") else "_oauth2_proxy=" + cookie}
    sys.exit("congestion: set GITFAAS_TOKEN, GITFAAS_COOKIE or GITFAAS_COOKIE_FILE (an admin's)")


def main():
    n = int(sys.argv[1])
    base = (sys.argv[2] if len(sys.argv) > 2 else "http://localhost:4180").rstrip("/")
    auth = credentials()
    params = os.environ.get("TASK_PARAMS", "").split()
    poll = float(os.environ.get("POLL_SECONDS", "3"))
    timeout = float(os.environ.get("TIMEOUT_SECONDS", "1800"))
    concurrency = int(os.environ.get("CONCURRENCY", "16"))

    def call(method, path, body=None):
        headers = dict(auth)
        headers["Content-Type"] = "application/json"
        req = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read() or b"{}")
            except ValueError:
                return e.code, {}
        except urllib.error.URLError as e:
            return 0, {"error": str(e.reason)}

    status, me = call("GET", "/getSystemStatus")
    if status != 200:
        sys.exit("getSystemStatus answered %d (%s): the credentials must be an admin's"
                 % (status, me.get("error", "")))
    start_workers = me["workers"]["current"]
    print("before: %s, %d workers (min %d, max %d), lag %d"
          % (me["status"], start_workers, me["workers"]["min"], me["workers"]["max"],
             me["queue"]["pending"] + me["queue"]["inFlight"]))

    ids, refused, sent, lock = set(), collections.Counter(), [0], threading.Lock()

    def create(_):
        code, body = call("POST", "/createTask", {"url": os.environ["TASK_URL"], "parameters": params})
        with lock:
            sent[0] += 1
            if code == 201:
                ids.add(body["taskId"])
            else:
                refused[code] += 1
            sys.stdout.write("\rsent %d/%d (accepted %d, refused %d)"
                             % (sent[0], n, len(ids), sum(refused.values())))
            sys.stdout.flush()

    t0 = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(create, range(n)))
    print()
    if refused:
        print("refused by status: " + ", ".join(
            "%s x%d" % (code or "unreachable", count) for code, count in sorted(refused.items())))

    def statuses():
        """This run's tasks by status: one getAllTasks pass (page by page) per round."""
        seen, cursor = {}, None
        while True:
            path = "/getAllTasks?limit=1000" + ("&cursor=" + cursor if cursor else "")
            code, page = call("GET", path)
            if code != 200:
                return None
            for t in page["tasks"]:
                if t["taskId"] in ids:
                    seen[t["taskId"]] = t["status"]
            cursor = page.get("next")
            if not cursor:
                return seen

    peak, first_up, drained, last = 0, None, None, {}
    while True:
        elapsed = time.monotonic() - t0
        code, s = call("GET", "/getSystemStatus")
        now = statuses()
        if now is not None:
            last = now
        if code == 200:
            lag = s["queue"]["pending"] + s["queue"]["inFlight"]
            w = s["workers"]
            peak = max(peak, lag)
            if first_up is None and w["current"] > start_workers:
                first_up = elapsed
            ended = sum(1 for st in last.values() if st in TERMINAL)
            print("%6.1fs  %-9s  lag %4d (pending %d, in flight %d)  workers %d -> %d (busy %d)"
                  "  ended %d/%d"
                  % (elapsed, s["status"], lag, s["queue"]["pending"], s["queue"]["inFlight"],
                     w["current"], w["desired"], w["busy"], ended, len(ids)))
            if ended == len(ids):
                if drained is None:
                    drained = elapsed
                if s["status"] == "OK" and w["current"] <= w["min"]:
                    break
        if elapsed > timeout:
            print("giving up after %ds" % timeout)
            break
        time.sleep(poll)

    counts = collections.Counter(last.get(i, "gone") for i in ids)
    finished = counts["FINISHED"]
    failed = counts["FINISHED_ERRORS"] + counts["UNEXPECTED_ERRORS"]
    other = len(ids) - finished - failed
    fmt = lambda v: "never" if v is None else "%.1f s" % v
    print("summary: sent %d, accepted %d, refused %d; peak lag %d; first scale-up after %s;"
          " drained after %s; back to minimum after %.1f s; finished %d, failed %d, not done %d"
          % (n, len(ids), sum(refused.values()), peak, fmt(first_up), fmt(drained),
             time.monotonic() - t0, finished, failed, other))
    sys.exit(0 if other == 0 else 1)


if __name__ == "__main__":
    main()
