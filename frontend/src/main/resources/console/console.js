// The gitfaas console: one page over the public API. No framework, no build step.
// Every text from the server goes into the page with textContent, never as HTML.
"use strict";

const MAX_LIVE_STREAMS = 4; // browsers allow 6 connections per host; the task list needs one
const OUTPUT_BYTES = 64 * 1024;
const SYSTEM_REFRESH_MS = 5000;

const $ = (id) => document.getElementById(id);
const tasks = new Map(); // taskId -> {record, element, seen: [statuses], live: EventSource|null}
const liveOrder = []; // taskIds with an open output stream, oldest first
let me = null;
let lastSystem = null; // the last getSystemStatus answer, to redraw the chart on resize

// ---------- calling the API ----------

class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, {credentials: "same-origin", ...options});
  } catch (e) {
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  if (response.ok) {
    return response.status === 204 ? null : response.json();
  }
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch (e) {
    // not JSON: a proxy's own page
  }
  if (response.status === 401) {
    signedOut();
    message = "Your session has ended. Reload the page to sign in again.";
  }
  throw new ApiError(response.status, message, response.headers.get("Retry-After"));
}

function signedOut() {
  const notice = $("notice");
  notice.textContent = "";
  notice.append("Your session has ended. ");
  const link = document.createElement("a");
  link.href = "/oauth2/start?rd=%2F";
  link.textContent = "Sign in again";
  notice.append(link);
  notice.hidden = false;
}

function show(element, text, kind = "error") {
  element.textContent = text;
  element.dataset.kind = kind;
}

// ---------- formatting ----------

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"}) : "";
}

function seconds(from, to) {
  if (!from) return null;
  const ms = (to ? new Date(to) : new Date()) - new Date(from);
  return ms < 0 ? 0 : ms / 1000;
}

function duration(s) {
  if (s === null) return "";
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const rest = Math.round(s % 60);
  return `${Math.floor(s / 60)} min${rest ? ` ${rest} s` : ""}`;
}

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
}

const TERMINAL = new Set(["FINISHED", "FINISHED_ERRORS", "UNEXPECTED_ERRORS"]);
const STATUS_TEXT = {
  PENDING: "Pending",
  EXECUTING: "Executing",
  FINISHED: "Finished",
  FINISHED_ERRORS: "Failed",
  UNEXPECTED_ERRORS: "Platform error",
};

// ---------- the submit form ----------

function parameters() {
  const text = $("parameters").value;
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // the newline that ends the last line
  return lines;
}

function countParameters() {
  const n = parameters().length;
  $("parameter-count").textContent = n === 0 ? "No parameters." : `${count(n, "parameter")}.`;
}

async function submitTask(event) {
  event.preventDefault();
  const message = $("submit-message");
  const url = $("url").value.trim();
  if (url === "") {
    show(message, "Enter the repository's URL.");
    $("url").focus();
    return;
  }
  const body = {url, parameters: parameters()};
  const ref = $("ref").value.trim();
  if (ref !== "") body.ref = ref;
  const button = $("submit");
  button.disabled = true;
  show(message, "Submitting…", "info");
  try {
    const created = await api("/createTask", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    show(message, `Task submitted (${created.taskId}).`, "ok");
    if (!tasks.has(created.taskId)) {
      // Shown at once; the task list's stream brings the stored record right after.
      upsert({taskId: created.taskId, status: "PENDING", code: 100, url: body.url, ref: body.ref || null,
        parameters: body.parameters, createdAt: new Date().toISOString()}, true);
    }
    openOutput(created.taskId);
  } catch (e) {
    let text = e.message;
    if (e.status === 429 && e.retryAfter) text += ` Try again in ${e.retryAfter} seconds.`;
    show(message, text);
  } finally {
    button.disabled = false;
  }
}

// ---------- the task list ----------

function connectTasks() {
  const state = $("live-state");
  const source = new EventSource("/streamTasks");
  let fresh = new Set();
  let catchingUp = true;
  source.addEventListener("open", () => {
    fresh = new Set();
    catchingUp = true;
  });
  source.addEventListener("task", (e) => {
    const record = JSON.parse(e.data);
    if (catchingUp) fresh.add(record.taskId);
    upsert(record, !catchingUp);
  });
  source.addEventListener("removed", (e) => remove(JSON.parse(e.data).taskId));
  source.addEventListener("ready", () => {
    // After a reconnect the list is sent again: what it no longer has has expired.
    for (const id of [...tasks.keys()]) if (!fresh.has(id)) remove(id);
    catchingUp = false;
    state.textContent = "Live";
    state.dataset.state = "live";
    $("tasks-empty").hidden = tasks.size > 0;
  });
  source.addEventListener("error", async () => {
    state.textContent = "Reconnecting…";
    state.dataset.state = "reconnecting";
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (e.g. the session ended): find out why, retry later.
      try {
        await api("/whoami");
        setTimeout(connectTasks, 3000);
      } catch (err) {
        state.textContent = "Offline";
        state.dataset.state = "offline";
        if (err.status !== 401) setTimeout(connectTasks, 5000);
      }
    }
  });
}

function upsert(record, live) {
  let task = tasks.get(record.taskId);
  if (!task) {
    task = {record, element: render(record), seen: [], live: null};
    tasks.set(record.taskId, task);
    insertInOrder(task);
  } else if (TERMINAL.has(task.record.status) && !TERMINAL.has(record.status)) {
    return; // an older copy (the optimistic one, or a replay): nothing leaves a terminal state
  }
  const before = task.record.status;
  task.record = {...task.record, ...record};
  if (task.seen[task.seen.length - 1] !== record.status) task.seen.push(record.status);
  update(task);
  if (live && before !== record.status && TERMINAL.has(record.status)) finishOutput(task);
  $("tasks-empty").hidden = true;
}

function insertInOrder(task) {
  const list = $("tasks");
  const created = task.record.createdAt;
  for (const other of list.children) {
    const o = tasks.get(other.dataset.taskId);
    if (o && o.record.createdAt < created) {
      list.insertBefore(task.element, other);
      return;
    }
  }
  list.append(task.element);
}

/** Drops what the server no longer keeps (an expired task sends no event). */
function forgetExpired() {
  const now = Date.now();
  for (const [id, task] of tasks) {
    const r = task.record;
    const last = Math.max(...[r.createdAt, r.startedAt, r.finishedAt].filter(Boolean).map((t) => new Date(t).getTime()));
    if (last + me.limits.taskTtlSeconds * 1000 < now) remove(id);
  }
}

function remove(id) {
  const task = tasks.get(id);
  if (!task) return;
  closeLive(task);
  task.element.remove();
  tasks.delete(id);
  $("tasks-empty").hidden = tasks.size > 0;
}

function render(record) {
  const element = $("task-template").content.firstElementChild.cloneNode(true);
  element.dataset.taskId = record.taskId;
  const output = element.querySelector(".output");
  output.id = `output-${record.taskId}`;
  const toggle = element.querySelector(".toggle-output");
  toggle.setAttribute("aria-controls", output.id);
  toggle.addEventListener("click", () => {
    if (output.hidden) openOutput(record.taskId);
    else closeOutput(record.taskId);
  });
  const download = element.querySelector(".download");
  download.href = `/getTaskResult?taskId=${encodeURIComponent(record.taskId)}`;
  element.querySelector(".cancel").addEventListener("click", (e) => cancelTask(record.taskId, e.target));
  element.querySelector(".delete").addEventListener("click", (e) => deleteTask(record.taskId, e.target));
  return element;
}

async function cancelTask(id, button) {
  const task = tasks.get(id);
  if (!task) return;
  const message = task.element.querySelector(".task-message");
  button.disabled = true;
  try {
    const record = await api(`/cancelTask?taskId=${encodeURIComponent(id)}`, {method: "POST"});
    show(message, record.status === "EXECUTING" ? "Stopping the task…" : "Task cancelled.", "ok");
  } catch (e) {
    show(message, e.message);
    button.disabled = false;
  }
}

async function deleteTask(id, button) {
  const task = tasks.get(id);
  if (!task) return;
  if (!window.confirm("Delete this task and its result now?")) return;
  const message = task.element.querySelector(".task-message");
  button.disabled = true;
  try {
    await api(`/deleteTask?taskId=${encodeURIComponent(id)}`, {method: "POST"});
    remove(id);
  } catch (e) {
    show(message, e.message);
    button.disabled = false;
  }
}

function update(task) {
  const r = task.record;
  const e = task.element;
  e.dataset.status = r.status;
  const badge = e.querySelector(".status");
  badge.textContent = STATUS_TEXT[r.status] || r.status;
  badge.dataset.status = r.status;
  e.querySelector(".repo").textContent = r.url;
  e.querySelector(".ref").textContent = r.ref ? `@ ${r.ref}` : "";
  const params = e.querySelector(".params");
  params.textContent = "";
  if (r.parameters && r.parameters.length) {
    params.append("Parameters: ");
    for (const p of r.parameters) {
      const code = document.createElement("code");
      code.textContent = p;
      params.append(code, " ");
    }
  }
  e.querySelector(".created").textContent = `Submitted ${time(r.createdAt)}`;
  renderDurations(task);
  e.querySelector(".timeline").textContent = task.seen.map((s) => STATUS_TEXT[s] || s).join(" → ");
  const reason = e.querySelector(".reason");
  const why = [r.reason, r.error].filter(Boolean).join(": ");
  reason.textContent = r.exitCode !== null && r.exitCode !== undefined && r.exitCode !== 0
    ? `Exit code ${r.exitCode}${why ? ` (${why})` : ""}` : why;
  reason.hidden = reason.textContent === "";
  const download = e.querySelector(".download");
  download.hidden = !TERMINAL.has(r.status);
  const cancel = e.querySelector(".cancel");
  cancel.hidden = TERMINAL.has(r.status);
  const said = e.querySelector(".task-message");
  if (TERMINAL.has(r.status) && said.dataset.kind === "ok") said.textContent = ""; // "Stopping…" is done
  cancel.setAttribute("aria-label", `Cancel the task submitted at ${time(r.createdAt)}`);
  e.querySelector(".delete").setAttribute("aria-label", `Delete the task submitted at ${time(r.createdAt)}`);
  download.setAttribute("aria-label", `Download zip of the task submitted at ${time(r.createdAt)}`);
}

function renderDurations(task) {
  const r = task.record;
  const parts = [];
  const queued = seconds(r.createdAt, r.startedAt);
  if (r.startedAt) parts.push(`waited ${duration(queued)}`);
  else if (!TERMINAL.has(r.status)) parts.push(`waiting ${duration(queued)}`);
  if (r.startedAt) {
    parts.push(`${r.finishedAt ? "ran" : "running"} ${duration(seconds(r.startedAt, r.finishedAt))}`);
  }
  task.element.querySelector(".durations").textContent = parts.length ? `· ${parts.join(" · ")}` : "";
}

// ---------- output: live while running, from the result once finished ----------

function openOutput(id) {
  const task = tasks.get(id);
  if (!task) return;
  const output = task.element.querySelector(".output");
  output.hidden = false;
  task.element.querySelector(".toggle-output").setAttribute("aria-expanded", "true");
  task.element.querySelector(".toggle-output").textContent = "Hide output";
  if (TERMINAL.has(task.record.status)) loadOutput(task);
  else openLive(task);
}

function closeOutput(id) {
  const task = tasks.get(id);
  if (!task) return;
  closeLive(task);
  task.element.querySelector(".output").hidden = true;
  const toggle = task.element.querySelector(".toggle-output");
  toggle.setAttribute("aria-expanded", "false");
  toggle.textContent = "Show output";
}

function openLive(task) {
  if (task.live) return;
  while (liveOrder.length >= MAX_LIVE_STREAMS) {
    const oldest = tasks.get(liveOrder[0]);
    if (oldest) {
      closeLive(oldest);
      setOutputState(oldest, "Live output closed to follow newer tasks; the result will have all of it.");
    } else {
      liveOrder.shift();
    }
  }
  const e = task.element;
  setOutputState(task, "Waiting for output…");
  const source = new EventSource(`/streamTaskOutput?taskId=${encodeURIComponent(task.record.taskId)}`);
  task.live = source;
  liveOrder.push(task.record.taskId);
  for (const stream of ["stdout", "stderr"]) {
    source.addEventListener(stream, (ev) => {
      const pre = e.querySelector(`.${stream}`);
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent += JSON.parse(ev.data).text;
      if (pre.textContent.length > 2 * OUTPUT_BYTES) {
        pre.textContent = "…" + pre.textContent.slice(-OUTPUT_BYTES);
      }
      if (atBottom) pre.scrollTop = pre.scrollHeight;
      setOutputState(task, "Live output");
    });
  }
  source.addEventListener("end", (ev) => {
    closeLive(task);
    upsert({taskId: task.record.taskId, ...JSON.parse(ev.data)}, false);
    loadOutput(task);
  });
  source.addEventListener("error", () => {
    // A closed stream that did not end (the task expired, a network break): the task list
    // tells what happened; reopen only while the task still runs.
    if (source.readyState === EventSource.CLOSED) {
      closeLive(task);
      if (!TERMINAL.has(task.record.status) && tasks.has(task.record.taskId)) {
        setTimeout(() => {
          if (!task.element.querySelector(".output").hidden && !TERMINAL.has(task.record.status)) openLive(task);
        }, 2000);
      }
    }
  });
}

function closeLive(task) {
  if (!task.live) return;
  task.live.close();
  task.live = null;
  const i = liveOrder.indexOf(task.record.taskId);
  if (i >= 0) liveOrder.splice(i, 1);
}

function finishOutput(task) {
  closeLive(task);
  if (!task.element.querySelector(".output").hidden) loadOutput(task);
}

async function loadOutput(task) {
  if (task.loading) return;
  task.loading = true;
  const heads = task.record.outputHeads;
  if (heads) {
    // No zip was kept: the record holds what the program printed first.
    for (const stream of ["stdout", "stderr"]) {
      task.element.querySelector(`.${stream}`).textContent = heads[stream];
    }
    setOutputState(task, "No result was kept for this task; this is the start of what it printed.");
    task.element.dataset.output = "loaded";
    task.loading = false;
    return;
  }
  const id = encodeURIComponent(task.record.taskId);
  setOutputState(task, "Loading the output…");
  try {
    const [out, err] = await Promise.all(["stdout", "stderr"].map((s) =>
      api(`/getTaskOutput?taskId=${id}&stream=${s}&limit=${OUTPUT_BYTES}`)));
    for (const o of [out, err]) {
      task.element.querySelector(`.${o.stream}`).textContent = o.text;
    }
    const cut = [out, err].filter((o) => o.truncated).map((o) => `${o.stream} (${bytes(o.size)})`);
    setOutputState(task, cut.length
      ? `Showing the first ${bytes(OUTPUT_BYTES)} of ${cut.join(" and ")}; the zip has all of it.`
      : "Output of the finished task.");
    task.element.dataset.output = "loaded";
  } catch (e) {
    setOutputState(task, e.message);
  } finally {
    task.loading = false;
  }
}

function setOutputState(task, text) {
  task.element.querySelector(".output-state").textContent = text;
}

// ---------- the admin panel ----------

async function refreshSystem() {
  const message = $("system-message");
  try {
    const s = await api("/getSystemStatus");
    lastSystem = s;
    message.textContent = "";
    const state = $("system-state");
    state.textContent = s.status === "OK" ? "OK" : "Congested";
    state.dataset.status = s.status;
    figures([
      ["Workers", `${s.workers.current} (wanted ${s.workers.desired}, ${s.workers.min} to ${s.workers.max})`],
      ["Busy workers", s.workers.busy],
      ["Queued tasks", s.queue.pending],
      ["Running tasks", s.queue.inFlight],
      ["Oldest queued", s.queue.oldestPendingSeconds ? duration(s.queue.oldestPendingSeconds) : "-"],
      ["Storage", (s.storage || []).map(storeUse).join(", ") || "-"],
      ["Observed", time(s.at)],
    ]);
    if ((s.warnings || []).length) show(message, s.warnings.join("; "));
    chart(s.history || [], s.workers.max);
    decisions(s.logs || []);
  } catch (e) {
    show(message, e.message);
  }
}

/** A store's use as admins read it: "results 12% of 4.0 GiB". */
function storeUse(u) {
  if (u.maxBytes <= 0) return `${u.name} ${bytes(u.bytes)}`;
  return `${u.name} ${Math.floor((u.bytes * 100) / u.maxBytes)}% of ${bytes(u.maxBytes)}`;
}

function figures(pairs) {
  const list = $("system-figures");
  list.textContent = "";
  for (const [name, value] of pairs) {
    const div = document.createElement("div");
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = name;
    dd.textContent = String(value);
    div.append(dt, dd);
    list.append(div);
  }
}

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  return element;
}

function chart(points, maxWorkers) {
  const box = $("chart");
  for (const child of [...box.children]) if (child.tagName !== "title") child.remove();
  // Drawn at the size it is shown, so its text is not stretched.
  const width = Math.max(320, Math.round(box.getBoundingClientRect().width) || 640);
  const height = 200, left = 36, bottom = 20, top = 8;
  box.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const now = Date.now(), hour = 3600 * 1000;
  const top_ = Math.max(1, maxWorkers, ...points.map((p) => Math.max(p.pending, p.inFlight, p.workers)));
  const x = (t) => left + ((t - (now - hour)) / hour) * (width - left - 4);
  const y = (v) => height - bottom - (v / top_) * (height - bottom - top);
  for (const v of [0, Math.ceil(top_ / 2), top_]) {
    box.append(svg("line", {x1: left, x2: width - 4, y1: y(v), y2: y(v), class: "grid"}));
    const label = svg("text", {x: left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end"});
    label.textContent = String(v);
    box.append(label);
  }
  for (const [minutes, anchor] of [[60, "start"], [30, "middle"], [0, "end"]]) {
    const label = svg("text", {x: x(now - minutes * 60000), y: height - 4, class: "axis", "text-anchor": anchor});
    label.textContent = minutes === 0 ? "now" : `${minutes} min ago`;
    box.append(label);
  }
  const recent = points.filter((p) => new Date(p.at).getTime() >= now - hour);
  for (const [key, cls, step] of [["workers", "workers", true], ["pending", "pending", false], ["inFlight", "inflight", false]]) {
    if (!recent.length) break;
    let d = "";
    recent.forEach((p, i) => {
      const px = x(new Date(p.at).getTime()).toFixed(1), py = y(p[key]).toFixed(1);
      if (i === 0) d += `M${px},${py}`;
      else d += step ? `H${px}V${py}` : `L${px},${py}`;
    });
    d += `H${x(now).toFixed(1)}`;
    box.append(svg("path", {d, class: `series ${cls}`}));
  }
  const last = recent[recent.length - 1];
  $("chart-summary").textContent = last
    ? `In the last hour: at most ${count(Math.max(...recent.map((p) => p.workers)), "worker")} and ` +
      `${count(Math.max(...recent.map((p) => p.pending)), "queued task")}.`
    : "No samples yet.";
  box.dataset.points = String(recent.length);
}

function decisions(logs) {
  const table = $("decisions");
  const body = table.querySelector("tbody");
  body.textContent = "";
  for (const d of logs) {
    const row = document.createElement("tr");
    for (const text of [time(d.time), `${d.from} → ${d.to}`, d.pending, d.inFlight, d.reason]) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      row.append(cell);
    }
    body.append(row);
  }
  table.hidden = logs.length === 0;
  $("decisions-empty").hidden = logs.length > 0;
}

async function refreshInjected() {
  const message = $("inject-message");
  try {
    const list = await api("/getInjectedFiles");
    const table = $("injected");
    const body = table.querySelector("tbody");
    body.textContent = "";
    const rows = list.files.map((f) => ({...f, pending: false}))
      .concat(list.pending.filter((n) => !list.files.some((f) => f.name === n))
        .map((name) => ({name, size: null, modified: null, pending: true})));
    for (const f of rows) {
      const row = document.createElement("tr");
      row.dataset.name = f.name;
      for (const text of [f.name, f.size === null ? "" : bytes(f.size), f.pending ? "being stored…" : time(f.modified)]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const actions = document.createElement("td");
      if (!f.pending) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "Delete";
        button.setAttribute("aria-label", `Delete ${f.name}`);
        button.addEventListener("click", () => deleteInjected(f.name, button));
        actions.append(button);
      }
      row.append(actions);
      body.append(row);
    }
    table.hidden = rows.length === 0;
    $("injected-empty").hidden = rows.length > 0;
    return rows;
  } catch (e) {
    show(message, e.message);
    return [];
  }
}

/** Refreshes the list until check(rows) holds (the injector works asynchronously). */
async function refreshInjectedUntil(check) {
  for (let i = 0; i < 30; i++) {
    if (check(await refreshInjected())) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function uploadInjected(event) {
  event.preventDefault();
  const input = $("inject-file");
  const message = $("inject-message");
  if (!input.files.length) {
    show(message, "Choose a file first.");
    input.focus();
    return;
  }
  const file = input.files[0];
  const form = new FormData();
  form.append("file", file, file.name);
  show(message, `Uploading ${file.name}…`, "info");
  try {
    const stored = await api("/injectFile", {method: "POST", body: form});
    show(message, `${stored.name} (${bytes(stored.size)}) uploaded; tasks see it once it is stored.`, "ok");
    input.value = "";
    await refreshInjectedUntil((rows) => rows.some((r) => r.name === stored.name && !r.pending));
  } catch (e) {
    show(message, e.message);
  }
}

async function deleteInjected(name, button) {
  const message = $("inject-message");
  button.disabled = true;
  try {
    await api(`/deleteInjectedFile?name=${encodeURIComponent(name)}`, {method: "POST"});
    show(message, `${name} deleted.`, "ok");
    await refreshInjectedUntil((rows) => !rows.some((r) => r.name === name));
  } catch (e) {
    show(message, e.message);
    button.disabled = false;
  }
}

// ---------- API access ----------

async function copyCookie() {
  const message = $("copy-message");
  try {
    const session = await api("/getSessionCookie");
    const value = session.value || session.header;
    await navigator.clipboard.writeText(value);
    show(message, "Copied. Paste it as the cookie value in Postman or scripts.", "ok");
  } catch (e) {
    show(message, e instanceof ApiError ? e.message : "The browser refused the clipboard; allow it and try again.");
  }
}

// ---------- start ----------

async function start() {
  $("origin-example").textContent = window.location.origin;
  $("submit-form").addEventListener("submit", submitTask);
  $("parameters").addEventListener("input", countParameters);
  $("copy-cookie").addEventListener("click", copyCookie);
  $("inject-form").addEventListener("submit", uploadInjected);
  setInterval(() => {
    for (const task of tasks.values()) if (!TERMINAL.has(task.record.status)) renderDurations(task);
  }, 1000);
  try {
    me = await api("/whoami");
  } catch (e) {
    $("who").textContent = "Not signed in";
    show($("notice"), e.message);
    $("notice").hidden = false;
    return;
  }
  $("who").textContent = me.email;
  if (me.limits) {
    $("tasks-empty").textContent = `No tasks yet. A task and its result are kept for ` +
      `${duration(me.limits.taskTtlSeconds)} after its last change; at most ` +
      `${me.limits.maxActiveTasks} can wait or run at once.`;
    setInterval(forgetExpired, 30000);
  }
  document.body.dataset.ready = "true";
  connectTasks();
  if (me.admin) {
    $("admin").hidden = false;
    refreshSystem();
    refreshInjected();
    setInterval(refreshSystem, SYSTEM_REFRESH_MS);
    window.addEventListener("resize", () => { if (lastSystem) chart(lastSystem.history || [], lastSystem.workers.max); });
  }
}

start();
